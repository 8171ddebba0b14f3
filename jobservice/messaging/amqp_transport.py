"""py-amqp with fewer system calls: read-ahead on the socket, and writes held for a batch.

py-amqp's TCP transport reads exactly the bytes it needs next: two `recv` per frame (header,
then payload), three frames per delivered message, and on a socket with a timeout each `recv`
is preceded by a `poll`; every `drain_events(timeout)` also switches the socket's timeout
twice (one syscall each). It writes each published message with its own `sendall`. On a small
virtual machine these system calls cost as much CPU as the work itself, in our processes and
in RabbitMQ, which reads one small TCP segment per message.

`ReadAheadTransport` reads whatever the socket has (up to `READ_CHUNK`) and parses every frame
it holds from that buffer; while a complete frame is buffered the socket is not touched at
all. `held_writes()` keeps what is written meanwhile (a batch of publishes) and sends it with
one `sendall` at the end. Nothing about the protocol changes: the same frames, in the same
order, on the same connection.

`amqp://` connections made by broker.connect() use it (kombu transport `ReadAheadAmqpTransport`).
"""
from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from struct import unpack_from
from typing import Any

from amqp.exceptions import UnexpectedFrame
from amqp.transport import TCPTransport, Transport
from kombu.transport import pyamqp

# Bytes asked of the socket at once; recv returns what is there, up to this.
READ_CHUNK = 65536
# Held writes are sent when they reach this size even before the batch ends (bounds memory).
WRITE_CHUNK = 262144
FRAME_END = 0xCE
_HEADER = 7  # type (1), channel (2), size (4); then the payload and the frame-end octet
# Errors that do not mean the connection is gone (as in py-amqp).
_UNAVAILABLE = {errno.EAGAIN, errno.EINTR, errno.ENOENT, errno.EWOULDBLOCK}


class ReadAheadTransport(TCPTransport):
    def _setup_transport(self) -> None:
        super()._setup_transport()
        self._inbox = bytearray()
        self._inbox_pos = 0  # bytes before it were parsed already
        self._held: bytearray | None = None

    # --- reading -------------------------------------------------------------------------

    def _buffered(self) -> int:
        return len(self._inbox) - self._inbox_pos

    def _fill(self, needed: int) -> None:
        """Receives until `needed` unparsed bytes are buffered. A timeout (or EAGAIN on a
        non-blocking socket) raises socket.timeout with nothing consumed: the partial frame
        stays buffered for the next call."""
        while self._buffered() < needed:
            if self._inbox_pos:
                del self._inbox[: self._inbox_pos]
                self._inbox_pos = 0
            try:
                chunk = self._quick_recv(READ_CHUNK)
            except socket.timeout:
                raise
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):  # non-blocking socket, nothing there
                    raise socket.timeout() from exc
                if exc.errno not in _UNAVAILABLE:
                    self.connected = False
                raise
            if not chunk:
                self.connected = False
                raise OSError("Server unexpectedly closed connection")
            self._inbox += chunk

    def _complete_frame_buffered(self) -> bool:
        if self._buffered() < _HEADER:
            return False
        size = unpack_from(">I", self._inbox, self._inbox_pos + 3)[0]
        return self._buffered() >= _HEADER + size + 1

    def read_frame(self, unpack: Any = None) -> tuple[int, int, bytes]:
        self._fill(_HEADER)
        frame_type, channel, size = unpack_from(">BHI", self._inbox, self._inbox_pos)
        self._fill(_HEADER + size + 1)
        start = self._inbox_pos + _HEADER
        payload = bytes(self._inbox[start : start + size])
        frame_end = self._inbox[start + size]
        self._inbox_pos = start + size + 1
        if frame_end != FRAME_END:
            raise UnexpectedFrame(f"Received frame_end {frame_end:#04x} while expecting 0xce")
        return frame_type, channel, payload

    def _read(self, n: int, initial: bool = False, **_: Any) -> bytes:
        self._fill(n)
        start = self._inbox_pos
        self._inbox_pos += n
        return bytes(self._inbox[start : start + n])

    def having_timeout(self, timeout: float | None) -> Any:
        # A buffered frame is parsed without the socket: no need to switch its timeout.
        if timeout is not None and self.sock is not None and self._complete_frame_buffered():
            return nullcontext(self.sock)
        return super().having_timeout(timeout)

    # --- writing -------------------------------------------------------------------------

    def write(self, s: Any) -> None:
        held = self._held
        if held is None:
            super().write(s)
            return
        held += s  # copied: py-amqp hands over a view of a buffer it reuses
        if len(held) >= WRITE_CHUNK:
            self._send_held()

    def _send_held(self) -> None:
        held = self._held
        if held:
            self._held = bytearray()
            super().write(held)

    @contextmanager
    def held_writes(self) -> Iterator[None]:
        """Writes made inside are sent together at the end (and every WRITE_CHUNK bytes).
        After an exception inside, what was held is dropped: the caller must close the
        connection (the broker has not seen those frames)."""
        if self._held is not None:  # nested: the outer block sends
            yield
            return
        self._held = bytearray()
        try:
            yield
            self._send_held()
        finally:
            self._held = None


class ReadAheadConnection(pyamqp.Connection):
    def Transport(self, host: str, connect_timeout: float | None, ssl: Any = False,  # noqa: N802 - py-amqp's name
                  read_timeout: float | None = None, write_timeout: float | None = None,
                  socket_settings: Any = None, **kwargs: Any) -> Any:
        if ssl:
            return Transport(host, connect_timeout=connect_timeout, ssl=ssl, read_timeout=read_timeout,
                             write_timeout=write_timeout, socket_settings=socket_settings, **kwargs)
        return ReadAheadTransport(host, connect_timeout=connect_timeout, read_timeout=read_timeout,
                                  write_timeout=write_timeout, socket_settings=socket_settings, **kwargs)


class ReadAheadAmqpTransport(pyamqp.Transport):
    """kombu's py-amqp transport on ReadAheadConnection."""

    Connection = ReadAheadConnection


@contextmanager
def held_writes(connection: Any) -> Iterator[None]:
    """`ReadAheadTransport.held_writes()` of a kombu connection; a no-op on other transports."""
    transport = getattr(getattr(connection, "connection", None), "transport", None)
    with transport.held_writes() if isinstance(transport, ReadAheadTransport) else nullcontext():
        yield

"""The read-ahead py-amqp transport: frames parsed from whatever the socket delivered (split or
several at once), a timeout in the middle of a frame loses nothing, held writes go out in one
piece, and a whole publish/consume round trip on RabbitMQ is unchanged."""
from __future__ import annotations

import socket
import struct
import uuid
from collections.abc import Iterator

import pytest
from amqp.exceptions import UnexpectedFrame
from django.conf import settings
from kombu import Consumer

from jobservice.messaging.amqp_transport import ReadAheadTransport
from jobservice.messaging.broker import OutgoingMessage, Publisher, QueueDeclarer, connect, message_bytes


def frame(frame_type: int, channel: int, payload: bytes, end: int = 0xCE) -> bytes:
    return struct.pack(">BHI", frame_type, channel, len(payload)) + payload + bytes([end])


@pytest.fixture
def pair() -> Iterator[tuple[ReadAheadTransport, socket.socket]]:
    """A transport on one end of a socket pair (no broker), and the peer's end."""
    ours, peer = socket.socketpair()
    transport = ReadAheadTransport.__new__(ReadAheadTransport)
    transport.sock = ours
    transport.connected = True
    transport.raise_on_initial_eintr = True
    transport._setup_transport()
    yield transport, peer
    ours.close()
    peer.close()


def test_frames_split_across_reads_and_several_in_one_read(pair) -> None:
    transport, peer = pair
    frames = [frame(1, 1, b"method"), frame(2, 1, b"header" * 50), frame(3, 1, b"x" * 70_000), frame(8, 0, b"")]
    data = b"".join(frames)
    peer.sendall(data[:3])  # not even a whole header yet
    with transport.having_timeout(0.05), pytest.raises(socket.timeout):
        transport.read_frame()
    peer.sendall(data[3:])
    with transport.having_timeout(1):
        got = [transport.read_frame() for _ in frames]
    assert got == [(1, 1, b"method"), (2, 1, b"header" * 50), (3, 1, b"x" * 70_000), (8, 0, b"")]


def test_timeout_in_the_middle_of_a_payload_keeps_the_partial_frame(pair) -> None:
    transport, peer = pair
    data = frame(3, 2, b"0123456789")
    peer.sendall(data[:12])
    with transport.having_timeout(0.05), pytest.raises(socket.timeout):
        transport.read_frame()
    assert transport.connected
    peer.sendall(data[12:])
    with transport.having_timeout(1):
        assert transport.read_frame() == (3, 2, b"0123456789")


def test_non_blocking_read_with_nothing_there_is_a_timeout(pair) -> None:
    transport, _ = pair
    with transport.having_timeout(0), pytest.raises(socket.timeout):
        transport.read_frame()
    assert transport.connected


def test_bad_frame_end_is_refused(pair) -> None:
    transport, peer = pair
    peer.sendall(frame(1, 0, b"abc", end=0x00))
    with transport.having_timeout(1), pytest.raises(UnexpectedFrame):
        transport.read_frame()


def test_closed_peer_marks_the_connection_lost(pair) -> None:
    transport, peer = pair
    peer.sendall(frame(1, 0, b"abc")[:5])
    peer.close()
    with transport.having_timeout(1), pytest.raises(OSError, match="unexpectedly closed"):
        transport.read_frame()
    assert not transport.connected


def test_held_writes_go_out_together_at_the_end(pair) -> None:
    transport, peer = pair
    peer.settimeout(0.05)
    buffer = bytearray(b"first")
    with transport.held_writes():
        transport.write(memoryview(buffer))
        buffer[:] = b"reuse"  # py-amqp reuses its frame buffer: what was written must be kept
        transport.write(memoryview(buffer))
        with pytest.raises(socket.timeout):
            peer.recv(100)  # nothing sent yet
    assert peer.recv(100) == b"firstreuse"


def test_held_writes_are_dropped_after_an_error(pair) -> None:
    transport, peer = pair
    peer.settimeout(0.05)
    with pytest.raises(RuntimeError), transport.held_writes():
        transport.write(b"half a batch")
        raise RuntimeError("publish failed")
    with pytest.raises(socket.timeout):
        peer.recv(100)
    transport.write(b"later")  # not held any more
    assert peer.recv(100) == b"later"


@pytest.mark.server
def test_round_trip_on_rabbitmq(require_rabbitmq) -> None:
    """Thousands of messages published in confirmed batches and consumed with prefetch: each
    arrives once, intact, with its headers, in order."""
    name = f"transport-test-{uuid.uuid4().hex[:8]}"
    declarer = QueueDeclarer("classic")
    publisher = Publisher(settings.BROKER_URL, queue_type="classic")
    connection = connect(settings.BROKER_URL)
    try:
        assert isinstance(connection.connection.transport, ReadAheadTransport)
        bodies = [f"message {number} ".encode() * (number % 50 + 1) for number in range(3000)]
        for start in range(0, len(bodies), 700):
            publisher.publish_batch([OutgoingMessage(name, body, {"n": number})
                                     for number, body in enumerate(bodies[start:start + 700], start)])
        received = []
        with Consumer(connection.channel(), queues=[declarer.queue(name)], on_message=received.append,
                      prefetch_count=500):
            acked = 0
            while len(received) < len(bodies):
                connection.drain_events(timeout=5)
                if len(received) - acked >= 250:
                    received[-1].ack(multiple=True)
                    acked = len(received)
            if acked < len(received):
                received[-1].ack(multiple=True)
        assert [message_bytes(message) for message in received] == bodies
        assert [message.headers["n"] for message in received] == list(range(len(bodies)))
    finally:
        channel = connection.channel()
        channel.queue_delete(name)
        connection.release()
        publisher.close()

"""Broker access on kombu: connections, durable queues, confirmed publishing.

RabbitMQ (`amqp://...`) in production; `filesystem://` is the embedded default, which lets
separate processes exchange messages through files with no server (see the caveat below).

Publishing is confirmed: `Publisher.publish_batch()` returns only once the broker has taken
responsibility for every message of the batch. On RabbitMQ the channel is in confirm mode and
the confirms of a batch are awaited together (one round trip per batch, not per message).

Caveat of `filesystem://`: a message handed to a consumer is removed from its folder at once
and only put back when the consumer closes its channel cleanly; a consumer killed with
SIGKILL loses its unacknowledged messages. Use RabbitMQ where that matters.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import amqp
from kombu import Connection, Exchange, Queue

from jobservice.messaging.amqp_transport import ReadAheadAmqpTransport, held_writes
from jobservice.messaging.fs_transport import AtomicFilesystemTransport

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain"
DEFAULT_EXCHANGE = Exchange("", type="direct")
PERSISTENT = 2


class PublishError(Exception):
    """The broker did not confirm every message of a batch.

    `unconfirmed` holds the positions (in the batch given to `publish_batch`) of the messages
    that may not have been delivered; None when unknown, i.e. none may be assumed delivered.
    """

    def __init__(self, message: str, *, unconfirmed: frozenset[int] | None = None) -> None:
        super().__init__(message)
        self.unconfirmed = unconfirmed

    def affects(self, position: int) -> bool:
        return self.unconfirmed is None or position in self.unconfirmed


@dataclass(frozen=True)
class OutgoingMessage:
    queue: str
    body: bytes
    headers: dict[str, Any] = field(default_factory=dict)


def connect(url: str, *, data_dir: Path | None = None, heartbeat: int = 30) -> Connection:
    """A kombu connection for `url`; `data_dir` holds the files of `filesystem://`."""
    if url.startswith("filesystem"):
        folder = Path(data_dir or "data/broker")
        (folder / "queue").mkdir(parents=True, exist_ok=True)
        (folder / "processed").mkdir(parents=True, exist_ok=True)
        options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": 0.05,
        }
        # Atomic message files: kombu's own can be taken by a consumer before they are written.
        return Connection(url, transport=AtomicFilesystemTransport, transport_options=options)
    if url.startswith("amqp://"):
        # py-amqp with read-ahead and batched writes: far fewer system calls (amqp_transport.py).
        return Connection(url, heartbeat=heartbeat, transport=ReadAheadAmqpTransport)
    return Connection(url, heartbeat=heartbeat)


def is_amqp(connection: Connection) -> bool:
    return connection.transport.driver_type == "amqp"


def reconnect_policy() -> dict[str, Any]:
    """Back off 1 s, 2 s, 3 s... up to 15 s between reconnection attempts, forever."""
    return {"max_retries": None, "interval_start": 1, "interval_step": 1, "interval_max": 15}


def wait_for_connection(connection: Connection, *, max_retries: int | None = None) -> None:
    def log_retry(exc: Exception, interval: float) -> None:
        logger.warning("Broker unreachable (%s); retrying in %.0f s", exc, interval)

    policy = reconnect_policy() | {"max_retries": max_retries}
    connection.ensure_connection(errback=log_retry, **policy)


class QueueDeclarer:
    """Declares each queue once per channel: durable, not auto-deleted, of the configured type
    (`x-queue-type` quorum or classic; RabbitMQ only)."""

    def __init__(self, queue_type: str = "quorum") -> None:
        self.queue_type = queue_type
        self._declared: set[str] = set()

    def queue(self, name: str) -> Queue:
        arguments = {"x-queue-type": self.queue_type} if self.queue_type else {}
        return Queue(
            name,
            exchange=DEFAULT_EXCHANGE,
            routing_key=name,
            durable=True,
            auto_delete=False,
            queue_arguments=arguments,
        )

    def is_declared(self, name: str) -> bool:
        return name in self._declared

    def declare(self, channel: Any, name: str) -> None:
        """Declares `name` on `channel`. Raises amqp PreconditionFailed when the queue exists
        with other arguments (the broker then closes the channel)."""
        if name not in self._declared:
            self.queue(name)(channel).declare()
            self._declared.add(name)

    def declare_passive(self, channel: Any, name: str) -> None:
        channel.queue_declare(queue=name, passive=True)
        self._declared.add(name)

    def forget(self) -> None:
        self._declared.clear()


class Publisher:
    """Publishes batches of messages with publisher confirms on its own connection.

    Not thread-safe: one Publisher per thread.
    """

    def __init__(self, url: str, *, queue_type: str = "quorum", data_dir: Path | None = None,
                 confirm_timeout: float = 30.0, connect_retries: int = 3) -> None:
        self.url = url
        self.data_dir = data_dir
        self.confirm_timeout = confirm_timeout
        # 0 fails fast when the broker is down: for callers that retry later by themselves
        # (the outbox) rather than hold up a request or a database lock.
        self.connect_retries = connect_retries
        self.declarer = QueueDeclarer(queue_type)
        self._connection: Connection | None = None
        self._channel: Any = None
        self._acked_up_to = 0
        self._out_of_order: set[int] = set()
        self._nacked: set[int] = set()
        self._published = 0

    # --- connection management ---------------------------------------------------------------

    def _ensure_channel(self) -> None:
        if self._channel is not None:
            return
        self._connection = connect(self.url, data_dir=self.data_dir)
        wait_for_connection(self._connection, max_retries=self.connect_retries)
        self._channel = self._connection.channel()
        self._published = 0
        self._acked_up_to = 0
        self._out_of_order = set()
        self._nacked = set()
        if is_amqp(self._connection):
            self._channel.confirm_select()
            self._channel.events["basic_ack"].add(self._on_ack)
            self._channel.events["basic_nack"].add(self._on_nack)
            # py-amqp reads the socket before every publish, only to notice a
            # connection.blocked notice early. The confirm wait reads it anyway (and a blocked
            # broker confirms nothing: PublishError after confirm_timeout), so skip that read.
            capabilities = self._connection.connection.client_properties.get("capabilities")
            if capabilities:
                capabilities["connection.blocked"] = False

    def close(self, *, forget_queues: bool = True) -> None:
        connection, self._connection = self._connection, None
        self._channel = None
        if forget_queues:
            self.declarer.forget()
        if connection is not None:
            try:
                connection.release()
            except Exception:  # already broken; nothing left to release
                logger.debug("Error while closing the publisher connection", exc_info=True)

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- confirms ----------------------------------------------------------------------------

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self._acked_up_to = max(self._acked_up_to, delivery_tag)
        elif delivery_tag == self._acked_up_to + 1:
            self._acked_up_to = delivery_tag
        else:
            # Single acks may arrive out of order: remember them until the gap closes.
            self._out_of_order.add(delivery_tag)
        while self._acked_up_to + 1 in self._out_of_order:
            self._acked_up_to += 1
            self._out_of_order.discard(self._acked_up_to)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:  # every tag not yet confirmed up to this one was refused
            self._nacked.update(tag for tag in range(self._acked_up_to + 1, delivery_tag + 1)
                                if tag not in self._out_of_order)
        else:
            self._nacked.add(delivery_tag)
        self._on_ack(delivery_tag, multiple)

    def _unconfirmed(self, first_tag: int, last_tag: int) -> frozenset[int]:
        """Positions in the batch (tags first_tag..last_tag) of messages refused or not acked."""
        return frozenset(
            tag - first_tag for tag in range(first_tag, last_tag + 1)
            if tag in self._nacked or (tag > self._acked_up_to and tag not in self._out_of_order)
        )

    def _await_confirms(self, first_tag: int, last_tag: int) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while self._acked_up_to < last_tag:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishError(f"no confirm within {self.confirm_timeout:.0f} s",
                                   unconfirmed=self._unconfirmed(first_tag, last_tag))
            try:
                self._connection.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                continue
            except Exception as exc:  # the connection broke: what was acked so far is known
                raise PublishError(f"{type(exc).__name__}: {exc}",
                                   unconfirmed=self._unconfirmed(first_tag, last_tag)) from exc
        nacked = [tag for tag in self._nacked if first_tag <= tag <= last_tag]
        if nacked:
            self._nacked.difference_update(nacked)
            raise PublishError(f"broker refused {len(nacked)} message(s)",
                               unconfirmed=frozenset(tag - first_tag for tag in nacked))

    # --- publishing --------------------------------------------------------------------------

    def publish_batch(self, messages: Iterable[OutgoingMessage]) -> int:
        """Publishes every message and waits for the broker's confirms; returns the count.

        Raises PublishError when any message was refused or the connection failed; the
        connection is then dropped and re-established on the next call.
        """
        messages = list(messages)
        if not messages:
            return 0
        try:
            self._ensure_channel()
            for queue in {message.queue for message in messages}:
                self._declare(queue)
            first_tag = self._published + 1
            channel = self._channel
            # One sendall for the batch (amqp_transport.py); on an error inside, the
            # connection is closed below and nothing of the batch counts as confirmed.
            with held_writes(self._connection):
                for message in messages:
                    # The channel's own calls, not kombu's Producer.publish: the same message
                    # without its per-message serializer/compression/declare logic.
                    channel.basic_publish(
                        channel.prepare_message(message.body, None, CONTENT_TYPE, "utf-8",
                                                dict(message.headers), {"delivery_mode": PERSISTENT}),
                        exchange="",
                        routing_key=message.queue,
                    )
                    self._published += 1
            if is_amqp(self._connection):
                self._await_confirms(first_tag, self._published)
            return len(messages)
        except PublishError:
            self.close()
            raise
        except Exception as exc:  # connection or channel failure: nothing is confirmed
            self.close()
            raise PublishError(f"{type(exc).__name__}: {exc}") from exc

    def _declare(self, queue: str) -> None:
        # Called before anything of the batch is published, so a channel reopened after a
        # precondition failure has no confirms pending.
        if self.declarer.is_declared(queue):
            return
        try:
            self.declarer.declare(self._channel, queue)
        except amqp.exceptions.PreconditionFailed:
            logger.info("Queue %s exists with other arguments; using it as it is", queue)
            self.close(forget_queues=False)
            self._ensure_channel()
            self.declarer.declare_passive(self._channel, queue)

    @property
    def connected(self) -> bool:
        """True once a connection is open (it may have gone stale since)."""
        return self._channel is not None

    def connect(self) -> None:
        """Opens the connection now (PublishError if the broker is unreachable), so that a
        caller can find out before it takes database locks for the publish."""
        try:
            self._ensure_channel()
        except Exception as exc:
            self.close()
            raise PublishError(f"{type(exc).__name__}: {exc}") from exc

    def publish(self, queue: str, body: bytes, headers: dict[str, Any] | None = None) -> None:
        self.publish_batch([OutgoingMessage(queue, body, headers or {})])


def message_bytes(message: Any) -> bytes:
    """The raw body of a consumed kombu message (py-amqp hands text/plain bodies over as str)."""
    body = message.body
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)

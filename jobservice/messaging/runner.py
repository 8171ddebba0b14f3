"""The consume loop of a worker: kombu consumer, confirmed publishing, ack after confirms.

`WorkerRunner(worker, broker_url=..., input_queue=..., output_queue=...).run()` consumes the
input queue with prefetch, gives each delivery to the DeliveryHandler (delivery.py) and then
acks it, or requeues it when an output could not be confirmed or the task asked for a retry.
Outputs go through a separate publisher connection (`Publisher`).

Confirms are pipelined across deliveries, in groups: the deliveries already received are
handled one after the other (up to `batch_size`, or `batch_seconds` of handling) with their
outputs collected (output_batch.py); the group's outputs are then published in one confirmed
batch, tracking reports merged per pipe and sent first; then each input is acked (one
`basic_ack(multiple=True)` on RabbitMQ) or requeued. A delivery is acked only after all its
outputs were confirmed; when some were refused, exactly the deliveries they belong to are
requeued (at-least-once: the others are acked).

`stop()` (e.g. from a SIGTERM handler) lets the current delivery finish; the handled part of
the group is then published, confirmed and acked, and the loop closes its connection: the
broker hands the received but unhandled messages to another consumer. A lost connection is
re-established with backoff; an unacked message is redelivered.
"""
from __future__ import annotations

import logging
import socket
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import amqp
from kombu import Consumer

from jobservice.messaging.broker import (
    OutgoingMessage,
    Publisher,
    PublishError,
    QueueDeclarer,
    connect,
    is_amqp,
    message_bytes,
    wait_for_connection,
)
from jobservice.messaging.delivery import Action, Delivery, DeliveryHandler, HandlerConfig, Outcome
from jobservice.messaging.output_batch import OutputBatch
from jobservice.messaging.status_check import StatusChecker
from jobservice.messaging.worker import Worker

logger = logging.getLogger(__name__)

# Deliveries in flight from the broker. Above the group size, so that the next group is
# already arriving while one is settled. A worker with long tasks may want fewer (the
# original: worker threads + 1), so that other instances get a share of the queue.
DEFAULT_PREFETCH = 100
# A group ends after this much handling time even if more deliveries wait: it bounds how
# long a finished task's outputs are held back.
DEFAULT_BATCH_SECONDS = 0.1


@dataclass
class _Handled:
    message: Any  # kombu Message
    outcome: Outcome
    seconds: float


class WorkerRunner:
    """Runs `worker` on `input_queue` until `stop()` (or `max_messages` deliveries, for tests).

    The original's settings, by name: `reject_queue` CAF_WORKER_REJECT_QUEUE (default
    "<worker.name>-reject"), `retry_queue` CAF_WORKER_RETRY_QUEUE (default the input queue),
    `retry_limit` CAF_WORKER_RETRY_LIMIT, `paused_queue` CAF_WORKER_PAUSED_QUEUE (None: tasks
    of paused jobs are processed), `diverted_task_checking`
    CAF_WORKER_ENABLE_DIVERTED_TASK_CHECKING, `zero_progress_reports` the opposite of
    CAF_WORKER_DISABLE_ZERO_PROGRESS_REPORTING, `queue_type` CAF_RABBITMQ_QUEUE_TYPE.
    `data_dir` holds the files of `filesystem://`; `requeue_pause` is the pause after a requeue.
    `batch_size` (default half the prefetch) and `batch_seconds` bound a group of deliveries
    whose outputs are confirmed together.
    """

    def __init__(
        self,
        worker: Worker,
        *,
        broker_url: str,
        input_queue: str,
        output_queue: str,
        paused_queue: str | None = None,
        reject_queue: str | None = None,
        retry_queue: str | None = None,
        retry_limit: int = 10,
        prefetch: int = DEFAULT_PREFETCH,
        data_dir: Path | None = None,
        queue_type: str = "quorum",
        diverted_task_checking: bool = True,
        zero_progress_reports: bool = True,
        status_checker: StatusChecker | None = None,
        max_messages: int | None = None,
        requeue_pause: float = 1.0,
        batch_size: int | None = None,
        batch_seconds: float = DEFAULT_BATCH_SECONDS,
    ) -> None:
        self.worker = worker
        self.broker_url = broker_url
        self.input_queue = input_queue
        self.prefetch = max(1, prefetch)
        self.batch_size = max(1, batch_size or self.prefetch // 2)
        self.batch_seconds = batch_seconds
        self.data_dir = data_dir
        self.max_messages = max_messages
        self.requeue_pause = requeue_pause
        self.config = HandlerConfig(
            input_queue=input_queue,
            output_queue=output_queue,
            reject_queue=reject_queue or f"{worker.name}-reject",
            retry_queue=retry_queue or input_queue,
            paused_queue=paused_queue or None,
            retry_limit=max(1, retry_limit),
            diverted_task_checking=diverted_task_checking,
            zero_progress_reports=zero_progress_reports,
        )
        self.publisher = Publisher(broker_url, queue_type=queue_type, data_dir=data_dir)
        self.outputs = OutputBatch(self._publish_group)
        self.handler = DeliveryHandler(worker, self.config, publish=self.outputs.add,
                                       status_checker=status_checker)
        self.declarer = QueueDeclarer(queue_type)
        self.handled = 0
        self._should_stop = False
        self._multiple_acks = False
        self._acked_up_to = 0  # the delivery tag up to which every delivery was settled

    def stop(self) -> None:
        """Finish the current delivery, settle its group (publish, confirm, ack), then leave
        `run()`; deliveries received but not started go back to the broker. Safe to call from a
        signal handler."""
        self._should_stop = True

    @property
    def stopping(self) -> bool:
        return self._should_stop or self._reached_max_messages(0)

    def _reached_max_messages(self, in_group: int) -> bool:
        return self.max_messages is not None and self.handled + in_group >= self.max_messages

    def run(self) -> None:
        logger.info("%s consuming %s (output %s, reject %s, paused %s)", self.worker.name,
                    self.input_queue, self.config.output_queue, self.config.reject_queue,
                    self.config.paused_queue or "-")
        try:
            while not self.stopping:
                try:
                    self._consume()
                except (OSError, amqp.exceptions.ConnectionError, amqp.exceptions.ChannelError) as exc:
                    if self.stopping:
                        break
                    logger.warning("Broker connection lost (%s); reconnecting", exc)
                    time.sleep(1)
        finally:
            self.publisher.close()

    def _consume(self) -> None:
        # No heartbeats on the consuming connection: process() may run longer than a heartbeat
        # interval and py-amqp only sends them from this thread. TCP notices a dead peer.
        connection = connect(self.broker_url, data_dir=self.data_dir, heartbeat=0)
        try:
            wait_for_connection(connection)
            channel = self._declare_input(connection)
            queue = self.declarer.queue(self.input_queue)
            queue.no_declare = True
            received: deque[Any] = deque()  # delivered, not yet handled (tags in order)
            self._multiple_acks = is_amqp(connection)
            self._acked_up_to = 0  # delivery tags start again on a new channel
            consumer = Consumer(channel, queues=[queue], on_message=received.append,
                                no_ack=False, prefetch_count=self.prefetch)
            with consumer:
                while not self.stopping:
                    if not received:
                        try:
                            connection.drain_events(timeout=1)
                        except (socket.timeout, TimeoutError):
                            continue
                    self._run_group(connection, received)
        finally:
            self.outputs.clear()
            try:
                connection.release()
            except Exception:  # already broken
                logger.debug("Error while closing the consumer connection", exc_info=True)

    def _declare_input(self, connection: Any) -> Any:
        """Declares the input and retry queues; returns an open channel to consume on."""
        channel = connection.channel()
        for name in dict.fromkeys([self.input_queue, self.config.retry_queue]):
            try:
                self.declarer.declare(channel, name)
            except amqp.exceptions.PreconditionFailed:
                # The queue exists with other arguments: use it as it is (reference §2.1).
                logger.info("Queue %s exists with other arguments; using it as it is", name)
                channel = connection.channel()
                self.declarer.declare_passive(channel, name)
        return channel

    def _run_group(self, connection: Any, received: deque[Any]) -> None:
        """Handles the deliveries already received (within the group bounds), then settles
        them: their outputs published with one confirm wait, then acks/requeues."""
        group: list[_Handled] = []
        started = time.monotonic()
        while not self._should_stop and not self._reached_max_messages(len(group)):
            if not received and not _receive_waiting(connection, received):
                break
            self.outputs.begin(len(group))
            group.append(self._handle(received.popleft()))
            if len(group) >= self.batch_size or time.monotonic() - started >= self.batch_seconds:
                break
        self._settle(group)

    def _handle(self, message: Any) -> _Handled:
        started = time.monotonic()
        delivery = Delivery(
            body=message_bytes(message),
            headers=dict(message.headers or {}),
            redelivered=is_redelivered(message),
        )
        try:
            outcome = self.handler.handle(delivery)
        except PublishError as exc:  # a chunk of its outputs was refused
            outcome = Outcome(Action.REQUEUE, f"output not confirmed, requeued: {exc}")
        except Exception as exc:  # a bug of ours must not kill the loop; try again later
            logger.exception("Unexpected error while handling a message")
            outcome = Outcome(Action.REQUEUE, f"unexpected error, requeued: {exc}")
        return _Handled(message, outcome, time.monotonic() - started)

    def _publish_group(self, messages: list[OutgoingMessage]) -> None:
        self.publisher.publish_batch(messages)

    def _settle(self, group: list[_Handled]) -> None:
        """Publishes the group's outputs (one confirm wait), then acks or rejects each input."""
        if not group:
            return
        self.outputs.flush()
        failed = self.outputs.failed
        self.outputs.clear()
        acked: list[Any] = []
        requeued = False
        for position, handled in enumerate(group):
            outcome = handled.outcome
            if position in failed and outcome.action is not Action.REQUEUE:
                # Some of its outputs may not have reached the broker: do it again.
                outcome = Outcome(Action.REQUEUE, "output not confirmed, requeued", outcome.job_task_id)
            if outcome.action is Action.ACK:
                acked.append(handled.message)
            elif outcome.action is Action.REQUEUE:
                handled.message.reject(requeue=True)
                requeued = True
            else:
                handled.message.reject(requeue=False)
            if logger.isEnabledFor(logging.INFO):
                logger.info("%s %s: %s [%s] in %.1f ms", self.worker.name, outcome.job_task_id or "-",
                            outcome.description, outcome.action, handled.seconds * 1000)
        self._ack(acked, [handled.message.delivery_tag for handled in group])
        self.handled += len(group)
        if requeued:
            # The broker redelivers at once: a short pause keeps a failing dependency from
            # being hammered (the original stops consuming for 30 s after a transient error).
            self._pause(self.requeue_pause)

    def _ack(self, acked: list[Any], group_tags: list[int]) -> None:
        """Acks `acked` (the rest of the group is already rejected). On RabbitMQ, one
        `basic_ack(multiple=True)` when the group's tags follow the last settled tag without a
        gap: then every unsettled tag up to the highest acked one is in `acked`."""
        if self._multiple_acks and sorted(group_tags) != list(
                range(self._acked_up_to + 1, self._acked_up_to + 1 + len(group_tags))):
            # Not expected (deliveries come in tag order); one ack each from now on.
            logger.warning("Delivery tags out of order; acking one by one on this channel")
            self._multiple_acks = False
        if self._multiple_acks:
            self._acked_up_to += len(group_tags)
            if acked:
                max(acked, key=lambda message: message.delivery_tag).ack(multiple=True)
        else:
            for message in acked:
                message.ack()

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._should_stop and time.monotonic() < deadline:
            time.sleep(max(0.0, min(0.1, deadline - time.monotonic())))


def _receive_waiting(connection: Any, received: deque[Any]) -> bool:
    """Takes in what the broker already sent, without waiting; False when nothing was there."""
    while not received:
        try:
            connection.drain_events(timeout=0)
        except (socket.timeout, TimeoutError):
            return False
    return True


def is_redelivered(message: Any) -> bool:
    """The broker's redelivered flag; kombu's virtual transports keep it in the raw payload."""
    if message.delivery_info.get("redelivered"):
        return True
    raw = getattr(message, "_raw", None)
    return bool(raw.get("redelivered")) if isinstance(raw, dict) else False

"""The consume loop of a worker: kombu consumer, confirmed publishing, ack after confirms.

`WorkerRunner(worker, broker_url=..., input_queue=..., output_queue=...).run()` consumes the
input queue with prefetch, gives each delivery to the DeliveryHandler (delivery.py) and then
acks it, or requeues it when an output could not be confirmed or the task asked for a retry.
Outputs go through a separate publisher connection (`Publisher`).

Confirms are grouped: the deliveries already waiting in the prefetch buffer are handled one
after the other with their outputs published unconfirmed, then the group is settled at once
(one wait for the broker's confirms, then each input acked, or all requeued when anything was
not confirmed). A delivery is still acked only after its outputs were confirmed; the group
is at most `prefetch` deliveries and ends as soon as no further delivery is waiting.

`stop()` (e.g. from a SIGTERM handler) lets the current message finish; the loop then closes
its connection and the broker hands the prefetched, unacked messages to another consumer.
A lost connection is re-established with backoff; an unacked message is redelivered.
"""
from __future__ import annotations

import logging
import socket
import time
from pathlib import Path
from typing import Any

import amqp
from kombu import Consumer

from jobservice.messaging.broker import (
    Publisher,
    PublishError,
    QueueDeclarer,
    connect,
    message_bytes,
    wait_for_connection,
)
from jobservice.messaging.delivery import Action, Delivery, DeliveryHandler, HandlerConfig, Outcome
from jobservice.messaging.status_check import StatusChecker
from jobservice.messaging.worker import Worker

logger = logging.getLogger(__name__)

DEFAULT_PREFETCH = 2  # the original: worker threads (1) + prefetch buffer (1)


class WorkerRunner:
    """Runs `worker` on `input_queue` until `stop()` (or `max_messages` deliveries, for tests).

    The original's settings, by name: `reject_queue` CAF_WORKER_REJECT_QUEUE (default
    "<worker.name>-reject"), `retry_queue` CAF_WORKER_RETRY_QUEUE (default the input queue),
    `retry_limit` CAF_WORKER_RETRY_LIMIT, `paused_queue` CAF_WORKER_PAUSED_QUEUE (None: tasks
    of paused jobs are processed), `diverted_task_checking`
    CAF_WORKER_ENABLE_DIVERTED_TASK_CHECKING, `zero_progress_reports` the opposite of
    CAF_WORKER_DISABLE_ZERO_PROGRESS_REPORTING, `queue_type` CAF_RABBITMQ_QUEUE_TYPE.
    `data_dir` holds the files of `filesystem://`; `requeue_pause` is the pause after a requeue.
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
    ) -> None:
        self.worker = worker
        self.broker_url = broker_url
        self.input_queue = input_queue
        self.prefetch = max(1, prefetch)
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
        self.handler = DeliveryHandler(worker, self.config, publish=self._publish_unconfirmed,
                                       status_checker=status_checker)
        self.declarer = QueueDeclarer(queue_type)
        self.handled = 0
        self._should_stop = False
        # Handled deliveries whose outputs await the broker's confirms: (message, outcome, started).
        self._unsettled: list[tuple[Any, Outcome, float]] = []
        self._group_failed: str | None = None

    def stop(self) -> None:
        """Finish the current message, then leave `run()`. Safe to call from a signal handler."""
        self._should_stop = True

    @property
    def stopping(self) -> bool:
        handled = self.handled + len(self._unsettled)
        return self._should_stop or (self.max_messages is not None and handled >= self.max_messages)

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
            consumer = Consumer(channel, queues=[queue], callbacks=[self._on_message],
                                accept=None, no_ack=False, prefetch_count=self.prefetch)
            with consumer:
                try:
                    while not self.stopping:
                        try:
                            # A short wait while a group is open: settle it as soon as no
                            # further delivery is already waiting.
                            connection.drain_events(timeout=0.001 if self._unsettled else 1)
                        except (socket.timeout, TimeoutError):
                            self._settle()
                            continue
                        if len(self._unsettled) >= self.prefetch:
                            self._settle()
                finally:
                    self._settle()
        finally:
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

    def _on_message(self, body: Any, message: Any) -> None:
        started = time.monotonic()
        delivery = Delivery(
            body=message_bytes(message),
            headers=dict(message.headers or {}),
            redelivered=is_redelivered(message),
        )
        try:
            outcome = self.handler.handle(delivery)
        except PublishError as exc:
            outcome = Outcome(Action.REQUEUE, f"output not confirmed, requeued: {exc}")
            self._group_failed = str(exc)
        except Exception as exc:  # a bug of ours must not kill the loop; try again later
            logger.exception("Unexpected error while handling a message")
            outcome = Outcome(Action.REQUEUE, f"unexpected error, requeued: {exc}")
        self._unsettled.append((message, outcome, started))

    def _publish_unconfirmed(self, messages: list[Any]) -> None:
        self.publisher.publish_batch(messages, confirm=False)

    def _settle(self) -> None:
        """Confirms the outputs of the handled deliveries, then acks/rejects each of them."""
        if not self._unsettled:
            return
        group, self._unsettled = self._unsettled, []
        try:
            self.publisher.confirm_pending()
        except PublishError as exc:
            self._group_failed = self._group_failed or str(exc)
        failure, self._group_failed = self._group_failed, None
        requeued = False
        for message, outcome, started in group:
            if failure is not None and outcome.action is not Action.REQUEUE:
                # Its outputs may not have reached the broker: at-least-once, do it again.
                outcome = Outcome(Action.REQUEUE, f"output not confirmed, requeued: {failure}",
                                  outcome.job_task_id)
            if outcome.action is Action.ACK:
                message.ack()
            elif outcome.action is Action.REQUEUE:
                message.reject(requeue=True)
                requeued = True
            else:
                message.reject(requeue=False)
            self.handled += 1
            logger.info("%s %s: %s [%s] in %.1f ms", self.worker.name, outcome.job_task_id or "-",
                        outcome.description, outcome.action, (time.monotonic() - started) * 1000)
        if requeued:
            # The broker redelivers at once: a short pause keeps a failing dependency from
            # being hammered (the original stops consuming for 30 s after a transient error).
            self._pause(self.requeue_pause)

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._should_stop and time.monotonic() < deadline:
            time.sleep(max(0.0, min(0.1, deadline - time.monotonic())))


def is_redelivered(message: Any) -> bool:
    """The broker's redelivered flag; kombu's virtual transports keep it in the raw payload."""
    if message.delivery_info.get("redelivered"):
        return True
    raw = getattr(message, "_raw", None)
    return bool(raw.get("redelivered")) if isinstance(raw, dict) else False

"""The paused-message store: keeps the messages workers divert for paused jobs until resume
(decision "pause and resume without extra services"; reference worker-messaging.md §2.10,
§3.3, api-and-database.md §3.11, §6.4).

A worker that finds a task's job Paused publishes the message unchanged to the paused queue
(`CAF_WORKER_PAUSED_QUEUE`), with `to` still naming the worker's input queue. This consumer
stores each one as a PausedMessage row of its job, keeping the body bytes and the headers
as received. `job_resume` marks the rows released and the dispatcher publishes them back
to their queue.

Per message: decode, store in one transaction with the job row locked (so a concurrent
resume either sees the new row or is seen by it), ack after the commit.
* job Paused: kept until resume;
* job Active or Waiting (resumed while the message travelled): kept as already released,
  so it is re-published at once;
* job missing, Cancelled, Completed or Failed: dropped (acked), logged at INFO;
* a copy already stored (a redelivery): acked, not stored twice;
* not a usable message (undecodable, no tracking, no destination): published to
  `<paused queue>-reject` with the reason in a header, then acked;
* database unavailable: requeued after a capped back-off, never acked.
"""
from __future__ import annotations

import base64
import logging
import time
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.utils import timezone
from kombu.mixins import ConsumerMixin

from jobs.models import PIPE_MAX_LENGTH, Job, PausedMessage
from jobs.outbox import dispatch_after_commit
from jobs.states import JobStatus
from jobservice.messaging.broker import Publisher, PublishError, QueueDeclarer, connect, message_bytes
from jobservice.messaging.messages import InvalidMessage, JobTaskId, decode_task_message
from jobservice.messaging.retries import REJECTED_HEADER, TASKMESSAGE_INVALID

logger = logging.getLogger(__name__)

REJECT_REASON_HEADER = "x-jobservice-reject-reason"

# Messages of jobs in these statuses are of no use any more: workers would discard them.
FINISHED_STATUSES = frozenset({JobStatus.CANCELLED, JobStatus.COMPLETED, JobStatus.FAILED})
MAX_BACKOFF_SECONDS = 10.0


class StoreOutcome(StrEnum):
    KEPT = "kept"
    RELEASED = "released"
    DUPLICATE = "duplicate"
    DROPPED = "dropped"


class UnusablePausedMessage(Exception):
    """The message cannot be kept for any job; the text says why."""


def reject_queue_name(paused_queue: str) -> str:
    return f"{paused_queue}-reject"


def paused_message_store(*, body: bytes, headers: dict[str, Any]) -> StoreOutcome:
    """Stores one diverted message for its job. Raises UnusablePausedMessage."""
    try:
        message = decode_task_message(body)
    except InvalidMessage as exc:
        raise UnusablePausedMessage(f"not a task message: {exc}") from exc
    if message.tracking is None:
        raise UnusablePausedMessage("the message has no tracking information, so no job")
    if not message.to:
        raise UnusablePausedMessage("the message has no destination (to)")
    if len(message.to) > PIPE_MAX_LENGTH:
        raise UnusablePausedMessage(f"the destination is longer than {PIPE_MAX_LENGTH} characters")
    task_id = JobTaskId.parse(message.tracking.job_task_id)

    with transaction.atomic():
        job = (
            Job.objects.select_for_update()
            .filter(partition_id=task_id.partition_id, job_id=task_id.job_id)
            .first()
        )
        if job is None or job.status in FINISHED_STATUSES:
            logger.info(
                "Dropped a paused message of %s: job %s",
                task_id, "not found" if job is None else job.status,
            )
            return StoreOutcome.DROPPED
        if PausedMessage.objects.filter(job=job, queue=message.to, body=body).exists():
            logger.info("Paused message of %s already stored (redelivery)", task_id)
            return StoreOutcome.DUPLICATE
        # Resume takes the same job lock: either it ran before (the job is no longer Paused,
        # release the message now) or it runs after and releases this row with the others.
        released = None if job.status == JobStatus.PAUSED else timezone.now()
        PausedMessage.objects.create(
            job=job, queue=message.to, body=body, headers=json_safe_headers(headers), released_date=released
        )
        if released is not None:
            dispatch_after_commit()
    outcome = StoreOutcome.KEPT if released is None else StoreOutcome.RELEASED
    logger.info("Paused message of %s for %s: %s", task_id, message.to, outcome)
    return outcome


def json_safe_headers(headers: dict[str, Any]) -> dict[str, Any]:
    """AMQP header tables may hold bytes, dates and decimals; the store keeps JSON. Values
    that JSON cannot hold are kept as text (bytes as UTF-8, else base64)."""
    return {str(key): _json_safe(value) for key, value in (headers or {}).items()}


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return json_safe_headers(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode("ascii")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


class PausedStoreConsumer(ConsumerMixin):
    """Consumes the paused queue (kombu ConsumerMixin: reconnects, `should_stop`).

    `max_messages` and `deadline` (a time.monotonic() value) end `run()` early, for tests.
    """

    def __init__(self, *, url: str, queue_name: str, queue_type: str = "quorum",
                 data_dir: Path | None = None, prefetch: int = 100,
                 max_messages: int | None = None, deadline: float | None = None) -> None:
        self.url = url
        self.queue_name = queue_name
        self.queue_type = queue_type
        self.data_dir = data_dir
        self.prefetch = prefetch
        self.max_messages = max_messages
        self.deadline = deadline
        self.connection = connect(self.url, data_dir=self.data_dir)
        self.should_stop = False
        self.handled = 0
        self._failures = 0
        self.reject_queue = reject_queue_name(self.queue_name)
        self.publisher = Publisher(self.url, queue_type=self.queue_type, data_dir=self.data_dir)

    def get_consumers(self, Consumer: Any, channel: Any) -> list:  # noqa: N803 (kombu's name)
        queue = QueueDeclarer(self.queue_type).queue(self.queue_name)
        return [Consumer(queues=[queue], on_message=self.on_message, prefetch_count=self.prefetch)]

    def on_iteration(self) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.should_stop = True

    def on_message(self, message: Any) -> None:
        body = message_bytes(message)
        headers = dict(message.headers or {})
        close_old_connections()
        try:
            paused_message_store(body=body, headers=headers)
        except UnusablePausedMessage as exc:
            if not self._reject(body, headers, str(exc)):
                self._requeue_later(message)
                return
        except (OperationalError, InterfaceError):
            logger.exception("Database unavailable; the paused message is requeued")
            self._requeue_later(message)
            return
        except Exception as exc:  # anything else would fail again on every redelivery
            logger.exception("Paused message could not be stored")
            if not self._reject(body, headers, f"could not be stored: {type(exc).__name__}: {exc}"):
                self._requeue_later(message)
                return
        message.ack()
        self._failures = 0
        self._count()

    def _reject(self, body: bytes, headers: dict[str, Any], reason: str) -> bool:
        logger.warning("Paused message rejected to %s: %s", self.reject_queue, reason)
        reject_headers = {**headers, REJECTED_HEADER: TASKMESSAGE_INVALID, REJECT_REASON_HEADER: reason}
        try:
            self.publisher.publish(self.reject_queue, body, reject_headers)
        except PublishError:
            logger.warning("Could not publish to %s", self.reject_queue, exc_info=True)
            return False
        return True

    def _requeue_later(self, message: Any) -> None:
        self._failures += 1
        time.sleep(min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(self._failures, 5)))
        message.requeue()
        close_old_connections()

    def _count(self) -> None:
        self.handled += 1
        if self.max_messages is not None and self.handled >= self.max_messages:
            self.should_stop = True

    def close(self) -> None:
        self.publisher.close()
        self.connection.release()

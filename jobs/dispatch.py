"""Publishes due work from the outbox tables to the broker (reference api-and-database.md
§4.3-§4.5; decisions "no lost dispatch" and "pause and resume without extra services").

Two kinds of due work:

* JobTask rows: the task of a job, once it is eligible (`eligible_to_run_date` reached), not
  suspended and with no prerequisite left, and only while the job is Waiting or Active.
  A Paused job's task is held until it is resumed; Cancelled jobs lose their row when they
  are cancelled and are excluded here anyway.
* PausedMessage rows released by resume: the messages workers diverted while the job was
  paused, published back to their queue with their body and headers as received. They are
  held again if the job was paused once more before they went out.

Each batch runs in one transaction: lock and delete the rows (SKIP LOCKED on PostgreSQL, so
several dispatchers share the work and never send a row twice; SQLite serialises writers
with its IMMEDIATE transactions), publish them with publisher confirms, commit. The deletion
commits only after the broker confirmed every message: a failed publish or a crash before the
commit rolls it back and the rows are sent again (at-least-once; consumers are idempotent).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from jobs.models import Job, JobDependency, JobTask, PausedMessage
from jobs.states import JobStatus
from jobs.task_message import job_task_message
from jobservice.messaging.broker import OutgoingMessage, Publisher, PublishError
from jobservice.messaging.messages import now_millis

logger = logging.getLogger(__name__)

# Rows per transaction: large enough that the confirm round trip is amortised, small enough
# that locks are short and a failed batch costs little to resend.
DEFAULT_BATCH_SIZE = 1000

# Jobs whose task may be sent to a worker. Paused jobs wait for resume; Cancelled, Completed
# and Failed jobs never get their task.
DISPATCHABLE_STATUSES = (JobStatus.WAITING, JobStatus.ACTIVE)
# Released messages of jobs in these statuses stay in the store.
HELD_MESSAGE_STATUSES = (JobStatus.PAUSED, JobStatus.CANCELLED)


def due_tasks() -> QuerySet[JobTask]:
    """The outbox rows that may be dispatched now, oldest first (all partitions)."""
    waiting_for_prerequisite = JobDependency.objects.filter(job_id=OuterRef("job_id"))
    return (
        JobTask.objects.filter(
            suspended=False,
            eligible_to_run_date__isnull=False,
            eligible_to_run_date__lte=timezone.now(),
            job__status__in=DISPATCHABLE_STATUSES,
        )
        .filter(~Exists(waiting_for_prerequisite))
        .order_by("eligible_to_run_date")
    )


def released_messages() -> QuerySet[PausedMessage]:
    """Kept messages that resume released, in the order they were released."""
    return (
        PausedMessage.objects.filter(released_date__isnull=False)
        .exclude(job__status__in=HELD_MESSAGE_STATUSES)
        .order_by("released_date", "id")
    )


def _lock_skipping_locked(rows: QuerySet) -> QuerySet:
    # Locks only the outbox rows, not the joined job rows (the tracker updates those often).
    # SQLite has no row locks; its IMMEDIATE transactions already exclude other writers.
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


class Dispatcher:
    """Publishes due outbox rows through one Publisher. Not thread-safe: one per thread (the
    process-wide one behind `dispatch_due()` is guarded by a lock)."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher

    def dispatch_due(self, *, limit: int = DEFAULT_BATCH_SIZE) -> int:
        """Publishes one batch of due tasks and one of released messages; returns how many
        messages went out. Raises PublishError (rows stay for the next try)."""
        return self.dispatch_tasks(limit=limit) + self.dispatch_released_messages(limit=limit)

    def dispatch_tasks(self, *, limit: int = DEFAULT_BATCH_SIZE) -> int:
        """1. make sure the broker answers before any lock is taken;
        2. lock and delete up to `limit` due rows (uncommitted), build their messages;
        3. publish with confirms; commit. A failed publish rolls the deletion back."""
        fresh = self._connect_if_due(due_tasks())
        if fresh is None:
            return 0
        started = time.monotonic()
        with transaction.atomic():
            tasks = _take_due_tasks(limit)
            if not tasks:
                return 0
            now_ms = now_millis()
            messages = [_task_outgoing_message(*task, now_ms=now_ms) for task in tasks]
            self._publish(messages, fresh=fresh)
        logger.info(
            "Dispatched %d job task(s) in %.0f ms (first %s:%s)",
            len(tasks), (time.monotonic() - started) * 1000, tasks[0][1], tasks[0][2],
        )
        return len(tasks)

    def dispatch_released_messages(self, *, limit: int = DEFAULT_BATCH_SIZE) -> int:
        """Same steps as `dispatch_tasks`, for the messages kept while jobs were paused."""
        fresh = self._connect_if_due(released_messages())
        if fresh is None:
            return 0
        with transaction.atomic():
            rows = list(_lock_skipping_locked(released_messages())[:limit])
            if not rows:
                return 0
            messages = [OutgoingMessage(row.queue, bytes(row.body), dict(row.headers or {})) for row in rows]
            self._publish(messages, fresh=fresh)
            PausedMessage.objects.filter(pk__in=[row.pk for row in rows]).delete()
        logger.info("Re-published %d message(s) kept for paused jobs", len(rows))
        return len(rows)

    def close(self) -> None:
        self.publisher.close()

    def _connect_if_due(self, due: QuerySet) -> bool | None:
        """Connects to the broker when there is something to publish and no connection yet.

        Returns None when nothing is due (only checked without a connection: with one, the
        locking select finds out as cheaply), else True when the connection is new.
        """
        if self.publisher.connected:
            return False
        if not due.exists():
            return None
        self.publisher.connect()
        return True

    def _publish(self, messages: list[OutgoingMessage], *, fresh: bool) -> None:
        try:
            self.publisher.publish_batch(messages)
        except PublishError:
            if fresh:
                raise
            # A connection kept from an earlier call may have been closed by the broker while
            # idle (missed heartbeats): one more try on a new connection before giving up.
            logger.info("Publishing on a kept broker connection failed; reconnecting once")
            self.publisher.publish_batch(messages)


# Read as tuples: building model instances would cost more than the rest of a batch.
TASK_FIELDS = (
    "pk", "job__partition_id", "job__job_id", "task_classifier", "task_api_version", "task_data",
    "task_pipe", "target_pipe",
)


def _take_due_tasks(limit: int) -> list[tuple]:
    """Locks and deletes up to `limit` due rows inside the current transaction and returns
    them as TASK_FIELDS tuples."""
    if connection.vendor == "postgresql":
        return _take_due_tasks_returning(limit)
    tasks = list(_lock_skipping_locked(due_tasks()).values_list(*TASK_FIELDS)[:limit])
    JobTask.objects.filter(pk__in=[task[0] for task in tasks]).delete()
    return tasks


def _take_due_tasks_returning(limit: int) -> list[tuple]:
    # One statement instead of a select and a delete of a thousand ids: DELETE ... USING the
    # job ... WHERE pk IN (the ORM's due-rows query, FOR UPDATE SKIP LOCKED) RETURNING.
    due_sql, due_params = _lock_skipping_locked(due_tasks()).values("pk")[:limit].query.sql_with_params()
    quote = connection.ops.quote_name
    task_pk = quote(JobTask._meta.pk.column)
    columns = {field.name: quote(field.column) for field in JobTask._meta.concrete_fields}
    job_columns = {field.name: quote(field.column) for field in Job._meta.concrete_fields}
    returning = ", ".join(
        [f"t.{task_pk}", f"j.{job_columns['partition_id']}", f"j.{job_columns['job_id']}"]
        + [f"t.{columns[name]}" for name in TASK_FIELDS[3:]]
    )
    sql = (
        f"DELETE FROM {quote(JobTask._meta.db_table)} AS t USING {quote(Job._meta.db_table)} AS j "
        f"WHERE j.{job_columns['id']} = t.{task_pk} AND t.{task_pk} IN ({due_sql}) RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, due_params)
        return cursor.fetchall()


def _task_outgoing_message(
    pk: int, partition_id: str, job_id: str, classifier: str, api_version: int, data: bytes | memoryview,
    task_pipe: str, target_pipe: str | None, *, now_ms: int,
) -> OutgoingMessage:
    message = job_task_message(
        partition_id=partition_id,
        job_id=job_id,
        task_classifier=classifier,
        task_api_version=api_version,
        task_data=bytes(data),
        task_pipe=task_pipe,
        target_pipe=target_pipe,
        now_ms=now_ms,
    )
    return OutgoingMessage(task_pipe, message.encode(), {})


# --- the process-wide dispatcher ------------------------------------------------------------

_lock = threading.Lock()
_shared: Dispatcher | None = None
_shared_config: tuple | None = None


def _broker_config() -> tuple[str, Path, str]:
    # Read at call time so that tests (and settings overrides) can point elsewhere.
    return (settings.BROKER_URL, Path(settings.BROKER_DATA_DIR), settings.BROKER_QUEUE_TYPE)


def _shared_dispatcher() -> Dispatcher:
    global _shared, _shared_config
    config = _broker_config()
    if _shared is None or _shared_config != config:
        if _shared is not None:
            _shared.close()
        url, data_dir, queue_type = config
        # connect_retries=0: when the broker is down, fail at once; the rows stay and the
        # scheduler retries with its own back-off (an API request is never held up).
        _shared = Dispatcher(Publisher(url, queue_type=queue_type, data_dir=data_dir, connect_retries=0))
        _shared_config = config
    return _shared


def with_shared_dispatcher(action: Callable[[Dispatcher], int]) -> int:
    """Runs `action` with the process-wide dispatcher, one thread at a time."""
    with _lock:
        return action(_shared_dispatcher())


def dispatch_due_or_raise(*, limit: int = DEFAULT_BATCH_SIZE) -> int:
    """`dispatch_due()` that lets PublishError through (for the scheduler's back-off)."""
    return with_shared_dispatcher(lambda dispatcher: dispatcher.dispatch_due(limit=limit))


def dispatch_due(*, limit: int = DEFAULT_BATCH_SIZE) -> int:
    """Publishes a batch of due work with the process-wide dispatcher; returns the count.

    A broker failure is logged at WARNING and leaves the rows for the scheduler; database
    errors propagate.
    """
    try:
        return dispatch_due_or_raise(limit=limit)
    except PublishError as exc:
        logger.warning("Broker unavailable, due work stays in the outbox for the scheduler: %s", exc)
        return 0


def close_shared_dispatcher() -> None:
    global _shared, _shared_config
    with _lock:
        if _shared is not None:
            _shared.close()
        _shared, _shared_config = None, None

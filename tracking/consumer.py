"""The tracker's consume loop: reports in batches, one transaction per batch, ack after commit.

An explicit `drain_events(timeout)` loop batches by count and time (up to `batch_size`
messages or `batch_seconds` after the first one). Per batch:

1. read every message (tracking.intake): reports to apply, messages to publish;
2. apply all reports in one transaction (tracking.services.tracking_reports_apply);
3. publish forwards, refusals and answers with broker confirms;
4. ack the batch. Delivery is at-least-once; applying a report twice changes nothing.

A database outage (OperationalError, InterfaceError: connection lost, deadlock, "database is
locked") requeues the batch and backs off; any other error retries the batch message by
message, and a message that still fails goes to the reject queue with the reason. A lost
broker connection reconnects with backoff; the broker redelivers whatever was not acked.
"""
from __future__ import annotations

import logging
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import InterfaceError, OperationalError, close_old_connections, connection
from kombu import Consumer

from jobservice.messaging.broker import (
    PublishError,
    Publisher,
    QueueDeclarer,
    connect,
    message_bytes,
    wait_for_connection,
)
from tracking.intake import Intake, TrackerQueues, read_message
from tracking.services import BatchOutcome, tracking_reports_apply
from tracking.services.cleanup import SweepCursor, task_progress_sweep

logger = logging.getLogger(__name__)

TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)
MAX_BACKOFF_SECONDS = 30.0


def peak_rss_mib() -> int:
    """This process's peak resident memory. VmHWM on Linux: ru_maxrss would also count the
    parent's memory at fork time, which Linux carries across exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@dataclass(frozen=True)
class TrackerOptions:
    broker_url: str
    data_dir: Path | None
    queue_type: str
    queues: TrackerQueues
    # Large batches amortise the transaction; prefetch above the batch size keeps the next
    # batch arriving while this one is written.
    batch_size: int = 1000
    batch_seconds: float = 0.2
    prefetch: int = 2000
    sweep_seconds: float = 10.0
    max_messages: int | None = None  # tests: stop after this many messages
    idle_exit: float | None = None  # tests: stop after this long without a message


@dataclass
class Delivery:
    message: Any  # kombu Message
    body: bytes
    headers: dict[str, Any]
    intake: Intake | None = None


class TrackerConsumer:
    def __init__(self, options: TrackerOptions) -> None:
        self.options = options
        self.should_stop = False
        self.received = 0
        self._buffer: list[Any] = []
        self._publisher = Publisher(options.broker_url, queue_type=options.queue_type, data_dir=options.data_dir)
        self._sweep_cursor = SweepCursor()
        self._next_sweep = time.monotonic() + options.sweep_seconds
        self._last_message = time.monotonic()
        self._db_backoff = 1.0

    def stop(self, *args: object) -> None:
        """Signal-safe: only sets the flag; the loop finishes its batch and exits."""
        self.should_stop = True

    # --- connection ------------------------------------------------------------------------

    def run(self) -> None:
        self._wait_for_database()
        backoff = 1.0
        while not self.should_stop:
            connection = connect(self.options.broker_url, data_dir=self.options.data_dir)
            try:
                wait_for_connection(connection, max_retries=1)
                self._consume(connection)
                backoff = 1.0
            except (*connection.connection_errors, *connection.channel_errors, OSError) as exc:
                logger.warning("Broker connection lost (%s); reconnecting in %.0f s", exc, backoff)
                self._buffer.clear()  # not acked: the broker delivers them again
                self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            finally:
                try:
                    connection.release()
                except Exception:  # already broken
                    logger.debug("Error while closing the consumer connection", exc_info=True)
        self._publisher.close()

    def _consume(self, connection: Any) -> None:
        options = self.options
        channel = connection.channel()
        queue = QueueDeclarer(options.queue_type).queue(options.queues.input)
        consumer = Consumer(
            channel, queues=[queue], on_message=self._buffer.append, no_ack=False, prefetch_count=options.prefetch
        )
        logger.info("Tracker consuming %s", options.queues.input)
        with consumer:
            while not self.should_stop:
                self._fill_batch(connection)
                if self._buffer:
                    self._process(self._take_batch())
                self._maybe_sweep()
                self._check_exit()
            if self._buffer:  # stopping: finish what was received
                self._process(self._take_batch())

    def _fill_batch(self, connection: Any) -> None:
        """Receives until the batch is full or `batch_seconds` passed since its first message;
        returns after 1 s without any message, for housekeeping."""
        options = self.options
        deadline: float | None = None
        while not self.should_stop and len(self._buffer) < options.batch_size:
            if options.max_messages and self.received + len(self._buffer) >= options.max_messages:
                return
            if self._buffer and deadline is None:
                deadline = time.monotonic() + options.batch_seconds
            timeout = deadline - time.monotonic() if deadline is not None else 1.0
            if timeout <= 0:
                return
            try:
                connection.drain_events(timeout=timeout)
            except TimeoutError:
                return
            self._last_message = time.monotonic()

    def _take_batch(self) -> list[Any]:
        # Emptied in place: the consumer's on_message is bound to this very list.
        batch = list(self._buffer)
        self._buffer.clear()
        self.received += len(batch)
        return batch

    def _check_exit(self) -> None:
        options = self.options
        if options.max_messages and self.received >= options.max_messages:
            logger.info("Tracker stopping after %d messages", self.received)
            self.should_stop = True
        elif options.idle_exit is not None and time.monotonic() - self._last_message >= options.idle_exit:
            logger.info("Tracker stopping: idle for %.1f s", options.idle_exit)
            self.should_stop = True

    # --- one batch -------------------------------------------------------------------------

    def _process(self, messages: list[Any]) -> None:
        started = time.monotonic()
        deliveries = []
        for message in messages:
            body = message_bytes(message)
            deliveries.append(Delivery(message, body, dict(message.headers or {})))
        outcome = self._apply(deliveries)
        if outcome is None:
            return
        outputs = [
            output
            for delivery in deliveries
            for output in delivery.intake.outputs(delivery.body, delivery.headers, self.options.queues)
        ]
        try:
            self._publisher.publish_batch(outputs)
        except PublishError as exc:
            logger.warning("Publishing %d message(s) failed (%s); batch requeued", len(outputs), exc)
            self._requeue(deliveries)
            return
        for delivery in deliveries:
            delivery.message.ack()
        logger.info(
            "Batch of %d message(s): %d report(s) applied, %d ignored, %d refused, jobs completed %s, "
            "%d dependent(s) released, %d failed, %.0f ms, peak rss %d MiB",
            len(deliveries),
            outcome.applied,
            outcome.ignored,
            sum(len(reasons) for reasons in outcome.refused.values()),
            outcome.completed_jobs[:5],
            outcome.released_jobs,
            outcome.failed_dependents,
            (time.monotonic() - started) * 1000,
            peak_rss_mib(),
        )

    def _apply(self, deliveries: list[Delivery]) -> BatchOutcome | None:
        """Applies the reports of `deliveries`; None when they were requeued."""
        for index, delivery in enumerate(deliveries):
            delivery.intake = self._read(delivery, index)
        reports = [report for delivery in deliveries for report in delivery.intake.reports]
        close_old_connections()
        try:
            outcome = tracking_reports_apply(reports=reports)
        except TRANSIENT_DB_ERRORS as exc:
            # Held (not acked) during the pause, so the broker does not hand them to us again
            # at once; the pause grows while the outage lasts.
            logger.warning("Database unavailable (%s); batch requeued, next try in %.0f s", exc, self._db_backoff)
            self._sleep(self._db_backoff)
            self._db_backoff = min(self._db_backoff * 2, MAX_BACKOFF_SECONDS)
            self._requeue(deliveries)
            return None
        except Exception as exc:
            if len(deliveries) > 1:
                logger.warning("Batch failed (%s); retrying message by message", exc, exc_info=True)
                return self._apply_one_by_one(deliveries)
            logger.error("Message refused: its reports cannot be applied", exc_info=True)
            deliveries[0].intake.refused.append(f"Could not be applied: {type(exc).__name__}: {exc}")
            return BatchOutcome()
        self._db_backoff = 1.0
        for source, reasons in outcome.refused.items():
            deliveries[source].intake.refused.extend(reasons)
            logger.warning("Refused: %s", "; ".join(reasons))
        return outcome

    def _read(self, delivery: Delivery, index: int) -> Intake:
        # A message this tracker cannot read is refused (reject queue), never a crashed loop.
        try:
            return read_message(delivery.body, delivery.headers, queues=self.options.queues, source=index)
        except Exception as exc:
            logger.error("Unreadable message refused", exc_info=True)
            return Intake(refused=[f"Unreadable message: {type(exc).__name__}: {exc}"])

    def _apply_one_by_one(self, deliveries: list[Delivery]) -> BatchOutcome | None:
        total = BatchOutcome()
        for index, delivery in enumerate(deliveries):
            outcome = self._apply([delivery])
            if outcome is None:
                # This one was requeued: requeue the others too (those already applied are
                # applied again on redelivery, which changes nothing).
                self._requeue(deliveries[:index] + deliveries[index + 1 :])
                return None
            total.applied += outcome.applied
            total.ignored += outcome.ignored
            total.completed_jobs += outcome.completed_jobs
            total.released_jobs += outcome.released_jobs
            total.failed_dependents += outcome.failed_dependents
            for reasons in outcome.refused.values():
                total.refused[index].extend(reasons)
        return total

    def _requeue(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            delivery.message.requeue()

    # --- housekeeping ----------------------------------------------------------------------

    def _maybe_sweep(self) -> None:
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + self.options.sweep_seconds
        try:
            close_old_connections()
            deleted = task_progress_sweep(cursor=self._sweep_cursor)
        except TRANSIENT_DB_ERRORS as exc:
            logger.warning("Cleanup sweep skipped: %s", exc)
            return
        except Exception:  # cleanup is housekeeping: it must never stop the tracker
            logger.error("Cleanup sweep failed; next try in %.0f s", self.options.sweep_seconds, exc_info=True)
            return
        if deleted:
            logger.info("Cleanup sweep deleted %d subtask row(s)", deleted)

    def _wait_for_database(self) -> None:
        """Connects before consuming, so that a missing database holds the messages in the
        broker instead of requeueing them in a loop."""
        backoff = 1.0
        while not self.should_stop:
            try:
                close_old_connections()
                connection.ensure_connection()
                return
            except TRANSIENT_DB_ERRORS as exc:
                logger.warning("Database unavailable (%s); retrying in %.0f s", exc, backoff)
                self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.should_stop and time.monotonic() < deadline:
            time.sleep(min(0.2, deadline - time.monotonic()))

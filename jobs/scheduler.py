"""The scheduler: sweeps the outbox tables (reference api-and-database.md §4.3).

Work is normally published right after the commit that made it due (jobs.outbox); the
scheduler publishes what that could not: delayed jobs whose time has come, work left behind
by a broker outage or a crashed process, dependents released by the tracker. It runs as its
own process (`manage.py run_scheduler`); several may run at once.
"""
from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections

from jobs.dispatch import DEFAULT_BATCH_SIZE, dispatch_due_or_raise
from jobservice.messaging.broker import PublishError

logger = logging.getLogger(__name__)

# Back-off after a failed round (broker or database down): doubles up to this many seconds.
MAX_BACKOFF_SECONDS = 30.0


class Scheduler:
    """Calls the dispatcher until nothing is due, then sleeps `period` seconds.

    `stop()` (from a signal handler or another thread) ends `run()` at the next check.
    """

    def __init__(self, *, period: float | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.period = period if period is not None else settings.CAF_SCHEDULED_EXECUTOR_PERIOD
        self.batch_size = batch_size
        self._stop = threading.Event()
        self._failures = 0

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, *, once: bool = False) -> None:
        logger.info("Scheduler started (period %.1f s)", self.period)
        while not self.stopping:
            ok = self.run_round()
            if once:
                break
            self._stop.wait(self.period if ok else self._backoff())
        logger.info("Scheduler stopped")

    def run_round(self) -> bool:
        """Dispatches everything due; returns False when the broker or the database failed
        (logged; the rows stay and the next round tries again)."""
        close_old_connections()
        try:
            while not self.stopping and dispatch_due_or_raise(limit=self.batch_size) > 0:
                pass
        except PublishError as exc:
            self._failures += 1
            logger.warning("Broker unavailable; due work stays in the outbox: %s", exc)
            return False
        except Exception:  # a database outage must not end the process
            self._failures += 1
            logger.exception("Dispatch round failed; retrying")
            close_old_connections()
            return False
        self._failures = 0
        return True

    def _backoff(self) -> float:
        return min(MAX_BACKOFF_SECONDS, max(self.period, 1.0) * 2 ** min(self._failures - 1, 5))

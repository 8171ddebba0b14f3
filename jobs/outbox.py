"""Hand-off from the job store to dispatch.

Services call `dispatch_after_commit()` whenever they made work due (a job created with no
delay, a dependent released, paused messages released by resume). The dispatcher publishes
what is due right after the commit; whatever it cannot publish stays in the outbox tables
and the scheduler sweeps it later, so nothing is lost if the broker is down.
"""
import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def dispatch_after_commit() -> None:
    transaction.on_commit(_dispatch_due_now, robust=True)


def _dispatch_due_now() -> None:
    # Imported late: dispatch needs the broker, which the API must not need at import time.
    from jobs.dispatch import dispatch_due  # noqa: PLC0415

    try:
        dispatch_due()
    except Exception:  # the scheduler retries; the client's request already succeeded
        logger.warning("Immediate dispatch failed; the scheduler will retry", exc_info=True)

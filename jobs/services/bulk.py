"""Bulk cancel and delete: POST jobs:cancel / jobs:delete (reference §3.7, §3.9).

Jobs are taken in batches (CAF_CANCEL_JOBS_BATCH_LIMIT / CAF_DELETE_JOBS_BATCH_LIMIT),
ordered by job id descending; each batch is its own transaction, so earlier batches stay
committed if a later one fails, and a huge partition never holds one long transaction.
"""
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from jobs.errors import BadRequest, NotFound
from jobs.models import Job
from jobs.selectors import JobFilter, job_queryset
from jobs.services.transitions import job_cancel, job_delete
from jobs.states import STATUS_TYPES


def jobs_cancel(*, job_filter: JobFilter) -> int:
    """Cancels every matching job that is not finished (Active, Paused, Waiting); returns
    how many this request cancelled."""
    not_finished = sorted(STATUS_TYPES["NotFinished"])
    return _in_batches(
        job_queryset(job_filter).filter(status__in=not_finished),
        settings.CAF_CANCEL_JOBS_BATCH_LIMIT,
        lambda job_id: job_cancel(partition_id=job_filter.partition_id, job_id=job_id),
        # Finished or deleted since it was selected: not ours to count.
        skipped=(BadRequest, NotFound),
    )


def jobs_delete(*, job_filter: JobFilter) -> int:
    """Deletes every matching job, whatever its status; returns how many were deleted."""
    return _in_batches(
        job_queryset(job_filter),
        settings.CAF_DELETE_JOBS_BATCH_LIMIT,
        lambda job_id: job_delete(partition_id=job_filter.partition_id, job_id=job_id),
        skipped=(NotFound,),  # deleted concurrently
    )


def _in_batches(
    matching: QuerySet[Job],
    batch_limit: int,
    apply: Callable[[str], object],
    *,
    skipped: tuple[type[Exception], ...],
) -> int:
    """Applies `apply` to each matching job id, a batch per transaction, until a batch comes
    back short; `apply` must take the job out of `matching`, or the loop would not end.
    Returns how many jobs it was applied to, not counting those it raised `skipped` for."""
    batch_size = max(batch_limit, 1)
    total = 0
    while True:
        with transaction.atomic():
            batch = list(matching.order_by("-job_id").values_list("job_id", flat=True)[:batch_size])
            for job_id in batch:
                try:
                    apply(job_id)
                except skipped:
                    continue
                total += 1
        if len(batch) < batch_size:
            return total

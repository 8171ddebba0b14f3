"""Bulk cancel and delete: POST jobs:cancel / jobs:delete (reference §3.7, §3.9).

Jobs are taken in batches (CAF_CANCEL_JOBS_BATCH_LIMIT / CAF_DELETE_JOBS_BATCH_LIMIT),
ordered by job id descending; each batch is its own transaction, so earlier batches stay
committed if a later one fails, and a huge partition never holds one long transaction.
"""
from django.conf import settings
from django.db import transaction

from jobs.errors import BadRequest, NotFound
from jobs.selectors import JobFilter, job_queryset
from jobs.services.transitions import job_cancel, job_delete
from jobs.states import STATUS_TYPES


def jobs_cancel(*, job_filter: JobFilter) -> int:
    """Cancels every matching job that is not finished (Active, Paused, Waiting); returns
    how many this request cancelled."""
    batch_size = max(settings.CAF_CANCEL_JOBS_BATCH_LIMIT, 1)
    not_finished = sorted(STATUS_TYPES["NotFinished"])
    matching = job_queryset(job_filter).filter(status__in=not_finished)
    total = 0
    while True:
        with transaction.atomic():
            batch = list(matching.order_by("-job_id").values_list("job_id", flat=True)[:batch_size])
            for job_id in batch:
                try:
                    job_cancel(partition_id=job_filter.partition_id, job_id=job_id)
                except (BadRequest, NotFound):
                    # Finished or deleted since it was selected: not ours to count.
                    continue
                total += 1
        if len(batch) < batch_size:
            return total


def jobs_delete(*, job_filter: JobFilter) -> int:
    """Deletes every matching job, whatever its status; returns how many were deleted."""
    batch_size = max(settings.CAF_DELETE_JOBS_BATCH_LIMIT, 1)
    matching = job_queryset(job_filter)
    total = 0
    while True:
        with transaction.atomic():
            batch = list(matching.order_by("-job_id").values_list("job_id", flat=True)[:batch_size])
            for job_id in batch:
                try:
                    job_delete(partition_id=job_filter.partition_id, job_id=job_id)
                except NotFound:
                    continue  # deleted concurrently
                total += 1
        if len(batch) < batch_size:
            return total

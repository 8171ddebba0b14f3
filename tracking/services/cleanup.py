"""Deletes the subtask rows of jobs that no longer need them (reference api-and-database.md
§2.9): jobs that completed, were cancelled or no longer exist. Failed jobs keep theirs (a
retried task may still complete them).

Off the hot path: the tracker calls `task_progress_sweep()` every few seconds, and each call
does a bounded amount of work in short transactions, so huge jobs are removed piece by piece
and deleting a job in the API stays fast (no cascade).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from jobs.models import Job
from jobs.states import JobStatus
from tracking.models import TaskProgress

DONE_STATUSES = (JobStatus.COMPLETED, JobStatus.CANCELLED)


@dataclass
class SweepCursor:
    """Where the previous sweep stopped in the list of jobs that have rows (by job pk)."""

    after_job_pk: int = 0


def task_progress_sweep(*, cursor: SweepCursor, jobs_per_call: int = 200, rows_per_call: int = 5000) -> int:
    """Deletes up to `rows_per_call` rows of finished jobs among the next `jobs_per_call`
    jobs that have rows; returns how many rows were deleted."""
    roots = list(
        TaskProgress.objects.filter(parent_task_id__isnull=True, job_pk__gt=cursor.after_job_pk)
        .order_by("job_pk")
        .values_list("job_pk", "partition_id")[:jobs_per_call]
    )
    if not roots:
        cursor.after_job_pk = 0  # wrap around
        return 0
    pks = [pk for pk, _ in roots]
    live = set(Job.objects.filter(pk__in=pks).exclude(status__in=DONE_STATUSES).values_list("pk", flat=True))
    deleted = 0
    for job_pk, partition_id in roots:
        if job_pk in live:
            cursor.after_job_pk = job_pk
            continue
        deleted += _delete_some(job_pk, partition_id, rows_per_call - deleted)
        if deleted >= rows_per_call:
            return deleted  # the job is finished next time; the cursor stays before it
        cursor.after_job_pk = job_pk
    return deleted


@transaction.atomic
def _delete_some(job_pk: int, partition_id: str, limit: int) -> int:
    """Deletes up to `limit` rows of the job; its root row last, so the job stays findable
    by the sweep until everything is gone."""
    rows = TaskProgress.objects.filter(partition_id=partition_id, job_pk=job_pk)
    pks = list(rows.filter(parent_task_id__isnull=False).values_list("pk", flat=True)[:limit])
    deleted = TaskProgress.objects.filter(pk__in=pks).delete()[0] if pks else 0
    if len(pks) < limit:
        deleted += rows.filter(parent_task_id__isnull=True).delete()[0]
    return deleted

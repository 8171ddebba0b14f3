"""What a job's outcome does to the jobs waiting on it (reference api-and-database.md
§4.6-§4.7). Runs inside the tracker's batch transaction.

(Cancelling or deleting a prerequisite cancels its dependents: jobs.services.transitions.)
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jobs.models import Job, JobDependency, JobTask
from jobs.outbox import dispatch_after_commit
from jobs.states import JobStatus


def dependents_release(*, partition_id: str, job_id: str, now: datetime) -> int:
    """The job completed: its dependency rows go, and each waiting job with no prerequisite
    left becomes due (now, or after its delay). Returns how many jobs were released."""
    waiting = JobDependency.objects.filter(partition_id=partition_id, prerequisite_job_id=job_id)
    waiting_pks = list(waiting.values_list("job_id", flat=True))
    if not waiting_pks:
        return 0
    # Locked so that two trackers completing two prerequisites of the same job at once
    # cannot both see the other's dependency row and both leave the job waiting.
    dependents = list(
        Job.objects.select_for_update()
        .filter(partition_id=partition_id, pk__in=waiting_pks)
        .order_by("pk")
        .values_list("pk", "delay")
    )
    waiting.delete()
    still_waiting = set(
        JobDependency.objects.filter(job_id__in=waiting_pks).values_list("job_id", flat=True)
    )
    released = 0
    dispatch_now = False
    for pk, delay in dependents:
        if pk in still_waiting:
            continue
        if delay:
            # Only if not already scheduled: a replayed completion must not push it back.
            count = JobTask.objects.filter(job_id=pk, eligible_to_run_date__isnull=True).update(
                eligible_to_run_date=now + timedelta(seconds=delay)
            )
        else:
            count = JobTask.objects.filter(job_id=pk).update(eligible_to_run_date=now)
            dispatch_now = dispatch_now or count > 0
        released += count
    if dispatch_now:
        dispatch_after_commit()
    return released


def dependents_fail(*, partition_id: str, job_id: str, failure: dict[str, Any], now: datetime) -> int:
    """A task of the job failed: every job that waits on it, directly or transitively, fails
    with the failure and its root; their dependency rows go. Cancelled and completed jobs are
    left alone. Returns how many jobs were failed."""
    root = f"{partition_id}:{job_id}"
    details = [{**failure, "rootFailure": root}]
    frontier = [job_id]
    seen: set[int] = set()
    while frontier:
        waiting_pks = JobDependency.objects.filter(
            partition_id=partition_id, prerequisite_job_id__in=frontier
        ).values_list("job_id", flat=True)
        jobs = list(
            Job.objects.select_for_update()
            .filter(partition_id=partition_id, pk__in=list(waiting_pks))
            .exclude(status__in=[JobStatus.CANCELLED, JobStatus.COMPLETED])
            .exclude(pk__in=seen)
            .order_by("pk")
            .values_list("pk", "job_id")
        )
        pks = [pk for pk, _ in jobs]
        seen.update(pks)
        Job.objects.filter(pk__in=pks).update(
            status=JobStatus.FAILED, percentage_complete=0.0, failure_details=details, last_update_date=now
        )
        # Their own rows only; the rows naming them as prerequisite lead to the next level.
        JobDependency.objects.filter(job_id__in=pks).delete()
        frontier = [dependent_id for _, dependent_id in jobs]
    return len(seen)

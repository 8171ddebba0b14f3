"""Cancel, pause, resume and delete one job (reference api-and-database.md §3.6-§3.11, §3.16).

Each runs in its own transaction with the job row locked, so concurrent operations on the
same job serialise and a repeated call is a no-op.
"""
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from jobs.errors import BadRequest, job_not_found
from jobs.models import Job, JobDependency, JobTask, PausedMessage
from jobs.outbox import dispatch_after_commit
from jobs.states import CANCELLABLE, PAUSABLE, RESUMABLE, JobStatus


@dataclass(frozen=True)
class TransitionResult:
    """`changed` is False when the job already was in the target state (a no-op)."""

    job: Job
    changed: bool


def _locked_job(partition_id: str, job_id: str) -> Job:
    job = Job.objects.select_for_update().filter(partition_id=partition_id, job_id=job_id).first()
    if job is None:
        raise job_not_found(job_id)
    return job


def _prerequisite_gone_failure(job: Job, reason: str) -> dict:
    return {
        "failureId": "PREREQUISITE_" + reason.upper(),
        "failureTime": timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "failureSource": f"{job.partition_id}:{job.job_id}",
        "failureMessage": f"Prerequisite job {job.job_id} was {reason}.",
    }


def _cancel_waiting_dependents(job: Job, reason: str) -> None:
    """A dependent never waits forever: jobs waiting on a cancelled or deleted job are
    cancelled too, with the reason in their failure details (transitively)."""
    pending = [job]
    while pending:
        prerequisite = pending.pop()
        waiting_pks = JobDependency.objects.filter(
            partition_id=prerequisite.partition_id, prerequisite_job_id=prerequisite.job_id
        ).values_list("job_id", flat=True)
        dependents = Job.objects.select_for_update().filter(
            pk__in=list(waiting_pks), status__in=[JobStatus.WAITING, JobStatus.PAUSED]
        )
        failure = _prerequisite_gone_failure(prerequisite, reason)
        for dependent in dependents:
            _set_cancelled(dependent, failures=[*(dependent.failure_details or []), failure])
            pending.append(dependent)


def _set_status(job: Job, status: JobStatus, *, failures: list | None = None) -> None:
    """Saves the job's new status and last update time (and failures, when given)."""
    job.status = status
    job.last_update_date = timezone.now()
    fields = ["status", "last_update_date"]
    if failures is not None:
        job.failure_details = failures
        fields.append("failure_details")
    job.save(update_fields=fields)


def _set_cancelled(job: Job, failures: list | None = None) -> None:
    _set_status(job, JobStatus.CANCELLED, failures=failures)
    # Cancelled work is never dispatched later, and kept messages are never replayed.
    JobTask.objects.filter(job=job).delete()
    PausedMessage.objects.filter(job=job).delete()


@transaction.atomic
def job_cancel(*, partition_id: str, job_id: str) -> TransitionResult:
    job = _locked_job(partition_id, job_id)
    if job.status not in CANCELLABLE:
        raise BadRequest(f"ERROR: job_id {{{job_id}}} cannot be cancelled")
    if job.status == JobStatus.CANCELLED:
        return TransitionResult(job, changed=False)
    _set_cancelled(job)
    _cancel_waiting_dependents(job, "cancelled")
    return TransitionResult(job, changed=True)


@transaction.atomic
def job_pause(*, partition_id: str, job_id: str) -> TransitionResult:
    job = _locked_job(partition_id, job_id)
    if job.status not in PAUSABLE:
        raise BadRequest(
            f"ERROR: job_id {{{job_id}}} cannot be paused as it has a status of {{{job.status}}}. "
            "Only jobs with a status of Active or Waiting can be paused."
        )
    if job.status == JobStatus.PAUSED:
        return TransitionResult(job, changed=False)
    _set_status(job, JobStatus.PAUSED)
    return TransitionResult(job, changed=True)


@transaction.atomic
def job_resume(*, partition_id: str, job_id: str) -> TransitionResult:
    job = _locked_job(partition_id, job_id)
    if job.status not in RESUMABLE:
        raise BadRequest(
            f"job_id {{{job_id}}} cannot be resumed as it has a status of {{{job.status}}}. "
            "Only jobs with a status of Paused can be resumed."
        )
    if job.status == JobStatus.ACTIVE:
        return TransitionResult(job, changed=False)
    _set_status(job, JobStatus.ACTIVE)
    # The messages workers diverted while the job was paused go back to their queues.
    released = PausedMessage.objects.filter(job=job, released_date__isnull=True).update(
        released_date=job.last_update_date
    )
    # A task held in the outbox while the job was paused is due again at once too.
    if released or JobTask.objects.filter(job=job).exists():
        dispatch_after_commit()
    return TransitionResult(job, changed=True)


@transaction.atomic
def job_delete(*, partition_id: str, job_id: str) -> None:
    job = _locked_job(partition_id, job_id)
    _cancel_waiting_dependents(job, "deleted")
    # Labels, dependencies, the outbox row and kept messages go with the job (cascade).
    job.delete()

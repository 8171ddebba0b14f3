"""What the job page shows besides the job's own fields: failures, labels, prerequisites,
dependents, the pending task and the kept paused messages. Read-only queries, each scoped to
the job's partition."""
from dataclasses import dataclass

from django.db.models import Count, Q

from jobs.models import Job, JobDependency, JobTask, PausedMessage

RELATED_JOBS_SHOWN = 100


@dataclass(frozen=True)
class Failure:
    failure_id: str
    failure_time: str
    failure_source: str
    failure_message: str
    root_failure: str


@dataclass(frozen=True)
class RelatedJob:
    """A prerequisite or dependent; `job` is None when it does not exist (yet)."""

    job_id: str
    job: Job | None


@dataclass(frozen=True)
class PausedMessages:
    kept: int
    released: int


def job_failures(job: Job) -> list[Failure]:
    details = job.failure_details if isinstance(job.failure_details, list) else []
    return [
        Failure(
            failure_id=str(item.get("failureId", "")),
            failure_time=str(item.get("failureTime", "")),
            failure_source=str(item.get("failureSource", "")),
            failure_message=str(item.get("failureMessage", "")),
            root_failure=str(item.get("rootFailure", "")),
        )
        for item in details
        if isinstance(item, dict)
    ]


def _jobs_by_id(partition_id: str, job_ids: list[str]) -> dict[str, Job]:
    jobs = Job.objects.filter(partition_id=partition_id, job_id__in=job_ids).only(
        "id", "partition_id", "job_id", "name", "status"
    )
    return {job.job_id: job for job in jobs}


def job_prerequisites(job: Job) -> list[RelatedJob]:
    """Prerequisites this job still waits for (a row exists only while one is incomplete)."""
    ids = list(
        JobDependency.objects.filter(job=job)
        .order_by("prerequisite_job_id")
        .values_list("prerequisite_job_id", flat=True)[:RELATED_JOBS_SHOWN]
    )
    found = _jobs_by_id(job.partition_id, ids)
    return [RelatedJob(job_id, found.get(job_id)) for job_id in ids]


def job_dependents(job: Job) -> list[RelatedJob]:
    """Jobs of the same partition that wait for this one."""
    dependents = (
        Job.objects.filter(
            pk__in=JobDependency.objects.filter(
                partition_id=job.partition_id, prerequisite_job_id=job.job_id
            ).values("job_id")
        )
        .only("id", "partition_id", "job_id", "name", "status")
        .order_by("job_id")[:RELATED_JOBS_SHOWN]
    )
    return [RelatedJob(dependent.job_id, dependent) for dependent in dependents]


def job_pending_task(job: Job) -> JobTask | None:
    return JobTask.objects.filter(job=job).defer("task_data").first()


def job_paused_messages(job: Job) -> PausedMessages:
    counts = PausedMessage.objects.filter(job=job).aggregate(
        kept=Count("id", filter=Q(released_date__isnull=True)),
        released=Count("id", filter=Q(released_date__isnull=False)),
    )
    return PausedMessages(kept=counts["kept"], released=counts["released"])

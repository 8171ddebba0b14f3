"""Fixtures of the tracker tests: jobs in the store, reports as workers send them."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from jobs.models import Job, JobDependency, JobTask
from jobs.states import JobStatus
from tracking.reports import Report, ReportKind, failure_record

PARTITION = "tenant-a"


@pytest.fixture
def make_job(db) -> Callable[..., Job]:
    def make(
        job_id: str,
        *,
        partition_id: str = PARTITION,
        status: JobStatus = JobStatus.WAITING,
        delay: int = 0,
        prerequisites: tuple[str, ...] = (),
    ) -> Job:
        now = timezone.now()
        job = Job.objects.create(
            partition_id=partition_id,
            job_id=job_id,
            name=job_id,
            create_date=now,
            last_update_date=now,
            status=status,
            job_hash="x",
            delay=delay,
        )
        JobTask.objects.create(
            job=job,
            task_classifier="BatchWorker",
            task_api_version=1,
            task_data=b"{}",
            task_pipe="batch-in",
            target_pipe="batch-out",
            eligible_to_run_date=None if prerequisites else now,
        )
        for prerequisite in prerequisites:
            JobDependency.objects.create(job=job, partition_id=partition_id, prerequisite_job_id=prerequisite)
        return job

    return make


def complete(task_id: str, partition_id: str = PARTITION, source: int = 0) -> Report:
    return Report(partition_id, task_id, ReportKind.COMPLETE, source=source)


def progress(task_id: str, percentage: float, partition_id: str = PARTITION, source: int = 0) -> Report:
    return Report(partition_id, task_id, ReportKind.PROGRESS, percentage, source=source)


def failed(task_id: str, message: str = "boom", partition_id: str = PARTITION, source: int = 0) -> Report:
    failure = failure_record(
        failure_id="RESULT_EXCEPTION", failure_time_millis=1767323045678, source="example-worker", message=message
    )
    return Report(partition_id, task_id, ReportKind.FAILED, failure=failure, source=source)


def reload(job: Job) -> Job:
    return Job.objects.get(pk=job.pk)

"""Fixtures of the API tests: a client, and jobs written straight into the store."""
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jobs.models import Job, Label
from jobs.states import JobStatus

BASE = "/job-service/v1/partitions"


def job_url(partition_id: str, job_id: str, suffix: str = "") -> str:
    return f"{BASE}/{partition_id}/jobs/{job_id}{suffix}"


def new_job_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "a job",
        "task": {
            "taskClassifier": "classifier",
            "taskApiVersion": 1,
            "taskData": "some data",
            "taskPipe": "worker-in",
            "targetPipe": "worker-out",
        },
    }
    body.update(overrides)
    return body


@pytest.fixture
def client(api_client: APIClient) -> APIClient:
    """Sends a token that may do everything (tests/conftest.py)."""
    return api_client


@pytest.fixture
def make_job(db: None) -> Callable[..., Job]:
    """Writes a job row directly (no API, no outbox): for read/sort/filter tests."""
    counter = iter(range(1, 1_000_000))

    def make(
        job_id: str,
        partition_id: str = "p1",
        *,
        status: str = JobStatus.WAITING,
        labels: dict[str, str | None] | None = None,
        created: dt.datetime | None = None,
        **fields: Any,
    ) -> Job:
        created = created or timezone.now() - dt.timedelta(hours=1) + dt.timedelta(seconds=next(counter))
        job = Job.objects.create(
            partition_id=partition_id,
            job_id=job_id,
            status=status,
            create_date=created,
            last_update_date=fields.pop("last_update_date", created),
            job_hash="x",
            **fields,
        )
        Label.objects.bulk_create([Label(job=job, label=key, value=value) for key, value in (labels or {}).items()])
        return job

    return make

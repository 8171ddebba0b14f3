"""Fixtures of the admin tests: an operator and a factory of jobs."""
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from jobs.models import Job, Label
from jobs.states import JobStatus

OPERATOR_PASSWORD = "operator-secret-42"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The partition filter caches its choices; each test starts with its own jobs.
    cache.clear()


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_superuser("operator", "operator@example.com", OPERATOR_PASSWORD)


@pytest.fixture
def operator_client(operator: User) -> Client:
    client = Client()
    client.force_login(operator)
    return client


MakeJob = Callable[..., Job]


@pytest.fixture
def make_job(db: None) -> MakeJob:
    def make(
        job_id: str,
        *,
        partition_id: str = "tenant-a",
        status: JobStatus = JobStatus.ACTIVE,
        name: str | None = None,
        percentage: float = 0.0,
        failures: list | None = None,
        labels: dict[str, str] | None = None,
        created: datetime | None = None,
    ) -> Job:
        now = timezone.now()
        job = Job.objects.create(
            partition_id=partition_id,
            job_id=job_id,
            name=name,
            status=status,
            percentage_complete=percentage,
            failure_details=failures,
            job_hash="0" * 64,
            create_date=created or now,
            last_update_date=created or now,
        )
        for key, value in (labels or {}).items():
            Label.objects.create(job=job, label=key, value=value)
        return job

    return make


def failure(failure_id: str = "BOOM", message: str = "it broke") -> dict:
    return {
        "failureId": failure_id,
        "failureTime": "2026-01-02T03:04:05.678Z",
        "failureSource": "worker-x",
        "failureMessage": message,
    }


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)

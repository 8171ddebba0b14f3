"""Fixtures of the trust boundary tests: clients with tokens of a given scope, and jobs written
straight into the store."""
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jobs.auth.models import Right
from jobs.auth.tokens import api_token_create
from jobs.models import Job
from jobs.states import JobStatus
from tests.auth_helpers import token_client

V1 = "/job-service/v1"

TokenClient = Callable[..., APIClient]


def raw_task(**overrides: Any) -> dict[str, Any]:
    task = {"taskClassifier": "c", "taskApiVersion": 1, "taskData": "d", "taskPipe": "worker-in",
            "targetPipe": "worker-out"}
    return {**task, **overrides}


@pytest.fixture
def client_with(db: None) -> TokenClient:
    """`client_with(partitions=["acme-*"], rights=[Right.READ], ...)`: a client whose token has
    that scope (the arguments of api_token_create; name optional)."""
    counter = iter(range(1_000_000))

    def make(*, partitions: list[str], rights: list[Right] | None = None, **scope: Any) -> APIClient:
        scope.setdefault("name", f"token-{next(counter)}")
        _, presented = api_token_create(partitions=partitions, rights=rights or list(Right), **scope)
        return token_client(presented)

    return make


@pytest.fixture
def put_job(db: None) -> Callable[..., Job]:
    def make(partition_id: str, job_id: str, *, status: str = JobStatus.ACTIVE, **fields: Any) -> Job:
        now = timezone.now()
        return Job.objects.create(partition_id=partition_id, job_id=job_id, status=status, create_date=now,
                                  last_update_date=now, job_hash="x", **fields)

    return make

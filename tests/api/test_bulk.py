"""POST jobs:cancel and jobs:delete: filters, batches, counts."""
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from jobs.models import Job
from jobs.services import bulk
from jobs.states import JobStatus

pytestmark = pytest.mark.django_db

CANCEL = "/job-service/v1/partitions/{}/jobs:cancel"
DELETE = "/job-service/v1/partitions/{}/jobs:delete"


def post(client: APIClient, url: str, partition_id: str = "p1", **params: Any) -> Any:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = client.post(url.format(partition_id) + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.content
    return response.json()


def statuses(partition_id: str = "p1") -> dict[str, str]:
    return dict(Job.objects.filter(partition_id=partition_id).values_list("job_id", "status"))


def test_bulk_cancel_cancels_unfinished_jobs_and_counts_them(client: APIClient, make_job) -> None:
    for index in range(49):
        make_job(f"j{index:02}", status=JobStatus.ACTIVE if index % 2 else JobStatus.WAITING)
    make_job("j49", status=JobStatus.CANCELLED)
    make_job("done", status=JobStatus.COMPLETED)
    make_job("failed", status=JobStatus.FAILED)
    make_job("paused", status=JobStatus.PAUSED)
    make_job("j00", partition_id="p2", status=JobStatus.ACTIVE)
    assert post(client, CANCEL) == {"jobsCanceled": 50}
    after = statuses()
    assert after["done"] == "Completed" and after["failed"] == "Failed"
    assert all(status == "Cancelled" for job_id, status in after.items() if job_id not in ("done", "failed"))
    assert statuses("p2") == {"j00": "Active"}
    assert post(client, CANCEL) == {"jobsCanceled": 0}


def test_bulk_cancel_with_filters(client: APIClient, make_job) -> None:
    make_job("a1", status=JobStatus.ACTIVE, labels={"tag": "x"})
    make_job("a2", status=JobStatus.ACTIVE)
    make_job("b1", status=JobStatus.ACTIVE, labels={"tag": "y"})
    assert post(client, CANCEL, jobIdStartsWith="a", labelExist="tag") == {"jobsCanceled": 1}
    assert post(client, CANCEL, filter="labels.tag==y") == {"jobsCanceled": 1}
    assert statuses() == {"a1": "Cancelled", "a2": "Active", "b1": "Cancelled"}


@override_settings(CAF_CANCEL_JOBS_BATCH_LIMIT=3)
def test_bulk_cancel_works_in_batches_of_the_limit(client: APIClient, make_job, monkeypatch: pytest.MonkeyPatch) -> None:
    for index in range(8):
        make_job(f"j{index}", status=JobStatus.ACTIVE)
    batches = []
    real_cancel = bulk.job_cancel

    def cancel(**kwargs: Any) -> Any:
        batches.append(kwargs["job_id"])
        return real_cancel(**kwargs)

    monkeypatch.setattr(bulk, "job_cancel", cancel)
    assert post(client, CANCEL) == {"jobsCanceled": 8}
    # Ordered by job id descending, as the original.
    assert batches == [f"j{index}" for index in range(7, -1, -1)]


@override_settings(CAF_DELETE_JOBS_BATCH_LIMIT=4)
def test_bulk_delete_works_in_batches_each_its_own_transaction(client: APIClient, make_job) -> None:
    for index in range(10):
        make_job(f"j{index}", status=list(JobStatus)[index % 6])
    with CaptureQueriesContext(connection) as queries:
        assert post(client, DELETE) == {"jobsDeleted": 10}
    savepoints_or_begins = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"] and "RELEASE" not in q["sql"]]
    # One transaction (a savepoint inside the test's transaction) per batch of 4, plus one
    # per delete: 3 batches for 10 jobs.
    assert len(savepoints_or_begins) == 3 + 10
    assert not Job.objects.filter(partition_id="p1").exists()


def test_bulk_delete_deletes_every_status_with_filters(client: APIClient, make_job) -> None:
    for status in JobStatus:
        make_job(f"a-{status.value}", status=status, labels={"tag": "t"})
    make_job("b", labels={"tag": "t"})
    make_job("a-other", partition_id="p2")
    assert post(client, DELETE, jobIdStartsWith="a-", filter="labels.tag==t") == {"jobsDeleted": 6}
    assert list(statuses()) == ["b"]
    assert post(client, DELETE) == {"jobsDeleted": 1}
    assert post(client, DELETE) == {"jobsDeleted": 0}
    assert list(statuses("p2")) == ["a-other"]


@pytest.mark.parametrize("url", [CANCEL, DELETE])
def test_bulk_operations_refuse_bad_filters_and_partitions(client: APIClient, make_job, url: str) -> None:
    make_job("a", status=JobStatus.ACTIVE)
    response = client.post(url.format("p1") + "?filter=nope==1")
    assert response.status_code == 400
    assert response.json() == {"message": "Unsupported filter key specified: nope"}
    response = client.post(url.format("p.1"))
    assert response.status_code == 400
    assert statuses() == {"a": "Active"}

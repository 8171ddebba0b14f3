"""GET job, status, isActive: the JSON shape, headers, 404s, partition isolation."""
import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from jobs.states import JobStatus
from tests.api.conftest import job_url

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 1, 2, 3, 4, 5, 678_900, tzinfo=dt.UTC)
MOMENT_MILLIS = 1767323045678


def test_job_json_shape(client: APIClient, make_job) -> None:
    make_job(
        "j1",
        name="n",
        description="d",
        external_data="x",
        created=MOMENT,
        last_update_date=MOMENT + dt.timedelta(seconds=1),
        status=JobStatus.ACTIVE,
        percentage_complete=33.333333,
        labels={"tag": "v", "empty": None},
    )
    assert client.get(job_url("p1", "j1")).json() == {
        "id": "j1",
        "name": "n",
        "description": "d",
        "externalData": "x",
        "createTime": MOMENT_MILLIS,
        "lastUpdateTime": MOMENT_MILLIS + 1000,
        "status": "Active",
        "percentageComplete": 33.33,
        "failures": [],
        "labels": {"tag": "v", "empty": None},
    }


def test_optional_fields_are_null_and_percentage_a_float(client: APIClient, make_job) -> None:
    make_job("j1")
    body = client.get(job_url("p1", "j1")).json()
    assert body["name"] is None and body["description"] is None and body["externalData"] is None
    assert body["percentageComplete"] == 0.0 and isinstance(body["percentageComplete"], float)
    assert body["labels"] == {}


def test_failures_are_served_in_the_original_shape(client: APIClient, make_job) -> None:
    make_job(
        "j1",
        status=JobStatus.FAILED,
        failure_details=[
            {
                "failureId": "F1",
                "failureTime": "2026-01-02T03:04:05.678Z",
                "failureSource": "worker-x",
                "failureMessage": "boom",
            },
            {
                "failureId": "F2",
                "failureTime": "2026-01-02T03:04:05.678Z",
                "failureSource": "worker-y",
                "failureMessage": "prerequisite failed",
                "rootFailure": "p1:pre",
            },
        ],
    )
    assert client.get(job_url("p1", "j1")).json()["failures"] == [
        {"failureId": "F1", "failureTime": MOMENT_MILLIS, "failureSource": "worker-x", "failureMessage": "boom"},
        {
            "failureId": "F2",
            "failureTime": MOMENT_MILLIS,
            "failureSource": "p1:pre:worker-y",
            "failureMessage": "prerequisite failed",
        },
    ]


def test_odd_failure_records_never_break_the_read(client: APIClient, make_job) -> None:
    make_job("j1", failure_details=["plain text", {"failureId": "F", "failureTime": "not a time"}])
    response = client.get(job_url("p1", "j1"))
    assert response.status_code == 200
    plain, partial = response.json()["failures"]
    assert (plain["failureId"], plain["failureSource"], plain["failureMessage"]) == ("Unknown", "Unknown", "plain text")
    assert partial["failureId"] == "F" and isinstance(partial["failureTime"], int)


@pytest.mark.parametrize("suffix", ["", "/status"])
def test_missing_job_is_404_with_the_original_message(client: APIClient, suffix: str) -> None:
    response = client.get(job_url("p1", "nope", suffix))
    assert response.status_code == 404
    assert response.json() == {"message": "ERROR: job_id {nope} not found"}


def test_jobs_of_other_partitions_are_invisible(client: APIClient, make_job) -> None:
    make_job("j1", partition_id="p1", status=JobStatus.ACTIVE, name="one")
    make_job("j1", partition_id="p2", status=JobStatus.PAUSED, name="two")
    make_job("only2", partition_id="p2", status=JobStatus.ACTIVE)
    assert client.get(job_url("p1", "j1")).json()["name"] == "one"
    assert client.get(job_url("p2", "j1")).json()["name"] == "two"
    assert client.get(job_url("p1", "j1", "/status")).json() == "Active"
    assert client.get(job_url("p2", "j1", "/status")).json() == "Paused"
    assert client.get(job_url("p1", "only2")).status_code == 404
    assert client.get(job_url("p1", "only2", "/status")).status_code == 404
    assert client.get(job_url("p1", "only2", "/isActive")).json() is False


@override_settings(CAF_STATUS_CHECK_INTERVAL_SECONDS=7)
@pytest.mark.parametrize("status", list(JobStatus))
def test_status_is_a_bare_string_with_cache_headers(client: APIClient, make_job, status: JobStatus) -> None:
    make_job("j1", status=status)
    response = client.get(job_url("p1", "j1", "/status"))
    assert response.status_code == 200
    assert response.content == f'"{status.value}"'.encode()
    assert response["CacheableJobStatus"] == "true"
    assert response["Cache-Control"] == "no-transform, max-age=7"


@pytest.mark.parametrize(
    ("status", "active"),
    [
        (JobStatus.ACTIVE, True),
        (JobStatus.WAITING, True),
        (JobStatus.PAUSED, False),
        (JobStatus.CANCELLED, False),
        (JobStatus.COMPLETED, False),
        (JobStatus.FAILED, False),
    ],
)
def test_is_active_is_a_bare_boolean_with_cache_headers(client: APIClient, make_job, status: JobStatus, active: bool) -> None:
    make_job("j1", status=status)
    response = client.get(job_url("p1", "j1", "/isActive"))
    assert response.status_code == 200
    assert response.content == (b"true" if active else b"false")
    assert response["CacheableJobStatus"] == "true"
    assert response["Cache-Control"] == "no-transform, max-age=10"


def test_is_active_of_an_unknown_or_too_long_job_is_false(client: APIClient) -> None:
    for job_id in ["nope", "j" * 200]:
        response = client.get(job_url("p1", job_id, "/isActive"))
        assert response.status_code == 200
        assert response.json() is False


def test_status_costs_one_query(client: APIClient, make_job, django_assert_num_queries) -> None:
    make_job("j1")
    client.get(job_url("p1", "j1"))  # the token's last use is recorded (at most once a minute)
    with django_assert_num_queries(2):  # the token, then the job's status
        assert client.get(job_url("p1", "j1", "/status")).status_code == 200


def test_get_job_costs_two_queries(client: APIClient, make_job, django_assert_num_queries) -> None:
    make_job("j1", labels={"a": "1", "b": "2"})
    client.get(job_url("p1", "j1"))  # the token's last use is recorded (at most once a minute)
    with django_assert_num_queries(3):  # the token, the job, its labels
        assert client.get(job_url("p1", "j1")).status_code == 200


def test_reads_never_write(client: APIClient, make_job) -> None:
    make_job("j1", labels={"a": "1"})
    client.get(job_url("p1", "j1"))  # the token's last use is recorded (at most once a minute)
    with CaptureQueriesContext(connection) as queries:
        for suffix in ["", "/status", "/isActive"]:
            client.get(job_url("p1", "j1", suffix))
        client.get("/job-service/v1/partitions/p1/jobs")
        client.get("/job-service/v1/partitions/p1/jobStats/count")
    statements = [query["sql"].lstrip().split()[0].upper() for query in queries.captured_queries]
    assert set(statements) == {"SELECT"}

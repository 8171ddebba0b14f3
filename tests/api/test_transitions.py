"""The status transition matrix of the HTTP operations (reference §3.16), row by row."""
import pytest
from rest_framework.test import APIClient

from jobs.models import Job, JobDependency, JobTask, PausedMessage
from jobs.states import JobStatus
from tests.api.conftest import job_url, new_job_body

pytestmark = pytest.mark.django_db

W, A, P, X, C, F = (
    JobStatus.WAITING,
    JobStatus.ACTIVE,
    JobStatus.PAUSED,
    JobStatus.CANCELLED,
    JobStatus.COMPLETED,
    JobStatus.FAILED,
)

# (current status, operation, expected HTTP status, status afterwards)
MATRIX = [
    (W, "cancel", 204, X), (W, "pause", 204, P), (W, "resume", 400, W),
    (A, "cancel", 204, X), (A, "pause", 204, P), (A, "resume", 204, A),
    (P, "cancel", 204, X), (P, "pause", 204, P), (P, "resume", 204, A),
    (X, "cancel", 204, X), (X, "pause", 400, X), (X, "resume", 400, X),
    (C, "cancel", 400, C), (C, "pause", 400, C), (C, "resume", 400, C),
    (F, "cancel", 400, F), (F, "pause", 400, F), (F, "resume", 400, F),
]


@pytest.mark.parametrize(("current", "operation", "http_status", "after"), MATRIX)
def test_transition_matrix(client: APIClient, make_job, current: JobStatus, operation: str, http_status: int, after: JobStatus) -> None:
    job = make_job("j1", status=current)
    response = client.post(job_url("p1", "j1", f"/{operation}"))
    assert response.status_code == http_status
    job.refresh_from_db()
    assert job.status == after
    if http_status == 204:
        assert response.content == b""
    else:
        assert "message" in response.json()


@pytest.mark.parametrize("current", list(JobStatus))
def test_any_status_may_be_deleted(client: APIClient, make_job, current: JobStatus) -> None:
    make_job("j1", status=current)
    assert client.delete(job_url("p1", "j1")).status_code == 204
    assert not Job.objects.exists()


@pytest.mark.parametrize("operation", ["cancel", "pause", "resume"])
def test_operations_on_a_missing_job_are_404(client: APIClient, make_job, operation: str) -> None:
    make_job("j1", partition_id="p2")
    response = client.post(job_url("p1", "j1", f"/{operation}"))
    assert response.status_code == 404
    assert response.json() == {"message": "ERROR: job_id {j1} not found"}


def test_delete_of_a_missing_job_is_404(client: APIClient) -> None:
    response = client.delete(job_url("p1", "nope"))
    assert response.status_code == 404
    assert response.json() == {"message": "ERROR: job_id {nope} not found"}


def test_error_messages_of_the_original(client: APIClient, make_job) -> None:
    make_job("done", status=C)
    make_job("waiting", status=W)
    assert client.post(job_url("p1", "done", "/cancel")).json() == {"message": "ERROR: job_id {done} cannot be cancelled"}
    assert client.post(job_url("p1", "done", "/pause")).json() == {
        "message": "ERROR: job_id {done} cannot be paused as it has a status of {Completed}. "
        "Only jobs with a status of Active or Waiting can be paused."
    }
    assert client.post(job_url("p1", "waiting", "/resume")).json() == {
        "message": "job_id {waiting} cannot be resumed as it has a status of {Waiting}. "
        "Only jobs with a status of Paused can be resumed."
    }


def test_second_cancel_does_not_touch_last_update_time(client: APIClient, make_job) -> None:
    make_job("j1", status=A)
    client.post(job_url("p1", "j1", "/cancel"))
    first = Job.objects.get().last_update_date
    assert client.post(job_url("p1", "j1", "/cancel")).status_code == 204
    assert Job.objects.get().last_update_date == first


def test_cancel_drops_the_undispatched_task(client: APIClient) -> None:
    client.put(job_url("p1", "j1"), new_job_body(delay=600), format="json")
    assert JobTask.objects.exists()
    client.post(job_url("p1", "j1", "/cancel"))
    assert not JobTask.objects.exists()


def test_cancel_or_delete_of_a_prerequisite_cancels_its_dependents(client: APIClient, make_job) -> None:
    make_job("pre", status=A)
    client.put(job_url("p1", "dep"), new_job_body(prerequisiteJobIds=["pre"]), format="json")
    assert JobDependency.objects.exists()
    client.delete(job_url("p1", "pre"))
    dependent = client.get(job_url("p1", "dep")).json()
    assert dependent["status"] == "Cancelled"
    assert "pre" in dependent["failures"][0]["failureMessage"]


def test_resume_of_a_paused_job_releases_its_kept_messages(client: APIClient, make_job, django_capture_on_commit_callbacks) -> None:
    job = make_job("j1", status=P)
    PausedMessage.objects.create(job=job, queue="worker-in", body=b"{}")
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post(job_url("p1", "j1", "/resume")).status_code == 204
    assert PausedMessage.objects.get().released_date is not None
    assert len(callbacks) == 1


def test_waiting_job_paused_then_resumed_is_active(client: APIClient, make_job) -> None:
    make_job("j1", status=W)
    client.post(job_url("p1", "j1", "/pause"))
    client.post(job_url("p1", "j1", "/resume"))
    assert client.get(job_url("p1", "j1", "/status")).json() == "Active"

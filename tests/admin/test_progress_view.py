"""The small JSON view the job page polls: current status and progress, staff only."""
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from jobs.models import Job
from jobs.states import JobStatus
from tests.admin.conftest import MakeJob


def progress_url(pk: int) -> str:
    return reverse("admin:jobs_job_progress", args=[pk])


def test_progress_is_current(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1", status=JobStatus.ACTIVE, percentage=10)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.COMPLETED, percentage_complete=100.0)

    response = operator_client.get(progress_url(job.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "Completed"
    assert body["percentageComplete"] == 100.0
    assert set(body) == {"status", "percentageComplete", "lastUpdateDate", "lastUpdateDisplay"}


def test_progress_of_a_missing_job_is_404(operator_client: Client, db: None) -> None:
    response = operator_client.get(progress_url(999999))
    assert response.status_code == 404
    assert response.json() == {"message": "job not found"}


def test_anonymous_is_sent_to_the_login_page(client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1")

    response = client.get(progress_url(job.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_non_staff_user_is_sent_to_the_login_page(client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1")
    client.force_login(User.objects.create_user("someone", password="someone-secret-42"))

    response = client.get(progress_url(job.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_view_permission_is_refused(client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1")
    client.force_login(User.objects.create_user("staff", password="staff-secret-42", is_staff=True))

    assert client.get(progress_url(job.pk)).status_code == 403

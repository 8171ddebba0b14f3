"""Cancel, pause, resume and delete from the admin: a confirmation page first, then the
services, and one message that says what happened to each job."""
import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from jobs.admin.operations import OPERATIONS, apply_operation
from jobs.models import Job, JobDependency, JobTask
from jobs.states import JobStatus
from tests.admin.conftest import MakeJob

LIST_URL = reverse("admin:jobs_job_changelist")


def status_of(job: Job) -> str:
    return Job.objects.get(pk=job.pk).status


def run_action(client: Client, action: str, jobs: list[Job], confirm: bool) -> tuple:
    data = {"action": action, "_selected_action": [job.pk for job in jobs], "index": 0}
    response = client.post(LIST_URL, data)
    if confirm:
        # What the confirmation page's form posts back.
        data.pop("index")
        data["post"] = "yes"
        response = client.post(LIST_URL, data)
    return response, [str(message) for message in get_messages(response.wsgi_request)]


def test_list_action_asks_for_confirmation_before_changing_anything(
    operator_client: Client, make_job: MakeJob
) -> None:
    job = make_job("job-1", status=JobStatus.ACTIVE)

    response, _ = run_action(operator_client, "cancel_jobs", [job], confirm=False)

    assert response.status_code == 200
    assert "Are you sure you want to cancel this job?" in response.content.decode()
    assert status_of(job) == JobStatus.ACTIVE


def test_cancel_action_reports_changed_skipped_and_refused_jobs(operator_client: Client, make_job: MakeJob) -> None:
    active = [make_job(f"active-{index}", status=JobStatus.ACTIVE) for index in range(3)]
    already = make_job("already", status=JobStatus.CANCELLED)
    done = make_job("done", status=JobStatus.COMPLETED)

    response, messages = run_action(operator_client, "cancel_jobs", [*active, already, done], confirm=True)

    assert response.status_code == 302
    assert messages == [
        "3 cancelled (active-0, active-1, active-2); 1 skipped: already cancelled (already); "
        "1 refused: ERROR: job cannot be cancelled (done)"
    ]
    assert {status_of(job) for job in active} == {JobStatus.CANCELLED}
    assert status_of(done) == JobStatus.COMPLETED


def test_pause_then_resume_actions(operator_client: Client, make_job: MakeJob) -> None:
    waiting = make_job("waiting", status=JobStatus.WAITING)
    failed = make_job("failed", status=JobStatus.FAILED)

    _, messages = run_action(operator_client, "pause_jobs", [waiting, failed], confirm=True)
    assert messages == [
        "1 paused (waiting); 1 refused: ERROR: job cannot be paused as it has a status of {Failed}. "
        "Only jobs with a status of Active or Waiting can be paused. (failed)"
    ]
    assert status_of(waiting) == JobStatus.PAUSED

    _, messages = run_action(operator_client, "resume_jobs", [waiting], confirm=True)
    assert messages == ["1 resumed (waiting)"]
    assert status_of(waiting) == JobStatus.ACTIVE


def test_delete_action_goes_through_the_service_and_cancels_waiting_dependents(
    operator_client: Client, make_job: MakeJob
) -> None:
    prerequisite = make_job("prerequisite", status=JobStatus.ACTIVE)
    dependent = make_job("dependent", status=JobStatus.WAITING)
    JobDependency.objects.create(job=dependent, partition_id="tenant-a", prerequisite_job_id="prerequisite")

    _, messages = run_action(operator_client, "delete_jobs", [prerequisite], confirm=True)

    assert messages == ["1 deleted (prerequisite)"]
    assert not Job.objects.filter(pk=prerequisite.pk).exists()
    assert status_of(dependent) == JobStatus.CANCELLED


def test_the_generic_admin_delete_is_not_offered(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1")

    actions = operator_client.get(LIST_URL).context["action_form"].fields["action"].choices
    assert [name for name, _ in actions if name] == ["cancel_jobs", "pause_jobs", "resume_jobs", "delete_jobs"]
    assert operator_client.post(reverse("admin:jobs_job_delete", args=[job.pk]), {"post": "yes"}).status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()


def test_outcomes_of_a_job_deleted_meanwhile(make_job: MakeJob) -> None:
    outcomes = apply_operation(OPERATIONS["cancel"], [("tenant-a", "gone")])
    assert outcomes.summary() == "1 refused: job no longer exists (gone)"

    outcomes = apply_operation(OPERATIONS["delete"], [("tenant-a", "gone")])
    assert outcomes.summary() == "1 skipped: already deleted (gone)"


def test_long_groups_are_shortened(make_job: MakeJob) -> None:
    jobs = [make_job(f"j{index:02}", status=JobStatus.CANCELLED) for index in range(12)]

    outcomes = apply_operation(OPERATIONS["cancel"], [(job.partition_id, job.job_id) for job in jobs])

    assert outcomes.summary() == (
        "12 skipped: already cancelled (j00, j01, j02, j03, j04, j05, j06, j07, j08, j09, and 2 more)"
    )


def test_too_big_a_selection_is_refused(
    operator_client: Client, make_job: MakeJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jobs.admin.job_admin.ACTION_LIMIT", 2)
    jobs = [make_job(f"job-{index}") for index in range(3)]

    _, messages = run_action(operator_client, "cancel_jobs", jobs, confirm=True)

    # Said at the first step already, and again if the confirmation is forced.
    assert set(messages) == {"Select at most 2 jobs per action (narrow the list with filters). No job was changed."}
    assert {status_of(job) for job in jobs} == {JobStatus.ACTIVE}


# --- one job, from its page ---------------------------------------------------------------

def operate_url(job: Job, operation: str) -> str:
    return reverse("admin:jobs_job_operate", args=[job.pk, operation])


def test_job_page_operation_confirms_then_applies(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1", status=JobStatus.ACTIVE)
    JobTask.objects.create(job=job, task_classifier="c", task_api_version=1, task_data=b"{}", task_pipe="q")

    confirmation = operator_client.get(operate_url(job, "cancel"))
    assert confirmation.status_code == 200
    assert "Are you sure you want to cancel this job?" in confirmation.content.decode()
    assert status_of(job) == JobStatus.ACTIVE

    response = operator_client.post(operate_url(job, "cancel"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:jobs_job_change", args=[job.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 cancelled (job-1)"]
    assert status_of(job) == JobStatus.CANCELLED
    assert not JobTask.objects.filter(job=job).exists()  # cancelled work is never dispatched


def test_job_page_delete_returns_to_the_list(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1")

    response = operator_client.post(operate_url(job, "delete"))

    assert response["Location"] == LIST_URL
    assert not Job.objects.filter(pk=job.pk).exists()


def test_job_page_refusal_is_shown(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1", status=JobStatus.COMPLETED)

    response = operator_client.post(operate_url(job, "pause"))

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "1 refused: ERROR: job cannot be paused as it has a status of {Completed}. "
        "Only jobs with a status of Active or Waiting can be paused. (job-1)"
    ]
    assert status_of(job) == JobStatus.COMPLETED


def test_unknown_operation_is_404(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1")
    assert operator_client.post(operate_url(job, "explode")).status_code == 404


def test_staff_without_change_permission_can_look_but_not_operate(client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1")
    viewer = User.objects.create_user("viewer", password="viewer-secret-42", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_job"))
    client.force_login(viewer)

    assert client.get(reverse("admin:jobs_job_change", args=[job.pk])).status_code == 200
    assert client.post(operate_url(job, "cancel")).status_code == 403
    _, messages = run_action(client, "cancel_jobs", [job], confirm=True)
    assert status_of(job) == JobStatus.ACTIVE

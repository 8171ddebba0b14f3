"""The job page: every field read-only, and what an operator needs to judge a job."""
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job, JobDependency, JobTask, PausedMessage
from jobs.states import JobStatus
from tests.admin.conftest import MakeJob, failure


def page_url(job: Job) -> str:
    return reverse("admin:jobs_job_change", args=[job.pk])


def test_job_page_has_no_editable_field(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1", name="Import", status=JobStatus.ACTIVE)

    response = operator_client.get(page_url(job))

    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    html = response.content.decode()
    assert 'name="status"' not in html and 'name="name"' not in html
    assert '<div class="readonly">Import</div>' in html


def test_posting_the_job_form_changes_nothing(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1", name="Import", status=JobStatus.ACTIVE)

    response = operator_client.post(page_url(job), {"status": "Completed", "name": "hacked"})

    assert response.status_code == 403
    job.refresh_from_db()
    assert (job.status, job.name) == (JobStatus.ACTIVE, "Import")


def test_job_page_lists_failures(operator_client: Client, make_job: MakeJob) -> None:
    propagated = {**failure("PREREQ_FAILED", "prerequisite failed"), "rootFailure": "tenant-a:root-job"}
    job = make_job("job-1", status=JobStatus.FAILED, failures=[failure("BOOM", "disk <full>"), propagated])

    html = operator_client.get(page_url(job)).content.decode()

    assert "<td>BOOM</td>" in html
    assert "2026-01-02T03:04:05.678Z" in html
    assert "disk &lt;full&gt;" in html  # escaped, never raw HTML from a worker
    assert "<td>tenant-a:root-job</td>" in html


def test_job_page_links_prerequisites_and_dependents(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("middle", status=JobStatus.WAITING)
    prerequisite = make_job("first", status=JobStatus.ACTIVE)
    dependent = make_job("last", status=JobStatus.WAITING)
    JobDependency.objects.create(job=job, partition_id="tenant-a", prerequisite_job_id="first")
    JobDependency.objects.create(job=job, partition_id="tenant-a", prerequisite_job_id="not-yet")
    JobDependency.objects.create(job=dependent, partition_id="tenant-a", prerequisite_job_id="middle")
    # Same job id in another partition: not a dependent of this job.
    other = make_job("elsewhere", partition_id="tenant-b")
    JobDependency.objects.create(job=other, partition_id="tenant-b", prerequisite_job_id="middle")

    response = operator_client.get(page_url(job))

    assert [item.job_id for item in response.context["prerequisites"]] == ["first", "not-yet"]
    assert [item.job_id for item in response.context["dependents"]] == ["last"]
    html = response.content.decode()
    assert f'<a href="{page_url(prerequisite)}">first</a>' in html
    assert f'<a href="{page_url(dependent)}">last</a>' in html
    assert "not created yet" in html


def test_job_page_shows_pending_task_and_kept_messages(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1", status=JobStatus.PAUSED)
    due = timezone.now() + timedelta(minutes=5)
    JobTask.objects.create(
        job=job, task_classifier="ocr", task_api_version=3, task_data=b"{}", task_pipe="ocr-in",
        eligible_to_run_date=due,
    )
    for _ in range(2):
        PausedMessage.objects.create(job=job, queue="ocr-in", body=b"m")

    response = operator_client.get(page_url(job))

    assert response.context["pending_task"].task_classifier == "ocr"
    html = response.content.decode()
    assert "<td>ocr</td>" in html and "<td>ocr-in</td>" in html
    assert "Messages kept while paused: 2" in html


def test_job_page_offers_the_operations_its_status_allows(operator_client: Client, make_job: MakeJob) -> None:
    def offered(status: JobStatus) -> list[str]:
        job = make_job(f"job-{status}", status=status)
        return [op.name for op, _ in operator_client.get(page_url(job)).context["operations"]]

    assert offered(JobStatus.ACTIVE) == ["cancel", "pause", "delete"]
    assert offered(JobStatus.PAUSED) == ["cancel", "resume", "delete"]
    assert offered(JobStatus.COMPLETED) == ["delete"]


def test_job_page_polls_its_progress(operator_client: Client, make_job: MakeJob) -> None:
    job = make_job("job-1")

    html = operator_client.get(page_url(job)).content.decode()

    progress_url = reverse("admin:jobs_job_progress", args=[job.pk])
    assert f'data-progress-url="{progress_url}"' in html
    assert "jobs/admin/progress.js" in html

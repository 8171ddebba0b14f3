"""Jobs waiting on a job that completes or fails (reference api-and-database.md §4.6-§4.7)."""
from datetime import timedelta

from jobs.models import Job, JobDependency, JobTask
from jobs.states import JobStatus
from tests.tracking.conftest import PARTITION, complete, failed, reload
from tracking.services import tracking_reports_apply


def apply(*reports):
    return tracking_reports_apply(reports=list(reports))


def test_a_dependent_with_a_delay_becomes_due_delay_seconds_after_completion(make_job):
    make_job("P1")
    dependent = make_job("D1", delay=30, prerequisites=("P1",))
    apply(complete("P1.1"))
    assert JobTask.objects.get(job=dependent).eligible_to_run_date is None  # P1 not complete yet
    outcome = apply(complete("P1.2*"))
    task = JobTask.objects.get(job=dependent)
    p1 = Job.objects.get(partition_id=PARTITION, job_id="P1")
    assert p1.status == JobStatus.COMPLETED
    assert task.eligible_to_run_date == p1.last_update_date + timedelta(seconds=30)
    assert outcome.released_jobs == 1
    assert not JobDependency.objects.exists()
    assert reload(dependent).status == JobStatus.WAITING


def test_a_dependent_without_delay_is_due_at_once_and_dispatched_after_commit(
    make_job, django_capture_on_commit_callbacks
):
    make_job("P1")
    dependent = make_job("D1", prerequisites=("P1",))
    with django_capture_on_commit_callbacks() as callbacks:
        apply(complete("P1.1*"))
    assert JobTask.objects.get(job=dependent).eligible_to_run_date is not None
    assert len(callbacks) == 1  # jobs.outbox.dispatch_after_commit


def test_a_dependent_waits_for_all_its_prerequisites(make_job):
    make_job("P1")
    make_job("P2")
    dependent = make_job("D1", prerequisites=("P1", "P2"))
    apply(complete("P1"))
    assert JobTask.objects.get(job=dependent).eligible_to_run_date is None
    apply(complete("P2.1*"))
    assert JobTask.objects.get(job=dependent).eligible_to_run_date is not None


def test_a_replayed_completion_does_not_move_a_scheduled_dependent(make_job):
    make_job("P1")
    dependent = make_job("D1", delay=60, prerequisites=("P1",))
    apply(complete("P1"))
    first = JobTask.objects.get(job=dependent).eligible_to_run_date
    apply(complete("P1"))
    assert JobTask.objects.get(job=dependent).eligible_to_run_date == first


def test_a_failure_fails_every_transitive_dependent_with_its_root(make_job):
    make_job("P1")
    child = make_job("D1", prerequisites=("P1",))
    grandchild = make_job("D2", prerequisites=("D1",))
    cancelled = make_job("D3", prerequisites=("P1",), status=JobStatus.CANCELLED)
    unrelated = make_job("X1")
    apply(failed("P1.2", message="bad input"))
    for job in (child, grandchild):
        job = reload(job)
        assert (job.status, job.percentage_complete) == (JobStatus.FAILED, 0.0)
        [record] = job.failure_details
        assert record["rootFailure"] == f"{PARTITION}:P1"
        assert record["failureMessage"] == "bad input"
        assert JobTask.objects.get(job=job).eligible_to_run_date is None  # never dispatched
    assert reload(cancelled).status == JobStatus.CANCELLED
    assert reload(unrelated).status == JobStatus.WAITING
    assert not JobDependency.objects.filter(job__in=[child, grandchild]).exists()

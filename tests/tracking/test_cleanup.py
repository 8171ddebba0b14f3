"""The sweep that deletes subtask rows of finished jobs (reference api-and-database.md §2.9)."""
from jobs.models import Job
from jobs.states import JobStatus
from jobs.services.transitions import job_cancel
from tests.tracking.conftest import PARTITION, complete, progress
from tracking.models import TaskProgress
from tracking.services import tracking_reports_apply
from tracking.services.cleanup import SweepCursor, task_progress_sweep


def rows_of(job):
    return TaskProgress.objects.filter(job_pk=job.pk).count()


def sweep_all(cursor=None, **limits):
    cursor = cursor or SweepCursor()
    total = 0
    for _ in range(50):
        total += task_progress_sweep(cursor=cursor, **limits)
    return total


def test_rows_of_completed_cancelled_and_deleted_jobs_are_swept_the_others_kept(make_job):
    done, cancelled, deleted, running, failing = (make_job(f"J{n}") for n in range(1, 6))
    reports = [progress(f"J{n}.1.{i}", 10) for n in range(1, 6) for i in range(1, 4)]
    tracking_reports_apply(reports=reports + [complete("J1.1*"), complete("J5.2")])
    Job.objects.filter(pk=failing.pk).update(status=JobStatus.FAILED)
    job_cancel(partition_id=PARTITION, job_id="J2")
    deleted_pk = deleted.pk
    Job.objects.filter(pk=deleted_pk).delete()
    assert rows_of(running) == 5
    sweep_all()
    assert rows_of(done) == rows_of(cancelled) == TaskProgress.objects.filter(job_pk=deleted_pk).count() == 0
    assert rows_of(running) == 5
    assert rows_of(failing) == 6  # a retry may still complete it


def test_a_huge_job_is_deleted_in_bounded_steps(make_job):
    job = make_job("J1")
    tracking_reports_apply(reports=[progress(f"J1.{i}", 5) for i in range(1, 41)])
    Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
    cursor = SweepCursor()
    assert task_progress_sweep(cursor=cursor, rows_per_call=15) == 15
    assert rows_of(job) == 26
    sweep_all(cursor, rows_per_call=15)
    assert rows_of(job) == 0

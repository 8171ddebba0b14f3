"""Applying reports to jobs (reference api-and-database.md §2.3-§2.6, worker-messaging.md §4.4)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.states import JobStatus
from tests.tracking.conftest import PARTITION, complete, failed, progress, reload
from tracking.models import TaskProgress
from tracking.services import tracking_reports_apply

W, A, C, F = JobStatus.WAITING, JobStatus.ACTIVE, JobStatus.COMPLETED, JobStatus.FAILED


def apply(*reports):
    return tracking_reports_apply(reports=list(reports))


WORKED_EXAMPLES = [
    ([complete("J.1")], 50.00, A),
    ([complete("J.1"), progress("J.2", 10)], 36.67, A),
    ([complete("J.1"), complete("J.2"), progress("J.3*", 50)], 83.33, A),
    ([complete("J.5*")], 20.00, A),
    ([complete("J.1"), complete("J.2"), complete("J.3*")], 100.0, C),
    ([complete("J.1"), failed("J.2*")], 50.00, F),
    ([complete("J.1"), complete("J.2"), complete("J.4")], 60.00, A),
    # two levels: J.1 has no final yet -> J.1 Active 50 -> J 50/2
    ([complete("J.1.1")], 25.00, A),
    ([complete("J.1.1"), complete("J.1.2*")], 50.00, A),
    ([complete("J.1.1"), complete("J.1.2*"), complete("J.2*.1*")], 100.0, C),
]


@pytest.mark.parametrize(("reports", "percentage", "status"), WORKED_EXAMPLES)
@pytest.mark.parametrize("one_batch", [True, False], ids=["one-batch", "report-by-report"])
def test_worked_examples_give_the_reference_percentages(make_job, reports, percentage, status, one_batch):
    job = make_job("J")
    if one_batch:
        apply(*reports)
    else:
        for report in reports:
            apply(report)
    job = reload(job)
    assert (job.percentage_complete, job.status) == (percentage, status)


def test_a_job_of_three_items_goes_waiting_active_completed(make_job):
    job = make_job("J1")
    assert reload(job).status == W
    apply(progress("J1.1", 0.5))
    assert (reload(job).status, reload(job).percentage_complete) == (A, 0.25)  # 0.5 / (max 1 + 1)
    apply(complete("J1.1"), complete("J1.2"))
    assert (reload(job).status, reload(job).percentage_complete) == (A, 66.67)
    outcome = apply(complete("J1.3*"))
    job = reload(job)
    assert (job.status, job.percentage_complete, job.failure_details) == (C, 100.0, None)
    assert outcome.completed_jobs == [f"{PARTITION}:J1"]


def test_a_failed_item_fails_the_job_and_a_retried_success_completes_it(make_job):
    job = make_job("J1")
    apply(complete("J1.1"), failed("J1.2", message="disk full"), complete("J1.3*"))
    job = reload(job)
    assert (job.status, job.percentage_complete) == (F, 66.67)
    assert job.failure_details == [
        {
            "failureId": "RESULT_EXCEPTION",
            "failureTime": "2026-01-02T03:04:05.678Z",
            "failureSource": "example-worker",
            "failureMessage": "disk full",
        }
    ]
    apply(complete("J1.2"))  # the retried task succeeds: only Completed rows are immutable
    job = reload(job)
    assert (job.status, job.percentage_complete, job.failure_details) == (C, 100.0, None)


def test_a_parent_carries_the_failures_of_its_failed_children_at_every_level(make_job):
    job = make_job("J1")
    apply(failed("J1.1.1", message="first"), complete("J1.1.2"), failed("J1.1.3*", message="second"))
    apply(complete("J1.2*"))
    job = reload(job)
    assert job.status == F
    assert [record["failureMessage"] for record in job.failure_details] == ["first", "second"]
    middle = TaskProgress.objects.get(job_pk=job.pk, task_id="J1.1")
    assert (middle.status, round(middle.percentage, 2), middle.rolled_up) == (F, 33.33, True)


def test_a_failed_job_stays_failed_on_progress(make_job):
    job = make_job("J1")
    apply(failed("J1"))
    apply(progress("J1", 50))
    assert reload(job).status == F


def test_reports_for_cancelled_and_completed_jobs_are_ignored(make_job):
    cancelled = make_job("J1", status=JobStatus.CANCELLED)
    done = make_job("J2", status=JobStatus.COMPLETED)
    outcome = apply(complete("J1.1*"), failed("J2.1"), progress("J2", 40))
    assert (outcome.applied, outcome.ignored) == (0, 3)
    assert (reload(cancelled).status, reload(cancelled).percentage_complete) == (JobStatus.CANCELLED, 0)
    assert (reload(done).status, reload(done).failure_details) == (C, None)
    assert not TaskProgress.objects.exists()


def test_reports_for_unknown_jobs_are_refused_without_affecting_the_others(make_job):
    job = make_job("J1")
    make_job("J9", partition_id="other-tenant")
    outcome = apply(complete("J1.1*", source=0), complete("J9.1*", source=1), complete("NOPE", source=2))
    assert reload(job).status == C
    assert set(outcome.refused) == {1, 2}
    assert "J9 not found in partition tenant-a" in outcome.refused[1][0]


def test_duplicate_delivery_changes_nothing(make_job):
    job = make_job("J1")
    batch = [complete("J1.1"), progress("J1.2", 40), failed("J1.3"), complete("J1.4.1")]
    apply(*batch)
    before = reload(job)
    rows_before = list(TaskProgress.objects.order_by("task_id").values())
    apply(*batch)
    apply(*batch[:1], *batch)
    after = reload(job)
    assert (after.status, after.percentage_complete, after.failure_details) == (
        before.status,
        before.percentage_complete,
        before.failure_details,
    )
    rows_after = list(TaskProgress.objects.order_by("task_id").values())
    for row in rows_before + rows_after:
        row.pop("last_update_date")
    assert rows_after == rows_before


def test_a_completed_task_ignores_later_reports_below_and_on_it(make_job):
    job = make_job("J1")
    apply(complete("J1.1"), complete("J1.2.1*"))  # J1.2 completed through its only child
    apply(failed("J1.2"), failed("J1.2.1*"), progress("J1.2.3", 10), failed("J1.1"))
    job = reload(job)
    assert (job.status, job.percentage_complete) == (A, 66.67)


def test_a_batch_that_splits_into_zero_items_still_completes(make_job):
    job = make_job("J1")
    apply(complete("J1.1*"))
    assert (reload(job).status, reload(job).percentage_complete) == (C, 100.0)


def test_a_job_reported_complete_directly_completes(make_job):
    job = make_job("J1")
    apply(progress("J1", 30))
    assert (reload(job).status, reload(job).percentage_complete) == (A, 30.0)
    apply(complete("J1"))
    assert (reload(job).status, reload(job).percentage_complete) == (C, 100.0)


def test_a_paused_job_stays_paused_while_progress_is_recorded(make_job):
    job = make_job("J1", status=JobStatus.PAUSED)
    apply(complete("J1.1"))
    assert (reload(job).status, reload(job).percentage_complete) == (JobStatus.PAUSED, 50.0)


def test_failure_details_survive_a_reload_of_their_node(make_job):
    job = make_job("J1")
    apply(failed("J1.1.1", message="first"))
    apply(progress("J1.2", 10))  # the job row keeps gathering from J1.1
    apply(progress("J1.1.2", 10))  # reloads J1.1 with its stored details
    job = reload(job)
    assert job.status == F
    assert [record["failureMessage"] for record in job.failure_details] == ["first"]
    assert TaskProgress.objects.get(job_pk=job.pk, task_id="J1.1").failure_details[0]["failureMessage"] == "first"


def test_the_cost_of_a_report_does_not_grow_with_the_job(make_job):
    """Counters per parent: a report reads and writes its own node and its ancestors only,
    with the same queries whether the job has ten subtasks or thousands."""
    queries = {}
    for job_id, siblings in (("J1", 10), ("J2", 2000)):
        job = make_job(job_id)
        apply(*[complete(f"{job_id}.1.{n}") for n in range(1, siblings + 1)])
        with CaptureQueriesContext(connection) as captured:
            apply(complete(f"{job_id}.1.{siblings + 1}"), progress(f"{job_id}.2", 50))
        # lock the job, load the touched nodes, insert new ones (COPY on PostgreSQL is not
        # logged), update changed ones in one batched statement, update the job row
        queries[siblings] = [query["sql"].split(" ", 1)[0] for query in captured.captured_queries]
        middle = min(100 * (siblings + 1) / (siblings + 2), 99.7)  # J.1: no final child known yet
        assert reload(job).percentage_complete == round((middle + 50) / 3, 2)
    assert queries[10] == queries[2000]
    assert len(queries[10]) <= 7

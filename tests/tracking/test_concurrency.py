"""Two trackers at once give the same result as one (PostgreSQL row locks)."""
import random
import threading

import pytest
from django.db import connection, connections

from jobs.states import JobStatus
from tests.tracking.conftest import complete, failed, progress, reload
from tracking.models import TaskProgress
from tracking.services import tracking_reports_apply

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def job_reports(job_id: str) -> list:
    """A two-level job of 12 x 12 items with progress, a failure later retried, and duplicates."""
    reports = []
    for a in range(1, 13):
        top = f"{job_id}.{a}{'*' if a == 12 else ''}"
        for b in range(1, 13):
            leaf = f"{top}.{b}{'*' if b == 12 else ''}"
            reports += [progress(leaf, 30), complete(leaf), complete(leaf)]
    reports.insert(5, failed(f"{job_id}.3.4"))
    return reports


def state(job) -> tuple:
    job = reload(job)
    rows = TaskProgress.objects.filter(job_pk=job.pk).order_by("task_id").values_list(
        "task_id", "status", "children_reported", "children_completed", "children_failed", "final_child_number"
    )
    return job.status, job.percentage_complete, [(task_id.partition(".")[2], *rest) for task_id, *rest in rows]


def run_in_threads(batches: list[list], threads: int) -> None:
    errors = []
    lock = threading.Lock()

    def work() -> None:
        try:
            while True:
                with lock:
                    if not batches:
                        return
                    batch = batches.pop()
                tracking_reports_apply(reports=batch)
        except Exception as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []


def test_two_trackers_at_once_give_the_same_result_as_one(require_postgres, make_job):
    single, parallel_a, parallel_b = make_job("S1"), make_job("P1"), make_job("P2")
    tracking_reports_apply(reports=job_reports("S1"))

    # Both jobs' reports, shuffled into small batches that mix the two jobs, from two threads.
    mixed = job_reports("P1") + job_reports("P2")
    failure_first = [r for r in mixed if r.kind == "Failed"]
    rest = [r for r in mixed if r.kind != "Failed"]
    random.Random(7).shuffle(rest)
    batches = [failure_first] + [rest[i : i + 17] for i in range(0, len(rest), 17)]
    batches.reverse()  # popped from the end: the failures go first, as in the single run
    connection.close()
    run_in_threads(batches, threads=2)

    expected = state(single)
    assert expected[0] == JobStatus.COMPLETED and expected[1] == 100.0
    assert state(parallel_a) == expected
    assert state(parallel_b) == expected

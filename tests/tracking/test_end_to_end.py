"""The real `manage.py run_tracker` process against PostgreSQL and RabbitMQ."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, Q

from jobs.states import JobStatus
from jobservice.messaging.messages import ReportStatus, TrackingReport, tracking_report_message
from tests.tracking.conftest import TEST_QUEUE_TYPE, reload
from tracking.models import TaskProgress

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def leaf_ids(job_id: str, shape: tuple[int, ...]) -> list[str]:
    """Task ids of the leaves of a job split len(shape) levels deep, final markers included."""
    ids = [job_id]
    for width in shape:
        ids = [f"{parent}.{n}{'*' if n == width else ''}" for parent in ids for n in range(1, width + 1)]
    return ids


def completion_messages(partition_id: str, task_ids: list[str], queue: str, per_message: int = 5) -> list[bytes]:
    return [
        tracking_report_message(
            [TrackingReport(f"{partition_id}:{task_id}", ReportStatus.COMPLETE) for task_id in task_ids[i : i + per_message]],
            tracking_pipe=queue,
            correlation_id=None,
        ).encode()
        for i in range(0, len(task_ids), per_message)
    ]


def tracker_process(queue: str, tmp_path: Path, *extra: str, log_name: str = "tracker.log") -> subprocess.Popen:
    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "BROKER_URL": settings.BROKER_URL,
        "CAF_RABBITMQ_QUEUE_TYPE": TEST_QUEUE_TYPE,
        "JOBSERVICE_DATA_DIR": str(tmp_path),
    }
    command = [sys.executable, "manage.py", "run_tracker", "--queue", queue, "--sweep-seconds", "3600", *extra]
    log = open(tmp_path / log_name, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def assert_nothing_counted_twice(job) -> None:
    """Every parent's counters equal what its child rows say."""
    rows = TaskProgress.objects.filter(job_pk=job.pk)
    actual = {
        row["parent_task_id"]: row
        for row in rows.exclude(parent_task_id=None)
        .values("parent_task_id")
        .annotate(reported=Count("id"), completed=Count("id", filter=Q(status=JobStatus.COMPLETED)))
    }
    parents = rows.filter(children_reported__gt=0)
    assert parents.count() == len(actual)
    for parent in parents:
        counted = actual[parent.task_id]
        assert (parent.children_reported, parent.children_completed) == (counted["reported"], counted["completed"])
        assert parent.children_percentage_sum == pytest.approx(100.0 * counted["completed"])


def test_killed_in_the_middle_of_10000_reports_and_restarted_the_job_completes_once(
    require_postgres, require_rabbitmq, make_job, broker, tmp_path
):
    job = make_job("E2E", partition_id="p1")
    leaves = leaf_ids("E2E", (10, 10, 100))
    broker.publish(broker.queues.input, completion_messages("p1", leaves, broker.queues.input))

    first = tracker_process(broker.queues.input, tmp_path)
    try:
        deadline = time.monotonic() + 120
        while TaskProgress.objects.filter(job_pk=job.pk).count() < 2000:
            assert first.poll() is None and time.monotonic() < deadline, (tmp_path / "tracker.log").read_text()
            time.sleep(0.05)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert reload(job).status == JobStatus.ACTIVE  # really in the middle

    second = tracker_process(broker.queues.input, tmp_path, "--idle-exit", "2")
    assert second.wait(timeout=300) == 0, (tmp_path / "tracker.log").read_text()

    job = reload(job)
    assert (job.status, job.percentage_complete) == (JobStatus.COMPLETED, 100.0)
    assert TaskProgress.objects.filter(job_pk=job.pk, parent_task_id__isnull=False).count() == 10000 + 100 + 10
    assert_nothing_counted_twice(job)


def test_sigterm_finishes_the_batch_and_exits(require_postgres, require_rabbitmq, make_job, broker, tmp_path):
    job = make_job("T1", partition_id="p1")
    broker.publish(broker.queues.input, completion_messages("p1", leaf_ids("T1", (2,)), broker.queues.input))
    process = tracker_process(broker.queues.input, tmp_path)
    deadline = time.monotonic() + 60
    while reload(job).status != JobStatus.COMPLETED:
        assert time.monotonic() < deadline, (tmp_path / "tracker.log").read_text()
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_two_tracker_processes_on_one_queue_with_every_message_twice_complete_the_job_once(
    require_postgres, require_rabbitmq, make_job, broker, tmp_path
):
    job = make_job("TWO", partition_id="p1")
    leaves = leaf_ids("TWO", (10, 10, 30))
    messages = completion_messages("p1", leaves, broker.queues.input)
    broker.publish(broker.queues.input, messages + messages)  # at-least-once: all duplicated

    # A small prefetch so that the two share the messages.
    options = ("--idle-exit", "2", "--batch-size", "50", "--prefetch", "100")
    trackers = [tracker_process(broker.queues.input, tmp_path, *options, log_name=f"tracker{n}.log") for n in (1, 2)]
    logs = [tmp_path / f"tracker{n}.log" for n in (1, 2)]
    for tracker, log in zip(trackers, logs, strict=True):
        assert tracker.wait(timeout=300) == 0, log.read_text()

    job = reload(job)
    assert (job.status, job.percentage_complete) == (JobStatus.COMPLETED, 100.0)
    assert_nothing_counted_twice(job)
    for log in logs:
        assert "Batch of" in log.read_text()  # both took part

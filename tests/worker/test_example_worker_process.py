"""End to end: `manage.py run_example_worker` in its own process, asking the real status
endpoint (Django live_server) about the jobs of the tasks it gets."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from jobs.models import Job
from jobs.public_urls import status_check_url
from jobservice.messaging.messages import ReportStatus, TaskStatus, decode_task_message, decode_tracking_reports

from .conftest import task_message, tracking_info

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def create_job(job_id: str, status: str) -> None:
    now = timezone.now()
    Job.objects.create(partition_id="e2e", job_id=job_id, status=status, create_date=now,
                       last_update_date=now, job_hash="x")


def start_worker(tmp_path: Path, queues: dict[str, str], *extra: str) -> subprocess.Popen:
    env = os.environ | {"JOBSERVICE_DATA_DIR": str(tmp_path), "BROKER_URL": settings.BROKER_URL,
                        "CAF_RABBITMQ_QUEUE_TYPE": settings.BROKER_QUEUE_TYPE}
    command = [sys.executable, str(MANAGE), "run_example_worker", "--input-queue", queues["in"],
               "--output-queue", queues["out"], "--paused-queue", queues["paused"],
               "--reject-queue", queues["reject"], *extra]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def queues(broker) -> dict[str, str]:
    return {role: broker.queue_name(role) for role in ("in", "out", "track", "reject", "paused")}


def test_worker_process_handles_active_cancelled_and_paused_jobs(live_server, broker, queues, tmp_path,
                                                                settings, monkeypatch):
    assert broker.data_dir == tmp_path / "broker"  # the process finds the same folders
    for job_id, status in (("active", "Active"), ("cancelled", "Cancelled"), ("paused", "Paused")):
        create_job(job_id, status)
    # The live server is the service: the worker process follows its (signed) status URLs.
    settings.CAF_WEBSERVICE_URL = f"{live_server.url}/job-service/v1"
    monkeypatch.setenv("CAF_WEBSERVICE_URL", settings.CAF_WEBSERVICE_URL)
    for job_id in ("active", "cancelled", "paused"):
        tracking = tracking_info(job_task_id=f"e2e:{job_id}", track_to=queues["out"], pipe=queues["track"],
                                 url=status_check_url("e2e", job_id))
        message = task_message(task_id=f"task-{job_id}", to=queues["in"], tracking=tracking,
                               data=b'{"action": "WORD_COUNT", "text": "three small words"}')
        broker.publish(queues["in"], message.encode())

    worker = start_worker(tmp_path, queues, "--max-messages", "3")
    try:
        output, _ = worker.communicate(timeout=90)
    finally:
        worker.kill()
    assert worker.returncode == 0, output

    [(result_body, _)] = broker.take(queues["out"], 1)
    result = decode_task_message(result_body)
    assert result.task_id == "task-active" and result.task_status is TaskStatus.RESULT_SUCCESS
    assert b'"words": 3' in result.task_data and result.tracking is None
    [(report_body, _)] = broker.take(queues["track"], 1)
    [report] = decode_tracking_reports(decode_task_message(report_body).task_data)
    assert (report.job_task_id, report.status) == ("e2e:active", ReportStatus.COMPLETE)
    [(paused_body, _)] = broker.take(queues["paused"], 1)
    paused = decode_task_message(paused_body)
    assert paused.task_id == "task-paused" and paused.tracking.last_status_check_time is not None
    assert paused.tracking.status_check_interval_millis == settings.CAF_STATUS_CHECK_INTERVAL_SECONDS * 1000
    # Nothing else: the cancelled job's task was dropped, and nothing is left in the input.
    assert broker.is_empty(queues["out"]) and broker.is_empty(queues["track"])
    assert broker.is_empty(queues["in"])
    assert "e2e:cancelled: discarded: job Cancelled" in output  # the INFO line of the message


def test_worker_process_stops_cleanly_on_sigterm(broker, queues, tmp_path):
    worker = start_worker(tmp_path, queues)
    watchdog = threading.Timer(60, worker.kill)
    watchdog.start()
    try:
        started = [worker.stdout.readline() for _ in range(1)]
        while started[-1] and "consuming" not in started[-1]:  # the handlers are installed
            started.append(worker.stdout.readline())
        time.sleep(0.5)
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    finally:
        watchdog.cancel()
        worker.kill()
    assert worker.returncode == 0, "".join(started) + output

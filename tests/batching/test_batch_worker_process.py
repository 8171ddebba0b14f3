"""End to end: `manage.py run_batch_worker` in its own process on the configured broker
(filesystem:// in a temp folder, or RabbitMQ in the server pass), fed hostile batches beside a
good one: each hostile one fails its job with the reason, the process lives on and splits the
good one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from jobservice.messaging.messages import TaskStatus, decode_task_message, decode_tracking_reports
from tests.batching.conftest import batch_message

pytestmark = pytest.mark.slow

MANAGE = Path(settings.BASE_DIR) / "manage.py"

HOSTILE = {
    # A dotted path outside BATCH_DOTTED_PATH_PREFIXES: never imported (it would exit).
    "dotted": ({"batchType": "unittest.__main__.x"}, "Invalid batch type  unittest.__main__.x"),
    # Allowed by prefix, but its import calls sys.exit().
    "exits-on-import": ({"batchType": "tests.batching.exits_on_import.Plugin"},
                        "Invalid batch type  tests.batching.exits_on_import.Plugin"),
    "exit": ({"batchType": "tests.batching.test_batch_worker.Raises", "batchDefinition": "exit"},
             "Failed to process batch: SystemExit: bye"),
    # The process handles SIGINT with a stop flag: a KeyboardInterrupt is the plugin's.
    "interrupt": ({"batchType": "tests.batching.test_batch_worker.Raises", "batchDefinition": "interrupt"},
                  "Failed to process batch: KeyboardInterrupt"),
    "range": ({"batchType": "RangeBatchPlugin", "batchDefinition": "1-999999999999999999"},
              "Failed to process batch: The batch has 999,999,999,999,999,999 items; a batch job may have "
              "at most 10,000,000 (BATCH_MAX_ITEMS)."),
}


@pytest.fixture
def queues(broker) -> dict[str, str]:
    return {role: broker.queue_name(role) for role in ("in", "out", "items", "track", "reject")}


def test_hostile_batches_fail_their_jobs_and_the_worker_splits_the_next(broker, queues, tmp_path):
    assert broker.data_dir == tmp_path / "broker"  # the process finds the same folders
    root = tmp_path / "files"
    for name in ["top.txt", "sub-dir/a.txt", "sub-dir/sub-sub-dir/b.txt", "sub-dir/c.md"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)

    def publish(job: str, changes: dict) -> None:
        payload = {"batchDefinition": "a", "batchType": "AssetIdBatchPlugin", "taskMessageType": "DocumentMessage",
                   "taskMessageParams": {"field:binaryFile": "CONTENT"}, "targetPipe": queues["items"]} | changes
        message = batch_message(payload, job_task_id=f"p1:{job}", to=queues["in"], task_id=f"task-{job}",
                                tracking_pipe=queues["track"], track_to=queues["items"])
        broker.publish(queues["in"], message.encode())

    for job, (changes, _) in HOSTILE.items():
        publish(job, changes)
    publish("glob", {"batchType": "GlobPattern", "batchDefinition": "sub-dir/**.txt"})

    env = os.environ | {"JOBSERVICE_DATA_DIR": str(tmp_path), "BROKER_URL": settings.BROKER_URL,
                        "CAF_RABBITMQ_QUEUE_TYPE": settings.BROKER_QUEUE_TYPE, "BATCH_FILES_ROOT": str(root),
                        "BATCH_ALLOW_DOTTED_PATHS": "true", "BATCH_DOTTED_PATH_PREFIXES": "tests.batching"}
    # 5 hostile + the glob + its 2 sub-batches (sub-dir, sub-dir/sub-sub-dir): then it stops by itself.
    command = [sys.executable, str(MANAGE), "run_batch_worker", "--input-queue", queues["in"],
               "--output-queue", queues["out"], "--reject-queue", queues["reject"], "--max-messages", "8"]
    worker = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = worker.communicate(timeout=90)
    finally:
        worker.kill()
    assert worker.returncode == 0, output  # lived through all of it

    # The glob's files at any depth under sub-dir, and what the two raising plugins sent before.
    items = [json.loads(decode_task_message(body).task_data) for body, _ in broker.take(queues["items"], 4)]
    files = sorted(item["fields"]["CONTENT"][0]["data"] for item in items if "fields" in item)
    assert files == ["sub-dir/a.txt", "sub-dir/sub-sub-dir/b.txt"]
    assert [item for item in items if "fields" not in item] == [{"text": "before"}] * 2
    outputs = [decode_task_message(body) for body, _ in broker.take(queues["out"], 8)]
    assert all((out.task_classifier, out.task_api_version) == ("BatchWorker", 1) for out in outputs)
    failures = {out.tracking.job_task_id.split(".")[0]: json.loads(out.task_data) for out in outputs
                if out.task_status is TaskStatus.RESULT_EXCEPTION}
    assert failures == {f"p1:{job}": message for job, (_, message) in HOSTILE.items()}
    assert sum(out.task_status is TaskStatus.RESULT_SUCCESS for out in outputs) == 3  # the glob's 3 messages
    reports = [report for body, _ in broker.take(queues["track"], 100, timeout=2)
               for report in decode_tracking_reports(decode_task_message(body).task_data)]
    failed = {report.job_task_id.split(".")[0]: report.failure.failure_message for report in reports if report.failure}
    assert failed == {f"p1:{job}": json.dumps(message) for job, (_, message) in HOSTILE.items()}
    assert broker.is_empty(queues["in"]) and broker.is_empty(queues["out"]) and broker.is_empty(queues["reject"])

"""The trust boundary through the real processes (API server, scheduler, tracker, workers): a
scoped token works in its partition only, a job that would forge tracking reports is refused,
and nothing of another tenant's job changes (docs/security.md)."""
from __future__ import annotations

import time

import pytest

from tests.e2e.harness import Pipeline

pytestmark = pytest.mark.slow

VICTIM = "/partitions/victim/jobs/payroll"


def forged_report_task(pipeline: Pipeline, **pipes: str) -> dict:
    """A task that, delivered to the tracker, would report the victim's job as failed."""
    return {
        "taskClassifier": "TrackingReportTask",
        "taskApiVersion": 1,
        "taskData": {"trackingReports": [{"jobTaskId": "victim:payroll", "status": "Failed",
                                          "failure": {"failureId": "X", "failureMessage": "pwned"}}]},
        **pipes,
    }


def test_a_scoped_token_works_in_its_partition_only_and_forged_tracking_is_refused(
    embedded_pipeline: Pipeline,
) -> None:
    pipeline = embedded_pipeline
    queues = pipeline.queues
    # Another tenant's job, Waiting for a prerequisite that never comes: nothing should touch it.
    status, body = pipeline.request("PUT", VICTIM, {"name": "payroll", "prerequisiteJobIds": ["never"],
                                                     "task": pipeline.batch_task("1-5")})
    assert status == 201, body
    victim_before = pipeline.request("GET", VICTIM)[1]

    acme = pipeline.create_token("acme", "--partitions", "acme-*", "--rights", "read,create", "--raw-tasks",
                                 "--task-pipes", f"{queues['batch-in']},{queues['example-out']}")
    status, body = pipeline.request("PUT", "/partitions/acme-1/jobs/numbers",
                                    {"name": "numbers", "task": pipeline.batch_task("1-20")}, token=acme)
    assert status == 201, body
    seen = pipeline.watch_with("acme-1", "numbers", token=acme, until=lambda job: job["status"] == "Completed",
                               timeout=180)
    assert seen[-1]["percentageComplete"] == 100
    assert pipeline.request("GET", "/partitions/acme-1/jobs", token=acme)[0] == 200
    for method, path in [("GET", VICTIM), ("GET", "/partitions/victim/jobs"), ("PUT", "/partitions/beta/jobs/x")]:
        status, body = pipeline.request(method, path, {"task": pipeline.batch_task("1-2")}
                                        if method == "PUT" else None, token=acme)
        assert status == 403, (method, path, status, body)
    assert pipeline.request("POST", "/partitions/acme-1/jobs:delete", token=acme)[0] == 403  # no operate right

    attacker = pipeline.create_token("attacker", "--partitions", "attacker", "--rights", "read,create,operate",
                                     "--raw-tasks", "--task-pipes", "*")
    attempts = {
        "evil-task-pipe": forged_report_task(pipeline, taskPipe=queues["tracking"]),
        "evil-target-pipe": forged_report_task(pipeline, taskPipe=queues["example-in"],
                                               targetPipe=queues["tracking"]),
        "evil-loop": forged_report_task(pipeline, taskPipe=queues["paused"]),
        "evil-reject": forged_report_task(pipeline, taskPipe=queues["example-reject"]),
    }
    for job_id, task in attempts.items():
        status, body = pipeline.request("PUT", f"/partitions/attacker/jobs/{job_id}", {"task": task}, token=attacker)
        assert status == 400, (job_id, status, body)
        assert "queue name" in body["message"], body
    assert pipeline.request("GET", "/partitions/attacker/jobs", token=attacker)[1] == []

    time.sleep(3)  # several scheduler sweeps and tracker polls
    assert pipeline.request("GET", VICTIM)[1] == victim_before
    assert pipeline.drain("tracking-reject") == []
    # The workers' status checks went through their signed URLs (a refusal would be logged).
    logs = "".join(pipeline.log(name) for name in ("example_worker", "batch_worker"))
    assert "answered 401" not in logs and "is not under CAF_WEBSERVICE_URL" not in logs

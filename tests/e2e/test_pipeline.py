"""The whole pipeline through separate processes: API server, scheduler, tracker, paused store,
batch worker and example workers. A job of N numbers (RangeBatchPlugin) is split by the batch
worker, each number is reversed by an example worker, the tracker turns the reports into the
job's progress, read through the REST API as a user would.
"""
from __future__ import annotations

import time
import uuid

import pytest

from tests.e2e.harness import ItemRun, Pipeline, items_done

pytestmark = pytest.mark.slow

# Log timestamps are to the millisecond and a worker's clock reads happen around its status
# check: a little slack on top of the status-check interval.
SLACK_SECONDS = 0.5
# Jobs that are cancelled or paused on the way: big enough that the pipeline (about 4,000
# items/s here) is far from done one status-check interval after the operation, at 10 %.
INTERRUPTED_JOB_ITEMS = 50_000
INTERRUPT_AT_PERCENT = 10


def new_job_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def assert_completed_with_every_item(pipeline: Pipeline, job_id: str, count: int, *, timeout: float,
                                     progress_seen: bool = True) -> None:
    seen = pipeline.watch(job_id, until=lambda job: job["status"] in ("Completed", "Failed", "Cancelled"),
                          timeout=timeout, every=0.3)
    assert all(job["percentageComplete"] <= 100 for job in seen)
    final = seen[-1]
    assert (final["status"], final["percentageComplete"], final["failures"]) == ("Completed", 100, [])
    if progress_seen:  # a big job is read part done at least once
        assert any(0 < job["percentageComplete"] < 100 for job in seen), "progress was never visible on the way"
    # At-least-once: an item may be repeated, none may be missing.
    assert set(items_done(pipeline.drain("example-out"))) == set(range(1, count + 1))


def wait_until_workers_idle(pipeline: Pipeline, *, quiet_seconds: float = 3) -> list[ItemRun]:
    """The example workers' runs once nothing new was logged for `quiet_seconds`."""
    runs = pipeline.item_runs()
    while True:
        time.sleep(quiet_seconds)
        latest = pipeline.item_runs()
        if len(latest) == len(runs):
            return latest
        runs = latest


def started_after(runs: list[ItemRun], moment: float) -> list[ItemRun]:
    return [run for run in runs if run.processed and run.started > moment]


def watch_until_progress(pipeline: Pipeline, job_id: str, percentage: float) -> None:
    seen = pipeline.watch(job_id, until=lambda job: job["percentageComplete"] >= percentage
                          or job["status"] != "Active" and job["status"] != "Waiting", timeout=300, every=0.1)
    assert seen[-1]["status"] == "Active", f"the job ended before {percentage}%: {seen[-1]}"


def test_a_small_job_runs_on_the_embedded_defaults(embedded_pipeline: Pipeline) -> None:
    job_id = new_job_id("small")
    embedded_pipeline.create_job(job_id, embedded_pipeline.batch_task("1-200", params={
        "action": "REVERSE", "source": "text", "leafSize": "20", "fanout": "4"}))
    assert_completed_with_every_item(embedded_pipeline, job_id, 200, timeout=180, progress_seen=False)


def test_an_unknown_batch_type_fails_the_job_with_a_readable_message(embedded_pipeline: Pipeline) -> None:
    job_id = new_job_id("unknown")
    embedded_pipeline.create_job(job_id, embedded_pipeline.batch_task("1-10", batch_type="NoSuchPlugin"))
    job = embedded_pipeline.watch(job_id, until=lambda job: job["status"] != "Waiting"
                                  and job["status"] != "Active", timeout=120)[-1]
    assert job["status"] == "Failed"
    [failure] = job["failures"]
    assert failure["failureId"] == "RESULT_EXCEPTION" and failure["failureSource"] == "worker-batch"
    assert "Invalid batch type  NoSuchPlugin" in failure["failureMessage"]


@pytest.mark.server
def test_a_10000_item_job_completes_at_exactly_100(server_pipeline: Pipeline) -> None:
    job_id = new_job_id("big")
    server_pipeline.create_job(job_id, server_pipeline.batch_task("1-10000"))
    assert_completed_with_every_item(server_pipeline, job_id, 10_000, timeout=600)


@pytest.mark.server
def test_cancel_half_way_stops_items_within_one_status_check_interval(server_pipeline: Pipeline) -> None:
    job_id = new_job_id("cancel")
    server_pipeline.create_job(job_id, server_pipeline.batch_task(f"1-{INTERRUPTED_JOB_ITEMS}"))
    watch_until_progress(server_pipeline, job_id, INTERRUPT_AT_PERCENT)
    server_pipeline.operate(job_id, "cancel")
    cancelled_at = time.time()

    runs = wait_until_workers_idle(server_pipeline)
    late = started_after(runs, cancelled_at + server_pipeline.status_interval + SLACK_SECONDS)
    assert late == [], f"{len(late)} item(s) started after the cancel, first {late[0]} vs {cancelled_at}"
    job = server_pipeline.job(job_id)
    assert job["status"] == "Cancelled"
    processed = {run.job_task_id for run in runs if run.processed and run.job_task_id.startswith(f"e2e:{job_id}.")}
    assert 0 < len(processed) < INTERRUPTED_JOB_ITEMS
    server_pipeline.drain("example-out")


@pytest.mark.server
def test_pause_holds_every_item_and_resume_finishes_them_all(server_pipeline: Pipeline) -> None:
    job_id = new_job_id("pause")
    server_pipeline.create_job(job_id, server_pipeline.batch_task(f"1-{INTERRUPTED_JOB_ITEMS}"))
    watch_until_progress(server_pipeline, job_id, INTERRUPT_AT_PERCENT)
    server_pipeline.operate(job_id, "pause")
    paused_at = time.time()
    time.sleep(3 * server_pipeline.status_interval + 2)
    assert server_pipeline.job(job_id)["status"] == "Paused"
    resumed_at = time.time()
    server_pipeline.operate(job_id, "resume")

    assert_completed_with_every_item(server_pipeline, job_id, INTERRUPTED_JOB_ITEMS, timeout=600)
    runs = [run for run in server_pipeline.item_runs() if run.job_task_id.startswith(f"e2e:{job_id}.")]
    during_pause = [run for run in started_after(runs, paused_at + server_pipeline.status_interval + SLACK_SECONDS)
                    if run.started < resumed_at]
    assert during_pause == [], f"{len(during_pause)} item(s) started while paused, first {during_pause[0]}"
    assert started_after(runs, resumed_at), "nothing ran after resume"

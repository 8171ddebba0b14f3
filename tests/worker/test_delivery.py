"""The runner's decisions for one delivery, with real messages (reference §2.6-§3.9, §5)."""
from __future__ import annotations

import json

import pytest

from jobservice.examples.example_worker import ExampleWorker
from jobservice.messaging.broker import PublishError
from jobservice.messaging.delivery import Action, Delivery, DeliveryHandler, HandlerConfig
from jobservice.messaging.messages import ReportStatus, TaskStatus
from jobservice.messaging.status_check import StatusChecker
from jobservice.messaging.worker import Result, Task, TransientError, Worker

from .conftest import task_message, tracking_info
from .recorder import Recorder, payload

PIPE = "tracking-in"


class SplitWorker(Worker):
    """Sends one subtask per item of {"items": [...]}, then a final success."""

    name = "SplitWorker"
    classifier = "SplitWorker"
    version = "2.1"
    calls = 0

    def process(self, task: Task) -> Result:
        type(self).calls += 1
        items = task.json()["items"]
        for item in items:
            task.send("example-in", classifier="ExampleWorker", api_version=1,
                      data=json.dumps({"action": "REVERSE", "text": item}))
        if task.json().get("explode"):
            raise RuntimeError("disk on fire")
        return Result.success_json({"count": len(items)})


class ScriptedWorker(Worker):
    name = "ScriptedWorker"
    classifier = "ScriptedWorker"

    def __init__(self, outcome) -> None:
        self.outcome = outcome

    def process(self, task: Task) -> Result:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def handler(worker=None, *, paused_queue=None, zero_progress=True, output_queue="example-out",
            input_queue="example-in", publish=None):
    recorder = publish or Recorder()
    config = HandlerConfig(input_queue=input_queue, output_queue=output_queue,
                           reject_queue="ExampleWorker-reject", retry_queue=input_queue,
                           paused_queue=paused_queue, retry_limit=10,
                           zero_progress_reports=zero_progress)
    return DeliveryHandler(worker or ExampleWorker(), config, publish=recorder,
                           status_checker=StatusChecker(timeout=2)), recorder


def deliver(h, message, *, headers=None, redelivered=False):
    return h.handle(Delivery(message.encode(), headers or {}, redelivered))


# --- execution, responses, reports ---------------------------------------------------------


def test_tracked_task_reaching_track_to_sends_complete_report_then_stripped_result():
    h, rec = handler()
    message = task_message(tracking=tracking_info(), context={"/other": b"ctx"})

    outcome = deliver(h, message)

    assert outcome.action is Action.ACK and outcome.job_task_id == "p1:J1"
    assert rec.queues == [PIPE, "example-out"]  # the report goes first (§3.9)
    [report_message] = rec.decoded(PIPE)
    assert report_message.task_classifier == "TrackingReportTask" and report_message.correlation_id == "corr-1"
    assert rec.reports(PIPE) == [[_report("p1:J1", ReportStatus.COMPLETE)]]
    [result] = rec.decoded("example-out")
    assert result.task_id == "task-1" and result.task_status is TaskStatus.RESULT_SUCCESS
    assert result.tracking is None  # tracking ends at trackTo (§3.8)
    assert result.task_classifier == "ExampleWorker" and result.source_info.name == "ExampleWorker"
    assert result.source_info.version == "1.0"
    assert result.correlation_id == "corr-1" and result.context == {"/other": b"ctx"}
    assert payload(result) == {"action": "REVERSE", "result": "cba", "source": "text"}


def test_result_before_track_to_keeps_tracking_and_reports_zero_progress():
    h, rec = handler()
    deliver(h, task_message(tracking=tracking_info(track_to="final-out")))

    assert rec.reports(PIPE) == [[_report("p1:J1", ReportStatus.PROGRESS)]]
    [result] = rec.decoded("example-out")
    assert result.tracking.job_task_id == "p1:J1" and result.tracking.track_to == "final-out"


def test_zero_progress_reports_can_be_turned_off():
    h, rec = handler(zero_progress=False)
    deliver(h, task_message(tracking=tracking_info(track_to="final-out")))

    assert rec.queues == ["example-out"]


def test_untracked_task_gets_its_result_and_no_report():
    h, rec = handler()
    deliver(h, task_message())

    assert rec.queues == ["example-out"]
    assert rec.decoded("example-out")[0].tracking is None


def test_subtasks_are_numbered_and_the_final_response_is_marked():
    h, rec = handler(SplitWorker(), input_queue="split-in", output_queue="example-out")
    message = task_message(classifier="SplitWorker", to="split-in", data=b'{"items": ["a", "b"]}',
                           tracking=tracking_info(job_task_id="p1:J7"))

    deliver(h, message)

    subtasks = rec.decoded("example-in")
    assert [m.task_id for m in subtasks] == ["task-1.1", "task-1.2"]
    assert [m.tracking.job_task_id for m in subtasks] == ["p1:J7.1", "p1:J7.2"]
    assert all(m.task_status is TaskStatus.NEW_TASK and m.task_classifier == "ExampleWorker" for m in subtasks)
    [final] = rec.decoded("example-out")
    assert final.task_id == "task-1.3*" and final.tracking is None
    assert rec.reports(PIPE) == [[
        _report("p1:J7.1", ReportStatus.PROGRESS),
        _report("p1:J7.2", ReportStatus.PROGRESS),
        _report("p1:J7.3*", ReportStatus.COMPLETE),
    ]]
    assert rec.queues[-1] == "example-out"  # reports flushed before the final response


def test_only_one_response_keeps_the_ids():
    h, rec = handler(SplitWorker(), input_queue="split-in")
    deliver(h, task_message(classifier="SplitWorker", to="split-in", data=b'{"items": []}',
                            tracking=tracking_info()))

    [final] = rec.decoded("example-out")
    assert final.task_id == "task-1"
    assert rec.reports(PIPE) == [[_report("p1:J1", ReportStatus.COMPLETE)]]


def test_reports_are_sent_in_groups_of_five():
    h, rec = handler(SplitWorker(), input_queue="split-in")
    items = json.dumps({"items": [str(n) for n in range(7)]}).encode()
    deliver(h, task_message(classifier="SplitWorker", to="split-in", data=items, tracking=tracking_info()))

    groups = rec.reports(PIPE)
    assert [len(group) for group in groups] == [5, 3]
    assert groups[1][-1] == _report("p1:J1.8*", ReportStatus.COMPLETE)
    # The first group goes out when a sixth report arrives, the rest before the final response.
    assert rec.queues == ["example-in"] * 5 + [PIPE] + ["example-in"] * 2 + [PIPE, "example-out"]


def test_exception_after_subtasks_fails_the_final_response():
    h, rec = handler(SplitWorker(), input_queue="split-in")
    deliver(h, task_message(classifier="SplitWorker", to="split-in", tracking=tracking_info(),
                            data=b'{"items": ["a"], "explode": true}'))

    assert [m.task_id for m in rec.decoded("example-in")] == ["task-1.1"]
    [final] = rec.decoded("example-out")
    assert final.task_id == "task-1.2*" and final.task_status is TaskStatus.RESULT_EXCEPTION
    assert json.loads(final.task_data) == "RuntimeError: disk on fire"
    failed = rec.reports(PIPE)[0][-1]
    assert failed.status is ReportStatus.FAILED and failed.job_task_id == "p1:J1.2*"
    assert failed.failure.failure_id == "RESULT_EXCEPTION"
    assert failed.failure.failure_source == "SplitWorker"
    assert failed.failure.failure_message == '"RuntimeError: disk on fire"'


def test_wrong_classifier_is_an_invalid_task():
    h, rec = handler()
    outcome = deliver(h, task_message(classifier="OtherWorker", tracking=tracking_info(), context={"/k": b"v"}))

    assert outcome.action is Action.ACK
    [invalid] = rec.decoded("example-out")
    assert invalid.task_status is TaskStatus.INVALID_TASK
    assert invalid.task_classifier == "OtherWorker" and invalid.context == {"/k": b"v"}
    assert b"OtherWorker" in invalid.task_data
    [[report]] = rec.reports(PIPE)
    assert report.status is ReportStatus.FAILED and report.failure.failure_id == "INVALID_TASK"
    assert "OtherWorker" in report.failure.failure_message


def test_task_the_worker_cannot_understand_is_an_invalid_task():
    h, rec = handler()
    deliver(h, task_message(data=b'{"action": "SHRED", "text": "x"}', tracking=tracking_info()))

    [invalid] = rec.decoded("example-out")
    assert invalid.task_status is TaskStatus.INVALID_TASK
    assert invalid.task_data.startswith(b"unknown action 'SHRED'")
    assert rec.reports(PIPE)[0][0].status is ReportStatus.FAILED


def test_transient_error_requeues_without_output():
    h, rec = handler(ScriptedWorker(TransientError("database busy")))
    outcome = deliver(h, task_message(classifier="ScriptedWorker", tracking=tracking_info()))

    assert outcome.action is Action.REQUEUE and rec.messages == []


def test_newer_task_api_version_is_requeued():
    h, rec = handler()
    outcome = deliver(h, task_message(api_version=2))

    assert outcome.action is Action.REQUEUE and rec.messages == []


@pytest.mark.parametrize(
    ("result", "report_status"),
    [(Result.complete_dead_end(), ReportStatus.COMPLETE), (Result.success_no_output(), ReportStatus.PROGRESS)],
)
def test_dead_ends_publish_nothing_but_the_report(result, report_status):
    h, rec = handler(ScriptedWorker(result))
    outcome = deliver(h, task_message(classifier="ScriptedWorker", tracking=tracking_info()))

    assert outcome.action is Action.ACK
    assert rec.queues == [PIPE]
    assert rec.reports(PIPE)[0][0].status is report_status


def test_success_and_complete_ends_tracking_at_the_output_queue():
    h, rec = handler(ScriptedWorker(Result.success_and_complete(b"done")))
    deliver(h, task_message(classifier="ScriptedWorker", tracking=tracking_info(track_to="far-away")))

    assert rec.reports(PIPE)[0][0].status is ReportStatus.COMPLETE
    assert rec.decoded("example-out")[0].tracking is None


def test_business_failure_completes_tracking():
    h, rec = handler(ScriptedWorker(Result.failure(b'{"workerStatus": "SOURCE_FAILED"}')))
    deliver(h, task_message(classifier="ScriptedWorker", tracking=tracking_info()))

    assert rec.decoded("example-out")[0].task_status is TaskStatus.RESULT_FAILURE
    assert rec.reports(PIPE)[0][0].status is ReportStatus.COMPLETE


def test_publish_error_propagates_so_the_input_is_requeued():
    h, _ = handler(publish=Recorder(fail=True))
    with pytest.raises(PublishError):
        deliver(h, task_message())


# --- status, pause, cancel, reroute --------------------------------------------------------


@pytest.mark.parametrize("status", ["Cancelled", "Completed", "Failed", None])
def test_messages_of_finished_or_deleted_jobs_are_discarded(status_server, status):
    if status:
        status_server.statuses["J1"] = status
    h, rec = handler()
    outcome = deliver(h, task_message(tracking=tracking_info(url=status_server.url("p1", "J1"))))

    assert outcome.action is Action.DISCARD and rec.messages == []


def test_paused_job_message_goes_to_the_paused_queue_unchanged(status_server):
    status_server.statuses["J1"] = "Paused"
    status_server.max_age = 3
    h, rec = handler(paused_queue="worker-paused")
    message = task_message(tracking=tracking_info(url=status_server.url("p1", "J1")))

    outcome = deliver(h, message, headers={"x-custom": "kept", "x-delivery-count": 2, "x-acquired-count": 3})

    assert outcome.action is Action.ACK
    [copy] = rec.messages
    assert copy.queue == "worker-paused" and copy.headers == {"x-custom": "kept"}
    stored = rec.decoded("worker-paused")[0]
    assert stored.tracking.last_status_check_time is not None  # refreshed by the check
    assert stored.tracking.status_check_interval_millis == 3000
    assert stored.with_changes(tracking=message.tracking) == message  # nothing else changed


def test_paused_job_message_is_processed_when_no_paused_queue_is_set(status_server):
    status_server.statuses["J1"] = "Paused"
    h, rec = handler(paused_queue=None)
    deliver(h, task_message(tracking=tracking_info(url=status_server.url("p1", "J1"))))

    assert "example-out" in rec.queues


def test_active_job_result_carries_the_refreshed_tracking(status_server):
    status_server.statuses["J1"] = "Active"
    status_server.max_age = 9
    h, rec = handler()
    deliver(h, task_message(tracking=tracking_info(url=status_server.url("p1", "J1"), track_to="final-out")))

    [result] = rec.decoded("example-out")
    assert result.tracking.status_check_interval_millis == 9000
    assert result.tracking.last_status_check_time is not None


def test_message_for_another_queue_is_forwarded_unchanged():
    h, rec = handler()
    message = task_message(to="other-in", tracking=tracking_info())

    outcome = deliver(h, message, headers={"x-caf-worker-retry": "2"})

    assert outcome.action is Action.ACK
    [forwarded] = rec.messages
    assert forwarded.queue == "other-in" and forwarded.headers == {"x-caf-worker-retry": "2"}
    assert forwarded.body == message.encode()


def test_forward_to_track_to_strips_tracking():
    h, rec = handler()
    deliver(h, task_message(to="example-out", tracking=tracking_info(track_to="EXAMPLE-OUT")))

    [forwarded] = rec.decoded("example-out")
    assert forwarded.tracking is None and forwarded.task_status is TaskStatus.NEW_TASK
    assert rec.reports(PIPE) == []  # no report for forwarded messages


def test_input_queue_comparison_ignores_case():
    h, rec = handler()
    deliver(h, task_message(to="EXAMPLE-IN"))
    assert rec.decoded("example-out")[0].task_status is TaskStatus.RESULT_SUCCESS


def test_message_without_destination_is_processed_not_dropped():
    h, rec = handler()
    deliver(h, task_message(to=None))
    assert rec.decoded("example-out")[0].task_status is TaskStatus.RESULT_SUCCESS


# --- retries, poison, undecodable ----------------------------------------------------------


def test_redelivered_classic_message_is_republished_with_a_retry_count():
    SplitWorker.calls = 0
    h, rec = handler(SplitWorker(), input_queue="split-in")
    message = task_message(classifier="SplitWorker", to="split-in", data=b'{"items": []}')

    outcome = deliver(h, message, headers={"x-caf-worker-retry": "3"}, redelivered=True)

    assert outcome.action is Action.ACK and SplitWorker.calls == 0
    [retry] = rec.messages
    assert retry.queue == "split-in" and retry.headers == {"x-caf-worker-retry": "4"}
    assert retry.body == message.encode()


def test_poison_message_is_copied_to_the_reject_queue_and_fails_the_task():
    SplitWorker.calls = 0
    h, rec = handler(SplitWorker(), input_queue="split-in")
    message = task_message(classifier="SplitWorker", to="split-in", data=b'{"items": []}',
                           tracking=tracking_info(), context={"/k": b"v"})

    outcome = deliver(h, message, headers={"x-delivery-count": 11}, redelivered=True)

    assert outcome.action is Action.ACK and SplitWorker.calls == 0
    [copy] = rec.decoded("ExampleWorker-reject")
    assert copy.task_id != "task-1" and copy.task_status is TaskStatus.RESULT_EXCEPTION
    assert copy.task_data == message.task_data and copy.context == {}
    assert copy.tracking == message.tracking and copy.correlation_id == "corr-1"
    [result] = rec.decoded("example-out")
    assert result.task_status is TaskStatus.RESULT_EXCEPTION
    assert json.loads(result.task_data) == "SplitWorker could not process the item."
    assert rec.reports(PIPE)[0][0].status is ReportStatus.FAILED


def test_undecodable_message_goes_to_the_reject_queue_with_the_reason():
    h, rec = handler()
    outcome = h.handle(Delivery(b"this is not json", {}, False))

    assert outcome.action is Action.ACK
    [rejected] = rec.messages
    assert rejected.queue == "ExampleWorker-reject" and rejected.body == b"this is not json"
    assert rejected.headers["x-caf-worker-rejected"] == "TASKMESSAGE_INVALID"
    assert "not JSON" in rejected.headers["x-caf-worker-rejected-reason"]


def test_message_nested_past_the_recursion_limit_goes_to_the_reject_queue():
    # Not requeued: it would fail the same way on every delivery, poison included.
    h, rec = handler()
    body = b"[" * 100_000
    outcome = h.handle(Delivery(body, {}, False))

    assert outcome.action is Action.ACK
    [rejected] = rec.messages
    assert rejected.queue == "ExampleWorker-reject" and rejected.body == body


def test_message_without_task_id_is_rejected_as_undecodable():
    h, rec = handler()
    body = task_message().encode().replace(b'"taskId":"task-1"', b'"taskId":null')
    h.handle(Delivery(body, {}, False))

    assert rec.queues == ["ExampleWorker-reject"]


def _report(job_task_id, status):
    from jobservice.messaging.messages import TrackingReport

    return TrackingReport(job_task_id, status, 0)


def test_subtasks_are_published_in_chunks_while_the_task_runs(monkeypatch):
    monkeypatch.setattr("jobservice.messaging.delivery.PUBLISH_CHUNK", 2)
    h, rec = handler(SplitWorker(), input_queue="split-in")
    deliver(h, task_message(classifier="SplitWorker", to="split-in", data=b'{"items": ["a", "b", "c", "d"]}'))

    assert [len(batch) for batch in rec.batches] == [2, 2, 1]
    assert [m.task_id for m in rec.decoded("example-in")] == [f"task-1.{n}" for n in range(1, 5)]


def test_unconfirmed_chunk_of_subtasks_requeues_instead_of_failing_the_task(monkeypatch):
    monkeypatch.setattr("jobservice.messaging.delivery.PUBLISH_CHUNK", 1)
    h, rec = handler(SplitWorker(), input_queue="split-in", publish=Recorder(fail_times=1))

    with pytest.raises(PublishError):
        deliver(h, task_message(classifier="SplitWorker", to="split-in", data=b'{"items": ["a", "b", "c"]}'))
    assert rec.messages == []  # no RESULT_EXCEPTION went out for a broker hiccup

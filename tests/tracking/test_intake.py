"""How the tracker reads one message (reference worker-messaging.md §4.2, §4.3, §4.6, §4.7)."""
import json

import pytest

from jobservice.messaging.messages import (
    ReportStatus,
    TaskMessage,
    TaskSourceInfo,
    TaskStatus,
    TrackingInfo,
    TrackingReport,
    TrackingReportFailure,
    decode_task_message,
    tracking_report_message,
)
from tracking.intake import REJECT_REASON_HEADER, TrackerQueues, read_message
from tracking.reports import Report, ReportKind

QUEUES = TrackerQueues(input="jobtracking-in", reject="jobtracking-reject", error="jobtracking-err")


def reports_message(*reports: TrackingReport) -> bytes:
    return tracking_report_message(list(reports), tracking_pipe="jobtracking-in", correlation_id="c1").encode()


def worker_message(status: TaskStatus, to: str | None, track_to: str | None, data: bytes = b"out") -> TaskMessage:
    return TaskMessage(
        task_id="t1",
        task_classifier="ExampleWorker",
        task_api_version=1,
        task_data=data,
        task_status=status,
        to=to,
        tracking=TrackingInfo(job_task_id="p1:J7.2", tracking_pipe="jobtracking-in", track_to=track_to),
        source_info=TaskSourceInfo("example-worker", "1.0"),
    )


def test_a_report_message_gives_its_reports_dropping_zero_progress_and_retries():
    failure = TrackingReportFailure("RESULT_EXCEPTION", 1767323045678, "example-worker", "boom")
    body = reports_message(
        TrackingReport("p1:J7.1", ReportStatus.PROGRESS, 0),
        TrackingReport("p1:J7.1", ReportStatus.PROGRESS, 42),
        TrackingReport("p1:J7.2", ReportStatus.RETRY, 0, retries=1),
        TrackingReport("p1:J7.3*", ReportStatus.COMPLETE),
        TrackingReport("J8.1", ReportStatus.FAILED, 0, failure=failure),
    )
    intake = read_message(body, {}, queues=QUEUES, source=3)
    assert [(r.partition_id, r.task_id, r.kind, r.percentage) for r in intake.reports] == [
        ("p1", "J7.1", ReportKind.PROGRESS, 42.0),
        ("p1", "J7.3*", ReportKind.COMPLETE, 0.0),
        ("default", "J8.1", ReportKind.FAILED, 0.0),
    ]
    assert intake.reports[2].failure["failureTime"] == "2026-01-02T03:04:05.678Z"
    assert {r.source for r in intake.reports} == {3}
    assert intake.outputs(body, {}, QUEUES) == []


@pytest.mark.parametrize(
    "report",
    [
        TrackingReport("p1:J7.1", ReportStatus.PROGRESS, 101),
        TrackingReport("p1:J7.1", ReportStatus.PROGRESS, -1),
        TrackingReport("p1:J7.x", ReportStatus.COMPLETE),
        TrackingReport("p1:J7.0", ReportStatus.COMPLETE),
        TrackingReport("p1:", ReportStatus.COMPLETE),
        TrackingReport("p1:J7.1", ReportStatus.FAILED),  # no failure details
    ],
)
def test_a_bad_report_is_refused_to_the_reject_queue_and_the_good_ones_kept(report):
    body = reports_message(TrackingReport("p1:J7.2", ReportStatus.COMPLETE), report)
    intake = read_message(body, {"h": "v"}, queues=QUEUES)
    assert [r.task_id for r in intake.reports] == ["J7.2"]
    [rejected] = intake.outputs(body, {"h": "v"}, QUEUES)
    assert rejected.queue == "jobtracking-reject"
    assert rejected.body == body
    assert rejected.headers["h"] == "v" and rejected.headers[REJECT_REASON_HEADER]


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"taskId": "x", "taskStatus": "NEW_TASK", "to": "jobtracking-in",'
                                  b' "taskClassifier": "TrackingReportTask", "taskApiVersion": 1, "taskData": "e30="}',
                                  b"[" * 100_000])
def test_undecodable_messages_and_payloads_are_refused(body):
    intake = read_message(body, {}, queues=QUEUES)
    assert intake.reports == [] and intake.refused
    assert intake.outputs(body, {}, QUEUES)[0].queue == "jobtracking-reject"


def test_another_classifier_on_the_tracker_queue_gets_an_invalid_task_answer():
    message = worker_message(TaskStatus.NEW_TASK, "jobtracking-in", None).with_changes(task_classifier="Other")
    intake = read_message(message.encode(), {}, queues=QUEUES)
    [answer] = intake.outputs(message.encode(), {}, QUEUES)
    decoded = decode_task_message(answer.body)
    assert answer.queue == "jobtracking-err"
    assert decoded.task_status == TaskStatus.INVALID_TASK
    assert decoded.task_data == b"Task of type Other found on queue for Job Tracking Worker"


def test_a_progress_event_message_is_a_progress_report():
    message = worker_message(TaskStatus.NEW_TASK, "jobtracking-in", None).with_changes(
        task_classifier="JobTrackingWorker",
        task_data=json.dumps({"jobTaskId": "p1:J7", "estimatedPercentageCompleted": 12}).encode(),
    )
    assert read_message(message.encode(), {}, queues=QUEUES).reports == [
        Report("p1", "J7", ReportKind.PROGRESS, 12.0)
    ]


def test_a_proxied_result_reaching_track_to_completes_and_is_forwarded_without_tracking():
    message = worker_message(TaskStatus.RESULT_SUCCESS, "example-out", "Example-Out")
    intake = read_message(message.encode(), {"x-h": "1"}, queues=QUEUES)
    assert intake.reports == [Report("p1", "J7.2", ReportKind.COMPLETE)]
    [forward] = intake.outputs(message.encode(), {"x-h": "1"}, QUEUES)
    assert (forward.queue, forward.headers) == ("example-out", {"x-h": "1"})
    assert decode_task_message(forward.body).tracking is None


def test_a_proxied_message_on_its_way_is_forwarded_unchanged_with_no_report():
    message = worker_message(TaskStatus.RESULT_SUCCESS, "next-worker-in", "example-out")
    intake = read_message(message.encode(), {}, queues=QUEUES)
    assert intake.reports == []
    assert intake.forward.body == message.encode()


def test_a_proxied_exception_fails_the_task_with_the_worker_as_source():
    message = worker_message(TaskStatus.RESULT_EXCEPTION, "example-out", "example-out", data=b"stack trace")
    [report] = read_message(message.encode(), {}, queues=QUEUES).reports
    assert report.kind == ReportKind.FAILED
    assert (report.failure["failureId"], report.failure["failureSource"], report.failure["failureMessage"]) == (
        "RESULT_EXCEPTION",
        "example-worker",
        "stack trace",
    )


def test_a_proxied_dead_end_completes_and_publishes_nothing():
    message = worker_message(TaskStatus.RESULT_SUCCESS, None, None)
    intake = read_message(message.encode(), {}, queues=QUEUES)
    assert intake.reports == [Report("p1", "J7.2", ReportKind.COMPLETE)]
    assert intake.outputs(message.encode(), {}, QUEUES) == []


@pytest.mark.parametrize(
    "payload",
    [
        json.dumps({"jobTaskId": 7, "estimatedPercentageCompleted": 5}).encode(),
        json.dumps({"other": 1}).encode(),
        json.dumps([1, 2]).encode(),
        b"[" * 100_000,
    ],
)
def test_a_malformed_progress_event_is_refused(payload):
    message = worker_message(TaskStatus.NEW_TASK, "jobtracking-in", None).with_changes(
        task_classifier="JobTrackingWorker", task_data=payload
    )
    intake = read_message(message.encode(), {}, queues=QUEUES)
    assert intake.reports == [] and intake.refused

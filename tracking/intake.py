"""What the tracker does with one consumed message (reference worker-messaging.md §4.2,
§4.6, §4.7): the reports to apply and the messages to publish once they are committed.

Pure: no database, no broker. The consumer applies the reports of a whole batch together.

| message                                                   | reports                   | publish             |
|-----------------------------------------------------------|---------------------------|---------------------|
| to == tracker queue, TrackingReportTask v1                | its reports               | -                   |
| to == tracker queue, JobTrackingWorker v1                 | one Progress              | -                   |
| to == tracker queue, other classifier                     | -                         | INVALID_TASK -> err |
| to != tracker queue (proxied), tracked                    | Complete / Failed / none  | forward to `to`     |
| undecodable, invalid payload, bad report                  | the valid ones            | copy -> reject      |
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jobservice.messaging.broker import OutgoingMessage
from jobservice.messaging.messages import (
    JSON_ERRORS,
    TRACKING_REPORT_CLASSIFIER,
    InvalidMessage,
    TaskMessage,
    TaskSourceInfo,
    TaskStatus,
    decode_task_message,
    decode_tracking_reports,
)
from jobservice.messaging.responses import ends_tracking, same_queue, task_outcome_report
from tracking.reports import (
    InvalidReport,
    Report,
    parse_job_task_id,
    progress_report,
    report_from_tracking,
)

PROGRESS_EVENT_CLASSIFIER = "JobTrackingWorker"
TRACKER_NAME = "worker-jobtracking"
REJECT_REASON_HEADER = "x-jobtracking-reject-reason"


@dataclass(frozen=True)
class TrackerQueues:
    input: str
    reject: str
    error: str


@dataclass
class Intake:
    """The reports of one message, and what to publish for it after the commit."""

    reports: list[Report] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    forward: OutgoingMessage | None = None
    response: OutgoingMessage | None = None

    def outputs(self, body: bytes, headers: dict[str, Any], queues: TrackerQueues) -> list[OutgoingMessage]:
        """Messages to publish; a message with refused content goes to the reject queue as
        received (with the reasons), instead of being forwarded."""
        if self.refused:
            reason = "; ".join(self.refused)[:1000]
            return [OutgoingMessage(queues.reject, body, {**headers, REJECT_REASON_HEADER: reason})]
        return [message for message in (self.forward, self.response) if message is not None]


def read_message(body: bytes, headers: dict[str, Any], *, queues: TrackerQueues, source: int = 0) -> Intake:
    try:
        message = decode_task_message(body)
    except InvalidMessage as exc:
        return Intake(refused=[f"Invalid task message: {exc}"])
    if not same_queue(message.to, queues.input):
        return _proxied(message, body, headers, source)
    if message.task_classifier == TRACKING_REPORT_CLASSIFIER:
        return _tracking_reports(message, source)
    if message.task_classifier == PROGRESS_EVENT_CLASSIFIER:
        return _progress_event(message, source)
    text = f"Task of type {message.task_classifier} found on queue for Job Tracking Worker"
    return Intake(response=OutgoingMessage(queues.error, _invalid_task(message, text, queues.error).encode()))


def _tracking_reports(message: TaskMessage, source: int) -> Intake:
    if message.task_api_version > 1:
        # The original rejects and requeues this forever; a tracker that cannot read it
        # refuses it once instead.
        return Intake(refused=[f"TrackingReportTask version {message.task_api_version} is not supported"])
    try:
        decoded = decode_tracking_reports(message.task_data)
    except InvalidMessage as exc:
        return Intake(refused=[str(exc)])
    intake = Intake()
    for tracking_report in decoded:
        try:
            report = report_from_tracking(tracking_report, source=source)
        except InvalidReport as exc:
            intake.refused.append(str(exc))
            continue
        if report is not None:
            intake.reports.append(report)
    return intake


def _progress_event(message: TaskMessage, source: int) -> Intake:
    """JobTrackingWorkerTask v1: {"jobTaskId", "estimatedPercentageCompleted"} (§4.6)."""
    try:
        data = json.loads(message.task_data)
        if not isinstance(data, dict) or set(data) - {"jobTaskId", "estimatedPercentageCompleted"}:
            raise InvalidReport("Invalid JobTrackingWorker task")
        report = progress_report(data.get("jobTaskId"), data.get("estimatedPercentageCompleted", 0), source=source)
    except JSON_ERRORS as exc:  # InvalidReport is a ValueError
        return Intake(refused=[str(exc)])
    return Intake(reports=[report] if report else [])


def _proxied(message: TaskMessage, body: bytes, headers: dict[str, Any], source: int) -> Intake:
    """A tracked worker message on its way elsewhere (§4.7): record its outcome, then
    forward it, without its tracking when it reaches trackTo."""
    intake = Intake()
    tracking = message.tracking
    forwarded_body = body
    if tracking is not None:
        try:
            parse_job_task_id(tracking.job_task_id)  # also when no report: not forwarded either
            # The worker's rule for its own responses; 0 % progress has nothing to apply.
            report = task_outcome_report(message, tracking, zero_progress=False)
            if report is not None:
                intake.reports.append(report_from_tracking(report, source=source))
        except InvalidReport as exc:
            return Intake(refused=[str(exc)])
        if ends_tracking(tracking, message.to):
            forwarded_body = message.with_changes(tracking=None).encode()
    if message.to is not None:
        intake.forward = OutgoingMessage(message.to, forwarded_body, dict(headers))
    return intake


def _invalid_task(message: TaskMessage, text: str, error_queue: str) -> TaskMessage:
    return message.with_changes(
        task_data=text.encode("utf-8"),
        task_status=TaskStatus.INVALID_TASK,
        to=error_queue,
        source_info=TaskSourceInfo(TRACKER_NAME, "1"),
    )

"""From a worker's results to the messages published for one task (reference §3.6-§3.9, §5).

- Numbering (§5): one extra response is held back, so ids are given at publication. A task
  with only its final response keeps its ids; otherwise extra response k gets `.k` and the
  final one `.N*`, on both taskId and tracking.jobTaskId.
- Tracking reports (§3.9): one per response whose tracking has a trackingPipe, taken before
  the strip rule: Complete when the response reaches trackTo (or both are null), Progress 0
  otherwise, Failed on RESULT_EXCEPTION/INVALID_TASK. Buffered up to 5, flushed before the
  final response, as a `ReportMessage` (the runner may merge those of several tasks).
- Strip rule (§3.8): the tracking of a message published to trackTo (or a dead end when
  trackTo is null) is removed: tracking ends there.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from jobservice.messaging.broker import OutgoingMessage
from jobservice.messaging.messages import (
    COMPLETING_STATUSES,
    FAILING_STATUSES,
    ReportStatus,
    TaskMessage,
    TaskSourceInfo,
    TrackingInfo,
    TrackingReport,
    TrackingReportFailure,
    now_millis,
    tracking_report_message,
)
from jobservice.messaging.worker import OUTPUT_QUEUE, UNCHANGED, Result

REPORT_BUFFER_LIMIT = 5
UNKNOWN_SOURCE = "Unknown - worker name not set"


@dataclass(frozen=True)
class WorkerIdentity:
    name: str
    version: str
    context_key: str
    output_queue: str
    api_version: int = 1
    zero_progress_reports: bool = True

    @property
    def source_info(self) -> TaskSourceInfo:
        return TaskSourceInfo(self.name, self.version)


def same_queue(left: str | None, right: str | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return left.lower() == right.lower()


def ends_tracking(tracking: TrackingInfo, destination: str | None) -> bool:
    """True when a message published to `destination` completes its tracked task."""
    return same_queue(tracking.track_to, destination)


def strip_tracking(message: TaskMessage, destination: str | None) -> TaskMessage:
    """§3.8: a message arriving where tracking ends travels without tracking."""
    if message.tracking is not None and ends_tracking(message.tracking, destination):
        return message.with_changes(tracking=None)
    return message


def tracking_report(message: TaskMessage, *, zero_progress: bool = True) -> TrackingReport | None:
    """The report for a response message, or None (untracked, no tracking pipe)."""
    tracking = message.tracking
    if tracking is None or not tracking.tracking_pipe:
        return None
    return task_outcome_report(message, tracking, zero_progress=zero_progress)


def task_outcome_report(
    message: TaskMessage, tracking: TrackingInfo, *, zero_progress: bool
) -> TrackingReport | None:
    """What `message` says of its tracked task: Failed on RESULT_EXCEPTION/INVALID_TASK,
    Complete when it reaches trackTo, else Progress 0 (None when `zero_progress` is off).
    The tracker reads the messages it proxies with the same rule (§4.7)."""
    if message.task_status in FAILING_STATUSES:
        source = message.source_info.name if message.source_info else None
        failure = TrackingReportFailure(
            failure_id=str(message.task_status),
            failure_time=now_millis(),
            failure_source=source or UNKNOWN_SOURCE,
            failure_message=message.task_data.decode("utf-8", errors="replace"),
        )
        return TrackingReport(tracking.job_task_id, ReportStatus.FAILED, 0, failure=failure)
    if message.task_status in COMPLETING_STATUSES and ends_tracking(tracking, message.to):
        return TrackingReport(tracking.job_task_id, ReportStatus.COMPLETE, 0)
    return TrackingReport(tracking.job_task_id, ReportStatus.PROGRESS, 0) if zero_progress else None


@dataclass(frozen=True)
class ReportMessage(OutgoingMessage):
    """A TrackingReportTask message, with the reports it carries (so that they can be merged)."""

    reports: tuple[TrackingReport, ...] = field(default=())
    correlation_id: str | None = None


class ReportBuffer:
    """Tracking reports of one task, sent as TrackingReportTask messages in groups of up to 5."""

    def __init__(self, emit: Callable[[OutgoingMessage], None], *, correlation_id: str | None,
                 limit: int = REPORT_BUFFER_LIMIT) -> None:
        self._emit = emit
        self._correlation_id = correlation_id
        self._limit = max(1, limit)
        self._pipe: str | None = None
        self._reports: list[TrackingReport] = []

    def add(self, report: TrackingReport, pipe: str) -> None:
        if self._reports and (len(self._reports) >= self._limit or pipe != self._pipe):
            self.flush()
        if not self._reports:
            self._pipe = pipe
        self._reports.append(report)

    def flush(self) -> None:
        if not self._reports or self._pipe is None:
            return
        message = tracking_report_message(
            self._reports, tracking_pipe=self._pipe, correlation_id=self._correlation_id
        )
        self._emit(ReportMessage(self._pipe, message.encode(), reports=tuple(self._reports),
                                 correlation_id=self._correlation_id))
        self._reports = []


class ResponseSequence:
    """Turns the responses of one task (extras, then the final one) into outgoing messages."""

    def __init__(self, task: TaskMessage, identity: WorkerIdentity,
                 emit: Callable[[OutgoingMessage], None]) -> None:
        self.task = task
        self.identity = identity
        self._emit = emit
        self._reports = ReportBuffer(emit, correlation_id=task.correlation_id)
        self._held: Result | None = None
        self._published_extras = 0
        self.finished = False

    def extra(self, result: Result) -> None:
        if self.finished:
            raise RuntimeError("the final response of this task was already given")
        if self._held is not None:
            self._published_extras += 1
            self._publish(self._held, f".{self._published_extras}")
        self._held = result

    def final(self, result: Result) -> None:
        self.final_message(self._build(result))

    def final_message(self, message: TaskMessage) -> None:
        """The final response, also when built by the runner itself (INVALID_TASK)."""
        if self.finished:
            raise RuntimeError("the final response of this task was already given")
        suffix = ""
        if self._held is not None:
            self._published_extras += 1
            self._publish(self._held, f".{self._published_extras}")
            self._held = None
            suffix = f".{self._published_extras + 1}*"
        self.finished = True
        self._send(_with_suffix(message, suffix), final=True)

    def _publish(self, result: Result, suffix: str, *, final: bool = False) -> None:
        self._send(_with_suffix(self._build(result), suffix), final=final)

    def _send(self, message: TaskMessage, *, final: bool) -> None:
        report = tracking_report(message, zero_progress=self.identity.zero_progress_reports)
        if report is not None:
            self._reports.add(report, message.tracking.tracking_pipe)
        if final:
            self._reports.flush()  # reports go before the final response (§3.9)
        if message.to is not None:  # None: a dead end, nothing is published
            self._emit(OutgoingMessage(message.to, strip_tracking(message, message.to).encode()))

    def _build(self, result: Result) -> TaskMessage:
        identity = self.identity
        queue = identity.output_queue if result.queue is OUTPUT_QUEUE else result.queue
        tracking = self.task.tracking
        if tracking is not None and result.track_to is not UNCHANGED:
            track_to = identity.output_queue if result.track_to is OUTPUT_QUEUE else result.track_to
            tracking = replace(tracking, track_to=track_to)
        context = dict(self.task.context)
        if result.context is not None:
            context[identity.context_key] = result.context
        return TaskMessage(
            task_id=self.task.task_id,
            task_classifier=result.classifier or identity.name,
            task_api_version=(
                result.api_version if result.api_version is not None else identity.api_version
            ),
            task_data=result.data,
            task_status=result.status,
            to=queue,
            context=context,
            tracking=tracking,
            source_info=identity.source_info,
            correlation_id=self.task.correlation_id,
        )


def _with_suffix(message: TaskMessage, suffix: str) -> TaskMessage:
    if not suffix:
        return message
    tracking = message.tracking
    if tracking is not None:
        tracking = replace(tracking, job_task_id=tracking.job_task_id + suffix)
    return message.with_changes(task_id=message.task_id + suffix, tracking=tracking)


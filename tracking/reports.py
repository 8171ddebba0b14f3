"""Reports as the tracker applies them: validated, with the partition split off.

Reference worker-messaging.md §4.3-§4.4: Progress (0 % dropped, outside 0..100 refused),
Complete, Failed (with a failure record), Retry (nothing to do).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from jobservice.messaging.messages import JobTaskId, ReportStatus, TrackingReport
from tracking.models import TASK_ID_MAX_LENGTH

# <jobId>[.<n>[*]]... : the job id holds none of the reserved characters, numbers start at 1.
_TASK_ID = re.compile(r"[^.,:;*?!|()]+(\.[1-9][0-9]{0,8}\*?)*")


class ReportKind(StrEnum):
    PROGRESS = "Progress"
    COMPLETE = "Complete"
    FAILED = "Failed"


class InvalidReport(ValueError):
    """A report that must not be applied; the text says why (it goes to the reject queue)."""


@dataclass(frozen=True)
class Report:
    """One report to apply. `source` is the index of the message it came from in the batch."""

    partition_id: str
    task_id: str
    kind: ReportKind
    percentage: float = 0.0
    failure: dict[str, Any] | None = None
    source: int = 0

    @property
    def job_id(self) -> str:
        return self.task_id.split(".", 1)[0]

    @property
    def job_key(self) -> tuple[str, str]:
        return (self.partition_id, self.job_id)


def failure_record(*, failure_id: str, failure_time_millis: int, source: str, message: str) -> dict[str, Any]:
    """A structured failure record as stored on Job.failure_details."""
    return {
        "failureId": failure_id,
        "failureTime": iso_millis(failure_time_millis),
        "failureSource": source,
        "failureMessage": message,
    }


def iso_millis(millis: int) -> str:
    try:
        moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    except (OverflowError, ValueError, OSError) as exc:
        raise InvalidReport(f"Invalid failure time {millis!r}") from exc
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_job_task_id(value: Any) -> JobTaskId:
    """`<partition>:<taskId>`, checked so that its parent chain and numbers are well formed."""
    if not isinstance(value, str) or not value:
        raise InvalidReport("Task identifier has not been specified")
    task = JobTaskId.parse(value)
    if not task.partition_id:
        raise InvalidReport(f"Task identifier {value!r} has an empty partition")
    if len(task.task_id) > TASK_ID_MAX_LENGTH or not _TASK_ID.fullmatch(task.task_id):
        raise InvalidReport(f"Task identifier {value!r} is malformed")
    return task


def progress_report(job_task_id: str | None, percentage: Any, *, source: int = 0) -> Report | None:
    """A Progress report; None when there is nothing to apply (0 %, as the original)."""
    task = parse_job_task_id(job_task_id)
    if isinstance(percentage, bool) or not isinstance(percentage, int | float):
        raise InvalidReport(f"Invalid percentage {percentage!r} for {job_task_id}")
    if not 0 <= percentage <= 100:  # also refuses NaN
        raise InvalidReport(f"Invalid in_percentage_complete {percentage} for {job_task_id}")
    if percentage == 0:
        return None
    return Report(task.partition_id, task.task_id, ReportKind.PROGRESS, float(percentage), source=source)


def report_from_tracking(report: TrackingReport, *, source: int = 0) -> Report | None:
    """The report to apply for a decoded TrackingReport; None for Retry and 0 % progress."""
    if report.status == ReportStatus.PROGRESS:
        return progress_report(report.job_task_id, report.estimated_percentage_completed, source=source)
    task = parse_job_task_id(report.job_task_id)
    if report.status == ReportStatus.COMPLETE:
        return Report(task.partition_id, task.task_id, ReportKind.COMPLETE, source=source)
    if report.status == ReportStatus.FAILED:
        if report.failure is None:
            raise InvalidReport(f"Failure details have not been specified for {report.job_task_id}")
        failure = failure_record(
            failure_id=report.failure.failure_id,
            failure_time_millis=report.failure.failure_time,
            source=report.failure.failure_source,
            message=report.failure.failure_message,
        )
        return Report(task.partition_id, task.task_id, ReportKind.FAILED, failure=failure, source=source)
    return None  # Retry: the original only logs it

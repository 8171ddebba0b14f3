"""TaskMessage v3, tracking info and tracking reports, exact to the original wire format
(reference worker-messaging.md §1, §3.9, §4.3).

Encoding writes every field, nulls included, in the original's order; bytes as standard
base64; dates as epoch milliseconds. Decoding of the outer message is lenient (unknown
properties ignored, dates also as ISO-8601 strings); tracking-report payloads are strict.
"""
from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

TASK_MESSAGE_VERSION = 3
TRACKING_REPORT_CLASSIFIER = "TrackingReportTask"
TRACKING_REPORT_API_VERSION = 1


class InvalidMessage(ValueError):
    """The body is not a valid message; the text says why."""


# What json.loads raises on bad input: deep nesting ("[[[[...") exhausts the recursion limit,
# and a decoder that let RecursionError through would crash its consume loop or requeue the
# message forever.
JSON_ERRORS = (ValueError, UnicodeDecodeError, RecursionError)


class TaskStatus(StrEnum):
    NEW_TASK = "NEW_TASK"
    RESULT_SUCCESS = "RESULT_SUCCESS"
    RESULT_FAILURE = "RESULT_FAILURE"
    RESULT_EXCEPTION = "RESULT_EXCEPTION"
    INVALID_TASK = "INVALID_TASK"


# Responses with these statuses complete a tracked task when they reach trackTo (§3.9).
COMPLETING_STATUSES = frozenset({TaskStatus.NEW_TASK, TaskStatus.RESULT_SUCCESS, TaskStatus.RESULT_FAILURE})
FAILING_STATUSES = frozenset({TaskStatus.RESULT_EXCEPTION, TaskStatus.INVALID_TASK})


def now_millis() -> int:
    return int(datetime.now(timezone.utc).timestamp() * 1000)


def new_task_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class TrackingInfo:
    job_task_id: str
    last_status_check_time: int | None = None
    status_check_interval_millis: int = 0
    status_check_url: str | None = None
    tracking_pipe: str | None = None
    track_to: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "jobTaskId": self.job_task_id,
            "lastStatusCheckTime": self.last_status_check_time,
            "statusCheckIntervalMillis": self.status_check_interval_millis,
            "statusCheckUrl": self.status_check_url,
            "trackingPipe": self.tracking_pipe,
            "trackTo": self.track_to,
        }

    @classmethod
    def from_json(cls, data: Any) -> TrackingInfo | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            raise InvalidMessage("tracking must be an object")
        job_task_id = _optional_str(data, "jobTaskId")
        if job_task_id is None:
            raise InvalidMessage("tracking.jobTaskId is missing")
        return cls(
            job_task_id=job_task_id,
            last_status_check_time=_optional_millis(data, "lastStatusCheckTime"),
            status_check_interval_millis=_int_or_zero(data, "statusCheckIntervalMillis"),
            status_check_url=_optional_str(data, "statusCheckUrl"),
            tracking_pipe=_optional_str(data, "trackingPipe"),
            track_to=_optional_str(data, "trackTo"),
        )


@dataclass(frozen=True)
class TaskSourceInfo:
    name: str | None
    version: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version}


@dataclass(frozen=True)
class TaskMessage:
    task_id: str
    task_classifier: str
    task_api_version: int
    task_data: bytes
    task_status: TaskStatus
    to: str | None
    context: dict[str, bytes] = field(default_factory=dict)
    tracking: TrackingInfo | None = None
    source_info: TaskSourceInfo | None = None
    priority: int | None = None
    correlation_id: str | None = None
    version: int = TASK_MESSAGE_VERSION

    def with_changes(self, **changes: Any) -> TaskMessage:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "taskId": self.task_id,
            "taskClassifier": self.task_classifier,
            "taskApiVersion": self.task_api_version,
            "taskData": _b64(self.task_data),
            "taskStatus": str(self.task_status),
            "context": {key: _b64(value) for key, value in self.context.items()},
            "to": self.to,
            "tracking": self.tracking.to_json() if self.tracking else None,
            "sourceInfo": self.source_info.to_json() if self.source_info else None,
            "priority": self.priority,
            "correlationId": self.correlation_id,
        }

    def encode(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode_task_message(body: bytes | str) -> TaskMessage:
    """Lenient decode of a TaskMessage (§1.1); raises InvalidMessage with the reason."""
    try:
        data = json.loads(body)
    except JSON_ERRORS as exc:
        raise InvalidMessage(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidMessage("body is not a JSON object")
    task_id = _optional_str(data, "taskId")
    if not task_id:
        raise InvalidMessage("taskId is missing")
    status_name = data.get("taskStatus")
    try:
        task_status = TaskStatus(status_name) if status_name is not None else None
    except ValueError as exc:
        raise InvalidMessage(f"unknown taskStatus {status_name!r}") from exc
    if task_status is None:
        raise InvalidMessage("taskStatus is missing")
    context = data.get("context") or {}
    if not isinstance(context, dict):
        raise InvalidMessage("context must be an object")
    source = data.get("sourceInfo")
    if source is not None and not isinstance(source, dict):
        raise InvalidMessage("sourceInfo must be an object")
    return TaskMessage(
        version=_int_or_zero(data, "version"),
        task_id=task_id,
        task_classifier=_optional_str(data, "taskClassifier") or "",
        task_api_version=_int_or_zero(data, "taskApiVersion"),
        task_data=_unb64(data.get("taskData"), "taskData"),
        task_status=task_status,
        context={str(key): _unb64(value, f"context[{key}]") for key, value in context.items()},
        to=_optional_str(data, "to"),
        tracking=TrackingInfo.from_json(data.get("tracking")),
        source_info=TaskSourceInfo(_optional_str(source, "name"), _optional_str(source, "version"))
        if source is not None
        else None,
        priority=_optional_int(data, "priority"),
        correlation_id=_optional_str(data, "correlationId"),
    )


# --- Tracking reports (TrackingReportTask payload) ------------------------------------------


class ReportStatus(StrEnum):
    PROGRESS = "Progress"
    COMPLETE = "Complete"
    FAILED = "Failed"
    RETRY = "Retry"


@dataclass(frozen=True)
class TrackingReportFailure:
    failure_id: str
    failure_time: int
    failure_source: str
    failure_message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "failureId": self.failure_id,
            "failureTime": self.failure_time,
            "failureSource": self.failure_source,
            "failureMessage": self.failure_message,
        }


@dataclass(frozen=True)
class TrackingReport:
    job_task_id: str
    status: ReportStatus
    estimated_percentage_completed: int = 0
    retries: int | None = None
    failure: TrackingReportFailure | None = None

    def to_json(self) -> dict[str, Any]:
        # The original omits null members of a report, but always writes the percentage.
        data: dict[str, Any] = {
            "jobTaskId": self.job_task_id,
            "status": str(self.status),
            "estimatedPercentageCompleted": self.estimated_percentage_completed,
        }
        if self.retries is not None:
            data["retries"] = self.retries
        if self.failure is not None:
            data["failure"] = self.failure.to_json()
        return data


_REPORT_KEYS = {"jobTaskId", "status", "estimatedPercentageCompleted", "retries", "failure"}
_FAILURE_KEYS = {"failureId", "failureTime", "failureSource", "failureMessage"}


def encode_tracking_reports(reports: list[TrackingReport]) -> bytes:
    payload = {"trackingReports": [report.to_json() for report in reports]}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode_tracking_reports(task_data: bytes) -> list[TrackingReport]:
    """Strict decode of a TrackingReportTask payload (§4.3): unknown properties are errors."""
    try:
        data = json.loads(task_data)
    except JSON_ERRORS as exc:
        raise InvalidMessage(f"Invalid input message: {exc}") from exc
    if not isinstance(data, dict) or set(data) != {"trackingReports"}:
        raise InvalidMessage("Invalid input message: expected exactly {\"trackingReports\": [...]}")
    items = data["trackingReports"]
    if not isinstance(items, list):
        raise InvalidMessage("Task failed validation: trackingReports must be a list")
    return [_decode_report(item) for item in items]


def _decode_report(item: Any) -> TrackingReport:
    if not isinstance(item, dict):
        raise InvalidMessage("Task failed validation: a tracking report must be an object")
    unknown = set(item) - _REPORT_KEYS
    if unknown:
        raise InvalidMessage(f"Invalid input message: unknown properties {sorted(unknown)}")
    job_task_id = item.get("jobTaskId")
    if not isinstance(job_task_id, str) or not job_task_id:
        raise InvalidMessage("Task failed validation: jobTaskId is missing")
    try:
        status = ReportStatus(item.get("status"))
    except ValueError as exc:
        raise InvalidMessage(f"Task failed validation: unknown status {item.get('status')!r}") from exc
    percentage = item.get("estimatedPercentageCompleted", 0)
    if isinstance(percentage, bool) or not isinstance(percentage, int | float):
        raise InvalidMessage("Task failed validation: estimatedPercentageCompleted must be a number")
    retries = item.get("retries")
    if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int)):
        raise InvalidMessage("Task failed validation: retries must be an integer")
    return TrackingReport(
        job_task_id=job_task_id,
        status=status,
        estimated_percentage_completed=percentage,
        retries=retries,
        failure=_decode_failure(item.get("failure")),
    )


def _decode_failure(data: Any) -> TrackingReportFailure | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise InvalidMessage("Task failed validation: failure must be an object")
    unknown = set(data) - _FAILURE_KEYS
    if unknown:
        raise InvalidMessage(f"Invalid input message: unknown failure properties {sorted(unknown)}")
    return TrackingReportFailure(
        failure_id=str(data.get("failureId") or ""),
        failure_time=_optional_millis(data, "failureTime") or now_millis(),
        failure_source=str(data.get("failureSource") or ""),
        failure_message=str(data.get("failureMessage") or ""),
    )


def tracking_report_message(
    reports: list[TrackingReport], *, tracking_pipe: str, correlation_id: str | None
) -> TaskMessage:
    """The message a worker sends to the tracking pipe (§3.9)."""
    return TaskMessage(
        task_id=new_task_id(),
        task_classifier=TRACKING_REPORT_CLASSIFIER,
        task_api_version=TRACKING_REPORT_API_VERSION,
        task_data=encode_tracking_reports(reports),
        task_status=TaskStatus.NEW_TASK,
        to=tracking_pipe,
        correlation_id=correlation_id,
    )


# --- Task identifiers (§5, api-and-database.md §2.1-2.2) ------------------------------------


@dataclass(frozen=True)
class JobTaskId:
    """`<partition>:<jobId>[.<n>[.<n>...]][*]`; no partition prefix means `default`."""

    partition_id: str
    task_id: str

    @classmethod
    def parse(cls, value: str) -> JobTaskId:
        partition_id, sep, task_id = value.partition(":")
        if not sep:
            return cls("default", value)
        return cls(partition_id, task_id)

    def __str__(self) -> str:
        return f"{self.partition_id}:{self.task_id}"

    @property
    def job_id(self) -> str:
        return self.task_id.split(".", 1)[0]

    @property
    def parent(self) -> str | None:
        head, sep, _ = self.task_id.rpartition(".")
        return head if sep else None

    @property
    def subtask_number(self) -> int | None:
        _, sep, tail = self.task_id.rpartition(".")
        return int(tail.rstrip("*")) if sep else None

    @property
    def is_final(self) -> bool:
        return "." in self.task_id and self.task_id.endswith("*")

    def child(self, number: int, *, final: bool = False) -> JobTaskId:
        return JobTaskId(self.partition_id, f"{self.task_id}.{number}{'*' if final else ''}")


# --- helpers --------------------------------------------------------------------------------


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _unb64(value: Any, name: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, list):  # Jackson also accepts an array of byte numbers
        try:
            return bytes(value)
        except (TypeError, ValueError) as exc:
            raise InvalidMessage(f"{name} is not a byte array") from exc
    if not isinstance(value, str):
        raise InvalidMessage(f"{name} must be a base64 string")
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InvalidMessage(f"{name} is not valid base64") from exc


def _optional_str(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise InvalidMessage(f"{key} must be a string")


def _optional_int(data: dict, key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidMessage(f"{key} must be an integer")
    return value


def _int_or_zero(data: dict, key: str) -> int:
    # Lenient like Jackson: null for a primitive becomes 0.
    value = _optional_int(data, key)
    return value or 0


def _optional_millis(data: dict, key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidMessage(f"{key} is not a date") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return int(parsed.timestamp() * 1000)
    raise InvalidMessage(f"{key} must be epoch milliseconds or an ISO-8601 date")

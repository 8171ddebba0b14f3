"""JSON shapes of the API v1 (reference §3.5 NewJob, §3.15 Job), as in the original swagger.

Input serializers only check the structure (known properties, JSON types); the rules with
the original's messages and order live in the create service. Output is built by plain
functions (`job_to_dict`): the Job serializers here document the shape for OpenAPI.
"""
import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from jobs.errors import BadRequest
from jobs.models import Job
from jobs.states import JobStatus

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_null=True, allow_blank=True, trim_whitespace=False, **kwargs)


class StrictSerializer(serializers.Serializer):
    """Refuses properties it does not know, as the original's JSON mapper does."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [name for name in data if name not in self.fields]
            if unknown:
                raise serializers.ValidationError({name: "Unrecognized field." for name in unknown})
        return super().to_internal_value(data)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": True}]})
class TaskDataField(serializers.JSONField):
    """A string (see taskDataEncoding) or a JSON object."""


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "nullable": True}})
class LabelsField(serializers.DictField):
    pass


@extend_schema_serializer(component_name="worker-action")
class WorkerActionSerializer(StrictSerializer):
    taskClassifier = _text(help_text="The worker task classifier.")
    taskApiVersion = serializers.IntegerField(
        required=False, allow_null=True, min_value=INT32_MIN, max_value=INT32_MAX
    )
    taskData = TaskDataField(
        required=False,
        allow_null=True,
        help_text="The task: a string (UTF-8 text, or base64 with taskDataEncoding=base64) or a JSON object.",
    )
    taskDataEncoding = serializers.ChoiceField(choices=["utf8", "base64"], required=False, allow_null=True)
    taskPipe = _text(help_text="The queue the task is sent to.")
    targetPipe = _text(help_text="The queue where the result of the job should end up.")


@extend_schema_serializer(component_name="newJob")
class NewJobSerializer(StrictSerializer):
    name = _text(help_text="The name of the job")
    description = _text(help_text="The description of the job")
    externalData = _text(help_text="DEPRECATED - Replaced by labels.")
    task = WorkerActionSerializer(required=False, allow_null=True)
    type = _text(help_text="Execute the job using a specific job type configured on the service.")
    parameters = serializers.JSONField(required=False, allow_null=True, help_text="Input to the selected job type.")
    prerequisiteJobIds = serializers.ListField(
        child=serializers.CharField(allow_null=True, allow_blank=True, trim_whitespace=False),
        required=False,
        allow_null=True,
        help_text="Ids of jobs that must be complete before this job starts; `<jobId>,pc` marks a job "
        "that may already have completed and been deleted.",
    )
    delay = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=INT32_MIN,
        max_value=INT32_MAX,
        help_text="Seconds to wait, once the prerequisites are complete, before the job runs.",
    )
    labels = LabelsField(
        child=serializers.CharField(allow_null=True, allow_blank=True, trim_whitespace=False),
        required=False,
        allow_null=True,
        help_text="Metadata of the job; keys may contain only alphanumerics, '_', '-' and ':'.",
    )


def parse_new_job(data: Any) -> dict[str, Any]:
    """The NewJob body as a dict of the properties given; BadRequest when its structure is wrong."""
    serializer = NewJobSerializer(data=data)
    if not isinstance(data, Mapping):
        raise BadRequest("The request body must be a JSON object describing the job.")
    if not serializer.is_valid():
        raise BadRequest("Invalid job definition: " + "; ".join(_error_lines(serializer.errors)))
    return _plain(serializer.validated_data)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _error_lines(errors: Any, path: str = "") -> list[str]:
    if isinstance(errors, Mapping):
        lines = []
        for key, value in errors.items():
            sub_path = path if key == "non_field_errors" else f"{path}.{key}" if path else str(key)
            lines += _error_lines(value, sub_path)
        return lines
    if isinstance(errors, list):
        if all(isinstance(item, str) for item in errors):
            return [f"{path}: {' '.join(errors)}" if path else " ".join(errors)]
        return [line for index, item in enumerate(errors) for line in _error_lines(item, f"{path}[{index}]")]
    return [f"{path}: {errors}"]


# --- output ------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="failure")
class FailureSerializer(serializers.Serializer):
    failureId = serializers.CharField()
    failureTime = serializers.IntegerField(help_text="Epoch milliseconds (UTC).")
    failureSource = serializers.CharField()
    failureMessage = serializers.CharField()


@extend_schema_serializer(component_name="job")
class JobSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The job identifier")
    name = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_null=True)
    externalData = serializers.CharField(allow_null=True, help_text="DEPRECATED - Replaced by labels.")
    createTime = serializers.IntegerField(help_text="The time the job was created (epoch milliseconds).")
    lastUpdateTime = serializers.IntegerField(
        help_text="The time the job status or progress last changed (epoch milliseconds)."
    )
    status = serializers.ChoiceField(choices=[status.value for status in JobStatus])
    percentageComplete = serializers.FloatField()
    failures = FailureSerializer(many=True)
    labels = LabelsField(child=serializers.CharField(allow_null=True))


def epoch_millis(moment: dt.datetime) -> int:
    """Exact milliseconds since the epoch (no float rounding)."""
    return calendar.timegm(moment.utctimetuple()) * 1000 + moment.microsecond // 1000


def job_to_dict(job: Job) -> dict[str, Any]:
    """The original's Job JSON; `job.labels` should be prefetched."""
    return {
        "id": job.job_id,
        "name": job.name,
        "description": job.description,
        "externalData": job.external_data,
        "createTime": epoch_millis(job.create_date),
        "lastUpdateTime": epoch_millis(job.last_update_date),
        "status": job.status,
        "percentageComplete": round(float(job.percentage_complete), 2),
        "failures": failures_to_list(job.failure_details),
        "labels": {label.label: label.value for label in job.labels.all()},
    }


def failures_to_list(details: Any) -> list[dict[str, Any]]:
    """Our structured failure records in the original `failures` shape (§2.8). A record
    propagated from a prerequisite names it: failureSource = rootFailure + ":" + source."""
    if not details:
        return []
    records = details if isinstance(details, list) else [details]
    return [_failure(record) for record in records]


def _failure(record: Any) -> dict[str, Any]:
    if not isinstance(record, Mapping):
        return {
            "failureId": "Unknown",
            "failureTime": epoch_millis(timezone.now()),
            "failureSource": "Unknown",
            "failureMessage": str(record),
        }
    source = _str_or_none(record.get("failureSource"))
    if record.get("rootFailure"):
        source = f"{record['rootFailure']}:{source}"
    return {
        "failureId": _str_or_none(record.get("failureId")),
        "failureTime": _failure_time(record.get("failureTime")),
        "failureSource": source,
        "failureMessage": _str_or_none(record.get("failureMessage")),
    }


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _failure_time(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None:
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=dt.UTC)
            return epoch_millis(moment)
    return epoch_millis(timezone.now())

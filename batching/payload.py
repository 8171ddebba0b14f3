"""The batch worker's task payload, `BatchWorkerTask` (docs/batching.md, "The batch task").

Decoding is lenient like the original's: unknown fields are ignored and every field may be
missing; only a payload that is not a JSON object (or has fields of the wrong type) is invalid.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from jobservice.messaging.messages import JSON_ERRORS

CLASSIFIER = "BatchWorker"
API_VERSION = 1


class InvalidBatchTask(ValueError):
    """The payload is not a BatchWorkerTask."""


@dataclass(frozen=True)
class BatchWorkerTask:
    batch_definition: str | None = None
    batch_type: str | None = None
    task_message_type: str | None = None
    task_message_params: Mapping[str, str] = field(default_factory=dict)
    target_pipe: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "batchDefinition": self.batch_definition,
            "batchType": self.batch_type,
            "taskMessageType": self.task_message_type,
            "taskMessageParams": dict(self.task_message_params),
            "targetPipe": self.target_pipe,
        }

    def encode(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def with_definition(self, definition: str) -> BatchWorkerTask:
        """A sub-batch keeps everything of its parent but the definition."""
        return replace(self, batch_definition=definition)


def decode_batch_task(data: bytes) -> BatchWorkerTask:
    try:
        value = json.loads(data)
    except JSON_ERRORS as exc:
        raise InvalidBatchTask(f"Invalid input message: taskData is not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise InvalidBatchTask("Invalid input message: taskData is not a JSON object")
    params = value.get("taskMessageParams")
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise InvalidBatchTask("Invalid input message: taskMessageParams must be an object")
    return BatchWorkerTask(
        batch_definition=_text(value, "batchDefinition"),
        batch_type=_text(value, "batchType"),
        task_message_type=_text(value, "taskMessageType"),
        # The original's params are map<string,string>; numbers and booleans are accepted as
        # their text so a hand-written job body does not fail on `"fanout": 4`.
        # A null parameter is the same as a missing one.
        task_message_params={
            str(key): _param_text(key, item) for key, item in params.items() if item is not None
        },
        target_pipe=_text(value, "targetPipe"),
    )


def batch_result(job_task_id: str | None, target_pipe: str | None) -> bytes:
    """`{"batchTask": "<P:J>"}`: the job id of the tracking, else the target pipe."""
    value = job_task_id.split(".", 1)[0] if job_task_id else target_pipe
    return json.dumps({"batchTask": value}, separators=(",", ":")).encode("utf-8")


def _text(value: dict[str, Any], key: str) -> str | None:
    item = value.get(key)
    if item is None or isinstance(item, str):
        return item
    raise InvalidBatchTask(f"Invalid input message: {key} must be a string")


def _param_text(key: str, item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, (dict, list)):
        raise InvalidBatchTask(f"Invalid input message: taskMessageParams.{key} must be a string")
    return json.dumps(item)

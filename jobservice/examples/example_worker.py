"""The example worker (classifier `ExampleWorker`, api 1): text operations on a text or a file.

Two task forms are understood:

- ours: `{"action": ..., "text": "..."}` or `{"action": ..., "path": "<file under the document
  root>"}`, actions REVERSE, CAPITALISE, VERBATIM, WORD_COUNT, SHA256, DETECT_LANGUAGE and TAG
  (optional `"tags": {"<tag>": ["keyword", ...]}`); result `{"action", "result", "source"}`;
- the original example worker's (reference batch-worker.md §8.1), as built by the batch
  worker's ExampleWorkerTaskBuilder: `{"sourceData": {"reference": <path>|null, "data": <base64>|null},
  "datastorePartialReference": ..., "action": "REVERSE"|"CAPITALISE"|"VERBATIM"}`; result
  `{"workerStatus": "COMPLETED", "textData": {"reference": null, "data": <base64>}}`.

A missing or unreadable file is a business failure (RESULT_FAILURE, `SOURCE_FAILED`); an
unknown action, a malformed payload or a path outside the root is an invalid task.
"""
from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from jobservice.examples import text_actions
from jobservice.messaging.worker import InvalidTask, Result, Task, Worker

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ORIGINAL_ACTIONS = ("REVERSE", "CAPITALISE", "VERBATIM")
ACTIONS = (*ORIGINAL_ACTIONS, "WORD_COUNT", "SHA256", "DETECT_LANGUAGE", "TAG")


class SourceFailed(Exception):
    """The document could not be read."""


class ExampleWorker(Worker):
    name = "ExampleWorker"
    classifier = "ExampleWorker"
    api_version = 1
    version = "1.0"

    def __init__(self, *, document_root: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.document_root = document_root.resolve() if document_root else None
        self.max_bytes = max_bytes

    def process(self, task: Task) -> Result:
        payload = task.json()
        if not isinstance(payload, dict):
            raise InvalidTask("taskData must be a JSON object")
        if "sourceData" in payload:
            return self._process_original(payload)
        action = _action(payload, ACTIONS)
        try:
            data, source = self._source(payload)
        except SourceFailed as exc:
            return Result.failure(_json({"action": action, "workerStatus": "SOURCE_FAILED",
                                         "message": str(exc)}))
        result = compute(action, data, payload.get("tags"))
        return Result.success(_json({"action": action, "result": result, "source": source}))

    def _process_original(self, payload: dict[str, Any]) -> Result:
        action = _action(payload, ORIGINAL_ACTIONS)
        source = payload["sourceData"]
        if not isinstance(source, dict):
            raise InvalidTask("sourceData must be an object")
        try:
            if source.get("data") is not None:
                data = _unbase64(source["data"])
            elif source.get("reference") is not None:
                data = self._read(str(source["reference"]))
            else:
                raise InvalidTask("sourceData has neither data nor reference")
        except SourceFailed:
            return Result.failure(_json({"workerStatus": "SOURCE_FAILED", "textData": None}))
        text = compute(action, data, None)
        encoded = base64.b64encode(str(text).encode("utf-8")).decode("ascii")
        return Result.success(_json({"workerStatus": "COMPLETED",
                                     "textData": {"reference": None, "data": encoded}}))

    def _source(self, payload: dict[str, Any]) -> tuple[bytes, str]:
        if isinstance(payload.get("text"), str):
            return payload["text"].encode("utf-8"), "text"
        if isinstance(payload.get("path"), str):
            return self._read(payload["path"]), payload["path"]
        raise InvalidTask('taskData needs a "text" or a "path" string')

    def _read(self, relative: str) -> bytes:
        if self.document_root is None:
            raise InvalidTask("this worker has no document root: send the text itself")
        path = (self.document_root / relative).resolve()
        if not path.is_relative_to(self.document_root):
            raise InvalidTask(f"path {relative!r} is outside the document root")
        try:
            with path.open("rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError as exc:
            raise SourceFailed(f"cannot read {relative!r}: {exc.strerror or exc}") from exc
        if len(data) > self.max_bytes:
            raise SourceFailed(f"{relative!r} is larger than {self.max_bytes} bytes")
        return data


def compute(action: str, data: bytes, tag_rules: Any) -> Any:
    if action == "SHA256":
        return text_actions.sha256(data)
    text = data.decode("utf-8", errors="replace")
    if action == "REVERSE":
        return text[::-1]
    if action == "CAPITALISE":
        return text.upper()
    if action == "VERBATIM":
        return text
    if action == "WORD_COUNT":
        return text_actions.word_count(text)
    if action == "DETECT_LANGUAGE":
        return text_actions.detect_language(text)
    if tag_rules is not None and not _is_tag_rules(tag_rules):
        raise InvalidTask('"tags" must map each tag to a list of keywords')
    return text_actions.tags(text, tag_rules)


def _action(payload: dict[str, Any], allowed: tuple[str, ...]) -> str:
    action = payload.get("action")
    if action not in allowed:
        raise InvalidTask(f"unknown action {action!r}; expected one of {', '.join(allowed)}")
    return action


def _is_tag_rules(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(keywords, list) for keywords in value.values())


def _unbase64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise InvalidTask("sourceData.data must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidTask("sourceData.data is not valid base64") from exc


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)

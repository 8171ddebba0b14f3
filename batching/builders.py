"""Task message builders: one item (an id, a path, a number, as text) -> one task for the
target worker (docs/batching.md, "Task message builders"). Selected by the job's
`taskMessageType`.

Built in:
- `ExampleWorkerTaskBuilder`: an `ExampleWorker`/1 task `{"action": ..., "path": <item>}`
  (`"text"` instead of `"path"` when taskMessageParams `source` is `text`); `action` is
  required; other params are copied into the task (`tags`, the TAG action's rules, as JSON).
- `GenericTaskBuilder`: "one item, one task": classifier and api version from params
  `taskClassifier` / `taskApiVersion` (default 1), the item itself as taskData.
- `DocumentMessage`: a `DocumentWorker`/1 document task, the fields named by the original
  GlobPattern plugin's params (`field:fileName`, `field:binaryFile`,
  `field:binaryFileReference`, `newField:<name>`, `cd:<name>`); the item is the storage
  reference (for files: the path relative to the files root).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from batching.errors import TaskBuildError
from batching.plugins.base import ItemTask
from jobservice.messaging.messages import JSON_ERRORS

# Tuning params of the splitting plugins; never part of a task.
SPLITTING_PARAMS = frozenset({"fanout", "leafSize"})


class ExampleWorkerTaskBuilder:
    classifier = "ExampleWorker"
    api_version = 1
    sources = ("path", "text")

    def build(self, item: Any, params: Mapping[str, str]) -> ItemTask:
        action = params.get("action")
        if not action:
            raise TaskBuildError("Unable to build task message: taskMessageParams.action is required.")
        source = params.get("source", "path")
        if source not in self.sources:
            raise TaskBuildError(
                f"Unable to build task message: taskMessageParams.source must be path or text, not {source!r}."
            )
        data: dict[str, Any] = {
            key: value for key, value in params.items()
            if key not in SPLITTING_PARAMS and key != "source"
        }
        if "tags" in data:
            # Params are strings; the TAG action's rules ({"tag": ["keyword", ...]}) come as JSON.
            try:
                data["tags"] = json.loads(data["tags"])
            except JSON_ERRORS:
                raise TaskBuildError("Unable to build task message: taskMessageParams.tags is not JSON.") from None
        data[source] = str(item)
        return ItemTask(self.classifier, self.api_version, data)


class GenericTaskBuilder:
    def build(self, item: Any, params: Mapping[str, str]) -> ItemTask:
        classifier = params.get("taskClassifier")
        if not classifier:
            raise TaskBuildError("Unable to build task message: taskMessageParams.taskClassifier is required.")
        raw_version = params.get("taskApiVersion", "1")
        try:
            api_version = int(raw_version)
        except ValueError:
            raise TaskBuildError(
                f"Unable to build task message: taskMessageParams.taskApiVersion must be a whole number, "
                f"not {raw_version!r}."
            ) from None
        return ItemTask(classifier, api_version, item)


class DocumentMessageBuilder:
    classifier = "DocumentWorker"
    api_version = 1

    def build(self, item: Any, params: Mapping[str, str]) -> ItemTask:
        reference = str(item)
        fields: dict[str, list[dict[str, str]]] = {}
        custom_data: dict[str, str] = {}
        for key, value in params.items():
            namespace, _, name = key.partition(":")
            if namespace == "field" and name == "binaryFile":
                fields[value] = [{"data": reference, "encoding": "storage_ref"}]
            elif namespace == "field" and name == "fileName":
                fields[value] = [{"data": reference.rsplit("/", 1)[-1]}]
            elif namespace == "field" and name == "binaryFileReference":
                fields[value] = [{"data": reference}]
            elif namespace == "newField" and name:
                fields[name] = [{"data": value}]
            elif namespace == "cd" and name:
                custom_data[name] = value
        data = {"fields": fields or None, "customData": custom_data or None}
        return ItemTask(self.classifier, self.api_version, data)

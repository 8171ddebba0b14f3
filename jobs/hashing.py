"""The digest of a submitted job definition (reference §1.8).

An identical re-PUT of a job is a no-op (204) and a different one is refused (403), so the
digest must not depend on key order or on how absent optional fields were written: absent
`prerequisiteJobIds` is `[]`, absent `delay` is 0, absent `labels` is `{}`, any other absent
field is null. It is computed before blank prerequisite ids are removed, as the original.
"""
import hashlib
import json
from typing import Any

HASHED_FIELDS = (
    "name",
    "description",
    "externalData",
    "task",
    "type",
    "parameters",
    "prerequisiteJobIds",
    "delay",
    "labels",
)
_DEFAULTS: dict[str, Any] = {"prerequisiteJobIds": [], "delay": 0, "labels": {}}
TASK_FIELDS = ("taskClassifier", "taskApiVersion", "taskData", "taskDataEncoding", "taskPipe", "targetPipe")


def job_definition_hash(body: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of the normalised body."""
    normalised = {}
    for field in HASHED_FIELDS:
        value = body.get(field)
        normalised[field] = _DEFAULTS.get(field) if value is None else value
    if isinstance(normalised["task"], dict):
        normalised["task"] = {field: normalised["task"].get(field) for field in TASK_FIELDS}
    canonical = json.dumps(normalised, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

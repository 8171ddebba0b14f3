"""Job types: create a job from a `type` and `parameters` instead of a raw task (reference §5).

`build_task()` is the one entry point the create service uses.
"""
from typing import Any

from jobs.errors import BadRequest


def build_task(*, type_id: str, parameters: Any, partition_id: str, job_id: str) -> dict[str, Any]:
    """Returns the task (taskClassifier, taskApiVersion, taskData object, taskPipe, targetPipe)
    that the job type `type_id` builds for these parameters. With no definitions loaded every
    type is unknown."""
    raise BadRequest(f"Unknown job type ID: {type_id}")

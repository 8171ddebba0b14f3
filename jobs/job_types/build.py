"""Builds the task of a job from its type and parameters (reference §5 and §3.5 step 2)."""
import logging
from typing import Any

import referencing.exceptions

from jobs.errors import BadRequest, JobServiceError
from jobs.job_types import schemas
from jobs.job_types.definition import JobTypeDefinition
from jobs.job_types.registry import job_types
from jobs.job_types.script import ScriptFailure, ScriptUserError

logger = logging.getLogger(__name__)


class JobTypeFailure(JobServiceError):
    """The job type definition is at fault (not the client): answered with a 500."""

    status_code = 500


def build_task(*, type_id: str, parameters: Any, partition_id: str, job_id: str) -> dict[str, Any]:
    definition = job_types().get(type_id)
    if definition is None:
        raise BadRequest(f"Unknown job type ID: {type_id}")

    try:
        problems = schemas.violations(definition.parameters_validator, parameters)
    except referencing.exceptions.Unresolvable as error:
        raise JobTypeFailure(f"{definition.id}: invalid jobParametersSchema: unresolvable $ref: {error}") from error
    if problems:
        raise BadRequest("Invalid job parameters:" + "".join(f"\n{problem}" for problem in problems))

    output = _run_script(definition, parameters=parameters, partition_id=partition_id, job_id=job_id)

    problems = schemas.violations(schemas.task_validator, output)
    if problems:
        raise JobTypeFailure("Invalid taskScript:\n" + "\n".join(problems))
    return {
        "taskClassifier": output["taskClassifier"],
        "taskApiVersion": output["taskApiVersion"],
        "taskData": output["taskData"],
        "taskPipe": output["taskPipe"],
        "targetPipe": output.get("targetPipe"),
    }


def _run_script(definition: JobTypeDefinition, *, parameters: Any, partition_id: str, job_id: str) -> Any:
    # Fresh copies: a script cannot change the cached configuration or constants.
    script_input = {
        "configuration": dict(definition.configuration),
        "constants": dict(definition.constants),
        "partitionId": partition_id,
        "jobId": job_id,
        "parameters": parameters,
    }
    try:
        return definition.task_script.run(script_input)
    except ScriptUserError as error:
        raise BadRequest(f"{definition.id}: error: {error.message}") from error
    except ScriptFailure as error:
        logger.warning("Job type %s: taskScript failed for job %s:%s: %s", definition.id, partition_id, job_id, error)
        raise JobTypeFailure(f"{definition.id}: taskScript execution failed") from error

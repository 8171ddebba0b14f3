"""Job types: create a job from a `type` and `parameters` instead of a raw task (reference §5).

`build_task()` is the one entry point the create service uses; `job_types()` lists the loaded
definitions (GET /jobTypes) and `reload()` reads the definitions folder again (tests).
Definitions are validated at start-up by a system check (jobs.job_types.checks).
"""
from jobs.job_types.build import JobTypeFailure, build_task
from jobs.job_types.definition import JobTypeDefinition, JobTypeDefinitionError
from jobs.job_types.registry import job_types, reload

__all__ = [
    "JobTypeDefinition",
    "JobTypeDefinitionError",
    "JobTypeFailure",
    "build_task",
    "job_types",
    "reload",
]

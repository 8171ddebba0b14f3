"""Start-up validation of the job type definitions as a Django system check.

`runserver`, `migrate` and `manage.py check` run system checks and stop on an error, so an
invalid definitions folder stops the service with a message naming each file and problem
(the original refuses to start too). Registered by JobsConfig.ready().
"""
from typing import Any

from django.core.checks import CheckMessage, Error

from jobs.job_types.definition import JobTypeDefinitionError
from jobs.job_types.registry import InvalidDefinitionsError, reload

HINT = "Fix the file or CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR."


def check_job_type_definitions(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        # A fresh read: the check is the start-up load, the cache then serves requests.
        reload()
    except InvalidDefinitionsError as error:
        return [
            Error(problem.message, hint=HINT, id="jobs.E101")
            for problem in error.problems
        ]
    except JobTypeDefinitionError as error:
        return [Error(error.message, hint=HINT, id="jobs.E100")]
    return []

"""What an API request may do (docs/security.md, "Tokens").

Every route that touches jobs is under one partition (`/partitions/{partitionId}/...`), so the
check is made once, on the path's partition, for every view of that kind (PartitionApi uses
PartitionAccess): lists, counts and bulk operations are scoped to the path's partition by
their selectors, so a token never sees or touches another partition. The right follows from
the HTTP method. A new job's definition is checked against the token as well (job types, raw
tasks, task pipes).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from jobs.auth.cross_site import refuse_cross_site
from jobs.auth.mode import api_tokens_required
from jobs.auth.models import ApiToken, Right
from jobs.auth.status_signature import SIGNATURE_PARAMETER, is_valid_status_signature
from jobs.errors import Forbidden

if TYPE_CHECKING:  # rest_framework.views imports this module (DEFAULT_PERMISSION_CLASSES)
    from rest_framework.views import APIView

TOKEN_REQUIRED = 'An API token is required: send "Authorization: Bearer <token>".'
# GET, HEAD, OPTIONS read; PUT creates; POST and DELETE operate.
METHOD_RIGHTS = {"GET": Right.READ, "HEAD": Right.READ, "OPTIONS": Right.READ, "PUT": Right.CREATE}


def required_right(method: str) -> Right:
    return METHOD_RIGHTS.get(method, Right.OPERATE)


def _shown(name: str) -> str:
    return repr(name[:80] + ("..." if len(name) > 80 else ""))


class ApiTokenRequired(BasePermission):
    """The default of every API view: any valid token (in `none` mode, anybody)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        refuse_cross_site(request)
        if api_tokens_required() and request.auth is None:
            raise NotAuthenticated(TOKEN_REQUIRED)
        return True


class PartitionAccess(BasePermission):
    """The token must grant the method's right on the path's partition. A view with
    `accepts_status_signature` also lets through a request with a valid signature for the
    path's job (workers' status checks)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        refuse_cross_site(request)
        if not api_tokens_required():
            return True
        partition_id = view.kwargs["partitionId"]
        if getattr(view, "accepts_status_signature", False) and is_valid_status_signature(
            request.query_params.get(SIGNATURE_PARAMETER), partition_id, view.kwargs["jobId"]
        ):
            return True
        token = request.auth
        if token is None:
            raise NotAuthenticated(TOKEN_REQUIRED)
        right = required_right(request.method)
        if not token.allows(partition_id, right):
            raise PermissionDenied(
                f"The API token {token.name!r} does not allow {right} on partition {_shown(partition_id)}."
            )
        return True


def check_new_job_allowed(token: ApiToken | None, definition: dict[str, Any]) -> None:
    """Forbidden (403) when the token may not create this job: a job type it is not given, a
    raw task without the raw-tasks grant, or a task or target queue outside its list. No
    token (`none` mode): anything the create service accepts."""
    if token is None:
        return
    type_id = definition.get("type")
    if type_id is not None:
        if not token.allows_job_type(type_id):
            raise Forbidden(f"The API token {token.name!r} may not create jobs of type {_shown(type_id)}.")
        return
    task = definition.get("task")
    if task is None:
        return  # the create service answers that the task is missing
    if not token.raw_tasks:
        raise Forbidden(
            f"The API token {token.name!r} may create jobs only from a job type (\"type\"), not from a raw \"task\"."
        )
    for key, what in (("taskPipe", "task queue"), ("targetPipe", "target queue")):
        pipe = task.get(key)
        if pipe and not token.allows_task_pipe(pipe):
            raise Forbidden(f"The API token {token.name!r} may not send tasks to the {what} {_shown(pipe)}.")

"""Operations on one job: /partitions/{partitionId}/jobs/{jobId}[/...] (reference §3.4-§3.13).

Each view checks the ids, calls one service or selector and formats the answer.
"""
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from jobs.api import schema
from jobs.api.serializers import JobSerializer, NewJobSerializer, job_to_dict, parse_new_job
from jobs.api.validation import validate_ids
from jobs.api.views import PartitionApi
from jobs.auth.permissions import check_new_job_allowed
from jobs.errors import job_not_found
from jobs.public_urls import job_url
from jobs.selectors import job_get, job_status_get
from jobs.services.create import job_create
from jobs.services.transitions import job_cancel, job_delete, job_pause, job_resume
from jobs.states import ACTIVE_STATUSES, JobStatus

JOB_PARAMETERS = [schema.PARTITION_ID, schema.JOB_ID, schema.CORRELATION_ID]
CACHEABLE_HEADER = OpenApiParameter(
    "CacheableJobStatus",
    OpenApiTypes.BOOL,
    OpenApiParameter.HEADER,
    response=[200],
    description="Always `true`: the response may be kept in a cache specific to job status responses "
    "(for max-age seconds, see Cache-Control).",
)
CACHE_CONTROL_HEADER = OpenApiParameter(
    "Cache-Control",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description="`no-transform, max-age=<CAF_STATUS_CHECK_INTERVAL_SECONDS>`",
)
NO_CONTENT = OpenApiResponse(description="Done.")


def _status_response(data: str | bool) -> HttpResponse:
    """Workers poll these: the answer may be cached for the status check interval.

    The hottest URL of the service, so the JSON (a bare string or boolean) is written
    directly instead of through DRF's renderer; the bytes are the same."""
    return HttpResponse(
        json.dumps(data),
        content_type="application/json",
        headers={
            "CacheableJobStatus": "true",
            "Cache-Control": f"no-transform, max-age={settings.CAF_STATUS_CHECK_INTERVAL_SECONDS}",
        },
    )


class JobApi(PartitionApi):
    @extend_schema(
        operation_id="getJob",
        summary="Gets the specified job.",
        description="Retrieves information about the specified job.",
        parameters=JOB_PARAMETERS,
        responses={
            200: OpenApiResponse(JobSerializer, description="Returns the job data."),
            400: schema.BAD_REQUEST,
            404: schema.NOT_FOUND,
            503: schema.UNAVAILABLE,
        },
        tags=["Jobs"],
    )
    def get(self, request: Request, partitionId: str, jobId: str) -> Response:
        validate_ids(partitionId, jobId)
        return Response(job_to_dict(job_get(partition_id=partitionId, job_id=jobId)))

    @extend_schema(
        operation_id="createOrUpdateJob",
        summary="Adds a new job.",
        description="Creates the specified job using the job definition in the body. Give either `task` "
        "or `type` (+ `parameters`). Idempotent: the same definition again answers 204 and changes "
        "nothing; a different definition for an existing job id answers 403 `Job already exists`.",
        parameters=JOB_PARAMETERS,
        request=NewJobSerializer,
        responses={
            201: OpenApiResponse(description="The job was created; `Location` is its URL."),
            204: OpenApiResponse(description="An identical job already existed; nothing changed."),
            400: schema.BAD_REQUEST,
            403: schema.error("A different job already exists with this id."),
            503: schema.UNAVAILABLE,
        },
        tags=["Jobs"],
    )
    def put(self, request: Request, partitionId: str, jobId: str) -> Response:
        validate_ids(partitionId, jobId)
        definition = parse_new_job(request.data)
        check_new_job_allowed(request.auth, definition)
        if job_create(partition_id=partitionId, job_id=jobId, definition=definition):
            return Response(status=status.HTTP_201_CREATED, headers={"Location": job_url(partitionId, jobId)})
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="deleteJob",
        summary="Deletes the specified job.",
        description="Deletes the job, whatever its status. Jobs waiting for it as a prerequisite are "
        "cancelled (they would otherwise wait forever).",
        parameters=JOB_PARAMETERS,
        responses={204: NO_CONTENT, 400: schema.BAD_REQUEST, 404: schema.NOT_FOUND, 503: schema.UNAVAILABLE},
        tags=["Jobs"],
    )
    def delete(self, request: Request, partitionId: str, jobId: str) -> Response:
        validate_ids(partitionId, jobId)
        job_delete(partition_id=partitionId, job_id=jobId)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _JobOperationApi(PartitionApi):
    """POST .../cancel, /pause, /resume: the service of the operation on the job, then 204."""

    operation: Callable[..., object]

    def post(self, request: Request, partitionId: str, jobId: str) -> Response:
        validate_ids(partitionId, jobId)
        type(self).operation(partition_id=partitionId, job_id=jobId)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _operation_schema(operation_id: str, summary: str, description: str) -> Any:
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            summary=summary,
            description=description,
            parameters=JOB_PARAMETERS,
            request=None,
            responses={204: NO_CONTENT, 400: schema.BAD_REQUEST, 404: schema.NOT_FOUND, 503: schema.UNAVAILABLE},
            tags=["Jobs"],
        )
    )


@_operation_schema(
    "cancelJob",
    "Cancels the job.",
    "Cancels a Waiting, Active or Paused job (a Cancelled one is left as it is). Its "
    "undispatched task is dropped, and jobs waiting for it are cancelled too.",
)
class JobCancelApi(_JobOperationApi):
    operation = staticmethod(job_cancel)


@_operation_schema(
    "pauseJob",
    "Pauses the job.",
    "Pauses a Waiting or Active job (a Paused one is left as it is). Workers see it "
    "through the status URL and hand the job's messages back to this service until it is resumed.",
)
class JobPauseApi(_JobOperationApi):
    operation = staticmethod(job_pause)


@_operation_schema(
    "resumeJob",
    "Resumes the job.",
    "Resumes a Paused job (an Active one is left as it is): it becomes Active and the "
    "messages its workers handed back while it was paused are re-published to their queues. "
    "Unlike the original, no message is sent to a resume (task unstowing) queue: this service "
    "keeps the paused messages itself.",
)
class JobResumeApi(_JobOperationApi):
    operation = staticmethod(job_resume)


class JobIsActiveApi(PartitionApi):
    accepts_status_signature = True

    @extend_schema(
        operation_id="getJobActive",
        summary="Checks whether the job is active.",
        description="`true` when the job is Active or Waiting; `false` otherwise, also for an unknown job.",
        parameters=[*JOB_PARAMETERS, schema.STATUS_SIGNATURE, CACHEABLE_HEADER, CACHE_CONTROL_HEADER],
        responses={
            200: OpenApiResponse(OpenApiTypes.BOOL, description="Returns whether the job is active."),
            400: schema.BAD_REQUEST,
            503: schema.UNAVAILABLE,
        },
        tags=["Jobs"],
    )
    def get(self, request: Request, partitionId: str, jobId: str) -> Response:
        validate_ids(partitionId, jobId)
        job_status = job_status_get(partition_id=partitionId, job_id=jobId)
        return _status_response(job_status in ACTIVE_STATUSES)


class JobStatusApi(PartitionApi):
    accepts_status_signature = True

    @extend_schema(
        operation_id="getJobStatus",
        summary="Gets the status of the job",
        description="The status check URL of the tasks sent to workers.",
        parameters=[*JOB_PARAMETERS, schema.STATUS_SIGNATURE, CACHEABLE_HEADER, CACHE_CONTROL_HEADER],
        responses={
            200: OpenApiResponse(
                {"type": "string", "enum": [s.value for s in JobStatus], "description": "The status of the job."},
                description="Returns the status of the job.",
            ),
            400: schema.BAD_REQUEST,
            404: schema.NOT_FOUND,
            503: schema.UNAVAILABLE,
        },
        tags=["Jobs"],
    )
    def get(self, request: Request, partitionId: str, jobId: str) -> Response:
        validate_ids(partitionId, jobId)
        job_status = job_status_get(partition_id=partitionId, job_id=jobId)
        if job_status is None:
            raise job_not_found(jobId)
        return _status_response(job_status)

"""Operations on the jobs of a partition: list, count, bulk cancel and delete (reference
§3.2, §3.7, §3.9, §3.14)."""
from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from jobs.api import schema
from jobs.api.serializers import JobSerializer, job_to_dict
from jobs.api.validation import int_query_param, validate_partition_id, validate_query_params
from jobs.api.views import PartitionApi
from jobs.selectors import JobFilter, job_count, job_list
from jobs.services.bulk import jobs_cancel, jobs_delete

BULK_PARAMETERS = [
    schema.PARTITION_ID,
    schema.CORRELATION_ID,
    schema.JOB_ID_STARTS_WITH,
    schema.LABEL_EXIST,
    schema.FILTER,
]


def _job_filter(request: Request, partition_id: str, *, status_type: bool, label_exist: bool) -> JobFilter:
    params = request.query_params
    validate_query_params(params)
    return JobFilter(
        partition_id=partition_id,
        job_id_starts_with=params.get("jobIdStartsWith"),
        status_type=params.get("statusType") if status_type else None,
        label_exist=params.get("labelExist") if label_exist else None,
        rsql=params.get("filter"),
    )


class JobListApi(PartitionApi):
    @extend_schema(
        operation_id="getJobs",
        summary="Gets the list of jobs",
        description="Returns one page of the jobs of the partition, in the sort order.",
        parameters=[
            schema.PARTITION_ID,
            schema.CORRELATION_ID,
            schema.JOB_ID_STARTS_WITH,
            schema.STATUS_TYPE,
            schema.LIMIT,
            schema.OFFSET,
            schema.SORT,
            schema.LABEL_EXIST,
            schema.FILTER,
        ],
        responses={
            200: OpenApiResponse(JobSerializer(many=True), description="Returns the list of jobs."),
            400: schema.BAD_REQUEST,
            503: schema.UNAVAILABLE,
        },
        tags=["Jobs"],
    )
    def get(self, request: Request, partitionId: str) -> Response:
        validate_partition_id(partitionId)
        job_filter = _job_filter(request, partitionId, status_type=True, label_exist=True)
        limit = int_query_param("limit", request.query_params.get("limit"))
        offset = int_query_param("offset", request.query_params.get("offset"))
        jobs = job_list(job_filter=job_filter, sort=request.query_params.get("sort"), limit=limit, offset=offset)
        return Response([job_to_dict(job) for job in jobs])


class JobCountApi(PartitionApi):
    @extend_schema(
        operation_id="getJobsCount",
        summary="Gets the count of jobs",
        description="Returns the number of jobs of the partition that match the filters.",
        parameters=[
            schema.PARTITION_ID,
            schema.CORRELATION_ID,
            schema.JOB_ID_STARTS_WITH,
            schema.STATUS_TYPE,
            schema.FILTER,
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.INT64, description="Returns the count of jobs."),
            400: schema.BAD_REQUEST,
            503: schema.UNAVAILABLE,
        },
        tags=["Jobs"],
    )
    def get(self, request: Request, partitionId: str) -> Response:
        validate_partition_id(partitionId)
        return Response(job_count(job_filter=_job_filter(request, partitionId, status_type=True, label_exist=False)))


class _BulkOperationApi(PartitionApi):
    """POST jobs:cancel / jobs:delete: the bulk service on the matching jobs, and how many it
    changed under `count_key`."""

    operation: Callable[..., int]
    count_key: str

    def post(self, request: Request, partitionId: str) -> Response:
        validate_partition_id(partitionId)
        job_filter = _job_filter(request, partitionId, status_type=False, label_exist=True)
        return Response({self.count_key: type(self).operation(job_filter=job_filter)})


def _bulk_schema(operation_id: str, summary: str, description: str, count_key: str, counted: str) -> Any:
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            summary=summary,
            description=description,
            parameters=BULK_PARAMETERS,
            request=None,
            responses={
                200: OpenApiResponse(
                    inline_serializer(count_key, {count_key: serializers.IntegerField()}),
                    description=f"Returns the number of jobs that were {counted}.",
                ),
                400: schema.BAD_REQUEST,
                503: schema.UNAVAILABLE,
            },
            tags=["Jobs"],
        )
    )


@_bulk_schema(
    "cancelJobs",
    "Cancels multiple jobs that meet the criteria of provided parameters.",
    "Cancels the matching jobs that are Active, Paused or Waiting, in batches of "
    "CAF_CANCEL_JOBS_BATCH_LIMIT, each batch in its own transaction.",
    "jobsCanceled",
    "cancelled",
)
class JobsCancelApi(_BulkOperationApi):
    operation = staticmethod(jobs_cancel)
    count_key = "jobsCanceled"


@_bulk_schema(
    "deleteJobs",
    "Deletes multiple jobs that meet the criteria of provided parameters.",
    "Deletes the matching jobs whatever their status (every job of the partition when "
    "no parameter is given), in batches of CAF_DELETE_JOBS_BATCH_LIMIT, each batch in its own "
    "transaction.",
    "jobsDeleted",
    "deleted",
)
class JobsDeleteApi(_BulkOperationApi):
    operation = staticmethod(jobs_delete)
    count_key = "jobsDeleted"

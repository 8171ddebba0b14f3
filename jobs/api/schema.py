"""OpenAPI pieces shared by the operations: path and query parameters, error responses."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

PARTITION_ID = OpenApiParameter(
    "partitionId",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Only allow access to jobs in the container with this identifier",
    pattern=r"^[^.,:;*?!|()]{1,40}$",
)
JOB_ID = OpenApiParameter(
    "jobId",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The identifier of the job",
    pattern=r"^[^.,:;*?!|()]{1,48}$",
)
CORRELATION_ID = OpenApiParameter(
    "CAF-Correlation-Id",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An identifier that correlates events across different services; echoed on the "
    "response (generated when absent).",
)
JOB_ID_STARTS_WITH = OpenApiParameter(
    "jobIdStartsWith",
    OpenApiTypes.STR,
    description="Only jobs whose id starts with this value (case-sensitive).",
)
STATUS_TYPE = OpenApiParameter(
    "statusType",
    OpenApiTypes.STR,
    enum=["All", "NotCompleted", "Completed", "Inactive", "NotFinished"],
    description="All - no status filter is applied (Default); NotCompleted - statuses other than "
    "Completed; Completed - only Completed; Inactive - Completed, Failed, Cancelled; NotFinished - "
    "Active, Paused, Waiting. Any other value applies no status filter.",
)
LIMIT = OpenApiParameter(
    "limit", OpenApiTypes.INT32, description="The maximum results to return (page size; default 25, no maximum)."
)
OFFSET = OpenApiParameter(
    "offset", OpenApiTypes.INT32, description="The starting position from which to return results."
)
SORT = OpenApiParameter(
    "sort",
    OpenApiTypes.STR,
    default="createTime:desc",
    description="`<field>:<direction>`; fields jobId, name, description, externalData, createTime, "
    "lastUpdateTime, status, percentageComplete or `labels.<label-key>`; direction `asc` or `desc`.",
)
LABEL_EXIST = OpenApiParameter(
    "labelExist",
    OpenApiTypes.STR,
    description="Comma-separated label names: only jobs having at least one of them.",
)
FILTER = OpenApiParameter(
    "filter",
    OpenApiTypes.STR,
    description="RSQL filter on `id`, `name`, `status`, `percentageComplete` and `labels.<label-key>`, "
    "e.g. `labels.tag==x*;status==Active` or `id==1`.",
)

ERROR = inline_serializer("error", {"message": serializers.CharField()})


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ERROR, description=description)


BAD_REQUEST = error("The request could not be processed because one or more arguments are invalid.")
NOT_FOUND = error("The specified job is not found.")
UNAVAILABLE = error("The request failed due to a database connection error.")
STATUS_SIGNATURE = OpenApiParameter(
    "signature",
    OpenApiTypes.STR,
    description="Part of the statusCheckUrl of the tasks this service dispatches: lets a worker check "
    "the status of that one job without an API token.",
)

"""GET /jobTypes: the job types a client can create jobs from (not in the original API).

Each entry gives the id to send as `type`, the definition's optional `description` and the JSON
Schema its `parameters` must match.
"""
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.job_types import job_types

class JobTypeSerializer(serializers.Serializer):
    """Documents the response shape; the view builds the plain dicts itself."""

    id = serializers.CharField(help_text="The value to send as `type` when creating a job.")
    description = serializers.CharField(
        allow_null=True, help_text="What jobs of this type do (the definition's `description`)."
    )
    parametersSchema = serializers.JSONField(  # noqa: N815 (the wire name)
        help_text="JSON Schema that the job's `parameters` must match "
        '(`{"type": "null"}`: the type takes no parameters).'
    )

    class Meta:
        ref_name = "JobType"


class JobTypeListApi(APIView):
    @extend_schema(
        operation_id="getJobTypes",
        summary="Lists the job types",
        description="The job types loaded from CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR, by id. "
        "Create a job of a type with PUT /partitions/{partitionId}/jobs/{jobId} and a body "
        '{"type": <id>, "parameters": ...} instead of a "task". Empty when no definitions '
        "folder is configured.",
        responses={200: JobTypeSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Two job types",
                response_only=True,
                value=[
                    {
                        "id": "reverse-text",
                        "description": "Transforms a text with the example worker.",
                        "parametersSchema": {
                            "type": "object",
                            "required": ["text"],
                            "properties": {"text": {"type": "string"}},
                        },
                    },
                    {"id": "basic", "description": None, "parametersSchema": {"type": "null"}},
                ],
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(
            [
                {
                    "id": definition.id,
                    "description": definition.description,
                    "parametersSchema": definition.parameters_schema,
                }
                for definition in sorted(job_types().values(), key=lambda definition: definition.id)
            ]
        )

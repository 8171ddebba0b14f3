"""Views of the REST API v1: parse input, call one service or selector, format output."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.auth.permissions import PartitionAccess


class PartitionApi(APIView):
    """Base of every view under /partitions/{partitionId}/: the request's token must grant the
    method's right on that partition (docs/security.md), checked here once for all of them."""

    permission_classes = [PartitionAccess]


class PingApi(APIView):
    # Open, whatever the Authorization header: load balancers and health checks call it.
    authentication_classes = []
    permission_classes = []

    @extend_schema(
        operation_id="ping",
        summary="Checks that the service is up",
        responses={200: inline_serializer("PingResponse", {"success": serializers.BooleanField()})},
    )
    def get(self, request: Request) -> Response:
        return Response({"success": True})

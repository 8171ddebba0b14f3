"""Views of the REST API v1: parse input, call one service or selector, format output."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class PingApi(APIView):
    @extend_schema(
        operation_id="ping",
        summary="Checks that the service is up",
        responses={200: inline_serializer("PingResponse", {"success": serializers.BooleanField()})},
    )
    def get(self, request: Request) -> Response:
        return Response({"success": True})

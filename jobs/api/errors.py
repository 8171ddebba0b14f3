"""One error shape for the whole API: `{"message": ...}` with a 4xx/5xx status."""
import logging

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jobs.errors import JobServiceError

logger = logging.getLogger(__name__)


def _flatten(detail: object) -> str:
    """DRF's error detail (a string, or lists and dicts of them) as one line."""
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, JobServiceError):
        return Response({"message": exc.message}, status=exc.status_code)
    if isinstance(exc, Http404):
        return Response({"message": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable or dropped the connection (SQLSTATE class 08 in the
        # original): a retryable 503. Django replaces the broken connection after the request.
        logger.warning("Database unavailable in %s: %s", context.get("view"), exc)
        return Response({"message": "The database is unavailable; try again later."}, status=503)
    if isinstance(exc, exceptions.ParseError):
        return Response({"message": f"Unable to process JSON: {exc.detail}"}, status=400)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"message": _flatten(exc.detail)}
        return response
    logger.exception("Unhandled error in %s", context.get("view"))
    return Response({"message": "Internal server error."}, status=500)


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's 404 handler: unknown routes answer in the API's error shape."""
    return JsonResponse({"message": f"Not found: {request.path}"}, status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"message": "Internal server error."}, status=500)

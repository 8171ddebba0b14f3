"""`CAF-Correlation-Id`: echoed on every response, or generated when the request has none."""
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "CAF-Correlation-Id"


class CorrelationIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        correlation_id = request.headers.get(HEADER) or str(uuid.uuid4())
        request.correlation_id = correlation_id
        response = self.get_response(request)
        response[HEADER] = correlation_id
        return response

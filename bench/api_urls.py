"""The service's URLs plus /bench/noop: the cheapest DRF endpoint, the yardstick for status."""
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobservice.urls import urlpatterns as service_urlpatterns


class NoopApi(APIView):
    """Same framework path and a same-size answer as the status endpoint, no database (and no
    permission check: the yardstick of the cheapest endpoint)."""

    permission_classes = []

    def get(self, request: Request) -> Response:
        return Response("Active", headers={"CacheableJobStatus": "true"})


urlpatterns = [path("bench/noop", NoopApi.as_view()), *service_urlpatterns]

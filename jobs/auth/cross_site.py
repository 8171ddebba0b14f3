"""Refuses unsafe API requests that a page of another site made a browser send (docs/security.md,
"Browsers").

Browsers attach no token by themselves, so a request that carries one was not forged by a page;
without one (always so in `none` mode), a browser's request says where it comes from: `Origin`
on every unsafe request of current browsers, `Sec-Fetch-Site` as well. A request from the
service's own origin (its Swagger UI) or from JOBSERVICE_API_ALLOWED_ORIGINS goes through; so
does one from no browser at all (no Origin, no Sec-Fetch-Site: curl, scripts, the original's
clients).
"""
from django.conf import settings
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from jobs.auth.authentication import bearer_credentials

MESSAGE = (
    "Cross-site request refused: a page of another site may not change jobs. Send an API token, "
    "or add the origin to JOBSERVICE_API_ALLOWED_ORIGINS."
)


def _is_cross_site(request: Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is not None:
        own_origin = f"{request.scheme}://{request.get_host()}"
        return origin != own_origin and origin not in settings.JOBSERVICE_API_ALLOWED_ORIGINS
    return request.headers.get("Sec-Fetch-Site") == "cross-site"


def refuse_cross_site(request: Request) -> None:
    if request.method in SAFE_METHODS or bearer_credentials(request):
        return
    if _is_cross_site(request):
        raise PermissionDenied(MESSAGE)

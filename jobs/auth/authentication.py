"""DRF authentication: `Authorization: Bearer <token>` -> the ApiToken (request.user and
request.auth). No header: anonymous (the permissions then answer 401, or accept a signed
status check). A header that is not a valid token: 401 at once."""
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from jobs.auth.mode import api_tokens_required
from jobs.auth.models import ApiToken
from jobs.auth.tokens import api_token_authenticate

SCHEME = "bearer"


def bearer_credentials(request: Request) -> str | None:
    """The credentials of a Bearer Authorization header, None without one."""
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return credentials.strip() if scheme.lower() == SCHEME else None


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiToken, ApiToken] | None:
        if not api_tokens_required() or not request.META.get("HTTP_AUTHORIZATION"):
            return None
        credentials = bearer_credentials(request)
        if credentials is None:
            raise AuthenticationFailed('Send the API token as "Authorization: Bearer <token>".')
        token = api_token_authenticate(credentials)
        if token is None:
            raise AuthenticationFailed("The API token is not valid (unknown, replaced or expired).")
        return token, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when authentication is missing or fails.
        return 'Bearer realm="job-service"'

"""The OpenAPI security scheme of BearerTokenAuthentication (Swagger UI's "Authorize" button).
Imported by JobsConfig.ready(): drf-spectacular finds extensions by subclassing."""
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "jobs.auth.authentication.BearerTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from `manage.py create_api_token` (shown once when made).",
        }

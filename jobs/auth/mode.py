"""JOBSERVICE_API_AUTH: "token" (the default) or "none" (docs/security.md, "Modes")."""
from django.conf import settings


def api_tokens_required() -> bool:
    # Read at call time: tests switch modes with the settings fixture.
    return settings.JOBSERVICE_API_AUTH != "none"

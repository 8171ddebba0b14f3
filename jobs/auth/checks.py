"""`manage.py check --deploy`: warns when the API runs without authentication. Registered by
JobsConfig.ready() with the `deploy` tag, so only deployment checks show it."""
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def check_api_authentication(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.JOBSERVICE_API_AUTH != "none":
        return []
    return [
        Warning(
            "JOBSERVICE_API_AUTH=none: anyone who reaches the API can read, create, cancel and delete "
            "the jobs of every partition.",
            hint="Use it only on a trusted network whose clients send no token; otherwise unset it and "
            "give clients tokens (manage.py create_api_token). See docs/security.md.",
            id="jobs.W001",
        )
    ]

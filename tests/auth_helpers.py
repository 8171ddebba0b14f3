"""API tokens for tests: most tests are about something else than the trust boundary and call
the API with a token that may do everything (`api_client` fixture, or `token_client()` where a
helper function makes the calls)."""
from rest_framework.test import APIClient

from jobs.auth.models import Right
from jobs.auth.tokens import api_token_create


def all_rights_token(name: str = "tests") -> str:
    """A token for every partition with every right, raw tasks to any queue (replacing a token
    of that name); returns the string a client sends."""
    _, presented = api_token_create(
        name=name, partitions=["*"], rights=list(Right), raw_tasks=True, task_pipes=["*"], replace=True
    )
    return presented


def token_client(presented: str | None = None) -> APIClient:
    """An APIClient that sends `presented` (default: a new all-rights token) as its Bearer token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {presented or all_rights_token()}")
    return client

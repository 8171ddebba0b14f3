"""Shared fixtures.

Server tests (marker `server`) need the real PostgreSQL and/or RabbitMQ; they skip when the
current configuration does not point at them, except in CI (CI=true) where a skip would hide
a missing service, so they fail instead.
"""
import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.auth_helpers import all_rights_token, token_client


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run every test)")
    pytest.skip(reason)


@pytest.fixture
def require_postgres() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def require_rabbitmq() -> None:
    if not settings.BROKER_URL.startswith("amqp"):
        skip_or_fail("needs RabbitMQ: set BROKER_URL=amqp://...")


@pytest.fixture
def api_token(db: None) -> str:
    """A token that may do everything on every partition (tests about other things)."""
    return all_rights_token()


@pytest.fixture
def api_client(api_token: str) -> APIClient:
    """An APIClient sending `api_token`."""
    return token_client(api_token)

"""API tokens: made with a secret shown once, stored hashed, checked with one query, expiring,
their last use recorded at most once a minute."""
import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jobs.auth.models import ApiToken, Right
from jobs.auth.tokens import LAST_USE_RESOLUTION, api_token_authenticate, api_token_create

pytestmark = pytest.mark.django_db


def make(**scope) -> tuple[ApiToken, str]:
    scope.setdefault("name", "t")
    scope.setdefault("partitions", ["acme-*"])
    scope.setdefault("rights", [Right.READ])
    return api_token_create(**scope)


def test_the_secret_is_stored_only_as_a_hash():
    token, presented = make()
    prefix, key_id, secret = presented.split("_", 2)
    assert prefix == "jst" and key_id == token.key_id and len(secret) >= 43  # 256 bits, URL-safe
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert secret not in str(stored)
    assert stored["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()


def test_the_presented_token_authenticates_and_nothing_else_does(django_assert_num_queries):
    token, presented = make()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    with django_assert_num_queries(1):  # one indexed lookup by key id
        assert api_token_authenticate(presented) == token
    prefix, key_id, secret = presented.split("_", 2)
    wrong_secret = f"{prefix}_{key_id}_{'A' * len(secret)}"
    unknown_key = f"{prefix}_{'0' * 16}_{secret}"
    for presented_wrongly in [wrong_secret, unknown_key, secret, f"{prefix}_{key_id}", "", "jst__", "x" * 5000]:
        assert api_token_authenticate(presented_wrongly) is None, presented_wrongly


def test_an_expired_token_no_longer_authenticates():
    token, presented = make(expires_at=timezone.now() + dt.timedelta(days=1))
    assert api_token_authenticate(presented) == token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_token_authenticate(presented) is None


def test_last_use_is_written_at_most_once_a_minute(django_assert_num_queries):
    token, presented = make()
    assert token.last_used_at is None
    with django_assert_num_queries(2):  # the lookup and the first use
        api_token_authenticate(presented)
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first_use is not None
    with django_assert_num_queries(1):  # within the minute: no write
        api_token_authenticate(presented)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - LAST_USE_RESOLUTION)
    with django_assert_num_queries(2):
        api_token_authenticate(presented)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first_use - LAST_USE_RESOLUTION


def test_replacing_a_token_invalidates_the_old_secret():
    _, old = make(name="ci")
    with pytest.raises(ValidationError):
        make(name="ci")  # the name is taken
    _, new = make(name="ci", replace=True)
    assert api_token_authenticate(old) is None and api_token_authenticate(new) is not None


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        ({"partitions": []}, "partitions"),
        ({"raw_tasks": True}, "task_pipes"),  # raw tasks need their queues
        ({"task_pipes": ["q"]}, "task_pipes"),  # queues without raw tasks mean nothing
    ],
)
def test_a_token_without_a_clear_scope_is_refused(scope, field):
    with pytest.raises(ValidationError) as refused:
        make(**scope)
    assert field in refused.value.message_dict
    assert not ApiToken.objects.exists()


def test_the_token_allows_its_partitions_and_rights_only():
    token, _ = make(partitions=["acme-*", "demo"], rights=[Right.READ, Right.OPERATE])
    assert token.allows("acme-1", Right.READ) and token.allows("demo", Right.OPERATE)
    assert not token.allows("acme-1", Right.CREATE)
    assert not token.allows("beta", Right.READ) and not token.allows("demo-2", Right.READ)

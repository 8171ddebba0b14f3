"""Operators' admin: create_operator makes operators (not superusers) unless asked; --update
never changes a role silently; operators view and operate jobs; API tokens in the admin."""
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jobs.auth.models import ApiToken
from jobs.auth.operators import OPERATORS_GROUP
from jobs.auth.tokens import api_token_authenticate
from jobs.models import Job

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-42"


def create_operator(monkeypatch, *args: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    out = io.StringIO()
    call_command("create_operator", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def make_job() -> Job:
    now = timezone.now()
    return Job.objects.create(partition_id="p", job_id="j1", status="Active", create_date=now,
                              last_update_date=now, job_hash="x")


def test_an_operator_is_staff_in_the_operators_group_not_a_superuser(monkeypatch):
    output = create_operator(monkeypatch, "--username", "olga")
    user = User.objects.get(username="olga")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [OPERATORS_GROUP]
    assert user.has_perm("jobs.view_job") and user.has_perm("jobs.change_job")
    assert not user.has_perm("jobs.view_apitoken") and not user.has_perm("auth.change_user")
    assert output.startswith("operator 'olga' created (password set; role operator)")


def test_a_superuser_only_when_asked(monkeypatch):
    create_operator(monkeypatch, "--username", "root", "--superuser")
    assert User.objects.get(username="root").is_superuser


def test_update_changes_the_password_only_unless_a_role_is_given(monkeypatch):
    User.objects.create_superuser("sam", password="old-password-42")
    output = create_operator(monkeypatch, "--username", "sam", "--update")
    sam = User.objects.get(username="sam")
    assert sam.is_superuser and sam.check_password(PASSWORD)
    assert output.startswith("superuser 'sam' updated (password set)")

    output = create_operator(monkeypatch, "--username", "sam", "--update", "--operator")
    sam = User.objects.get(username="sam")
    assert not sam.is_superuser and sam.groups.filter(name=OPERATORS_GROUP).exists()
    assert "role superuser -> operator" in output

    User.objects.create_user("plain", password="old-password-42")
    create_operator(monkeypatch, "--username", "plain", "--update")
    plain = User.objects.get(username="plain")
    assert not plain.is_staff and not plain.is_superuser and plain.check_password(PASSWORD)


def test_an_operator_views_and_operates_jobs_in_the_admin(monkeypatch):
    create_operator(monkeypatch, "--username", "olga")
    job = make_job()
    client = signed_in("olga")
    assert client.get(reverse("admin:jobs_job_changelist")).status_code == 200
    assert client.get(reverse("admin:jobs_job_change", args=[job.pk])).status_code == 200
    response = client.post(reverse("admin:jobs_job_operate", args=[job.pk, "cancel"]))
    assert response.status_code == 302
    assert Job.objects.get(pk=job.pk).status == "Cancelled"
    # Not the users, nor the API tokens.
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:jobs_apitoken_changelist")).status_code == 403


def test_the_admin_shows_a_new_tokens_secret_once(monkeypatch):
    create_operator(monkeypatch, "--username", "root", "--superuser")
    client = signed_in("root")
    response = client.post(reverse("admin:jobs_apitoken_add"), {
        "name": "console", "partitions": "acme-*", "may_read": "on", "job_types": "*", "task_pipes": "",
    })
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="api-token-secret"[^>]*>([^<]+)<', response.content.decode()).group(1)
    token = api_token_authenticate(secret)
    assert token is not None and token.name == "console" and token.rights == ["read"]
    page = client.get(reverse("admin:jobs_apitoken_change", args=[token.pk])).content.decode()
    assert secret.split("_", 2)[2] not in page  # the secret part is never shown again


def test_the_admin_refuses_a_token_without_partitions(monkeypatch):
    create_operator(monkeypatch, "--username", "root", "--superuser")
    response = signed_in("root").post(reverse("admin:jobs_apitoken_add"), {"name": "x", "partitions": " "})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_renewing_a_secret_invalidates_the_old_one(monkeypatch):
    from jobs.auth.models import Right
    from jobs.auth.tokens import api_token_create

    create_operator(monkeypatch, "--username", "root", "--superuser")
    token, old = api_token_create(name="ci", partitions=["*"], rights=[Right.READ])
    response = signed_in("root").post(reverse("admin:jobs_apitoken_changelist"),
                                      {"action": "renew_secret", "_selected_action": [token.pk]})
    new = re.search(r'id="api-token-secret"[^>]*>([^<]+)<', response.content.decode()).group(1)
    assert api_token_authenticate(old) is None and api_token_authenticate(new) == token

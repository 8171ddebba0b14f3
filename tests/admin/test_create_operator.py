"""manage.py create_operator: the documented way to get the first admin account."""
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

STRONG = "correct-horse-battery-42"


def create(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("create_operator", *args, stdout=out)
    return out.getvalue()


def test_password_from_stdin(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    output = create(monkeypatch, "--username", "alice", "--password-stdin", stdin=STRONG + "\n")

    user = User.objects.get(username="alice")
    assert user.is_staff and not user.is_superuser and user.is_active  # an operator (test_operator_roles.py)
    assert user.check_password(STRONG)
    assert "operator 'alice' created" in output


def test_password_from_the_environment(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBSERVICE_OPERATOR_PASSWORD", STRONG)

    create(monkeypatch, "--username", "bob")

    assert User.objects.get(username="bob").check_password(STRONG)


def test_no_password_is_an_error_not_a_default(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBSERVICE_OPERATOR_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="no password"):
        create(monkeypatch, "--username", "carol")
    assert not User.objects.filter(username="carol").exists()


def test_weak_password_is_refused(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError, match="password refused"):
        create(monkeypatch, "--username", "dave", "--password-stdin", stdin="12345\n")
    assert not User.objects.filter(username="dave").exists()


def test_existing_user_needs_update(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    User.objects.create_user("erin", password="old-password-42")

    with pytest.raises(CommandError, match="already exists"):
        create(monkeypatch, "--username", "erin", "--password-stdin", stdin=STRONG)

    create(monkeypatch, "--username", "erin", "--update", "--password-stdin", stdin=STRONG)
    user = User.objects.get(username="erin")
    assert user.check_password(STRONG) and not user.is_staff  # the password only: roles stay

"""Creates an operator for the admin at /admin/: a staff user in the Operators group, who can
view, cancel, pause, resume and delete jobs; a superuser only with --superuser.

There is no default account. The password comes from --password-stdin, else the
JOBSERVICE_OPERATOR_PASSWORD environment variable, else an interactive prompt:

    echo "$PASSWORD" | manage.py create_operator --username alice --password-stdin
    JOBSERVICE_OPERATOR_PASSWORD=... manage.py create_operator --username alice

`--update` sets the password of an existing user and nothing else, unless a role is asked for
explicitly (--operator or --superuser); it says what it changed.
"""
import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from jobs.auth.operators import OPERATORS_GROUP, operators_group

PASSWORD_ENV = "JOBSERVICE_OPERATOR_PASSWORD"
OPERATOR, SUPERUSER = "operator", "superuser"


class Command(BaseCommand):
    help = "Creates an operator (staff, Operators group) for the admin; the password is never a default."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        parser.add_argument(
            "--update", action="store_true",
            help="set the password of an existing user instead of failing (its role stays, unless "
            "--operator or --superuser is given)",
        )
        role = parser.add_mutually_exclusive_group()
        role.add_argument("--operator", dest="role", action="store_const", const=OPERATOR,
                          help="role: operator, not superuser (the default of a new user)")
        role.add_argument("--superuser", dest="role", action="store_const", const=SUPERUSER,
                          help="role: superuser (every permission, also over users and API tokens)")

    def handle(self, *args: Any, username: str, email: str, password_stdin: bool, update: bool,
               role: str | None, **options: Any) -> None:
        User = get_user_model()
        existing = User.objects.filter(username=username).first()
        if existing is not None and not update:
            raise CommandError(f"user {username!r} already exists (use --update to reset its password)")
        password = self._read_password(password_stdin)
        user = existing or User(username=username, email=email)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("password refused: " + " ".join(error.messages)) from None
        with transaction.atomic():
            user.set_password(password)
            if existing is None:
                user.is_active = True
            changes = ["password set"]
            if existing is None or role is not None:
                changes.append(self._set_role(user, role or OPERATOR))
            else:
                user.save()
        verb = "updated" if existing else "created"
        self.stdout.write(f"{self._role_of(user)} {username!r} {verb} ({'; '.join(changes)}); sign in at /admin/")

    def _set_role(self, user: Any, role: str) -> str:
        before = self._role_of(user) if user.pk else None
        user.is_staff = True
        user.is_superuser = role == SUPERUSER
        user.save()
        if role == OPERATOR:
            user.groups.add(operators_group())
        after = self._role_of(user)
        return f"role {after}" if before in (None, after) else f"role {before} -> {after}"

    @staticmethod
    def _role_of(user: Any) -> str:
        if user.is_superuser:
            return SUPERUSER
        if user.is_staff and user.groups.filter(name=OPERATORS_GROUP).exists():
            return OPERATOR
        return "staff user" if user.is_staff else "user"

    def _read_password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        elif os.environ.get(PASSWORD_ENV):
            password = os.environ[PASSWORD_ENV]
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords differ")
        else:
            raise CommandError(f"no password: use --password-stdin or set {PASSWORD_ENV}")
        if not password:
            raise CommandError("the password is empty")
        return password

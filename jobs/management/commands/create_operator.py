"""Creates an operator: a staff superuser who can sign in to the admin at /admin/.

There is no default account. The password comes from --password-stdin, else the
JOBSERVICE_OPERATOR_PASSWORD environment variable, else an interactive prompt:

    echo "$PASSWORD" | manage.py create_operator --username alice --password-stdin
    JOBSERVICE_OPERATOR_PASSWORD=... manage.py create_operator --username alice
"""
import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

PASSWORD_ENV = "JOBSERVICE_OPERATOR_PASSWORD"


class Command(BaseCommand):
    help = "Creates an operator (staff superuser) for the admin; the password is never a default."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        parser.add_argument(
            "--update", action="store_true",
            help="set the password (and staff rights) of an existing user instead of failing",
        )

    def handle(self, *args: Any, username: str, email: str, password_stdin: bool, update: bool, **options: Any) -> None:
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
        user.is_staff = True
        user.is_superuser = True
        user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"operator {username!r} {'updated' if existing else 'created'}; sign in at /admin/")

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

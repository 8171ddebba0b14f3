"""Creates an API token and prints its secret once, alone on the last line (docs/security.md):

    manage.py create_api_token --name billing --partitions 'acme-*,demo' --rights read,create
    manage.py create_api_token --name ingest --partitions ingest --rights create \\
        --raw-tasks --task-pipes 'batch-in,example-out' --expires 90

Without --rights a token only reads. Without --raw-tasks it creates jobs only from job types
(--job-types, default any); --raw-tasks needs --task-pipes, the queues its tasks may name.
"""
import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jobs.auth.models import ApiToken, Right
from jobs.auth.patterns import parse_patterns
from jobs.auth.tokens import api_token_create


def _rights(text: str) -> list[Right]:
    names = parse_patterns(text)
    unknown = [name for name in names if name not in Right.__members__.values()]
    if unknown or not names:
        raise CommandError(f"--rights: {', '.join(unknown) or 'empty'}; choose from read, create, operate")
    return [Right(name) for name in names]


class Command(BaseCommand):
    help = "Creates an API token; its secret is printed once, on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="who or what uses it (unique)")
        parser.add_argument("--partitions", required=True, help="PATTERN[,PATTERN]: ids, acme-* or * for all")
        parser.add_argument("--rights", default="read", help="read,create,operate (default read)")
        parser.add_argument("--job-types", default="*", help="job types it may create jobs from (default *: any)")
        parser.add_argument("--raw-tasks", action="store_true", help="may also create jobs from a raw task")
        parser.add_argument("--task-pipes", default="", help="with --raw-tasks: queues its tasks may name (* for any)")
        parser.add_argument("--expires", type=int, default=None, metavar="DAYS", help="default: never")
        parser.add_argument("--replace", action="store_true", help="replace the token of that name if it exists")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        if not options["replace"] and ApiToken.objects.filter(name=name).exists():
            raise CommandError(f"a token named {name!r} exists (--replace makes a new one in its place)")
        if options["raw_tasks"] and not parse_patterns(options["task_pipes"]):
            raise CommandError("--raw-tasks needs --task-pipes: the queues its tasks may name ('*' for any)")
        if options["task_pipes"] and not options["raw_tasks"]:
            raise CommandError("--task-pipes applies only with --raw-tasks")
        days = options["expires"]
        if days is not None and days <= 0:
            raise CommandError("--expires: a number of days above 0")
        try:
            token, presented = api_token_create(
                name=name,
                partitions=parse_patterns(options["partitions"]),
                rights=_rights(options["rights"]),
                job_types=parse_patterns(options["job_types"]),
                raw_tasks=options["raw_tasks"],
                task_pipes=parse_patterns(options["task_pipes"]),
                expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
                replace=options["replace"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(f"{field}: {' '.join(messages)}"
                                         for field, messages in error.message_dict.items())) from None
        self.stdout.write(self._summary(token))
        self.stdout.write('Send it as "Authorization: Bearer <token>". It is shown only now:')
        self.stdout.write(presented)

    def _summary(self, token: ApiToken) -> str:
        sends = f"job types {token.job_types or '(none)'}"
        if token.raw_tasks:
            sends += f"; raw tasks to {token.task_pipes}"
        expires = token.expires_at.strftime("%Y-%m-%d %H:%M UTC") if token.expires_at else "never"
        rights = ", ".join(token.rights) or "none"
        return (f"API token {token.name!r}: partitions {token.partitions}; rights {rights}; "
                f"{sends}; expires {expires}.")

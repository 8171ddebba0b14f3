"""API tokens: who may call the REST API, on which partitions, to do what (docs/security.md).

The secret is shown once, when the token is made; only its SHA-256 is stored. A secret of
256 random bits needs no slow password hash (nobody can guess it, and every API request checks
one), and no key either, so rotating SECRET_KEY leaves the tokens valid. The public `key_id`
part of the secret finds the row with one indexed query.
"""
import datetime as dt
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from jobs.auth.patterns import matches_any, parse_patterns


class Right(StrEnum):
    READ = "read"  # GET: the job, the list, the count, status, isActive
    CREATE = "create"  # PUT a job
    OPERATE = "operate"  # cancel, pause, resume, delete, and jobs:cancel / jobs:delete


class ApiToken(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="Who or what uses the token.")
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    partitions = models.TextField(
        help_text="Comma-separated partition ids or patterns: acme-* (a * matches anything), or * for all."
    )
    may_read = models.BooleanField("read", default=True, help_text="Get jobs, lists, counts and statuses.")
    may_create = models.BooleanField("create", default=False, help_text="Create jobs.")
    may_operate = models.BooleanField(
        "operate", default=False, help_text="Cancel, pause, resume and delete jobs (one or in bulk)."
    )
    job_types = models.TextField(
        default="*", blank=True,
        help_text="Job types it may create jobs from (comma-separated, patterns allowed; * for any, empty for none).",
    )
    raw_tasks = models.BooleanField(
        default=False, help_text="May create jobs from a raw task instead of a job type."
    )
    task_pipes = models.TextField(
        blank=True, default="",
        help_text="With raw tasks: the queues a task may name as taskPipe or targetPipe "
        "(comma-separated, patterns allowed; * for any).",
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Updated at most once a minute (tokens.LAST_USE_RESOLUTION): not a write per request.
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"

    # DRF's request.user is the token: it stands for an authenticated client.
    is_authenticated = True

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = {}
        if not parse_patterns(self.partitions):
            problems["partitions"] = "Give at least one partition or pattern (* for all)."
        if self.raw_tasks and not parse_patterns(self.task_pipes):
            problems["task_pipes"] = "A token that may send raw tasks needs the queues it may send them to (* for any)."
        if not self.raw_tasks and parse_patterns(self.task_pipes):
            problems["task_pipes"] = "Task queues only apply to a token that may send raw tasks."
        if problems:
            raise ValidationError(problems)

    @property
    def rights(self) -> list[Right]:
        granted = {Right.READ: self.may_read, Right.CREATE: self.may_create, Right.OPERATE: self.may_operate}
        return [right for right, allowed in granted.items() if allowed]

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def allows(self, partition_id: str, right: Right) -> bool:
        return right in self.rights and matches_any(parse_patterns(self.partitions), partition_id)

    def allows_job_type(self, type_id: str) -> bool:
        return matches_any(parse_patterns(self.job_types), type_id)

    def allows_task_pipe(self, pipe: str) -> bool:
        return self.raw_tasks and matches_any(parse_patterns(self.task_pipes), pipe)

"""Job creation: PUT /partitions/{p}/jobs/{j} (reference §3.5, §4.1).

Checks run in the original's order with its messages (first failure wins). The job, its
labels, its prerequisites and its task (the outbox row) are written in one transaction; the
task is handed to dispatch after the commit when it is due at once.
"""
import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from jobs import job_types
from jobs.errors import BadRequest, Forbidden
from jobs.hashing import job_definition_hash
from jobs.models import (
    JOB_ID_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PIPE_MAX_LENGTH,
    Job,
    JobDependency,
    JobTask,
    Label,
)
from jobs.outbox import dispatch_after_commit
from jobs.pipes import check_pipe
from jobs.states import JobStatus

LABEL_NAME = re.compile(r"^[a-zA-Z0-9_\-:]+$")
PRECREATED_OPTION = "pc"
INT32_MAX = 2**31 - 1


@dataclass
class Prerequisite:
    job_id: str
    precreated: bool = False


@dataclass
class _Task:
    classifier: str
    api_version: int
    data: bytes
    pipe: str
    target_pipe: str | None


@dataclass
class _NewJob:
    partition_id: str
    job_id: str
    definition: dict[str, Any]
    task: _Task
    labels: dict[str, str | None]
    prerequisites: list[Prerequisite] = field(default_factory=list)
    suspended: bool = False


def job_create(*, partition_id: str, job_id: str, definition: dict[str, Any]) -> bool:
    """Creates the job described by `definition` (the NewJob body, camelCase keys).

    Returns True when the job was created, False when an identical job already existed
    (nothing changed); raises Forbidden when a different job exists under that id."""
    new_job = _validated(partition_id, job_id, definition)
    job_hash = job_definition_hash(definition)

    existing_hash = _existing_hash(partition_id, job_id)
    if existing_hash is not None:
        return _same_job(existing_hash, job_hash)
    try:
        _insert(new_job, job_hash)
    except IntegrityError:
        # A concurrent PUT of the same id won the insert: same definition is a no-op.
        existing_hash = _existing_hash(partition_id, job_id)
        if existing_hash is None:
            raise
        return _same_job(existing_hash, job_hash)
    return True


def _existing_hash(partition_id: str, job_id: str) -> str | None:
    return Job.objects.filter(partition_id=partition_id, job_id=job_id).values_list("job_hash", flat=True).first()


def _same_job(existing_hash: str, job_hash: str) -> bool:
    if existing_hash != job_hash:
        raise Forbidden("Job already exists")
    return False


# --- validation, in the original's order ---------------------------------------------------


def _validated(partition_id: str, job_id: str, definition: dict[str, Any]) -> _NewJob:
    type_id = definition.get("type")
    if type_id is not None:
        if definition.get("task") is not None:
            raise BadRequest("Specifying both typeId and task properties is not allowed.")
        task = job_types.build_task(
            type_id=type_id, parameters=definition.get("parameters"), partition_id=partition_id, job_id=job_id
        )
    else:
        task = definition.get("task")
        if task is None:
            raise BadRequest("The task has not been specified.")
    _check_task_fields(task)
    labels = definition.get("labels") or {}
    for name in labels:
        if not LABEL_NAME.match(name):
            raise BadRequest(
                "A provided label name contains an invalid character, only alphanumeric, '-' and '_' are supported"
            )
    task_data = _task_data_bytes(task.get("taskData"), task.get("taskDataEncoding"))
    prerequisites = parse_prerequisites(definition.get("prerequisiteJobIds") or [])
    _check_lengths(job_id, definition, task, labels, prerequisites)
    _check_pipes(task)
    if any(prerequisite.job_id == job_id for prerequisite in prerequisites):
        raise BadRequest(f"A job cannot be a prerequisite of itself: {job_id}")
    return _NewJob(
        partition_id=partition_id,
        job_id=job_id,
        definition=definition,
        task=_Task(
            classifier=task["taskClassifier"],
            api_version=task["taskApiVersion"],
            data=task_data,
            pipe=task["taskPipe"],
            target_pipe=task.get("targetPipe"),
        ),
        labels=labels,
        prerequisites=prerequisites,
        suspended=partition_suspended(partition_id),
    )


def _check_task_fields(task: dict[str, Any]) -> None:
    if not task.get("taskClassifier"):
        raise BadRequest("The task classifier has not been specified.")
    api_version = task.get("taskApiVersion")
    if api_version is None or api_version == 0:
        raise BadRequest("The task api version has not been specified.")
    if isinstance(api_version, bool) or not isinstance(api_version, int) or abs(api_version) > INT32_MAX:
        raise BadRequest("The task api version must be a 32-bit integer.")
    if task.get("targetPipe") == "":
        raise BadRequest("The target queue name has not been specified.")
    if not task.get("taskPipe"):
        raise BadRequest("The task queue name has not been specified.")


def _check_pipes(task: dict[str, Any]) -> None:
    """Client's or job type's: the task may not be sent to the service's own queues."""
    check_pipe(task["taskPipe"], "The task queue name")
    if task.get("targetPipe") is not None:
        check_pipe(task["targetPipe"], "The target queue name")


def _task_data_bytes(task_data: Any, encoding: str | None) -> bytes:
    if task_data is None or task_data == "":
        raise BadRequest("The task data has not been specified.")
    if isinstance(task_data, dict):
        if encoding is not None:
            raise BadRequest(
                "An encoding type has been found in the task along with taskDataObject. "
                "Remove taskDataEncoding and try again"
            )
        return json.dumps(task_data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if not isinstance(task_data, str):
        raise BadRequest(
            "The taskData is null or empty, please ensure taskData is populated and of a suitable datatype"
        )
    if encoding == "base64":
        return _lenient_base64(task_data)
    return task_data.encode("utf-8")


def _lenient_base64(text: str) -> bytes:
    """Decodes standard or URL-safe base64, ignoring whitespace and missing padding."""
    compact = re.sub(r"\s+", "", text).replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("The task data is not valid base64.") from None


def parse_prerequisites(entries: list[str | None]) -> list[Prerequisite]:
    """`"<jobId>[,<option>...]"` entries; blank ones dropped, repeated ids merged (the `pc`
    "pre-created" option wins), unknown options ignored (§4.1 B.1)."""
    merged: dict[str, Prerequisite] = {}
    for entry in entries:
        if entry is None or not entry.strip():
            continue
        job_id, *options = entry.split(",")
        prerequisite = merged.setdefault(job_id, Prerequisite(job_id))
        prerequisite.precreated = prerequisite.precreated or PRECREATED_OPTION in options
    return list(merged.values())


def _check_lengths(
    job_id: str,
    definition: dict[str, Any],
    task: dict[str, Any],
    labels: dict[str, str | None],
    prerequisites: list[Prerequisite],
) -> None:
    """The original lets the database refuse these (a 500); a clear 400 instead."""
    checks = [
        (job_id, JOB_ID_MAX_LENGTH, "The job identifier"),
        (definition.get("name"), NAME_MAX_LENGTH, "The job name"),
        (definition.get("type"), NAME_MAX_LENGTH, "The job type"),
        (task.get("taskClassifier"), PIPE_MAX_LENGTH, "The task classifier"),
        (task.get("taskPipe"), PIPE_MAX_LENGTH, "The task queue name"),
        (task.get("targetPipe"), PIPE_MAX_LENGTH, "The target queue name"),
    ]
    checks += [(name, LABEL_MAX_LENGTH, f"The label name {name[:40]}...") for name in labels]
    checks += [(value, LABEL_MAX_LENGTH, f"The value of label {name}") for name, value in labels.items()]
    checks += [(p.job_id, JOB_ID_MAX_LENGTH, f"The prerequisite job identifier {p.job_id[:20]}...") for p in prerequisites]
    for value, limit, what in checks:
        if isinstance(value, str) and len(value) > limit:
            raise BadRequest(f"{what} is longer than {limit} characters.")
    # PostgreSQL text cannot hold NUL; taskData and parameters are stored as bytes / not at all.
    stored_text = [definition.get(key) for key in ("name", "description", "externalData", "type")]
    stored_text += [*labels, *labels.values(), *(p.job_id for p in prerequisites)]
    stored_text += [task.get("taskClassifier"), task.get("taskPipe"), task.get("targetPipe")]
    if any(isinstance(text, str) and "\x00" in text for text in stored_text):
        raise BadRequest("The job definition contains a NUL character (\\u0000), which cannot be stored.")


def partition_suspended(partition_id: str) -> bool:
    pattern = settings.CAF_JOB_SERVICE_SUSPENDED_PARTITIONS_REGEX
    if not pattern:
        return False
    try:
        return re.fullmatch(pattern, partition_id) is not None
    except re.error as exc:
        raise ImproperlyConfigured(f"CAF_JOB_SERVICE_SUSPENDED_PARTITIONS_REGEX is not valid: {exc}") from exc


# --- the write ---------------------------------------------------------------------------------


@transaction.atomic
def _insert(new_job: _NewJob, job_hash: str) -> None:
    now = timezone.now()
    waits_for = _incomplete_prerequisites(new_job)
    definition = new_job.definition
    delay = definition.get("delay") or 0
    job = Job.objects.create(
        partition_id=new_job.partition_id,
        job_id=new_job.job_id,
        name=definition.get("name"),
        description=definition.get("description"),
        external_data=definition.get("externalData"),
        job_type=definition.get("type"),
        create_date=now,
        last_update_date=now,
        status=JobStatus.WAITING,
        percentage_complete=0.0,
        job_hash=job_hash,
        delay=delay,
    )
    Label.objects.bulk_create([Label(job=job, label=name, value=value) for name, value in new_job.labels.items()])
    JobDependency.objects.bulk_create(
        [JobDependency(job=job, partition_id=job.partition_id, prerequisite_job_id=pid) for pid in waits_for]
    )
    # [BUG] of the original fixed: a job whose prerequisites are all complete is dispatched
    # like any other, `delay` seconds from now.
    eligible = None if waits_for else now + timedelta(seconds=delay)
    task = new_job.task
    JobTask.objects.create(
        job=job,
        task_classifier=task.classifier,
        task_api_version=task.api_version,
        task_data=task.data,
        task_pipe=task.pipe,
        target_pipe=task.target_pipe,
        eligible_to_run_date=eligible,
        suspended=new_job.suspended,
    )
    if eligible is not None and eligible <= now and not new_job.suspended:
        dispatch_after_commit()


def _incomplete_prerequisites(new_job: _NewJob) -> list[str]:
    """Ids the new job must wait for (§4.1 B.2-B.4); refuses failed or cancelled
    prerequisites and cycles."""
    if not new_job.prerequisites:
        return []
    ids = [prerequisite.job_id for prerequisite in new_job.prerequisites]
    statuses = dict(
        Job.objects.select_for_update()
        .filter(partition_id=new_job.partition_id, job_id__in=ids)
        .order_by("job_id")
        .values_list("job_id", "status")
    )
    failed = sorted(job_id for job_id, status in statuses.items() if status == JobStatus.FAILED)
    if failed:
        raise BadRequest(f"One or more prerequisite jobs have failed. Failed Job IDs: {', '.join(failed)}")
    # The original would wait forever on a cancelled prerequisite; a dependent never does here.
    cancelled = sorted(job_id for job_id, status in statuses.items() if status == JobStatus.CANCELLED)
    if cancelled:
        raise BadRequest(
            f"One or more prerequisite jobs have been cancelled. Cancelled Job IDs: {', '.join(cancelled)}"
        )
    waits_for = [
        p.job_id
        for p in new_job.prerequisites
        if (p.job_id in statuses and statuses[p.job_id] != JobStatus.COMPLETED)
        or (p.job_id not in statuses and not p.precreated)
    ]
    cycle_via = _prerequisites_waiting_on(new_job.partition_id, new_job.job_id, waits_for)
    if cycle_via:
        raise BadRequest(
            f"The prerequisites of job {new_job.job_id} would form a cycle: "
            f"{', '.join(cycle_via)} already wait(s), directly or indirectly, for {new_job.job_id}."
        )
    return waits_for


def _prerequisites_waiting_on(partition_id: str, job_id: str, prerequisite_ids: list[str]) -> list[str]:
    """Those of `prerequisite_ids` that already wait, transitively, for `job_id` (a job may
    name a prerequisite that does not exist yet, and that job may later name it back).

    Walks back from `job_id` to the jobs waiting for it: one query per level, whatever the
    number of prerequisites (usually a single query that finds nobody)."""
    if not prerequisite_ids:
        return []
    waiting: set[str] = set()
    frontier = {job_id}
    while frontier:
        waiting_on_frontier = set(
            JobDependency.objects.filter(partition_id=partition_id, prerequisite_job_id__in=frontier).values_list(
                "job__job_id", flat=True
            )
        )
        frontier = waiting_on_frontier - waiting
        waiting |= waiting_on_frontier
    return [prerequisite_id for prerequisite_id in prerequisite_ids if prerequisite_id in waiting]

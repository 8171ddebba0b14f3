"""Reads of subtask progress, for the admin's job page (and anyone else who shows it)."""
from __future__ import annotations

from django.db.models import QuerySet

from jobs.models import Job
from tracking.models import TaskProgress


def task_progress_children(*, job: Job, parent_task_id: str | None = None, limit: int = 100) -> QuerySet:
    """The direct subtasks of `parent_task_id` (default: the job's top-level subtasks) in
    subtask order, at most `limit` of them: a job may have millions."""
    parent = parent_task_id or job.job_id
    return TaskProgress.objects.filter(
        partition_id=job.partition_id, job_pk=job.pk, parent_task_id=parent
    ).order_by("number")[:limit]


def task_progress_get(*, job: Job, task_id: str | None = None) -> TaskProgress | None:
    """One node (default: the job's own row with the counters of its top-level subtasks)."""
    return TaskProgress.objects.filter(
        partition_id=job.partition_id, job_pk=job.pk, task_id=task_id or job.job_id
    ).first()

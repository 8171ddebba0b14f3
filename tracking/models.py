"""Subtask progress of jobs: one static table, one row per reported task node.

Reference: api-and-database.md §2 (the original keeps one table per parent task; we keep one
table for all and update per-parent counters incrementally, so the cost of a report does not
grow with the size of the job).
"""
from django.db import models
from django.db.models import Q

from jobs.models import JOB_ID_MAX_LENGTH, PARTITION_ID_MAX_LENGTH
from jobs.states import JobStatus

TASK_ID_MAX_LENGTH = 255


class TaskProgress(models.Model):
    """One node of a job's task tree, e.g. `J7` (the job itself), `J7.2`, `J7.3*.1`.

    A row plays two roles:

    * as a **child** of `parent_task_id`: `status` (Active, Completed or Failed),
      `percentage` (what it contributes to its parent: 100 when Completed, 0 when Failed,
      else its last reported or rolled-up value) and `failure_details` (a list of failure
      records: its own when reported Failed, else its failed children's);
    * as a **parent**: the `children_*` counters over its direct children, kept up to date
      incrementally on every child report. The parent's roll-up (§2.4) is computed from them
      alone: Completed when `final_child_number` is known and equals `children_completed`,
      else `children_percentage_sum / (final_child_number or max_child_number + 1)`, capped
      at 99.7, Failed if `children_failed` > 0.

    The row of the job itself (`task_id == job_id`, no parent) only carries the counters of
    the top-level subtasks; the job's own status and percentage live on `jobs.Job`.

    `job_pk` is the primary key of the job the row belongs to, with no foreign key: deleting
    a huge job must stay fast, and the tracker's periodic sweep deletes the rows of jobs that
    completed, were cancelled or no longer exist (a job re-created with the same id gets a
    new `job_pk`, so stale rows are never mixed in). Failed jobs keep their rows: a retried
    task may still complete them.
    """

    partition_id = models.CharField(max_length=PARTITION_ID_MAX_LENGTH)
    job_id = models.CharField(max_length=JOB_ID_MAX_LENGTH)
    job_pk = models.BigIntegerField(help_text="Job.pk, deliberately without a foreign key")
    task_id = models.CharField(max_length=TASK_ID_MAX_LENGTH, help_text="e.g. J7.3*.1 (no partition prefix)")
    parent_task_id = models.CharField(max_length=TASK_ID_MAX_LENGTH, null=True, blank=True)
    number = models.IntegerField(null=True, blank=True, help_text="subtask number within the parent")
    is_final = models.BooleanField(default=False, help_text="the parent's last subtask (`*` marker)")

    status = models.CharField(max_length=16, choices=JobStatus.choices(), default=JobStatus.WAITING)
    percentage = models.FloatField(default=0.0)
    failure_details = models.JSONField(null=True, blank=True)
    # True when status/percentage/failures were last derived from the children (roll-up),
    # False when they came from a report about this task itself.
    rolled_up = models.BooleanField(default=False)

    children_reported = models.IntegerField(default=0)
    children_completed = models.IntegerField(default=0)
    children_failed = models.IntegerField(default=0)
    children_percentage_sum = models.FloatField(default=0.0)
    final_child_number = models.IntegerField(null=True, blank=True)
    max_child_number = models.IntegerField(default=0)

    last_update_date = models.DateTimeField()

    class Meta:
        verbose_name = "task progress"
        verbose_name_plural = "task progress"
        constraints = [
            models.UniqueConstraint(fields=["job_pk", "task_id"], name="taskprogress_job_task_uniq"),
        ]
        indexes = [
            # Failure details of a parent are gathered from its failed children only.
            models.Index(
                fields=["job_pk", "parent_task_id"],
                condition=Q(status="Failed"),
                name="taskprogress_failed_idx",
            ),
            # The cleanup sweep walks the job rows (one per job) only.
            models.Index(fields=["job_pk"], condition=Q(parent_task_id__isnull=True), name="taskprogress_root_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partition_id}:{self.task_id}"

"""The job store: jobs, their labels, prerequisites, the pending task (outbox) and the
messages kept for paused jobs. Subtask progress lives in the tracking app.

Reference: api-and-database.md §1. Jobs are identified by (partition_id, job_id) as in the
original; a surrogate integer key keeps foreign keys and the admin simple.
"""
from django.db import models
from django.db.models.functions import Lower

from jobs.states import JobStatus

PARTITION_ID_MAX_LENGTH = 40
JOB_ID_MAX_LENGTH = 48
NAME_MAX_LENGTH = 255
LABEL_MAX_LENGTH = 255
PIPE_MAX_LENGTH = 255


class Job(models.Model):
    partition_id = models.CharField(max_length=PARTITION_ID_MAX_LENGTH)
    job_id = models.CharField(max_length=JOB_ID_MAX_LENGTH)
    name = models.CharField(max_length=NAME_MAX_LENGTH, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    # Exposed as `externalData` (deprecated in the original, kept for compatibility).
    external_data = models.TextField(null=True, blank=True)
    job_type = models.CharField(max_length=255, null=True, blank=True)
    create_date = models.DateTimeField()
    last_update_date = models.DateTimeField()
    status = models.CharField(max_length=16, choices=JobStatus.choices(), default=JobStatus.WAITING)
    percentage_complete = models.FloatField(default=0.0)
    # Structured failure records: a list of {failureId, failureTime, failureSource,
    # failureMessage} (plus rootFailure for failures propagated from a prerequisite).
    failure_details = models.JSONField(null=True, blank=True)
    # Digest of the submitted definition: an identical re-PUT is a no-op, a different one 403.
    job_hash = models.CharField(max_length=64)
    delay = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partition_id", "job_id"], name="job_partition_job_id_uniq"),
        ]
        indexes = [
            models.Index(fields=["partition_id", "-create_date"], name="job_part_created_idx"),
            models.Index(fields=["partition_id", "status", "-create_date"], name="job_part_status_created_idx"),
            models.Index(fields=["partition_id", "-last_update_date"], name="job_part_updated_idx"),
            models.Index(Lower("name"), "partition_id", name="job_lower_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partition_id}:{self.job_id}"


class Label(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="labels")
    label = models.CharField(max_length=LABEL_MAX_LENGTH)
    value = models.CharField(max_length=LABEL_MAX_LENGTH, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "label"], name="label_job_label_uniq"),
        ]
        indexes = [
            models.Index(fields=["label", "value"], name="label_label_value_idx"),
            # Sorting the job list by a label walks this index in order (selectors.job_list).
            models.Index("label", Lower("value"), "job", name="label_label_lower_value_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label}={self.value}"


class JobDependency(models.Model):
    """`job` waits for the job `prerequisite_job_id` of the same partition.

    A row exists only while the prerequisite is incomplete. The prerequisite need not exist
    yet (no foreign key), as in the original.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="prerequisites")
    partition_id = models.CharField(max_length=PARTITION_ID_MAX_LENGTH)
    prerequisite_job_id = models.CharField(max_length=JOB_ID_MAX_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "prerequisite_job_id"], name="dependency_uniq"),
        ]
        indexes = [
            models.Index(fields=["partition_id", "prerequisite_job_id"], name="dependency_prereq_idx"),
        ]


class JobTask(models.Model):
    """The not-yet-dispatched task of a job: the outbox row.

    Written in the same transaction as the job. `eligible_to_run_date` NULL means the job
    still waits for prerequisites; otherwise it may be dispatched from that instant. The row
    is removed once the broker confirmed the published task message.
    """

    job = models.OneToOneField(Job, on_delete=models.CASCADE, primary_key=True, related_name="pending_task")
    task_classifier = models.CharField(max_length=PIPE_MAX_LENGTH)
    task_api_version = models.IntegerField()
    task_data = models.BinaryField()
    task_pipe = models.CharField(max_length=PIPE_MAX_LENGTH)
    target_pipe = models.CharField(max_length=PIPE_MAX_LENGTH, null=True, blank=True)
    eligible_to_run_date = models.DateTimeField(null=True, blank=True)
    suspended = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["suspended", "eligible_to_run_date"], name="jobtask_due_idx"),
        ]


class PausedMessage(models.Model):
    """A worker message diverted while its job was paused, kept until the job is resumed.

    `released_date` is set by resume; the scheduler then re-publishes the message to `queue`
    and deletes the row once the broker confirmed it.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="paused_messages")
    queue = models.CharField(max_length=PIPE_MAX_LENGTH)
    body = models.BinaryField()
    headers = models.JSONField(default=dict, blank=True)
    received_date = models.DateTimeField(auto_now_add=True)
    released_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["released_date"], name="paused_released_idx")]


# Defined in the auth package, registered as a model of this app.
from jobs.auth.models import ApiToken  # noqa: E402,F401

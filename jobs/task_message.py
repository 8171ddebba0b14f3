"""The task message published for a job (reference api-and-database.md §4.5,
worker-messaging.md §1.7 (a)).

Shared by the dispatcher (outbox rows) and anything else that starts a job's task, so the
tracking information is built in one place.
"""
from django.conf import settings

from jobs.public_urls import status_check_url
from jobservice.messaging.messages import TaskMessage, TaskStatus, TrackingInfo, new_task_id, now_millis


def job_task_message(
    *,
    partition_id: str,
    job_id: str,
    task_classifier: str,
    task_api_version: int,
    task_data: bytes,
    task_pipe: str,
    target_pipe: str | None,
    tracking_pipe: str | None = None,
    correlation_id: str | None = None,
    now_ms: int | None = None,
) -> TaskMessage:
    """A NEW_TASK message for the job's task pipe, tracked until it reaches `target_pipe`.

    The task data goes out as stored (the original re-encoded it as UTF-8 text, which
    corrupted binary data [QUIRK, REC]). `now_ms` (the status check time) lets a batch
    share one clock reading.
    """
    tracking = TrackingInfo(
        job_task_id=f"{partition_id}:{job_id}",
        last_status_check_time=now_ms if now_ms is not None else now_millis(),
        status_check_interval_millis=settings.CAF_STATUS_CHECK_INTERVAL_SECONDS * 1000,
        status_check_url=status_check_url(partition_id, job_id),
        tracking_pipe=tracking_pipe if tracking_pipe is not None else settings.CAF_TRACKING_PIPE,
        track_to=target_pipe,
    )
    return TaskMessage(
        task_id=new_task_id(),
        task_classifier=task_classifier,
        task_api_version=task_api_version,
        task_data=bytes(task_data),
        task_status=TaskStatus.NEW_TASK,
        to=task_pipe,
        context={},
        tracking=tracking,
        source_info=None,
        priority=None,
        correlation_id=correlation_id,
    )

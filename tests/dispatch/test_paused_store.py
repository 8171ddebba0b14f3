"""The paused-message store: messages workers divert for paused jobs are kept and published
back on resume."""
from __future__ import annotations

import time
from typing import Any

import pytest
from django.utils import timezone

from jobs.dispatch import dispatch_due
from jobs.models import PausedMessage
from jobs.paused_store import (
    REJECT_REASON_HEADER,
    REJECTED_HEADER,
    PausedStoreConsumer,
    StoreOutcome,
    UnusablePausedMessage,
    paused_message_store,
    reject_queue_name,
)
from jobs.states import JobStatus
from jobservice.messaging.messages import TaskMessage, TaskStatus, TrackingInfo, now_millis
from tests.auth_helpers import token_client
from tests.dispatch.conftest import QUEUE_TYPE, BrokerUnderTest, make_job

pytestmark = pytest.mark.django_db

HEADERS = {"x-caf-worker-retry": "1", "x-custom": "kept as received"}


def diverted_message(job_task_id: str, to: str | None) -> bytes:
    """What a worker publishes to the paused queue: the task as it was, `to` its own queue."""
    return TaskMessage(
        task_id="0f1e2d3c-0000-4000-8000-000000000001",
        task_classifier="ExampleWorker",
        task_api_version=1,
        task_data=b'{"text":"hello"}',
        task_status=TaskStatus.NEW_TASK,
        to=to,
        tracking=TrackingInfo(
            job_task_id=job_task_id,
            last_status_check_time=now_millis(),
            status_check_interval_millis=5000,
            status_check_url="http://jobservice:8080/job-service/v1/partitions/p1/jobs/J7/status",
            tracking_pipe="jobtracking-in",
            track_to="example-out",
        ),
        correlation_id="corr-1",
    ).encode()


def test_message_of_a_paused_job_is_kept_as_received() -> None:
    worker_queue = "example-in"
    job = make_job("p1", "J7", task_pipe="batch-in", status=JobStatus.PAUSED, eligible=False)
    body = diverted_message("p1:J7.2", worker_queue)

    assert paused_message_store(body=body, headers=HEADERS) == StoreOutcome.KEPT

    [kept] = PausedMessage.objects.filter(job=job)
    assert (bytes(kept.body), kept.headers, kept.queue, kept.released_date) == (body, HEADERS, worker_queue, None)


def test_redelivered_message_is_stored_once() -> None:
    make_job("p1", "J7", task_pipe="batch-in", status=JobStatus.PAUSED, eligible=False)
    body = diverted_message("p1:J7", "example-in")
    assert paused_message_store(body=body, headers=HEADERS) == StoreOutcome.KEPT
    assert paused_message_store(body=body, headers=HEADERS) == StoreOutcome.DUPLICATE
    assert PausedMessage.objects.count() == 1


def test_message_arriving_after_resume_is_published_at_once(
    broker: BrokerUnderTest, django_capture_on_commit_callbacks: Any
) -> None:
    worker_queue = broker.pipe()
    make_job("p1", "J7", task_pipe="batch-in", status=JobStatus.ACTIVE, eligible=False)
    body = diverted_message("p1:J7.1", worker_queue)
    with django_capture_on_commit_callbacks(execute=True):
        assert paused_message_store(body=body, headers=HEADERS) == StoreOutcome.RELEASED

    [received] = broker.drain(worker_queue)
    assert (received.body, received.headers) == (body, HEADERS)
    assert not PausedMessage.objects.exists()


@pytest.mark.parametrize("status", [JobStatus.CANCELLED, JobStatus.COMPLETED, JobStatus.FAILED, None])
def test_message_of_a_finished_or_missing_job_is_dropped(status: JobStatus | None) -> None:
    if status is not None:
        make_job("p1", "J7", task_pipe="batch-in", status=status, eligible=False)
    body = diverted_message("p1:J7", "example-in")
    assert paused_message_store(body=body, headers={}) == StoreOutcome.DROPPED
    assert not PausedMessage.objects.exists()


def test_message_of_another_partition_is_not_kept_for_a_job_with_the_same_id() -> None:
    make_job("p1", "J7", task_pipe="batch-in", status=JobStatus.PAUSED, eligible=False)
    body = diverted_message("p2:J7", "example-in")
    assert paused_message_store(body=body, headers={}) == StoreOutcome.DROPPED


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not a task message"),
        (b'{"taskId":"x","taskStatus":"NO_SUCH_STATUS"}', "not a task message"),
        (TaskMessage("t", "C", 1, b"", TaskStatus.NEW_TASK, "q").encode(), "no tracking"),
        (diverted_message("p1:J7", None), "no destination"),
    ],
)
def test_unusable_message_is_refused_with_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(UnusablePausedMessage, match=reason):
        paused_message_store(body=body, headers={})


def test_headers_that_json_cannot_hold_are_kept_as_text() -> None:
    job = make_job("p1", "J7", task_pipe="batch-in", status=JobStatus.PAUSED, eligible=False)
    headers = {"raw": b"bytes", "nested": {"list": [1, b"\xff"]}}
    paused_message_store(body=diverted_message("p1:J7", "example-in"), headers=headers)
    assert PausedMessage.objects.get(job=job).headers == {"raw": "bytes", "nested": {"list": [1, "/w=="]}}


# Real transactions: the consumer commits and checks its database connection per message.
@pytest.mark.django_db(transaction=True)
def test_consumer_keeps_paused_messages_rejects_bad_ones_and_resume_republishes(
    broker: BrokerUnderTest, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    paused_queue = broker.pipe("paused")
    reject_queue = reject_queue_name(paused_queue)
    broker.queues.add(reject_queue)
    worker_queue = broker.pipe()
    make_job("p1", "J7", task_pipe="batch-in", status=JobStatus.PAUSED, eligible=False)
    kept_bodies = [diverted_message(f"p1:J7.{n}", worker_queue) for n in (1, 2)]
    for body in kept_bodies:
        broker.publish(paused_queue, body, HEADERS)
    broker.publish(paused_queue, b"garbage", {"x-custom": "bad"})

    consumer = PausedStoreConsumer(
        url=broker.url, queue_name=paused_queue, queue_type=QUEUE_TYPE, data_dir=broker.data_dir,
        max_messages=3, deadline=time.monotonic() + 30,
    )
    try:
        consumer.run()
    finally:
        consumer.close()

    assert consumer.handled == 3
    assert PausedMessage.objects.filter(released_date__isnull=True).count() == 2
    [rejected] = broker.drain(reject_queue)
    assert rejected.body == b"garbage"
    assert rejected.headers["x-custom"] == "bad"
    assert rejected.headers[REJECTED_HEADER] == "TASKMESSAGE_INVALID"
    assert "not a task message" in rejected.headers[REJECT_REASON_HEADER]
    assert broker.drain(paused_queue) == []  # everything acked
    assert broker.drain(worker_queue) == []  # nothing goes to the worker while paused

    with django_capture_on_commit_callbacks(execute=True):
        response = token_client().post("/job-service/v1/partitions/p1/jobs/J7/resume")
    assert response.status_code == 204
    received = broker.drain(worker_queue)
    assert sorted(message.body for message in received) == sorted(kept_bodies)
    assert all(message.headers == HEADERS for message in received)
    assert not PausedMessage.objects.exists()


def test_released_messages_are_held_again_if_the_job_is_paused_before_they_go_out(
    broker: BrokerUnderTest,
) -> None:
    worker_queue = broker.pipe()
    job = make_job("p1", "J7", task_pipe="batch-in", status=JobStatus.PAUSED, eligible=False)
    PausedMessage.objects.create(job=job, queue=worker_queue, body=b"{}", headers={}, released_date=timezone.now())
    assert dispatch_due() == 0
    job.status = JobStatus.ACTIVE
    job.save()
    assert dispatch_due() == 1
    assert len(broker.drain(worker_queue)) == 1

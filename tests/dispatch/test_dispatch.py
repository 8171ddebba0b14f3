"""Dispatch of job tasks from the outbox: through the REST API's PUT, on the embedded broker
and on RabbitMQ."""
from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from jobs.auth.status_signature import status_signature
from jobs.dispatch import Dispatcher, dispatch_due
from jobs.models import Job, JobDependency, JobTask
from jobs.states import JobStatus
from jobservice.messaging.broker import Publisher, PublishError
from tests.auth_helpers import token_client
from tests.dispatch.conftest import QUEUE_TYPE, BrokerUnderTest, make_job

pytestmark = pytest.mark.django_db

# worker-messaging.md §1.7 (a): the message the original published for job J7 of partition p1.
REFERENCE_EXAMPLE = json.loads(
    '{"version":3,"taskId":"2f3c2a0e-7a4e-4d0c-9b59-2b1d8d6c8f11","taskClassifier":"BatchWorker","taskApiVersion":1,'
    '"taskData":"eyJiYXRjaERlZmluaXRpb24iOiJbXCJhXCIsXCJiXCJdIiwiYmF0Y2hUeXBlIjoiQXNzZXRJZEJhdGNoUGx1Z2luIiwidGFza01lc3Nh'
    "Z2VUeXBlIjoiRXhhbXBsZVdvcmtlclRhc2tCdWlsZGVyIiwidGFza01lc3NhZ2VQYXJhbXMiOnsiYWN0aW9uIjoiUkVWRVJTRSJ9LCJ0YXJnZXRQaXBlIjoi"
    'ZXhhbXBsZS1pbiJ9","taskStatus":"NEW_TASK","context":{},"to":"batch-in",'
    '"tracking":{"jobTaskId":"p1:J7","lastStatusCheckTime":1729690000000,"statusCheckIntervalMillis":5000,'
    '"statusCheckUrl":"http://jobservice:8080/job-service/v1/partitions/p1/jobs/J7/status",'
    '"trackingPipe":"jobtracking-in","trackTo":"example-out"},'
    '"sourceInfo":null,"priority":null,"correlationId":null}'
)
EXAMPLE_TASK_DATA = base64.b64decode(REFERENCE_EXAMPLE["taskData"]).decode("utf-8")


def job_url(partition_id: str, job_id: str, action: str = "") -> str:
    return f"/job-service/v1/partitions/{partition_id}/jobs/{job_id}{action}"


def put_job(partition_id: str, job_id: str, *, task_pipe: str, **extra: Any) -> None:
    body = {
        "name": job_id,
        "task": {
            "taskClassifier": "BatchWorker",
            "taskApiVersion": 1,
            "taskData": EXAMPLE_TASK_DATA,
            "taskPipe": task_pipe,
            "targetPipe": "example-out",
        },
        **extra,
    }
    response = token_client().put(job_url(partition_id, job_id), body, format="json")
    assert response.status_code == 201, response.content


def test_created_job_publishes_exactly_the_reference_message(
    broker: BrokerUnderTest, django_capture_on_commit_callbacks: Any
) -> None:
    pipe = broker.pipe()
    before = int(time.time() * 1000)
    with django_capture_on_commit_callbacks(execute=True):
        put_job("p1", "J7", task_pipe=pipe)

    received = broker.drain(pipe)
    assert len(received) == 1
    assert received[0].content_type == "text/plain"
    assert received[0].headers == {}
    if broker.url.startswith("amqp"):
        assert received[0].delivery_mode == 2
    message = json.loads(received[0].body)
    assert list(message) == list(REFERENCE_EXAMPLE)  # field order of the original's codec
    assert list(message["tracking"]) == list(REFERENCE_EXAMPLE["tracking"])
    assert before <= message["tracking"]["lastStatusCheckTime"] <= int(time.time() * 1000)
    assert message["taskId"] != REFERENCE_EXAMPLE["taskId"] and len(message["taskId"]) == 36
    expected = {**REFERENCE_EXAMPLE, "taskId": message["taskId"], "to": pipe}
    expected["tracking"] = {
        **expected["tracking"],
        "lastStatusCheckTime": message["tracking"]["lastStatusCheckTime"],
        # The one difference: the URL is signed, so that workers need no token (docs/security.md).
        "statusCheckUrl": f"{expected['tracking']['statusCheckUrl']}?signature={status_signature('p1', 'J7')}",
    }
    assert message == expected
    assert not JobTask.objects.exists()
    # Nothing left to send: a sweep publishes nothing more.
    assert dispatch_due() == 0
    assert broker.drain(pipe) == []


def test_task_data_goes_out_as_stored_even_when_not_text(broker: BrokerUnderTest) -> None:
    pipe = broker.pipe()
    job = make_job("p1", "binary", task_pipe=pipe)
    JobTask.objects.filter(job=job).update(task_data=b"\xff\x00\xfe")
    assert dispatch_due() == 1
    [received] = broker.drain(pipe)
    assert base64.b64decode(json.loads(received.body)["taskData"]) == b"\xff\x00\xfe"


def test_status_check_url_encodes_each_segment(broker: BrokerUnderTest) -> None:
    pipe = broker.pipe()
    make_job("part one", "job/1%", task_pipe=pipe)
    assert dispatch_due() == 1
    [received] = broker.drain(pipe)
    tracking = json.loads(received.body)["tracking"]
    assert tracking["jobTaskId"] == "part one:job/1%"
    assert tracking["statusCheckUrl"] == (
        "http://jobservice:8080/job-service/v1/partitions/part%20one/jobs/job%2F1%25/status"
        f"?signature={status_signature('part one', 'job/1%')}"
    )


def test_broker_outage_at_creation_loses_nothing(
    broker: BrokerUnderTest, settings: Any, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    pipe = broker.pipe()
    settings.BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(5):
            put_job("p1", f"outage{number}", task_pipe=pipe)  # still 201
    assert JobTask.objects.count() == 5
    assert "Broker unavailable" in caplog.text

    settings.BROKER_URL = broker.url  # the broker is back: the scheduler's sweep sends them
    assert dispatch_due() == 5
    received = broker.drain(pipe)
    job_task_ids = sorted(json.loads(message.body)["tracking"]["jobTaskId"] for message in received)
    assert job_task_ids == [f"p1:outage{number}" for number in range(5)]
    assert not JobTask.objects.exists()


def test_delayed_job_is_dispatched_after_its_delay_and_not_before(
    broker: BrokerUnderTest, django_capture_on_commit_callbacks: Any
) -> None:
    pipe = broker.pipe()
    with django_capture_on_commit_callbacks(execute=True):
        put_job("p1", "later", task_pipe=pipe, delay=1)
    assert dispatch_due() == 0
    assert broker.drain(pipe) == []
    time.sleep(1.1)
    assert dispatch_due() == 1
    [received] = broker.drain(pipe)
    assert json.loads(received.body)["tracking"]["jobTaskId"] == "p1:later"


def test_job_cancelled_before_dispatch_is_never_dispatched(
    broker: BrokerUnderTest, django_capture_on_commit_callbacks: Any
) -> None:
    pipe = broker.pipe()
    with django_capture_on_commit_callbacks(execute=True):
        put_job("p1", "doomed", task_pipe=pipe, delay=1)
        assert token_client().post(job_url("p1", "doomed", "/cancel")).status_code == 204
    time.sleep(1.1)
    assert dispatch_due() == 0
    assert broker.drain(pipe) == []


def test_row_of_a_cancelled_job_left_in_the_outbox_is_not_dispatched(broker: BrokerUnderTest) -> None:
    pipe = broker.pipe()
    make_job("p1", "cancelled", task_pipe=pipe, status=JobStatus.CANCELLED)
    assert dispatch_due() == 0
    assert broker.drain(pipe) == []


def test_suspended_partition_is_held_until_unsuspended(
    broker: BrokerUnderTest, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    pipe = broker.pipe()
    settings.CAF_JOB_SERVICE_SUSPENDED_PARTITIONS_REGEX = "held-.*"
    with django_capture_on_commit_callbacks(execute=True):
        put_job("held-1", "J1", task_pipe=pipe)
        put_job("free-1", "J1", task_pipe=pipe)
    [received] = broker.drain(pipe)
    assert json.loads(received.body)["tracking"]["jobTaskId"] == "free-1:J1"
    assert dispatch_due() == 0

    JobTask.objects.filter(job__partition_id="held-1").update(suspended=False)  # operator resumes
    assert dispatch_due() == 1
    [received] = broker.drain(pipe)
    assert json.loads(received.body)["tracking"]["jobTaskId"] == "held-1:J1"


def test_job_waiting_for_a_prerequisite_is_held(broker: BrokerUnderTest) -> None:
    pipe = broker.pipe()
    job = make_job("p1", "dependent", task_pipe=pipe)
    JobDependency.objects.create(job=job, partition_id="p1", prerequisite_job_id="first")
    assert dispatch_due() == 0
    JobDependency.objects.filter(job=job).delete()  # the prerequisite completed
    assert dispatch_due() == 1
    assert len(broker.drain(pipe)) == 1


def test_paused_job_task_is_held_until_resume(
    broker: BrokerUnderTest, django_capture_on_commit_callbacks: Any
) -> None:
    pipe = broker.pipe()
    with django_capture_on_commit_callbacks(execute=True):
        put_job("p1", "napping", task_pipe=pipe, delay=1)
        assert token_client().post(job_url("p1", "napping", "/pause")).status_code == 204
    time.sleep(1.1)
    assert dispatch_due() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert token_client().post(job_url("p1", "napping", "/resume")).status_code == 204
    # Resume dispatches the held task right after its commit, not at the next sweep.
    assert dispatch_due() == 0
    assert len(broker.drain(pipe)) == 1


def test_many_due_rows_go_out_in_batches_oldest_first(broker: BrokerUnderTest) -> None:
    pipe = broker.pipe()
    for number in range(7):
        make_job("p1", f"batch{number}", task_pipe=pipe)
    for expected in ([0, 1, 2], [3, 4, 5], [6]):
        assert dispatch_due(limit=3) == len(expected)
        # filesystem:// does not keep the order within a batch; batches go oldest first.
        job_task_ids = sorted(json.loads(m.body)["tracking"]["jobTaskId"] for m in broker.drain(pipe))
        assert job_task_ids == [f"p1:batch{n}" for n in expected]
    assert dispatch_due(limit=3) == 0


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_double_send(broker: BrokerUnderTest, require_postgres: None) -> None:
    pipe = broker.pipe()
    now = timezone.now()
    jobs = Job.objects.bulk_create(
        Job(partition_id="p1", job_id=f"race{n}", create_date=now, last_update_date=now, job_hash="h")
        for n in range(300)
    )
    JobTask.objects.bulk_create(
        JobTask(job=job, task_classifier="ExampleWorker", task_api_version=1, task_data=b"{}",
                task_pipe=pipe, eligible_to_run_date=now)
        for job in jobs
    )
    start = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def run_dispatcher() -> None:
        dispatcher = Dispatcher(Publisher(broker.url, queue_type=QUEUE_TYPE, data_dir=broker.data_dir))
        total = 0
        try:
            start.wait()
            while (count := dispatcher.dispatch_due(limit=7)) > 0:
                total += count
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            dispatcher.close()
            connection.close()
            sent.append(total)

    threads = [threading.Thread(target=run_dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sum(sent) == 300 and all(count > 0 for count in sent)  # both took part
    received = broker.drain(pipe)
    job_task_ids = [json.loads(message.body)["tracking"]["jobTaskId"] for message in received]
    assert len(job_task_ids) == 300
    assert len(set(job_task_ids)) == 300
    assert not JobTask.objects.exists()


def test_unconfirmed_publish_leaves_the_rows_for_the_next_try(
    broker: BrokerUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = broker.pipe()
    for number in range(3):
        make_job("p1", f"retry{number}", task_pipe=pipe)
    dispatcher = Dispatcher(Publisher(broker.url, queue_type=QUEUE_TYPE, data_dir=broker.data_dir))
    try:
        dispatcher.publisher.connect()

        def refused(messages: list) -> int:
            raise PublishError("broker refused 3 message(s)")

        monkeypatch.setattr(dispatcher.publisher, "publish_batch", refused)
        with pytest.raises(PublishError):
            dispatcher.dispatch_due()
        assert JobTask.objects.count() == 3  # the deletion was rolled back

        monkeypatch.undo()
        assert dispatcher.dispatch_due() == 3
    finally:
        dispatcher.close()
    assert len(broker.drain(pipe)) == 3
    assert not JobTask.objects.exists()


def test_a_kept_connection_that_went_stale_is_replaced_once(
    broker: BrokerUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = broker.pipe()
    make_job("p1", "stale", task_pipe=pipe)
    dispatcher = Dispatcher(Publisher(broker.url, queue_type=QUEUE_TYPE, data_dir=broker.data_dir))
    try:
        dispatcher.publisher.connect()  # opened earlier, e.g. by a previous request
        real_publish = dispatcher.publisher.publish_batch
        attempts: list[int] = []

        def closed_by_broker_once(messages: list) -> int:
            attempts.append(len(messages))
            if len(attempts) == 1:
                dispatcher.publisher.close()
                raise PublishError("ConnectionResetError: connection closed by the broker (missed heartbeats)")
            return real_publish(messages)

        monkeypatch.setattr(dispatcher.publisher, "publish_batch", closed_by_broker_once)
        assert dispatcher.dispatch_due() == 1
        assert attempts == [1, 1]
    finally:
        dispatcher.close()
    assert len(broker.drain(pipe)) == 1

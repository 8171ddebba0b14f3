"""The runner over the configured broker (filesystem:// in a temp folder, or RabbitMQ in the
second test pass): ack after confirmed outputs, requeue on publish failure, retries, poison."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from jobservice.examples.example_worker import ExampleWorker
from jobservice.messaging.broker import PublishError
from jobservice.messaging.messages import ReportStatus, TaskStatus, decode_task_message, decode_tracking_reports
from jobservice.messaging.runner import WorkerRunner
from jobservice.messaging.worker import Result, Task, TransientError, Worker

from .conftest import Broker, task_message, tracking_info


class AlwaysTransient(Worker):
    name = "FlakyWorker"
    classifier = "ExampleWorker"
    attempts = 0

    def process(self, task: Task) -> Result:
        type(self).attempts += 1
        raise TransientError("dependency down")


@pytest.fixture
def queues(broker: Broker) -> dict[str, str]:
    return {role: broker.queue_name(role) for role in ("in", "out", "track", "reject", "paused")}


def make_runner(broker: Broker, queues: dict[str, str], worker: Worker | None = None, **options) -> WorkerRunner:
    return WorkerRunner(
        worker or ExampleWorker(),
        broker_url=broker.url,
        input_queue=queues["in"],
        output_queue=queues["out"],
        reject_queue=queues["reject"],
        paused_queue=queues["paused"],
        data_dir=broker.data_dir,
        queue_type=broker.queue_type,
        requeue_pause=0,
        **options,
    )


@contextmanager
def running(runner: WorkerRunner) -> Iterator[WorkerRunner]:
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the runner did not stop"


def test_tracked_task_is_processed_reported_and_acked(broker, queues):
    message = task_message(to=queues["in"], tracking=tracking_info(track_to=queues["out"], pipe=queues["track"]))
    broker.publish(queues["in"], message.encode())

    with running(make_runner(broker, queues)):
        [(result_body, _)] = broker.take(queues["out"], 1)
        [(report_body, _)] = broker.take(queues["track"], 1)

    result = decode_task_message(result_body)
    assert result.task_status is TaskStatus.RESULT_SUCCESS and result.tracking is None
    assert json.loads(result.task_data)["result"] == "cba"
    [report] = decode_tracking_reports(decode_task_message(report_body).task_data)
    assert (report.job_task_id, report.status) == ("p1:J1", ReportStatus.COMPLETE)
    assert broker.is_empty(queues["in"])  # acked, not redelivered


def test_undecodable_message_ends_in_the_reject_queue_once(broker, queues):
    broker.publish(queues["in"], b"\x00garbage")

    with running(make_runner(broker, queues)) as runner:
        [(body, headers)] = broker.take(queues["reject"], 1)
        time.sleep(0.3)
        handled = runner.handled

    assert body == b"\x00garbage" and headers["x-caf-worker-rejected"] == "TASKMESSAGE_INVALID"
    assert handled == 1  # no retry loop
    assert broker.is_empty(queues["in"])


def test_input_is_requeued_when_an_output_is_not_confirmed(broker, queues):
    broker.publish(queues["in"], task_message(to=queues["in"]).encode())
    runner = make_runner(broker, queues)
    real_publish = runner.publisher.publish_batch
    failures = []

    def publish_failing_once(messages):
        if not failures:
            failures.append(messages)
            raise PublishError("broker refused 1 message(s)")
        return real_publish(messages)

    runner.publisher.publish_batch = publish_failing_once
    with running(runner):
        [(result_body, _)] = broker.take(queues["out"], 1)

    assert len(failures) == 1
    assert decode_task_message(result_body).task_status is TaskStatus.RESULT_SUCCESS
    assert broker.is_empty(queues["in"])


def test_transient_errors_are_retried_up_to_the_limit_then_poison(broker, queues):
    AlwaysTransient.attempts = 0
    message = task_message(to=queues["in"], tracking=tracking_info(track_to=queues["out"], pipe=queues["track"]))
    broker.publish(queues["in"], message.encode())

    with running(make_runner(broker, queues, AlwaysTransient(), retry_limit=2)):
        [(copy_body, _)] = broker.take(queues["reject"], 1, timeout=20)
        [(result_body, _)] = broker.take(queues["out"], 1)
        [(report_body, _)] = broker.take(queues["track"], 1)

    assert AlwaysTransient.attempts == 3  # the first try and two retries
    copy = decode_task_message(copy_body)
    assert copy.task_status is TaskStatus.RESULT_EXCEPTION and copy.task_data == message.task_data
    result = decode_task_message(result_body)
    assert json.loads(result.task_data) == "AlwaysTransient could not process the item."
    [report] = decode_tracking_reports(decode_task_message(report_body).task_data)
    assert report.status is ReportStatus.FAILED and report.failure.failure_id == "RESULT_EXCEPTION"


def test_stop_returns_promptly_when_idle(broker, queues):
    runner = make_runner(broker, queues)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    runner.stop()
    thread.join(timeout=10)

    assert not thread.is_alive() and time.monotonic() - started < 5


@pytest.mark.server
def test_classic_queue_redeliveries_are_counted_with_the_retry_header(require_rabbitmq, broker, queues):
    broker.queue_type = "classic"
    AlwaysTransient.attempts = 0
    broker.publish(queues["in"], task_message(to=queues["in"]).encode())

    with running(make_runner(broker, queues, AlwaysTransient(), retry_limit=1)):
        [(copy_body, _)] = broker.take(queues["reject"], 1, timeout=20)

    assert AlwaysTransient.attempts == 2
    assert decode_task_message(copy_body).task_status is TaskStatus.RESULT_EXCEPTION


@pytest.mark.server
def test_forwarded_and_paused_messages_keep_their_headers_on_rabbitmq(require_rabbitmq, broker, queues, status_server):
    status_server.statuses["J2"] = "Paused"
    other = broker.queue_name("other")
    forwarded = task_message(task_id="fwd", to=other)
    paused = task_message(task_id="held", to=queues["in"],
                          tracking=tracking_info(job_task_id="p1:J2", url=status_server.url("p1", "J2")))
    broker.publish(queues["in"], forwarded.encode(), {"x-tenant": "acme"})
    broker.publish(queues["in"], paused.encode(), {"x-tenant": "globex"})

    with running(make_runner(broker, queues)):
        [(forwarded_body, forwarded_headers)] = broker.take(other, 1)
        [(paused_body, paused_headers)] = broker.take(queues["paused"], 1)

    # (a quorum queue adds its own counters when it delivers to the test)
    for headers in (forwarded_headers, paused_headers):
        headers.pop("x-delivery-count", None)
        headers.pop("x-acquired-count", None)
    assert forwarded_body == forwarded.encode() and forwarded_headers == {"x-tenant": "acme"}
    assert decode_task_message(paused_body).task_id == "held" and paused_headers == {"x-tenant": "globex"}
    assert broker.is_empty(queues["out"])

"""Groups of deliveries confirmed together, over the configured broker (filesystem:// in a
temp folder, RabbitMQ in the second pass): acks only after the confirms, exactly the
deliveries with a refused output requeued, a stop in the middle of a group."""
from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

import pytest
from kombu.message import Message

from jobservice.messaging.broker import OutgoingMessage, Publisher, PublishError, connect
from jobservice.messaging.messages import TaskStatus, decode_task_message, decode_tracking_reports
from jobservice.messaging.runner import WorkerRunner
from jobservice.messaging.worker import Result, Task, Worker

from .conftest import Broker, task_message, tracking_info


class Echo(Worker):
    """Answers {"text": ...} with the same text, to {"queue": ...} when given."""

    name = "Echo"
    classifier = "Echo"

    def __init__(self, on_task: Any = None) -> None:
        self.calls: Counter[str] = Counter()
        self.on_task = on_task

    def process(self, task: Task) -> Result:
        self.calls[task.message.task_id] += 1
        if self.on_task:
            self.on_task(task)
        payload = task.json()
        return Result.success(payload["text"], queue=payload.get("queue", Result.success().queue))


@pytest.fixture
def queues(broker: Broker) -> dict[str, str]:
    return {role: broker.queue_name(role) for role in ("in", "out", "track", "reject")}


def make_runner(broker: Broker, queues: dict[str, str], worker: Worker, **options: Any) -> WorkerRunner:
    options.setdefault("prefetch", 20)
    options.setdefault("batch_size", 20)
    return WorkerRunner(worker, broker_url=broker.url, input_queue=queues["in"], output_queue=queues["out"],
                        reject_queue=queues["reject"], data_dir=broker.data_dir, queue_type=broker.queue_type,
                        requeue_pause=0, batch_seconds=5, **options)


def publish_tasks(broker: Broker, queues: dict[str, str], count: int, *, tracked: bool = False,
                  queue_of: dict[int, str] | None = None) -> None:
    messages = []
    for n in range(count):
        payload: dict[str, Any] = {"text": f"t{n}"}
        if queue_of and n in queue_of:
            payload["queue"] = queue_of[n]
        tracking = tracking_info(job_task_id=f"p1:J{n}", track_to=queues["out"], pipe=queues["track"]) if tracked else None
        message = task_message(task_id=f"t{n}", classifier="Echo", to=queues["in"], tracking=tracking,
                               data=json.dumps(payload).encode())
        messages.append(OutgoingMessage(queues["in"], message.encode()))
    with Publisher(broker.url, queue_type=broker.queue_type, data_dir=broker.data_dir) as publisher:
        publisher.publish_batch(messages)


def results(broker: Broker, queue: str, count: int, **options: Any) -> list[str]:
    return sorted(decode_task_message(body).task_data.decode() for body, _ in broker.take(queue, count, **options))


def run_in_thread(runner: WorkerRunner) -> threading.Thread:
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    return thread


def test_inputs_are_acked_only_after_the_group_outputs_were_confirmed(broker, queues, monkeypatch):
    publish_tasks(broker, queues, 10, tracked=True)
    runner = make_runner(broker, queues, Echo(), max_messages=10)
    events: list[tuple[str, Any]] = []
    real_publish = runner.publisher.publish_batch

    def publish_and_note(messages):
        count = real_publish(messages)  # returns once the broker confirmed them
        events.append(("confirmed", len(messages)))
        return count

    def ack_and_note(message, multiple=False):
        events.append(("ack", multiple))
        return real_ack(message, multiple=multiple)

    real_ack = Message.ack
    monkeypatch.setattr(runner.publisher, "publish_batch", publish_and_note)
    monkeypatch.setattr(Message, "ack", ack_and_note)
    runner.run()

    assert events and events[0][0] == "confirmed"  # no ack before a confirm
    confirmed = sum(count for kind, count in events if kind == "confirmed")
    acks = [multiple for kind, multiple in events if kind == "ack"]
    # Every group: its outputs confirmed, then its acks. 10 results and at most 10 report
    # messages (merged when the deliveries were handled in the same group).
    assert 11 <= confirmed <= 20
    if broker.url.startswith("amqp"):
        assert all(acks) and len(acks) < 10  # one multiple ack per group
    else:
        assert len(acks) == 10
    assert results(broker, queues["out"], 10) == sorted(f"t{n}" for n in range(10))
    reported = [report.job_task_id for body, _ in broker.take(queues["track"], 10, timeout=2)
                for report in decode_tracking_reports(decode_task_message(body).task_data)]
    assert sorted(reported) == sorted(f"p1:J{n}" for n in range(10))  # each exactly once
    assert broker.is_empty(queues["in"])


def test_a_refused_output_requeues_only_its_own_delivery(broker, queues, monkeypatch):
    publish_tasks(broker, queues, 5)
    worker = Echo()
    runner = make_runner(broker, queues, worker)
    real_publish = runner.publisher.publish_batch
    refused: list[bytes] = []

    def refuse_the_result_of_t2(messages):
        # The broker takes every message but t2's result (as a full queue would).
        positions = [n for n, m in enumerate(messages) if decode_task_message(m.body).task_data == b"t2"]
        if refused or not positions:
            return real_publish(messages)
        refused.append(messages[positions[0]].body)
        real_publish([m for n, m in enumerate(messages) if n not in positions])
        raise PublishError("broker refused 1 message(s)", unconfirmed=frozenset(positions))

    monkeypatch.setattr(runner.publisher, "publish_batch", refuse_the_result_of_t2)
    thread = run_in_thread(runner)
    try:
        delivered = results(broker, queues["out"], 5)
        duplicates = results(broker, queues["out"], 1, timeout=1)
    finally:
        runner.stop()
        thread.join(timeout=15)

    assert refused, "t2 was in a group"
    assert delivered == ["t0", "t1", "t2", "t3", "t4"] and duplicates == []
    assert worker.calls == {"t0": 1, "t1": 1, "t2": 2, "t3": 1, "t4": 1}
    assert broker.is_empty(queues["in"])


def test_stop_in_the_middle_of_a_group_settles_the_handled_part_and_returns_the_rest(broker, queues):
    publish_tasks(broker, queues, 6)

    def stop_at_the_second(task: Task) -> None:
        if sum(worker.calls.values()) == 2:
            runner.stop()  # as a SIGTERM handler would, while the second task is processed

    worker = Echo(on_task=stop_at_the_second)
    runner = make_runner(broker, queues, worker)
    thread = run_in_thread(runner)
    thread.join(timeout=30)

    assert not thread.is_alive()
    handled = sorted(worker.calls)
    assert len(handled) == 2  # the second finished, nothing started after the stop
    assert results(broker, queues["out"], 2) == handled  # published and confirmed
    assert broker.is_empty(queues["out"])
    back = sorted(decode_task_message(body).task_id for body, _ in broker.take(queues["in"], 4))
    assert back == sorted({f"t{n}" for n in range(6)} - set(handled))  # acked ones are gone
    assert broker.is_empty(queues["in"])


@pytest.mark.server
def test_a_queue_refusing_a_publish_requeues_only_the_deliveries_sending_to_it(require_rabbitmq, broker, queues):
    """A real refusal: a queue at its x-max-length with x-overflow reject-publish (classic: a
    quorum queue applies the limit a little late)."""
    full = broker.queue_name("full")
    with connect(broker.url) as connection:
        channel = connection.channel()
        channel.queue_declare(full, durable=True, auto_delete=False, arguments={
            "x-queue-type": "classic", "x-max-length": 1, "x-overflow": "reject-publish"})
        channel.basic_publish(channel.prepare_message(b"filler"), exchange="", routing_key=full)
    publish_tasks(broker, queues, 4, queue_of={1: full})
    worker = Echo()
    runner = make_runner(broker, queues, worker, retry_limit=2)

    thread = run_in_thread(runner)
    try:
        # t1 never gets through: retried, then poison (a RESULT_EXCEPTION to the output queue).
        [(copy, _)] = broker.take(queues["reject"], 1, timeout=30)
        outputs = [decode_task_message(body) for body, _ in broker.take(queues["out"], 4, timeout=10)]
    finally:
        runner.stop()
        thread.join(timeout=15)

    assert json.loads(decode_task_message(copy).task_data)["text"] == "t1"
    assert sorted(m.task_data.decode() for m in outputs if m.task_status is TaskStatus.RESULT_SUCCESS) == \
        ["t0", "t2", "t3"]  # each once: the deliveries beside t1 were acked, not requeued
    assert [m.task_id for m in outputs if m.task_status is TaskStatus.RESULT_EXCEPTION] == ["t1"]
    assert worker.calls["t0"] == worker.calls["t2"] == worker.calls["t3"] == 1
    assert worker.calls["t1"] >= 2
    assert broker.is_empty(queues["in"])

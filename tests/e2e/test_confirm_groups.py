"""Grouped confirms (the pipeline's throughput): the worker runner handles the deliveries
already waiting, confirms their outputs together, and acks none of them before that."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from jobservice.messaging.broker import OutgoingMessage, Publisher, PublishError, QueueDeclarer, connect
from jobservice.messaging.messages import TaskMessage, TaskStatus, decode_task_message
from jobservice.messaging.runner import WorkerRunner
from jobservice.messaging.worker import Result, Task, Worker


class Echo(Worker):
    name = "Echo"
    classifier = "Echo"

    def process(self, task: Task) -> Result:
        return Result.success(task.data)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """The configured broker (RabbitMQ in pass 2), or filesystem:// in a temp folder."""
    url = settings.BROKER_URL if settings.BROKER_URL.startswith("amqp") else "filesystem://"
    tag = uuid.uuid4().hex[:8]
    yield url, tmp_path, tag
    connection = connect(url, data_dir=tmp_path)
    for name in ("in", "out", "reject"):
        try:
            QueueDeclarer("classic").queue(f"groups-{tag}-{name}")(connection.channel()).delete()
        except Exception:  # never declared
            pass
    connection.release()


def queued(url: str, data_dir: Path, name: str) -> list[bytes]:
    connection = connect(url, data_dir=data_dir)
    try:
        queue = QueueDeclarer("classic").queue(name)(connection.channel())
        bodies = []
        while (message := queue.get(no_ack=True)) is not None:
            bodies.append(message.body if isinstance(message.body, bytes) else message.body.encode())
        return bodies
    finally:
        connection.release()


def task(number: int) -> bytes:
    return TaskMessage(task_id=f"t{number}", task_classifier="Echo", task_api_version=1,
                       task_data=str(number).encode(), task_status=TaskStatus.NEW_TASK, to=None).encode()


def runner(url: str, data_dir: Path, tag: str, count: int) -> WorkerRunner:
    return WorkerRunner(Echo(), broker_url=url, input_queue=f"groups-{tag}-in", output_queue=f"groups-{tag}-out",
                        reject_queue=f"groups-{tag}-reject", prefetch=count, data_dir=data_dir,
                        queue_type="classic", max_messages=count)


def test_a_group_of_deliveries_is_confirmed_then_acked(broker) -> None:
    url, data_dir, tag = broker
    with Publisher(url, queue_type="classic", data_dir=data_dir) as publisher:
        publisher.publish_batch([OutgoingMessage(f"groups-{tag}-in", task(n)) for n in range(5)])
    runner(url, data_dir, tag, 5).run()
    assert len(queued(url, data_dir, f"groups-{tag}-out")) == 5
    assert queued(url, data_dir, f"groups-{tag}-in") == []


def test_an_unconfirmed_group_is_requeued_whole(broker, monkeypatch) -> None:
    url, data_dir, tag = broker
    with Publisher(url, queue_type="classic", data_dir=data_dir) as publisher:
        publisher.publish_batch([OutgoingMessage(f"groups-{tag}-in", task(n)) for n in range(3)])
    worker_runner = runner(url, data_dir, tag, 3)
    worker_runner.requeue_pause = 0

    def broker_refused(messages) -> None:  # no position given: none may be assumed delivered
        raise PublishError("broker refused 1 message(s)")

    monkeypatch.setattr(worker_runner.publisher, "publish_batch", broker_refused)
    worker_runner.run()
    # Every input is back (on RabbitMQ maybe also as a retry copy of a redelivery): none acked.
    back = {decode_task_message(body).task_id for body in queued(url, data_dir, f"groups-{tag}-in")}
    assert back == {"t0", "t1", "t2"}

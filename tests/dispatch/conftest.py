"""Fixtures of the dispatch tests: a broker (the embedded filesystem:// one in a temporary
folder, and RabbitMQ for tests marked `server`), unique queue names, and reading queues."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jobs.dispatch import close_shared_dispatcher
from jobs.models import Job, JobTask
from jobs.states import JobStatus
from jobservice.messaging.broker import Publisher, QueueDeclarer, connect, message_bytes

QUEUE_TYPE = "classic"


@dataclass
class Received:
    body: bytes
    headers: dict[str, Any]
    content_type: str | None
    delivery_mode: int | None


@dataclass
class BrokerUnderTest:
    url: str
    data_dir: Path
    queues: set[str] = field(default_factory=set)

    def pipe(self, prefix: str = "dispatch-test") -> str:
        """A queue name of this test only (no dots: filesystem:// matches `.<queue>.msg`)."""
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.queues.add(name)
        return name

    def drain(self, queue: str) -> list[Received]:
        """Takes every message now in `queue`."""
        self.queues.add(queue)
        received = []
        with connect(self.url, data_dir=self.data_dir) as connection:
            bound = QueueDeclarer(QUEUE_TYPE).queue(queue)(connection.default_channel)
            bound.declare()
            while (message := bound.get(no_ack=True)) is not None:
                received.append(
                    Received(
                        body=message_bytes(message),
                        headers=dict(message.headers or {}),
                        content_type=message.content_type,
                        delivery_mode=message.properties.get("delivery_mode"),
                    )
                )
        return received

    def publish(self, queue: str, body: bytes, headers: dict[str, Any] | None = None) -> None:
        self.queues.add(queue)
        with Publisher(self.url, queue_type=QUEUE_TYPE, data_dir=self.data_dir) as publisher:
            publisher.publish(queue, body, headers)

    def delete_queues(self) -> None:
        if not self.url.startswith("amqp"):
            return  # the folder goes with tmp_path
        with connect(self.url) as connection:
            for name in self.queues:
                try:
                    connection.default_channel.queue_delete(name)
                except Exception:  # never declared; the channel must be reopened
                    connection.close()
                    connection.connect()


@pytest.fixture(params=["filesystem", pytest.param("amqp", marks=pytest.mark.server)])
def broker(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> Iterator[BrokerUnderTest]:
    """The broker the dispatcher publishes to, with the reference example's settings."""
    if request.param == "amqp":
        request.getfixturevalue("require_rabbitmq")
        url = settings.BROKER_URL
    else:
        url = "filesystem://"
    settings.BROKER_URL = url
    settings.BROKER_DATA_DIR = tmp_path / "broker"
    settings.BROKER_QUEUE_TYPE = QUEUE_TYPE
    settings.CAF_WEBSERVICE_URL = "http://jobservice:8080/job-service/v1"
    settings.CAF_STATUS_CHECK_INTERVAL_SECONDS = 5
    settings.CAF_TRACKING_PIPE = "jobtracking-in"
    test_broker = BrokerUnderTest(url=url, data_dir=tmp_path / "broker")
    close_shared_dispatcher()
    yield test_broker
    close_shared_dispatcher()
    test_broker.delete_queues()


def make_job(
    partition_id: str,
    job_id: str,
    *,
    task_pipe: str,
    status: JobStatus = JobStatus.WAITING,
    target_pipe: str | None = "example-out",
    eligible: bool = True,
    suspended: bool = False,
) -> Job:
    """A job and its outbox row written directly (for states the API cannot produce)."""
    now = timezone.now()
    job = Job.objects.create(
        partition_id=partition_id, job_id=job_id, create_date=now, last_update_date=now, status=status, job_hash="h"
    )
    JobTask.objects.create(
        job=job,
        task_classifier="ExampleWorker",
        task_api_version=1,
        task_data=b'{"text":"hello"}',
        task_pipe=task_pipe,
        target_pipe=target_pipe,
        eligible_to_run_date=now if eligible else None,
        suspended=suspended,
    )
    return job

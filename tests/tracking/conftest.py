"""Fixtures of the tracker tests: jobs in the store, reports as workers send them."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from jobs.models import Job, JobDependency, JobTask
from jobs.states import JobStatus
from tracking.reports import Report, ReportKind, failure_record

PARTITION = "tenant-a"


@pytest.fixture
def make_job(db) -> Callable[..., Job]:
    def make(
        job_id: str,
        *,
        partition_id: str = PARTITION,
        status: JobStatus = JobStatus.WAITING,
        delay: int = 0,
        prerequisites: tuple[str, ...] = (),
    ) -> Job:
        now = timezone.now()
        job = Job.objects.create(
            partition_id=partition_id,
            job_id=job_id,
            name=job_id,
            create_date=now,
            last_update_date=now,
            status=status,
            job_hash="x",
            delay=delay,
        )
        JobTask.objects.create(
            job=job,
            task_classifier="BatchWorker",
            task_api_version=1,
            task_data=b"{}",
            task_pipe="batch-in",
            target_pipe="batch-out",
            eligible_to_run_date=None if prerequisites else now,
        )
        for prerequisite in prerequisites:
            JobDependency.objects.create(job=job, partition_id=partition_id, prerequisite_job_id=prerequisite)
        return job

    return make


def complete(task_id: str, partition_id: str = PARTITION, source: int = 0) -> Report:
    return Report(partition_id, task_id, ReportKind.COMPLETE, source=source)


def progress(task_id: str, percentage: float, partition_id: str = PARTITION, source: int = 0) -> Report:
    return Report(partition_id, task_id, ReportKind.PROGRESS, percentage, source=source)


def failed(task_id: str, message: str = "boom", partition_id: str = PARTITION, source: int = 0) -> Report:
    failure = failure_record(
        failure_id="RESULT_EXCEPTION", failure_time_millis=1767323045678, source="example-worker", message=message
    )
    return Report(partition_id, task_id, ReportKind.FAILED, failure=failure, source=source)


def reload(job: Job) -> Job:
    return Job.objects.get(pk=job.pk)


# --- broker helpers -------------------------------------------------------------------------

import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

from django.conf import settings  # noqa: E402

from jobservice.messaging.broker import Publisher, QueueDeclarer, connect, message_bytes  # noqa: E402
from tracking.consumer import TrackerConsumer, TrackerOptions  # noqa: E402
from tracking.intake import TrackerQueues  # noqa: E402

TEST_QUEUE_TYPE = "classic"


class TestBroker:
    """The configured broker (filesystem:// under a temp folder, or RabbitMQ) with queues
    of unique names (no dots: filesystem:// matches files by `.<queue>.msg`)."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.url = url
        self.data_dir = data_dir
        suffix = uuid.uuid4().hex[:10]
        self.queues = TrackerQueues(
            input=f"jobtracking-in-{suffix}", reject=f"jobtracking-reject-{suffix}", error=f"jobtracking-err-{suffix}"
        )
        self.extra_queues: list[str] = []
        self.publisher = Publisher(url, queue_type=TEST_QUEUE_TYPE, data_dir=data_dir)

    def queue_name(self, prefix: str) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.extra_queues.append(name)
        return name

    def publish(self, queue: str, bodies: list[bytes]) -> None:
        from jobservice.messaging.broker import OutgoingMessage

        for start in range(0, len(bodies), 1000):
            self.publisher.publish_batch([OutgoingMessage(queue, body) for body in bodies[start : start + 1000]])

    def take_all(self, queue: str) -> list[tuple[bytes, dict]]:
        """Every message waiting in `queue` (acked)."""
        taken = []
        with connect(self.url, data_dir=self.data_dir) as connection:
            channel = connection.channel()
            bound = QueueDeclarer(TEST_QUEUE_TYPE).queue(queue)(channel)
            bound.declare()
            while (message := bound.get(no_ack=False)) is not None:
                taken.append((message_bytes(message), dict(message.headers or {})))
                message.ack()
        return taken

    def options(self, **overrides) -> TrackerOptions:
        values = dict(
            broker_url=self.url,
            data_dir=self.data_dir,
            queue_type=TEST_QUEUE_TYPE,
            queues=self.queues,
            batch_seconds=0.05,
            sweep_seconds=3600,
            idle_exit=0.5,
        )
        return TrackerOptions(**(values | overrides))

    def run_tracker(self, **overrides) -> TrackerConsumer:
        consumer = TrackerConsumer(self.options(**overrides))
        consumer.run()
        return consumer

    def delete_queues(self) -> None:
        self.publisher.close()
        if not self.url.startswith("amqp"):
            return
        with connect(self.url) as connection:
            channel = connection.channel()
            for name in [self.queues.input, self.queues.reject, self.queues.error, *self.extra_queues]:
                channel.queue_delete(name)


@pytest.fixture
def broker(tmp_path) -> TestBroker:
    test_broker = TestBroker(settings.BROKER_URL, tmp_path / "broker")
    yield test_broker
    test_broker.delete_queues()

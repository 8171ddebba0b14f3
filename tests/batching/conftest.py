"""Fixtures of the batch worker tests: a recording registrar, and a BatchWorker run through the
worker framework's real delivery handler with a publish function that records every message."""
from __future__ import annotations

import json
import signal
from dataclasses import dataclass, field
from typing import Any

import pytest

from batching.plugins.base import ItemTask
from batching.worker import BatchWorker
from jobservice.messaging.broker import OutgoingMessage
from jobservice.messaging.delivery import Delivery, DeliveryHandler, HandlerConfig, Outcome
from jobservice.messaging.messages import TaskMessage, TaskStatus, TrackingInfo, decode_task_message
from tests.worker.conftest import broker  # noqa: F401 - the configured broker, isolated per test


@dataclass
class RecordingRegistrar:
    batches: list[str] = field(default_factory=list)
    items: list[tuple[str, int, Any]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)

    def register_batch(self, definition: str) -> None:
        self.batches.append(definition)
        self.order.append("batch")

    def register_item(self, classifier: str, api_version: int, data: Any) -> None:
        self.items.append((classifier, api_version, data))
        self.order.append("item")


class EchoBuilder:
    """Item as it is, classifier "Echo"."""

    def build(self, item: Any, params: Any) -> ItemTask:
        return ItemTask("Echo", 1, item)


@pytest.fixture
def registrar() -> RecordingRegistrar:
    return RecordingRegistrar()


@pytest.fixture
def echo_builder() -> EchoBuilder:
    return EchoBuilder()


@dataclass
class BatchRun:
    outcome: Outcome
    published: list[list[OutgoingMessage]]

    @property
    def messages(self) -> list[tuple[str, TaskMessage]]:
        return [(out.queue, decode_task_message(out.body)) for chunk in self.published for out in chunk]

    def to(self, queue: str) -> list[TaskMessage]:
        return [message for name, message in self.messages if name == queue]

    def reports(self, pipe: str = "tracking-in") -> list[dict[str, Any]]:
        return [report for message in self.to(pipe)
                for report in json.loads(message.task_data)["trackingReports"]]


def batch_message(payload: dict[str, Any] | bytes, *, job_task_id: str | None = "p1:J7",
                  to: str = "batch-in", task_id: str = "T", tracking_pipe: str = "tracking-in",
                  track_to: str = "example-out") -> TaskMessage:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    tracking = None
    if job_task_id is not None:
        tracking = TrackingInfo(job_task_id=job_task_id, last_status_check_time=None,
                                status_check_interval_millis=5000, status_check_url=None,
                                tracking_pipe=tracking_pipe, track_to=track_to)
    return TaskMessage(task_id=task_id, task_classifier="BatchWorker", task_api_version=1,
                       task_data=data, task_status=TaskStatus.NEW_TASK, to=to, tracking=tracking,
                       correlation_id="corr-1")


def run_batch(message: TaskMessage, worker: BatchWorker | None = None, *,
              diverted_task_checking: bool = True) -> BatchRun:
    published: list[list[OutgoingMessage]] = []
    config = HandlerConfig(input_queue="batch-in", output_queue="batch-out",
                           reject_queue="worker-batch-reject", retry_queue="batch-in",
                           diverted_task_checking=diverted_task_checking)
    handler = DeliveryHandler(worker or BatchWorker(), config, publish=lambda batch: published.append(list(batch)))
    outcome = handler.handle(Delivery(body=message.encode()))
    return BatchRun(outcome, published)


@pytest.fixture
def stop_flag_handler():
    """SIGINT handled as run_batch_worker handles it (a stop flag), for the test's duration."""
    stops: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: stops.append(signum))
    yield stops
    signal.signal(signal.SIGINT, previous)

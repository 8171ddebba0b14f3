"""Fixtures of the worker framework tests: a tiny job status server, message builders and
a broker helper on whatever BROKER_URL is configured (filesystem:// in a temp folder, or
RabbitMQ with unique queue names that are deleted afterwards)."""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from jobservice.messaging.broker import QueueDeclarer, connect, message_bytes
from jobservice.messaging.messages import TaskMessage, TaskStatus, TrackingInfo


@dataclass
class StatusServer:
    """Answers GET /partitions/<p>/jobs/<j>/status like the Job Service: a JSON string with
    `Cache-Control: max-age` and `CacheableJobStatus`, 404 for unknown jobs."""

    statuses: dict[str, str] = field(default_factory=dict)
    max_age: int = 10
    cacheable: bool = False
    requests: list[str] = field(default_factory=list)
    base_url: str = ""

    def url(self, partition: str, job_id: str) -> str:
        return f"{self.base_url}/partitions/{partition}/jobs/{job_id}/status"


@pytest.fixture
def status_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[StatusServer]:
    state = StatusServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            state.requests.append(self.path)
            parts = self.path.strip("/").split("/")
            job_id = parts[3] if len(parts) == 5 and parts[4] == "status" else None
            status = state.statuses.get(job_id or "")
            if status is None:
                self.send_response(404)
                self.end_headers()
                return
            body = f'"{status}"'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", f"max-age={state.max_age}")
            if state.cacheable:
                self.send_header("CacheableJobStatus", "true")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    # Workers follow only the status URLs of their configuration: this server's, here.
    monkeypatch.setenv("CAF_STATUS_CHECK_ALLOWED_URL_PREFIXES", state.base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def task_message(
    *,
    data: bytes = b'{"action": "REVERSE", "text": "abc"}',
    classifier: str = "ExampleWorker",
    to: str | None = "example-in",
    tracking: TrackingInfo | None = None,
    task_id: str = "task-1",
    api_version: int = 1,
    context: dict[str, bytes] | None = None,
    correlation_id: str | None = "corr-1",
) -> TaskMessage:
    return TaskMessage(
        task_id=task_id,
        task_classifier=classifier,
        task_api_version=api_version,
        task_data=data,
        task_status=TaskStatus.NEW_TASK,
        to=to,
        context=context or {},
        tracking=tracking,
        correlation_id=correlation_id,
    )


def tracking_info(
    *,
    job_task_id: str = "p1:J1",
    url: str | None = None,
    track_to: str | None = "example-out",
    pipe: str | None = "tracking-in",
    last_check: int | None = None,
    interval: int = 5000,
) -> TrackingInfo:
    return TrackingInfo(
        job_task_id=job_task_id,
        last_status_check_time=last_check,
        status_check_interval_millis=interval,
        status_check_url=url,
        tracking_pipe=pipe,
        track_to=track_to,
    )


@dataclass
class Broker:
    """The configured broker, isolated for one test."""

    url: str
    data_dir: Path
    queue_type: str
    created: list[str] = field(default_factory=list)

    def queue_name(self, role: str) -> str:
        # No dots: the filesystem transport matches file names by ".<queue>.msg".
        name = f"test-{role}-{uuid.uuid4().hex[:10]}"
        self.created.append(name)
        return name

    def publish(self, queue: str, body: bytes, headers: dict[str, Any] | None = None) -> None:
        from jobservice.messaging.broker import Publisher

        with Publisher(self.url, queue_type=self.queue_type, data_dir=self.data_dir) as publisher:
            publisher.publish(queue, body, headers)

    def take(self, queue: str, count: int, *, timeout: float = 20.0) -> list[tuple[bytes, dict[str, Any]]]:
        """Takes (acks) `count` messages from `queue`, waiting up to `timeout` seconds."""
        got: list[tuple[bytes, dict[str, Any]]] = []
        deadline = time.monotonic() + timeout
        with connect(self.url, data_dir=self.data_dir) as connection:
            channel = connection.channel()
            bound = QueueDeclarer(self.queue_type).queue(queue)(channel)
            bound.declare()
            while len(got) < count and time.monotonic() < deadline:
                message = bound.get(no_ack=False, accept=None)
                if message is None:
                    time.sleep(0.05)
                    continue
                got.append((message_bytes(message), dict(message.headers or {})))
                message.ack()
        return got

    def is_empty(self, queue: str, *, wait: float = 0.5) -> bool:
        return not self.take(queue, 1, timeout=wait)

    def delete_queues(self) -> None:
        if not self.url.startswith("amqp"):
            return
        with connect(self.url) as connection:
            channel = connection.channel()
            for name in self.created:
                try:
                    channel.queue_delete(name)
                except Exception:  # never declared, or the channel broke: open a new one
                    channel = connection.channel()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    helper = Broker(url=settings.BROKER_URL, data_dir=tmp_path / "broker",
                    queue_type=settings.BROKER_QUEUE_TYPE)
    yield helper
    helper.delete_queues()

"""The whole pipeline as separate processes, for the end-to-end tests and bench/pipeline_bench.py.

`Pipeline` prepares a database (PostgreSQL: a fresh `jobservice_e2e_<hex>`; SQLite: a file in the
work folder), runs `migrate`, then starts the API server (`runserver --noreload` on a free
port), the scheduler, the tracker, the paused-message store, the batch worker and the example
worker with `subprocess.Popen`, each with its own log file and unique queue names. It talks
to the service only as a user does: REST calls, and reading the example worker's output queue.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from jobservice.messaging.broker import QueueDeclarer, connect, message_bytes
from jobservice.messaging.messages import TaskMessage, decode_task_message

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
E2E_DATABASE = "jobservice_e2e"
PARTITION = "e2e"

# One line per message of the worker runner: "<asctime> INFO ... <worker> <id>: <outcome> [ack] in 1.2 ms"
_RUNNER_LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO jobservice\.messaging\.runner "
    r"(?P<worker>\S+) (?P<task>\S+): (?P<outcome>.*) \[(?P<action>\w+)\] in (?P<ms>[\d.]+) ms$"
)


@dataclass(frozen=True)
class ItemRun:
    """One message handled by the example worker: when it started, and what came of it."""

    started: float
    job_task_id: str
    outcome: str

    @property
    def processed(self) -> bool:
        return self.outcome.startswith(("RESULT_SUCCESS", "RESULT_FAILURE"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_postgres_database(url: str, name: str | None = None) -> str:
    """Creates a fresh database on the server of `url` (dropped first if it exists); returns
    its URL. The default name is unique per call (`jobservice_e2e_<hex>`): runs of the tests
    or the benchmark by several people at once on one server must not drop each other's."""
    import psycopg
    from psycopg import sql

    name = name or f"{E2E_DATABASE}_{uuid.uuid4().hex[:8]}"
    parts = urlparse(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunparse(parts._replace(path=f"/{name}"))


def drop_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _admin_url(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


@dataclass
class Pipeline:
    database_url: str
    broker_url: str
    workdir: Path
    status_interval: int = 1
    # Instances of the example worker: each waits for its confirms, so more instances overlap.
    example_workers: int = 1
    queue_type: str = "classic"
    extra_env: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Every process of the service shares it (signed status check URLs); the caller's if set.
    secret_key: str = field(default_factory=lambda: os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50))
    # The API token request() sends: every right on every partition (made by start()).
    token: str | None = None

    def __post_init__(self) -> None:
        self.port = free_port()
        self.data_dir = self.workdir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Dashes only: filesystem:// matches queue files by ".<queue>.msg".
        names = ["batch-in", "batch-out", "batch-reject", "example-in", "example-out",
                 "example-reject", "tracking", "tracking-err", "tracking-reject", "paused"]
        self.queues = {name: f"e2e-{self.tag}-{name}" for name in names}
        self.queues["paused-reject"] = f"{self.queues['paused']}-reject"

    # --- processes ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/job-service/v1"

    def env(self) -> dict[str, str]:
        queues = self.queues
        return {
            **os.environ,
            "DJANGO_SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "BROKER_URL": self.broker_url,
            "JOBSERVICE_DATA_DIR": str(self.data_dir),
            "CAF_WEBSERVICE_URL": self.base_url,
            "CAF_STATUS_CHECK_INTERVAL_SECONDS": str(self.status_interval),
            "CAF_RABBITMQ_QUEUE_TYPE": self.queue_type,
            "CAF_SCHEDULED_EXECUTOR_PERIOD": "0.5",
            "CAF_TRACKING_PIPE": queues["tracking"],
            "CAF_TRACKING_ERROR_QUEUE": queues["tracking-err"],
            "CAF_TRACKING_REJECT_QUEUE": queues["tracking-reject"],
            "CAF_WORKER_PAUSED_QUEUE": queues["paused"],
            "BATCH_WORKER_INPUT_QUEUE": queues["batch-in"],
            "BATCH_WORKER_OUTPUT_QUEUE": queues["batch-out"],
            "EXAMPLE_WORKER_QUEUE": queues["example-in"],
            "EXAMPLE_WORKER_OUTPUT_QUEUE": queues["example-out"],
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def manage(self, *args: str, timeout: float = 300) -> str:
        """Runs a management command; returns what it printed."""
        return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(), check=True,
                              timeout=timeout, stdout=subprocess.PIPE, text=True).stdout

    def create_token(self, name: str, *options: str) -> str:
        """`manage.py create_api_token --name <name> <options>`; returns the token (its last line)."""
        return self.manage("create_api_token", "--name", name, *options).strip().splitlines()[-1]

    def spawn(self, name: str, *args: str) -> None:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(),
                                                stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def start(self) -> None:
        self.manage("migrate", "--no-input", "-v", "0")
        self.token = self.create_token("e2e", "--partitions", "*", "--rights", "read,create,operate",
                                       "--raw-tasks", "--task-pipes", "*", "--replace")
        self.spawn("api", "runserver", "--noreload", f"127.0.0.1:{self.port}")
        self.spawn("scheduler", "run_scheduler")
        self.spawn("tracker", "run_tracker")
        self.spawn("paused_store", "run_paused_store")
        self.spawn("batch_worker", "run_batch_worker", "--reject-queue", self.queues["batch-reject"])
        for index in range(self.example_workers):
            self.spawn(f"example_worker{index or ''}", "run_example_worker",
                       "--reject-queue", self.queues["example-reject"])
        self.wait_until(lambda: self.ping(), timeout=60, what="the API server")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def check_alive(self) -> None:
        dead = {name: process.returncode for name, process in self.processes.items() if process.poll() is not None}
        if dead:
            raise AssertionError(f"processes exited: {dead}; logs in {self.workdir}")

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    # --- the REST API ------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> tuple[int, Any]:
        """A REST call with `token` (default: the pipeline's all-rights token)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token or self.token}"}
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    def ping(self) -> bool:
        try:
            return self.request("GET", "/ping")[0] == 200
        except OSError:
            return False

    def batch_task(self, definition: str, *, batch_type: str = "RangeBatchPlugin",
                   params: dict[str, str] | None = None) -> dict[str, Any]:
        return {
            "taskClassifier": "BatchWorker",
            "taskApiVersion": 1,
            "taskData": {
                "batchDefinition": definition,
                "batchType": batch_type,
                "taskMessageType": "ExampleWorkerTaskBuilder",
                "taskMessageParams": params or {"action": "REVERSE", "source": "text"},
                "targetPipe": self.queues["example-in"],
            },
            "taskPipe": self.queues["batch-in"],
            "targetPipe": self.queues["example-out"],
        }

    def create_job(self, job_id: str, task: dict[str, Any]) -> None:
        status, body = self.request("PUT", f"/partitions/{PARTITION}/jobs/{job_id}",
                                    {"name": job_id, "task": task})
        assert status == 201, (status, body)

    def job(self, job_id: str) -> dict[str, Any]:
        status, body = self.request("GET", f"/partitions/{PARTITION}/jobs/{job_id}")
        assert status == 200, (status, body)
        return body

    def operate(self, job_id: str, operation: str) -> None:
        status, body = self.request("POST", f"/partitions/{PARTITION}/jobs/{job_id}/{operation}")
        assert status in (200, 202, 204), (operation, status, body)

    def watch(self, job_id: str, *, until: Callable[[dict[str, Any]], bool], timeout: float,
              every: float = 0.2) -> list[dict[str, Any]]:
        """Polls the job until `until(job)`; returns every job read on the way."""
        return self.watch_with(PARTITION, job_id, until=until, timeout=timeout, every=every)

    def watch_with(self, partition_id: str, job_id: str, *, until: Callable[[dict[str, Any]], bool],
                   timeout: float, every: float = 0.2, token: str | None = None) -> list[dict[str, Any]]:
        """`watch` of a job of any partition, read with `token` (default the pipeline's)."""
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            status, job = self.request("GET", f"/partitions/{partition_id}/jobs/{job_id}", token=token)
            assert status == 200, (status, job)
            seen.append(job)
            if until(job):
                return seen
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} still {job['status']} {job['percentageComplete']}% "
                                     f"after {timeout} s; logs in {self.workdir}")
            self.check_alive()
            time.sleep(every)

    def wait_until(self, condition: Callable[[], bool], *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; logs in {self.workdir}")
            self.check_alive()
            time.sleep(0.2)

    # --- queues and logs ---------------------------------------------------------------------

    @contextmanager
    def _queue(self, name: str) -> Iterator[Any]:
        connection = connect(self.broker_url, data_dir=self.data_dir / "broker")
        try:
            channel = connection.channel()
            yield QueueDeclarer(self.queue_type).queue(self.queues.get(name, name))(channel)
        finally:
            connection.release()

    def drain(self, name: str) -> list[TaskMessage]:
        """Takes every message now in the queue (acked: they are gone afterwards)."""
        messages = []
        with self._queue(name) as queue:
            try:
                while (message := queue.get(no_ack=True)) is not None:
                    messages.append(decode_task_message(message_bytes(message)))
            except Exception as exc:  # the queue was never declared: nothing in it
                if "NOT_FOUND" not in str(exc) and "no such queue" not in str(exc).lower():
                    raise
        return messages

    def delete_queues(self) -> None:
        for name in self.queues.values():
            try:
                with self._queue(name) as queue:
                    queue.delete()
            except Exception:  # never declared
                pass

    def item_runs(self) -> list[ItemRun]:
        """The example worker's messages from its log, with the time each one started."""
        runs = []
        lines = [line for index in range(self.example_workers)
                 for line in self.log(f"example_worker{index or ''}").splitlines()]
        for line in lines:
            match = _RUNNER_LINE.match(line)
            if match:
                logged = datetime.strptime(match["time"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
                runs.append(ItemRun(logged - float(match["ms"]) / 1000, match["task"], match["outcome"]))
        return sorted(runs, key=lambda run: run.started)

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}


def items_done(messages: list[TaskMessage]) -> list[int]:
    """The numbers the example worker reversed (RangeBatchPlugin items), one per result."""
    return [int(json.loads(message.task_data)["result"][::-1]) for message in messages]

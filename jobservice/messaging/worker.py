"""Write a worker in a few lines: the base class, the task it gets and the result it returns.

The runner (`WorkerRunner`, in runner.py, also importable from here) speaks the original
worker framework's protocol (reference worker-messaging.md §2, §3, §5): retries and poison
messages, job status checks, pause/cancel/reroute, subtask ids, tracking reports, and acking
the input only after every output was confirmed. A worker only says what to do with a task::

    class ReverseWorker(Worker):
        name = "ReverseWorker"          # sourceInfo.name, reject queue "<name>-reject"
        classifier = "ReverseWorker"    # the taskClassifier accepted (others: INVALID_TASK)
        api_version = 1                 # newer taskApiVersion: requeued (counts as a retry)

        def process(self, task: Task) -> Result:
            text = task.json()["text"]          # bad JSON -> InvalidTask (INVALID_TASK)
            return Result.success_json({"result": text[::-1]})

    WorkerRunner(ReverseWorker(), broker_url="amqp://...", input_queue="reverse-in",
                 output_queue="reverse-out").run()

In `process()`:
- return a `Result` (`success`, `success_json`, `success_and_complete`, `success_no_output`,
  `failure`, `complete_dead_end`, `submission`); the result goes to the output queue unless it
  names another queue;
- call `task.send(queue, classifier=..., api_version=..., data=...)` for extra messages
  (subtasks): they get ids `<id>.1`, `<id>.2`... and the final result `<id>.N*` (§5);
- raise `InvalidTask(reason)` when the task cannot be understood (INVALID_TASK response,
  Failed tracking report), `TransientError` to have it retried later (counts toward the retry
  limit); any other exception becomes a RESULT_EXCEPTION response with its message.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from jobservice.messaging.messages import JSON_ERRORS, TaskMessage, TaskStatus, TrackingInfo


class InvalidTask(Exception):
    """The task cannot be understood: answered with INVALID_TASK (never retried)."""


class TransientError(Exception):
    """A temporary problem: the task is requeued and retried (counts toward the retry limit)."""


class Default(Enum):
    """Markers for "the runner decides": the worker's output queue, tracking left unchanged."""

    OUTPUT_QUEUE = "output queue"
    UNCHANGED = "unchanged"


OUTPUT_QUEUE = Default.OUTPUT_QUEUE
UNCHANGED = Default.UNCHANGED


@dataclass(frozen=True)
class Result:
    """One response message (§3.6): where it goes, its status, payload and type.

    `queue` None is a dead end (nothing published). `track_to` UNCHANGED keeps the task's
    tracking destination; any other value (None included) replaces it on this response.
    `classifier`/`api_version` None mean the worker's own name and api_version. `context`
    is this worker's entry in the message context, carried to later workers of the chain.
    """

    status: TaskStatus
    data: bytes = b""
    queue: str | None | Default = OUTPUT_QUEUE
    classifier: str | None = None
    api_version: int | None = None
    track_to: str | None | Default = UNCHANGED
    context: bytes | None = None

    @classmethod
    def success(cls, data: bytes | str = b"", *, queue: str | None | Default = OUTPUT_QUEUE,
                context: bytes | None = None) -> Result:
        return cls(TaskStatus.RESULT_SUCCESS, _as_bytes(data), queue=queue, context=context)

    @classmethod
    def success_json(cls, value: Any, *, queue: str | None | Default = OUTPUT_QUEUE) -> Result:
        return cls.success(json.dumps(value, ensure_ascii=False), queue=queue)

    @classmethod
    def success_and_complete(cls, data: bytes | str = b"") -> Result:
        """Success to the output queue that also ends tracking there (trackTo = output queue)."""
        return cls(TaskStatus.RESULT_SUCCESS, _as_bytes(data), track_to=OUTPUT_QUEUE)

    @classmethod
    def success_no_output(cls) -> Result:
        """Success with nothing published; tracking goes on (no Complete unless trackTo is null)."""
        return cls(TaskStatus.RESULT_SUCCESS, b"", queue=None)

    @classmethod
    def complete_dead_end(cls) -> Result:
        """Nothing published, and the tracked task is Complete (trackTo set to null)."""
        return cls(TaskStatus.RESULT_SUCCESS, b"", queue=None, track_to=None)

    @classmethod
    def failure(cls, data: bytes | str = b"", *, queue: str | None | Default = OUTPUT_QUEUE) -> Result:
        """A business failure (RESULT_FAILURE): for tracking it completes the task like success."""
        return cls(TaskStatus.RESULT_FAILURE, _as_bytes(data), queue=queue)

    @classmethod
    def submission(cls, queue: str, *, classifier: str, api_version: int, data: bytes | str) -> Result:
        """Hands the task on to another worker (NEW_TASK) as the final response."""
        return cls(TaskStatus.NEW_TASK, _as_bytes(data), queue=queue, classifier=classifier,
                   api_version=api_version)


class Task:
    """What `process()` gets: the decoded message (tracking refreshed by the status check)."""

    def __init__(self, message: TaskMessage, *, context_key: str,
                 send: Callable[[Result], None]) -> None:
        self.message = message
        self._context_key = context_key
        self._send = send

    @property
    def data(self) -> bytes:
        return self.message.task_data

    def json(self) -> Any:
        """The payload as JSON; a payload that is not JSON is an invalid task."""
        try:
            return json.loads(self.message.task_data)
        except JSON_ERRORS as exc:
            raise InvalidTask(f"taskData is not JSON: {exc}") from exc

    @property
    def correlation_id(self) -> str | None:
        return self.message.correlation_id

    @property
    def tracking(self) -> TrackingInfo | None:
        return self.message.tracking

    @property
    def context(self) -> bytes | None:
        """This worker's own context entry, when the message comes back to it."""
        return self.message.context.get(self._context_key)

    def send(self, queue: str, *, classifier: str, api_version: int, data: bytes | str,
             status: TaskStatus = TaskStatus.NEW_TASK, track_to: str | None | Default = UNCHANGED,
             context: bytes | None = None) -> None:
        """An extra response before the final one, e.g. a subtask for another worker."""
        self._send(Result(status, _as_bytes(data), queue=queue, classifier=classifier,
                          api_version=api_version, track_to=track_to, context=context))


class Worker:
    """Subclass and implement `process()`; see the module docstring."""

    name: str = "worker"
    version: str = "UNKNOWN"
    api_version: int = 1
    classifier: str = "worker"
    # Key of this worker's entry in the message context (the original uses the service path).
    context_key: str = "/caf/worker"
    # Name used in the poison result text ("<friendly name> could not process the item.").
    friendly_name: str | None = None

    def process(self, task: Task) -> Result:
        raise NotImplementedError

    def accepts(self, message: TaskMessage) -> str | None:
        """Why the message cannot be given to `process()` (None when it can)."""
        if message.task_classifier != self.classifier:
            return (f"Task of type {message.task_classifier!r} is not supported by {self.name} "
                    f"(expected {self.classifier!r})")
        return None


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def __getattr__(name: str) -> Any:
    # WorkerRunner lives in runner.py (which imports this module); offered here for convenience.
    if name == "WorkerRunner":
        from jobservice.messaging.runner import WorkerRunner

        return WorkerRunner
    raise AttributeError(name)

"""The batch worker (reference batch-worker.md §2): splits a batch recursively and feeds one
task per item to the target worker.

For each `BatchWorker`/1 task it decodes the payload (§1.3), finds the plugin named by
`batchType` and the builder named by `taskMessageType`, and lets the plugin register
sub-batches (sent back to the message's own `to`, normally this worker's input queue) and
items (sent to `targetPipe`). The worker framework numbers them `.1`, `.2`... in
registration order and the batch's own completion `.N+1*`; it publishes them in confirmed
chunks while the plugin runs and acks the input only after the last one was confirmed.

Outcomes: a result `{"batchTask": "<P:J>"}` that ends tracking at the output queue (§2.5);
invalid definitions, unknown plugins and plugin errors are RESULT_EXCEPTION failures with a
readable message (the job fails and shows it); `BatchTransientError` and OSError retry the
batch (the same registrations are sent again with the same ids).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from enum import StrEnum
from typing import Any

from batching import registry
from batching.errors import BatchDefinitionError, BatchTransientError
from batching.payload import (
    API_VERSION,
    CLASSIFIER,
    BatchWorkerTask,
    InvalidBatchTask,
    batch_result,
    decode_batch_task,
)
from batching.plugins.base import TaskBuilder
from jobservice.messaging.broker import PublishError
from jobservice.messaging.messages import TaskStatus
from jobservice.messaging.worker import InvalidTask, Result, Task, TransientError, Worker

logger = logging.getLogger(__name__)


class ReturnValueBehaviour(StrEnum):
    """What the batch answers when done (§2.5)."""

    RETURN_ALL = "RETURN_ALL"  # a result to the output queue
    RETURN_NONE = "RETURN_NONE"  # nothing published; still Complete for tracking
    RETURN_ONLY_IF_ZERO_SUBTASKS = "RETURN_ONLY_IF_ZERO_SUBTASKS"


class TaskRegistrar:
    """The registrar a plugin gets: each registration becomes a subtask of the task at once."""

    def __init__(self, task: Task, payload: BatchWorkerTask, *, own_queue: str) -> None:
        self._task = task
        self._payload = payload
        # Sub-batches go back where this message was sent (§4.1), so a staging queue keeps
        # the whole split of a tenant's job behind it.
        self._batch_queue = task.message.to or own_queue
        self.batches = 0
        self.items = 0

    def register_batch(self, definition: str) -> None:
        if not isinstance(definition, str):
            raise BatchDefinitionError(
                f"A sub-batch definition must be a string, not {type(definition).__name__}."
            )
        data = self._payload.with_definition(definition).encode()
        self._task.send(self._batch_queue, classifier=CLASSIFIER, api_version=API_VERSION, data=data)
        self.batches += 1

    def register_item(self, classifier: str, api_version: int, data: Any) -> None:
        target = self._payload.target_pipe
        if not target:
            raise BatchDefinitionError("The batch task has no targetPipe to send its items to.")
        try:
            body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise BatchDefinitionError(f"An item cannot be serialised to JSON: {exc}") from exc
        self._task.send(target, classifier=classifier, api_version=int(api_version), data=body)
        self.items += 1

    @property
    def subtasks(self) -> int:
        return self.batches + self.items


class BatchWorker(Worker):
    name = "worker-batch"
    classifier = CLASSIFIER
    api_version = API_VERSION
    friendly_name = "BatchWorker"

    def __init__(
        self,
        *,
        input_queue: str = "batch-in",
        return_value_behaviour: ReturnValueBehaviour | str = ReturnValueBehaviour.RETURN_ALL,
    ) -> None:
        self.input_queue = input_queue
        self.return_value_behaviour = ReturnValueBehaviour(return_value_behaviour)

    def process(self, task: Task) -> Result:
        try:
            payload = decode_batch_task(task.data)
        except InvalidBatchTask as exc:
            raise InvalidTask(str(exc)) from exc
        plugin = registry.plugins.get(payload.batch_type)
        if plugin is None:
            return failure(f"Invalid batch type  {payload.batch_type}")
        builder: TaskBuilder | None = None
        if payload.task_message_type:
            builder = registry.builders.get(payload.task_message_type)
            if builder is None:
                return failure(f"Invalid task message type  {payload.task_message_type}")
        registrar = TaskRegistrar(task, payload, own_queue=self.input_queue)
        params: Mapping[str, str] = payload.task_message_params
        try:
            plugin.process_batch(
                payload.batch_definition, builder=builder, params=params, registrar=registrar
            )
        except PublishError:
            raise  # outputs not confirmed: the runner requeues the input
        except (BatchTransientError, OSError) as exc:
            raise TransientError(str(exc)) from exc
        except BatchDefinitionError as exc:
            return failure(f"Failed to process batch: {exc}")
        except Exception as exc:  # a plugin's bug: the job fails with what it said
            logger.exception("Batch plugin %s failed", payload.batch_type)
            return failure(f"Failed to process batch: {type(exc).__name__}: {exc}")
        job_task_id = task.tracking.job_task_id if task.tracking else None
        logger.debug("%s: %d sub-batch(es), %d item(s)", job_task_id, registrar.batches, registrar.items)
        return self._final(registrar, batch_result(job_task_id, payload.target_pipe))

    def _final(self, registrar: TaskRegistrar, result: bytes) -> Result:
        behaviour = self.return_value_behaviour
        if behaviour is ReturnValueBehaviour.RETURN_NONE or (
            behaviour is ReturnValueBehaviour.RETURN_ONLY_IF_ZERO_SUBTASKS and registrar.subtasks
        ):
            return Result.complete_dead_end()
        return as_batch_worker(Result.success_and_complete(result))


def as_batch_worker(result: Result) -> Result:
    """Results and failures are typed BatchWorker/1, as the original's: a consumer of the output
    queue may check the type. (The framework's default is the worker's name, `worker-batch`,
    which stays the `sourceInfo` name and the failure source.)"""
    return replace(result, classifier=CLASSIFIER, api_version=API_VERSION)


def failure(message: str) -> Result:
    """RESULT_EXCEPTION to the output queue; its payload is a JSON string, as the original's."""
    return as_batch_worker(
        Result(TaskStatus.RESULT_EXCEPTION, json.dumps(message, ensure_ascii=False).encode("utf-8"))
    )

"""The batch worker (docs/batching.md): splits a batch recursively and feeds one task per item
to the target worker.

For each `BatchWorker`/1 task it decodes the payload, finds the plugin named by `batchType`
and the builder named by `taskMessageType`, and lets the plugin register sub-batches (sent
back to the message's own `to`, normally this worker's input queue) and items (sent to
`targetPipe`). The worker framework numbers them `.1`, `.2`... in registration order and the
batch's own completion `.N+1*`; it publishes them in confirmed chunks while the plugin runs
and acks the input only after the last one was confirmed.

Outcomes: a result `{"batchTask": "<P:J>"}` typed BatchWorker/1 that ends tracking at the
output queue; invalid definitions, unknown plugins, limits crossed (limits.py) and anything a
plugin or builder raises, BaseExceptions such as SystemExit included (user_code.py), are
RESULT_EXCEPTION failures with a readable message (the job fails and shows it);
`BatchTransientError` and OSError retry the batch (the same registrations are sent again with
the same ids).
"""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from enum import StrEnum
from typing import Any

from batching import limits, registry
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
from batching.user_code import MAX_DESCRIPTION, describe, is_process_interrupt
from jobservice.messaging.broker import PublishError
from jobservice.messaging.messages import TaskStatus
from jobservice.messaging.worker import InvalidTask, Result, Task, TransientError, Worker

logger = logging.getLogger(__name__)


class ReturnValueBehaviour(StrEnum):
    """What the batch answers when done."""

    RETURN_ALL = "RETURN_ALL"  # a result to the output queue
    RETURN_NONE = "RETURN_NONE"  # nothing published; still Complete for tracking
    RETURN_ONLY_IF_ZERO_SUBTASKS = "RETURN_ONLY_IF_ZERO_SUBTASKS"


class TaskRegistrar:
    """The registrar a plugin gets: each registration becomes a subtask of the task at once.

    A refusal (a limit crossed, an output the broker did not confirm) is remembered: a plugin
    that catches it cannot go on registering, and the worker raises it again when the plugin
    returns."""

    def __init__(self, task: Task, payload: BatchWorkerTask, *, own_queue: str) -> None:
        self._task = task
        self._payload = payload
        # Sub-batches go back where this message was sent, so a staging queue keeps the
        # whole split of a tenant's job behind it.
        self._batch_queue = task.message.to or own_queue
        self.batches = 0
        self.items = 0
        self.refusal: Exception | None = None

    def register_batch(self, definition: str) -> None:
        self._admit()
        if not isinstance(definition, str):
            raise BatchDefinitionError(
                f"A sub-batch definition must be a string, not {type(definition).__name__}."
            )
        data = self._payload.with_definition(definition).encode()
        self._refuse_on_error(limits.check_task_data, len(data), what="A sub-batch task")
        self._send(self._batch_queue, classifier=CLASSIFIER, api_version=API_VERSION, data=data)
        self.batches += 1

    def register_item(self, classifier: str, api_version: int, data: Any) -> None:
        self._admit()
        target = self._payload.target_pipe
        if not target:
            raise BatchDefinitionError("The batch task has no targetPipe to send its items to.")
        if not isinstance(classifier, str) or not classifier:
            raise BatchDefinitionError("An item's task classifier must be a non-empty string.")
        try:
            version = int(api_version)
            body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError) as exc:
            raise BatchDefinitionError(f"An item cannot be sent: {describe(exc)}") from exc
        self._send(target, classifier=classifier, api_version=version, data=body)
        self.items += 1

    @property
    def subtasks(self) -> int:
        return self.batches + self.items

    def _admit(self) -> None:
        if self.refusal is not None:
            raise self.refusal
        self._refuse_on_error(limits.check_registrations, self.subtasks + 1)

    def _refuse_on_error(self, check: Any, *args: Any, **kwargs: Any) -> None:
        try:
            check(*args, **kwargs)
        except BatchDefinitionError as exc:
            self.refusal = exc
            raise

    def _send(self, queue: str, **message: Any) -> None:
        try:
            self._task.send(queue, **message)
        except PublishError as exc:
            self.refusal = exc
            raise


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
            return self._process(task)
        except (InvalidTask, TransientError, PublishError):
            raise  # the framework's answers: INVALID_TASK, a retry, a requeue
        except BatchDefinitionError as exc:
            return failure(f"Failed to process batch: {describe(exc)}")
        except BaseException as exc:  # noqa: BLE001 - plugin code: SystemExit included (user_code.py)
            if is_process_interrupt(exc):
                raise
            logger.error("Batch task failed", exc_info=exc)
            return failure(f"Failed to process batch: {describe(exc)}")

    def _process(self, task: Task) -> Result:
        limits.check_task_data(len(task.data))  # before parsing it
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
        try:
            plugin.process_batch(payload.batch_definition, builder=builder,
                                 params=payload.task_message_params, registrar=registrar)
        except BaseException as exc:
            if registrar.refusal is not None and not is_process_interrupt(exc):
                # A limit crossed or an output not confirmed: that is why, whatever the plugin
                # made of it.
                raise registrar.refusal from exc
            if isinstance(exc, BatchTransientError | OSError):
                raise TransientError(describe(exc)) from exc
            raise
        if registrar.refusal is not None:
            raise registrar.refusal  # the plugin caught it and went on as if nothing happened
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
    if len(message) > 2 * MAX_DESCRIPTION:  # a batch type or definition quoted whole
        message = message[:2 * MAX_DESCRIPTION] + "..."
    # A lone surrogate (from a JSON escape in the task) is written as its JSON escape.
    data = json.dumps(message, ensure_ascii=False).encode("utf-8", errors="backslashreplace")
    return as_batch_worker(Result(TaskStatus.RESULT_EXCEPTION, data))

"""What a worker does with one delivery, in the reference's order (worker-messaging.md §3.1).

1. Retries (§2.6): a redelivered classic-queue message is republished with a retry count;
   over the retry limit it is poison.
2. Lenient decode (§2.7). Our fix of the reference: an undecodable body goes to the reject
   queue with the reason in a header (never back to the input queue, where it would loop).
3. Status check of a tracked task when due (§3.2); the refreshed tracking is carried on.
4. Dispatch (§3.3): Cancelled/Completed/Failed/deleted job -> discarded; not addressed to this
   worker -> forwarded to its `to` (§3.5); Paused -> the paused queue when one is set.
5. Execution (§3.6-§3.9), or for poison the reject-queue copy and a RESULT_EXCEPTION result.

Every output goes to `publish` (a function taking a list of messages), in order. Given
`Publisher.publish_batch`, they are confirmed before the handler returns ACK; the runner
gives its OutputBatch instead, which confirms the outputs of a group of deliveries together
before any of them is acked. A PublishError propagates so that the runner requeues the input
(at-least-once).

Decision of ours (reference §8.3): a message with `to` null is processed as addressed to this
worker, instead of being dropped silently.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from jobservice.messaging.broker import OutgoingMessage, PublishError
from jobservice.messaging.messages import (
    InvalidMessage,
    TaskMessage,
    TaskStatus,
    decode_task_message,
    new_task_id,
)
from jobservice.messaging.responses import ResponseSequence, WorkerIdentity, same_queue, strip_tracking
from jobservice.messaging.retries import (
    DELIVERY_COUNT_HEADER,
    REJECTED_HEADER,
    REJECTED_REASON_HEADER,
    RETRY_HEADER,
    TASKMESSAGE_INVALID,
    decide_retry,
)
from jobservice.messaging.status_check import DISCARDED_STATES, JobState, StatusChecker
from jobservice.messaging.worker import InvalidTask, Result, Task, TransientError, Worker

logger = logging.getLogger(__name__)

# Outputs of one task are published in chunks of this size while it runs (a batch worker may
# emit many subtasks); the input is acked only after the last chunk was confirmed.
PUBLISH_CHUNK = 1000


class Action(StrEnum):
    ACK = "ack"
    REQUEUE = "requeue"  # reject(requeue=True): tried again, counts as a retry
    DISCARD = "discard"  # reject(requeue=False): dropped (unless an operator set a DLX)


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: Mapping[str, Any] = field(default_factory=dict)
    redelivered: bool = False


@dataclass(frozen=True)
class Outcome:
    action: Action
    description: str
    job_task_id: str | None = None


@dataclass(frozen=True)
class HandlerConfig:
    input_queue: str
    output_queue: str
    reject_queue: str
    retry_queue: str
    paused_queue: str | None = None
    retry_limit: int = 10
    diverted_task_checking: bool = True
    zero_progress_reports: bool = True


class _Outputs:
    """Messages produced for one delivery; published in chunks, all confirmed before the ack."""

    def __init__(self, publish: Callable[[list[OutgoingMessage]], Any]) -> None:
        self._publish = publish
        self._pending: list[OutgoingMessage] = []
        self.count = 0

    def add(self, message: OutgoingMessage) -> None:
        self._pending.append(message)
        self.count += 1
        if len(self._pending) >= PUBLISH_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            self._publish(pending)


class DeliveryHandler:
    def __init__(self, worker: Worker, config: HandlerConfig, *,
                 publish: Callable[[list[OutgoingMessage]], Any],
                 status_checker: StatusChecker | None = None) -> None:
        self.worker = worker
        self.config = config
        self.publish = publish
        self.status_checker = status_checker or StatusChecker()
        self.identity = WorkerIdentity(
            name=worker.name,
            version=worker.version,
            context_key=worker.context_key,
            output_queue=config.output_queue,
            api_version=worker.api_version,
            zero_progress_reports=config.zero_progress_reports,
        )

    def handle(self, delivery: Delivery) -> Outcome:
        config = self.config
        decision = decide_retry(delivery.headers, redelivered=delivery.redelivered,
                                retry_limit=config.retry_limit)
        if decision.republish_retry is not None:
            headers = {RETRY_HEADER: str(decision.republish_retry)}
            self.publish([OutgoingMessage(config.retry_queue, delivery.body, headers)])
            return Outcome(Action.ACK, f"retry {decision.republish_retry} republished")

        try:
            message = decode_task_message(delivery.body)
        except InvalidMessage as exc:
            headers = {REJECTED_HEADER: TASKMESSAGE_INVALID, REJECTED_REASON_HEADER: str(exc)[:1000]}
            self.publish([OutgoingMessage(config.reject_queue, delivery.body, headers)])
            return Outcome(Action.ACK, f"undecodable ({exc}): sent to {config.reject_queue}")
        job_task_id = message.tracking.job_task_id if message.tracking else message.task_id

        state, tracking = self.status_checker.check(message.tracking)
        message = message.with_changes(tracking=tracking)
        if state in DISCARDED_STATES:
            return Outcome(Action.DISCARD, f"discarded: job {state}", job_task_id)

        if not self._is_intended(message):
            forwarded = strip_tracking(message, message.to)
            self.publish([OutgoingMessage(message.to, forwarded.encode(), _kept_headers(delivery))])
            return Outcome(Action.ACK, f"forwarded to {message.to}", job_task_id)

        if state is JobState.PAUSED and config.paused_queue:
            # Unchanged but for the refreshed tracking; kept until the job is resumed (§2.10).
            self.publish([OutgoingMessage(config.paused_queue, message.encode(), _kept_headers(delivery))])
            return Outcome(Action.ACK, f"job paused: sent to {config.paused_queue}", job_task_id)

        return self._execute(message, poison=decision.poison, job_task_id=job_task_id)

    def _is_intended(self, message: TaskMessage) -> bool:
        if not self.config.diverted_task_checking or message.to is None:
            return True
        return same_queue(message.to, self.config.input_queue)

    def _execute(self, message: TaskMessage, *, poison: bool, job_task_id: str) -> Outcome:
        outputs = _Outputs(self.publish)
        sequence = ResponseSequence(message, self.identity, outputs.add)
        if poison:
            outputs.add(self._reject_copy(message))
            friendly = self.worker.friendly_name or type(self.worker).__name__
            text = json.dumps(f"{friendly} could not process the item.")
            sequence.final(Result(TaskStatus.RESULT_EXCEPTION, text.encode("utf-8")))
            outputs.flush()
            return Outcome(Action.ACK, f"poison: copied to {self.config.reject_queue}", job_task_id)

        refusal = self.worker.accepts(message)
        if refusal is not None:
            sequence.final_message(self._invalid_task(message, refusal))
            outputs.flush()
            return Outcome(Action.ACK, f"invalid task: {refusal}", job_task_id)
        if message.task_api_version > self.worker.api_version:
            # Maybe for a newer instance of this worker: requeued, but counted as a retry so
            # that it ends in the reject queue instead of looping (reference §2.8 loops).
            return Outcome(Action.REQUEUE, f"taskApiVersion {message.task_api_version} is newer "
                                           f"than {self.worker.api_version}", job_task_id)

        task = Task(message, context_key=self.worker.context_key, send=sequence.extra)
        try:
            result = self.worker.process(task)
            if not isinstance(result, Result):
                raise TypeError(f"process() returned {type(result).__name__}, not a Result")
        except InvalidTask as exc:
            sequence.final_message(self._invalid_task(message, str(exc)))
            outcome = f"invalid task: {exc}"
        except TransientError as exc:
            return Outcome(Action.REQUEUE, f"transient error, requeued: {exc}", job_task_id)
        except PublishError:
            raise  # a chunk of subtasks was not confirmed: the input is requeued
        except Exception as exc:  # the worker's bug or bad data: a failed task, not a dead loop
            logger.exception("Task %s failed", job_task_id)
            text = json.dumps(f"{type(exc).__name__}: {exc}")
            sequence.final(Result(TaskStatus.RESULT_EXCEPTION, text.encode("utf-8")))
            outcome = f"exception: {type(exc).__name__}: {exc}"
        else:
            sequence.final(result)
            outcome = f"{result.status}"
        outputs.flush()
        return Outcome(Action.ACK, f"{outcome} ({outputs.count} message(s))", job_task_id)

    def _invalid_task(self, message: TaskMessage, reason: str) -> TaskMessage:
        return replace(
            message,
            task_data=reason.encode("utf-8"),
            task_status=TaskStatus.INVALID_TASK,
            to=self.config.output_queue,
            source_info=self.identity.source_info,
            priority=None,
        )

    def _reject_copy(self, message: TaskMessage) -> OutgoingMessage:
        queue = self.config.reject_queue
        copy = replace(message, task_id=new_task_id(), task_status=TaskStatus.RESULT_EXCEPTION,
                       context={}, to=queue)
        return OutgoingMessage(queue, strip_tracking(copy, queue).encode())


# Counters a quorum queue adds to each delivery (RabbitMQ 4 adds x-acquired-count too).
_BROKER_DELIVERY_HEADERS = frozenset({DELIVERY_COUNT_HEADER, "x-acquired-count"})


def _kept_headers(delivery: Delivery) -> dict[str, Any]:
    # Forwarded and paused copies keep the sender's headers (§2.5), but not the broker's
    # delivery counters: they belong to this delivery, not to the copy.
    return {key: value for key, value in delivery.headers.items() if key not in _BROKER_DELIVERY_HEADERS}

"""A publish function that records what a DeliveryHandler would have published."""
from __future__ import annotations

import json
from typing import Any

from jobservice.messaging.broker import OutgoingMessage, PublishError
from jobservice.messaging.messages import TaskMessage, TrackingReport, decode_task_message, decode_tracking_reports


class Recorder:
    def __init__(self, *, fail: bool = False, fail_times: int = 0) -> None:
        self.batches: list[list[OutgoingMessage]] = []
        self.fail = fail
        self.fail_times = fail_times

    def __call__(self, batch: list[OutgoingMessage]) -> int:
        if self.fail or self.fail_times > 0:
            self.fail_times -= 1
            raise PublishError("broker refused 1 message(s)")
        self.batches.append(list(batch))
        return len(batch)

    @property
    def messages(self) -> list[OutgoingMessage]:
        return [message for batch in self.batches for message in batch]

    @property
    def queues(self) -> list[str]:
        return [message.queue for message in self.messages]

    def decoded(self, queue: str) -> list[TaskMessage]:
        return [decode_task_message(m.body) for m in self.messages if m.queue == queue]

    def reports(self, pipe: str) -> list[list[TrackingReport]]:
        return [decode_tracking_reports(m.task_data) for m in self.decoded(pipe)]


def payload(message: TaskMessage) -> Any:
    return json.loads(message.task_data)

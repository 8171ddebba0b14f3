"""The outputs of a group of deliveries, published together: one confirm wait for the group.

The runner gives `OutputBatch.add` to the DeliveryHandler as its publish function and calls
`begin(key)` before each delivery, so every output is known to belong to one delivery.
`flush()` publishes what was collected in one confirmed `publish_batch`; the keys of the
deliveries with an output that was not confirmed end up in `failed`, and the runner requeues
exactly those (at-least-once: their confirmed outputs will be sent again, nothing is lost).

Tracking reports of several deliveries to the same pipe (same correlation id) are merged into
fewer TrackingReportTask messages, published before the other outputs of the group: a task's
reports still precede its final response (reference §3.9), and no input is acked before the
whole group is confirmed.

A delivery with many outputs (a batch worker's subtasks) flushes the group every `chunk`
messages, which bounds memory; if its own outputs are refused then, `add` raises PublishError
so that the handler stops and the delivery is requeued.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from jobservice.messaging.broker import OutgoingMessage, PublishError
from jobservice.messaging.delivery import PUBLISH_CHUNK
from jobservice.messaging.messages import tracking_report_message
from jobservice.messaging.responses import ReportMessage

logger = logging.getLogger(__name__)

# Reports per merged TrackingReportTask message (the tracker reads any number; this keeps a
# message small).
MERGED_REPORTS_LIMIT = 100

Owners = tuple[Hashable, ...]


class OutputBatch:
    def __init__(self, publish: Callable[[list[OutgoingMessage]], Any], *, chunk: int = PUBLISH_CHUNK,
                 merged_reports_limit: int = MERGED_REPORTS_LIMIT) -> None:
        self._publish = publish
        self._chunk = max(1, chunk)
        self._merged_reports_limit = max(1, merged_reports_limit)
        self._collected: list[tuple[Hashable, OutgoingMessage]] = []
        self._owner: Hashable = None
        self.failed: set[Hashable] = set()

    def __len__(self) -> int:
        return len(self._collected)

    def begin(self, owner: Hashable) -> None:
        """The following outputs are published on behalf of `owner` (one delivery)."""
        self._owner = owner

    def add(self, messages: Iterable[OutgoingMessage]) -> int:
        owner = self._owner
        count = 0
        for message in messages:
            self._collected.append((owner, message))
            count += 1
        if len(self._collected) >= self._chunk:
            self.flush()
            if owner in self.failed:
                raise PublishError("an output of this delivery was not confirmed")
        return count

    def flush(self) -> None:
        """Publishes everything collected (one confirm wait); never raises PublishError."""
        if not self._collected:
            return
        collected, self._collected = self._collected, []
        ordered = merge_reports(collected, limit=self._merged_reports_limit)
        try:
            self._publish([message for _, message in ordered])
        except PublishError as exc:
            failed = {owner for position, (owners, _) in enumerate(ordered) if exc.affects(position)
                      for owner in owners}
            self.failed.update(failed)
            logger.warning("%d of %d output(s) not confirmed (%s): %d delivery(ies) will be requeued",
                           len(ordered) if exc.unconfirmed is None else len(exc.unconfirmed),
                           len(ordered), exc, len(failed))

    def clear(self) -> None:
        """Forgets the outcome of the last group; call after settling it."""
        self._collected = []
        self.failed = set()
        self._owner = None


def merge_reports(collected: list[tuple[Hashable, OutgoingMessage]], *,
                  limit: int = MERGED_REPORTS_LIMIT) -> list[tuple[Owners, OutgoingMessage]]:
    """The messages to publish, each with the deliveries it belongs to: the report messages
    merged per (pipe, correlation id) first, then every other message in its order."""
    reports: dict[tuple[str, str | None], list[tuple[Hashable, ReportMessage]]] = {}
    others: list[tuple[Owners, OutgoingMessage]] = []
    for owner, message in collected:
        if isinstance(message, ReportMessage) and not message.headers:
            reports.setdefault((message.queue, message.correlation_id), []).append((owner, message))
        else:
            others.append(((owner,), message))
    merged: list[tuple[Owners, OutgoingMessage]] = []
    for (pipe, correlation_id), group in reports.items():
        for part in _split(group, limit):
            if len(part) == 1:  # nothing to merge: the message as it was built
                merged.append(((part[0][0],), part[0][1]))
                continue
            owners = tuple(dict.fromkeys(owner for owner, _ in part))
            carried = [report for _, message in part for report in message.reports]
            body = tracking_report_message(carried, tracking_pipe=pipe, correlation_id=correlation_id).encode()
            merged.append((owners, OutgoingMessage(pipe, body)))
    return merged + others


def _split(group: list[tuple[Hashable, ReportMessage]], limit: int) -> list[list[tuple[Hashable, ReportMessage]]]:
    """Consecutive parts of `group` carrying at most `limit` reports each (a message is never
    cut: its reports stay together and in order)."""
    parts: list[list[tuple[Hashable, ReportMessage]]] = []
    size = 0
    for entry in group:
        count = len(entry[1].reports)
        if not parts or size + count > limit:
            parts.append([])
            size = 0
        parts[-1].append(entry)
        size += count
    return parts

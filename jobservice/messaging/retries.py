"""Redelivery counting and the poison decision (reference worker-messaging.md §2.6).

Quorum queues count deliveries themselves (`x-delivery-count`); classic queues don't, so a
redelivered message is republished to the retry queue with `x-caf-worker-retry: <n>` and the
copy, a fresh delivery, is processed. Over the retry limit a message is "poison": the worker
does not run it again but reports it failed and copies it to the reject queue.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DELIVERY_COUNT_HEADER = "x-delivery-count"
RETRY_HEADER = "x-caf-worker-retry"
REJECTED_HEADER = "x-caf-worker-rejected"
REJECTED_REASON_HEADER = "x-caf-worker-rejected-reason"
TASKMESSAGE_INVALID = "TASKMESSAGE_INVALID"


@dataclass(frozen=True)
class RetryDecision:
    poison: bool = False
    # Set for a redelivered classic-queue message: republish it with this retry count, ack it.
    republish_retry: int | None = None


def retry_count(headers: Mapping[str, Any]) -> int:
    raw = headers.get(DELIVERY_COUNT_HEADER, headers.get(RETRY_HEADER, 0))
    try:
        return int(raw)
    except (TypeError, ValueError):  # a header set by hand; count it as a first attempt
        return 0


def decide_retry(headers: Mapping[str, Any], *, redelivered: bool, retry_limit: int) -> RetryDecision:
    if not redelivered:
        return RetryDecision()
    retries = retry_count(headers)
    if DELIVERY_COUNT_HEADER in headers:  # quorum queue: the broker counts
        return RetryDecision(poison=retries > retry_limit)
    if retries < retry_limit:
        return RetryDecision(republish_retry=retries + 1)
    return RetryDecision(poison=True)

"""Retry counting and the poison decision (reference §2.6)."""
import pytest

from jobservice.messaging.retries import RetryDecision, decide_retry


@pytest.mark.parametrize(
    ("headers", "redelivered", "decision"),
    [
        ({}, False, RetryDecision()),
        ({"x-caf-worker-retry": "10"}, False, RetryDecision()),  # a fresh copy is never poison
        ({}, True, RetryDecision(republish_retry=1)),  # classic: republish with a count
        ({"x-caf-worker-retry": "9"}, True, RetryDecision(republish_retry=10)),
        ({"x-caf-worker-retry": "10"}, True, RetryDecision(poison=True)),
        ({"x-delivery-count": 10}, True, RetryDecision()),  # quorum: the broker counts
        ({"x-delivery-count": 11}, True, RetryDecision(poison=True)),
        ({"x-delivery-count": 11, "x-caf-worker-retry": "1"}, True, RetryDecision(poison=True)),
        ({"x-caf-worker-retry": "junk"}, True, RetryDecision(republish_retry=1)),
    ],
)
def test_retry_decision(headers, redelivered, decision):
    assert decide_retry(headers, redelivered=redelivered, retry_limit=10) == decision

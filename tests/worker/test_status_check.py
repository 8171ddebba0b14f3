"""Status checks of tracked tasks (reference §3.2) against a small local HTTP server."""
import pytest

from jobservice.messaging.job_status import JobStatus
from jobservice.messaging.status_check import (
    DEFAULT_INTERVAL_MILLIS,
    JobState,
    StatusChecker,
    parse_max_age_millis,
    parse_status_body,
)

from .conftest import tracking_info

NOW = 1_700_000_000_000


def checker() -> StatusChecker:
    return StatusChecker(timeout=2, clock=lambda: NOW)


@pytest.mark.parametrize(
    ("body", "state"),
    [
        ('"Paused"', JobState.PAUSED),
        ("Cancelled\nmore", JobState.CANCELLED),
        ('"Waiting"', JobState.WAITING),
        ("", JobState.ACTIVE),
        ("true", JobState.ACTIVE),
        ('"paused"', JobState.ACTIVE),  # case-sensitive, anything unknown means Active
        ('"NotFound"', JobState.ACTIVE),
    ],
)
def test_status_body_first_line_without_quotes(body, state):
    assert parse_status_body(body) is state


@pytest.mark.parametrize("status", list(JobStatus))
def test_every_job_status_the_service_answers_is_understood(status):
    # The status endpoint answers the stored status as a JSON string; a worker must not
    # mistake any of them for "Active".
    assert parse_status_body(f'"{status}"') == status


@pytest.mark.parametrize(
    ("header", "millis"),
    [("max-age=7", 7000), ("public, max-age=0", 0), (None, DEFAULT_INTERVAL_MILLIS), ("no-cache", DEFAULT_INTERVAL_MILLIS)],
)
def test_interval_comes_from_cache_control(header, millis):
    assert parse_max_age_millis(header) == millis


def test_due_check_asks_the_server_and_refreshes_tracking(status_server):
    status_server.statuses["J1"] = "Paused"
    status_server.max_age = 7
    tracking = tracking_info(url=status_server.url("p1", "J1"), last_check=None)

    state, refreshed = checker().check(tracking)

    assert state is JobState.PAUSED
    assert status_server.requests == ["/partitions/p1/jobs/J1/status"]
    assert refreshed.last_status_check_time == NOW
    assert refreshed.status_check_interval_millis == 7000
    assert refreshed.job_task_id == tracking.job_task_id and refreshed.track_to == tracking.track_to


def test_check_not_due_makes_no_request(status_server):
    status_server.statuses["J1"] = "Cancelled"
    tracking = tracking_info(url=status_server.url("p1", "J1"), last_check=NOW - 1000, interval=5000)

    state, same = checker().check(tracking)

    assert state is JobState.ACTIVE and same == tracking
    assert status_server.requests == []


def test_check_due_exactly_at_the_end_of_the_interval(status_server):
    status_server.statuses["J1"] = "Cancelled"
    tracking = tracking_info(url=status_server.url("p1", "J1"), last_check=NOW - 5000, interval=5000)

    assert checker().check(tracking)[0] is JobState.CANCELLED


def test_unknown_job_is_not_found_and_tracking_is_left_alone(status_server):
    tracking = tracking_info(url=status_server.url("p1", "gone"))

    state, same = checker().check(tracking)

    assert state is JobState.NOT_FOUND and same == tracking


def test_unreachable_server_means_active_with_the_default_interval(monkeypatch):
    monkeypatch.setenv("CAF_STATUS_CHECK_ALLOWED_URL_PREFIXES", "http://127.0.0.1:9/")
    tracking = tracking_info(url="http://127.0.0.1:9/partitions/p1/jobs/J1/status")

    state, refreshed = checker().check(tracking)

    assert state is JobState.ACTIVE
    assert refreshed.last_status_check_time == NOW
    assert refreshed.status_check_interval_millis == DEFAULT_INTERVAL_MILLIS


def test_untracked_or_urlless_tasks_are_active_without_a_request(status_server):
    assert checker().check(None) == (JobState.ACTIVE, None)
    no_url = tracking_info(url=None)
    assert checker().check(no_url) == (JobState.ACTIVE, no_url)


def test_cacheable_answers_are_reused_for_their_max_age(status_server):
    status_server.statuses["J1"] = "Active"
    status_server.cacheable = True
    status_checker = checker()
    tracking = tracking_info(url=status_server.url("p1", "J1"))

    status_checker.check(tracking)
    status_server.statuses["J1"] = "Cancelled"
    cached_state, _ = status_checker.check(tracking)

    assert cached_state is JobState.ACTIVE
    assert len(status_server.requests) == 1


def test_answers_without_the_cacheable_header_are_not_cached(status_server):
    status_server.statuses["J1"] = "Active"
    status_checker = checker()
    tracking = tracking_info(url=status_server.url("p1", "J1"))

    status_checker.check(tracking)
    status_server.statuses["J1"] = "Cancelled"

    assert status_checker.check(tracking)[0] is JobState.CANCELLED

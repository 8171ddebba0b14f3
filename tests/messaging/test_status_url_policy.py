"""Workers follow only status check URLs under the Job Service's URL or another allowed prefix,
over http or https; any other URL counts as none (the task runs, one warning per origin)."""
import logging

import pytest

from jobservice.messaging.messages import TrackingInfo
from jobservice.messaging.status_check import JobState, StatusAnswer, StatusChecker, StatusUrlPolicy

SERVICE = "http://jobservice:8080/job-service/v1"
POLICY = StatusUrlPolicy([SERVICE, "https://status.example.com/jobs/"])


@pytest.mark.parametrize(
    "url",
    [
        f"{SERVICE}/partitions/p/jobs/j/status",
        f"{SERVICE}/partitions/p/jobs/j/status?signature=abc",
        "HTTP://JOBSERVICE:8080/job-service/v1/partitions/p/jobs/j/status",  # scheme and host: any case
        "https://status.example.com/jobs/p/j",
        "https://status.example.com:443/jobs/p/j",  # the default port, written out
    ],
)
def test_urls_under_an_allowed_prefix_are_followed(url):
    assert POLICY.allows(url)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://jobservice:8080/job-service/v1/partitions/p/jobs/j/status",
        "gopher://jobservice:8080/job-service/v1/x",
        "http://metadata.internal/latest/meta-data/",
        "http://jobservice:8081/job-service/v1/partitions/p/jobs/j/status",  # another port
        "https://jobservice:8080/job-service/v1/partitions/p/jobs/j/status",  # another scheme
        "http://jobservice:8080/job-service/v1evil/partitions",  # not a whole path segment
        "http://jobservice:8080/admin/",
        "http://jobservice:8080/job-service/v1/../../admin/",  # dot segments
        "http://jobservice:8080/job-service/v1/%2e%2e/admin/",
        "http://jobservice:8080@evil.example/job-service/v1/x",  # user info: the host is evil.example
        "http://jobservice:8080.evil.example/job-service/v1/x",
        "http://jobservice:notaport/job-service/v1/x",
        "http:///job-service/v1/x",
        "https://status.example.com/jobsx/p",
        "",
    ],
)
def test_anything_else_is_refused(url):
    assert not POLICY.allows(url)


def test_the_policy_comes_from_the_environment_outside_django():
    policy = StatusUrlPolicy.from_environment({
        "CAF_WEBSERVICE_URL": SERVICE,
        "CAF_STATUS_CHECK_ALLOWED_URL_PREFIXES": "http://old-jobservice/job-service/v1, https://other/",
    })
    assert policy.allows(f"{SERVICE}/partitions/p/jobs/j/status")
    assert policy.allows("http://old-jobservice/job-service/v1/partitions/p/jobs/j/status")
    assert policy.allows("https://other/x") and not policy.allows("http://other/x")
    default = StatusUrlPolicy.from_environment({})
    assert default.allows("http://127.0.0.1:8000/job-service/v1/partitions/p/jobs/j/status")
    assert not default.allows("http://10.0.0.1/job-service/v1/partitions/p/jobs/j/status")


def tracking(url: str) -> TrackingInfo:
    return TrackingInfo("p:j", None, 1000, url, "tracking-in", "out")


def test_a_refused_url_is_never_fetched_the_task_runs_and_one_warning_per_origin(monkeypatch, caplog):
    checker = StatusChecker(url_policy=POLICY)
    fetched = []
    monkeypatch.setattr(checker, "_fetch", lambda url: fetched.append(url) or (StatusAnswer(JobState.CANCELLED, 1), False))
    caplog.set_level(logging.WARNING, "jobservice.messaging.status_check")

    for job in ("a", "b", "c"):
        refused = tracking(f"http://169.254.169.254/latest/{job}")
        assert checker.check(refused) == (JobState.ACTIVE, refused)  # as if it had no status URL
    assert checker.check(tracking("file:///etc/passwd"))[0] is JobState.ACTIVE
    assert fetched == []
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2 and "169.254.169.254" in warnings[0] and "file://" in warnings[1]

    state, _ = checker.check(tracking(f"{SERVICE}/partitions/p/jobs/j/status"))
    assert state is JobState.CANCELLED and fetched == [f"{SERVICE}/partitions/p/jobs/j/status"]

"""What the cancel promise of the pipeline rests on: a status answer reused from the cache
makes a message look checked when the answer was fetched, not when it was reused. Otherwise
work goes on for up to two intervals after a cancel (one of cache, one carried on the message)."""
from jobservice.messaging.messages import TrackingInfo
from jobservice.messaging.status_check import JobState, StatusAnswer, StatusChecker, StatusUrlPolicy


def test_a_cached_answer_keeps_its_fetch_time(monkeypatch) -> None:
    now = [1_000_000]
    checker = StatusChecker(clock=lambda: now[0], url_policy=StatusUrlPolicy(["http://service/"]))
    fetches = []

    def fetch(url: str) -> tuple[StatusAnswer, bool]:
        fetches.append(now[0])
        return StatusAnswer(JobState.ACTIVE, 1000), True

    monkeypatch.setattr(checker, "_fetch", fetch)
    tracking = TrackingInfo("p:J.1", None, 1000, "http://service/partitions/p/jobs/J/status", "t-in", "out")
    _, first = checker.check(tracking)
    now[0] += 900  # still within the answer's max-age: the cached answer is reused
    _, second = checker.check(tracking)

    assert fetches == [1_000_000]
    assert first.last_status_check_time == second.last_status_check_time == 1_000_000
    now[0] += 100  # one interval after the fetch: a message carrying it is due again
    assert checker._is_due(second)

"""Job status checks of tracked tasks (reference worker-messaging.md §3.2).

A worker asks the Job Service whether the job of a tracked task is still worth working on, at
most once per interval per message: due when `lastStatusCheckTime` is null or
`lastStatusCheckTime + statusCheckIntervalMillis <= now`. After a check (any outcome but 404)
the message's tracking carries the new check time and the interval the server asked for with
`Cache-Control: max-age`; every message produced from the delivery carries that tracking.

An unreachable or failing status URL means "Active": a Job Service outage must not stop work.

A message chooses the URL, so a worker follows only http(s) URLs under the Job Service's own
URL or another allowed prefix (StatusUrlPolicy); any other URL is treated as no status check
URL (the task runs, a warning is logged once per origin). Otherwise a message could make the
worker fetch `file://` paths or probe internal hosts (docs/security.md).
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from jobservice.messaging.job_status import JobStatus
from jobservice.messaging.messages import TrackingInfo, now_millis

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_MILLIS = 120_000
MAX_CACHE_SECONDS = 3600
MAX_CACHE_ENTRIES = 1000
_MAX_AGE = re.compile(r"max-age=([0-9]*)")
# The Job Service's public URL when CAF_WEBSERVICE_URL is not set (as in its settings).
DEFAULT_SERVICE_URL = "http://127.0.0.1:8000/job-service/v1"
_DEFAULT_PORTS = {"http": 80, "https": 443}


# What a status check can tell: a job status, or NOT_FOUND ("NotFound") when the status URL
# answered 404 (the job was deleted). Built from JobStatus so the two cannot drift apart.
JobState = StrEnum(
    "JobState", [*((status.name, status.value) for status in JobStatus), ("NOT_FOUND", "NotFound")]
)


# Messages of jobs in these states are dropped without output (§3.3).
DISCARDED_STATES = frozenset({JobState.CANCELLED, JobState.COMPLETED, JobState.FAILED, JobState.NOT_FOUND})


@dataclass(frozen=True)
class StatusAnswer:
    state: JobState
    interval_millis: int
    # When the Job Service gave this answer (epoch ms); None: not known (not cached).
    checked_at: int | None = None


@dataclass(frozen=True)
class _Prefix:
    scheme: str
    host: str
    port: int
    path: str  # ends with "/"


def _split(url: str) -> _Prefix | None:
    """The parts a prefix is compared by; None for what a worker never follows (another
    scheme, no host, user info in the authority, `.` or `..` path segments)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        return None
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return _Prefix(scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme], path)


class StatusUrlPolicy:
    """Which status check URLs a worker follows: http and https URLs on the scheme, host and
    port of an allowed prefix, with a path under the prefix's path (whole segments)."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        self.prefixes = [prefix for prefix in map(_split, prefixes) if prefix is not None]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> StatusUrlPolicy:
        """CAF_WEBSERVICE_URL and the comma-separated CAF_STATUS_CHECK_ALLOWED_URL_PREFIXES
        (for workers that run outside the service's Django settings)."""
        extra = environ.get("CAF_STATUS_CHECK_ALLOWED_URL_PREFIXES", "")
        return cls([environ.get("CAF_WEBSERVICE_URL") or DEFAULT_SERVICE_URL, *extra.split(",")])

    def allows(self, url: str) -> bool:
        target = _split(url)
        return target is not None and any(
            (target.scheme, target.host, target.port) == (prefix.scheme, prefix.host, prefix.port)
            and target.path.startswith(prefix.path)
            for prefix in self.prefixes
        )


class StatusChecker:
    """Checks job status over HTTP (urllib, short timeout) with the original's small cache:
    an answer carrying `CacheableJobStatus: true` is reused for its max-age (at most 1 h).
    Only URLs the policy allows are followed (default: StatusUrlPolicy.from_environment())."""

    def __init__(self, *, timeout: float = 5.0, clock: Callable[[], int] = now_millis,
                 url_policy: StatusUrlPolicy | None = None) -> None:
        self.timeout = timeout
        self.clock = clock
        self.url_policy = url_policy or StatusUrlPolicy.from_environment()
        self._cache: OrderedDict[str, tuple[float, StatusAnswer]] = OrderedDict()
        self._lock = threading.Lock()
        self._refused_origins: set[str] = set()

    def check(self, tracking: TrackingInfo | None) -> tuple[JobState, TrackingInfo | None]:
        """The job's state and the tracking to carry on (refreshed when a check was made)."""
        if tracking is None or not self._is_due(tracking) or not tracking.status_check_url:
            return JobState.ACTIVE, tracking
        if not self.url_policy.allows(tracking.status_check_url):
            self._warn_refused(tracking.status_check_url)
            return JobState.ACTIVE, tracking
        answer = self._answer(tracking.status_check_url)
        if answer.state is JobState.NOT_FOUND:
            return answer.state, tracking
        # A cached answer is as old as its fetch: carrying the fetch time keeps "checked at
        # most one interval ago" true, so a cancel stops work within one interval, not two.
        refreshed = TrackingInfo(
            job_task_id=tracking.job_task_id,
            last_status_check_time=answer.checked_at if answer.checked_at is not None else self.clock(),
            status_check_interval_millis=answer.interval_millis,
            status_check_url=tracking.status_check_url,
            tracking_pipe=tracking.tracking_pipe,
            track_to=tracking.track_to,
        )
        return answer.state, refreshed

    def _warn_refused(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"[:200]
        except ValueError:
            origin = url[:200]
        with self._lock:
            if origin in self._refused_origins or len(self._refused_origins) >= MAX_CACHE_ENTRIES:
                return
            self._refused_origins.add(origin)
        logger.warning(
            "Status check URL %r is not under CAF_WEBSERVICE_URL or CAF_STATUS_CHECK_ALLOWED_URL_PREFIXES: "
            "tasks carrying such URLs run without status checks (logged once per origin)", url[:200]
        )

    def _is_due(self, tracking: TrackingInfo) -> bool:
        last = tracking.last_status_check_time
        return last is None or last + tracking.status_check_interval_millis <= self.clock()

    def _answer(self, url: str) -> StatusAnswer:
        with self._lock:
            cached = self._cache.get(url)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
        checked_at = self.clock()
        answer, cacheable = self._fetch(url)
        answer = replace(answer, checked_at=checked_at)
        if cacheable:
            lifetime = min(answer.interval_millis / 1000, MAX_CACHE_SECONDS)
            with self._lock:
                self._cache[url] = (time.monotonic() + lifetime, answer)
                self._cache.move_to_end(url)
                while len(self._cache) > MAX_CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return answer

    def _fetch(self, url: str) -> tuple[StatusAnswer, bool]:
        request = urllib.request.Request(url, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(4096).decode("utf-8", errors="replace")
                headers = response.headers
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return StatusAnswer(JobState.NOT_FOUND, DEFAULT_INTERVAL_MILLIS), False
            logger.warning("Status check %s answered %s; carrying on as Active", url, exc.code)
            return StatusAnswer(JobState.ACTIVE, DEFAULT_INTERVAL_MILLIS), False
        except (OSError, ValueError) as exc:  # unreachable, timeout, malformed URL
            logger.warning("Status check %s failed (%s); carrying on as Active", url, exc)
            return StatusAnswer(JobState.ACTIVE, DEFAULT_INTERVAL_MILLIS), False
        state = parse_status_body(body)
        interval = parse_max_age_millis(headers.get("Cache-Control"))
        cacheable = (headers.get("CacheableJobStatus") or "").strip().lower() == "true"
        return StatusAnswer(state, interval), cacheable


def parse_status_body(body: str) -> JobState:
    """First line, quotes removed, case-sensitive; anything else (e.g. legacy `true`) is Active."""
    first_line = body.splitlines()[0] if body else ""
    text = first_line.replace('"', "").strip()
    try:
        state = JobState(text)
    except ValueError:
        return JobState.ACTIVE
    return JobState.ACTIVE if state is JobState.NOT_FOUND else state


def parse_max_age_millis(cache_control: str | None) -> int:
    match = _MAX_AGE.search(cache_control or "")
    if match is None or not match.group(1):
        return DEFAULT_INTERVAL_MILLIS
    return int(match.group(1)) * 1000

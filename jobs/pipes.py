"""Which queues a job may send its task to: the rule for every `taskPipe` and `targetPipe`,
whether a client wrote it or a job type's script built it (docs/security.md, "What any client
may send").

A job's task is published to its task pipe and, through the worker's result, to its target
pipe. Naming one of the service's own queues would let a client speak as the service: forged
tracking reports on the tracker's queue change other tenants' jobs, a task sent to the paused
store's queue loops through it for ever, and a reject queue is where operators look for what
went wrong. The names must also be ones RabbitMQ accepts, or the dispatch would fail later.
"""
import unicodedata

from django.conf import settings

from jobs.errors import BadRequest

# RabbitMQ's limit on a queue name ("short string"), in bytes.
MAX_PIPE_BYTES = 255
# Names the broker reserves for itself.
BROKER_RESERVED_PREFIX = "amq."
# Where this service's processes put what they refuse (the tracker, the paused store and the
# workers: `<worker name>-reject` by default, `<queue>-reject` for the paused store).
REJECT_SUFFIX = "-reject"


def service_queues() -> frozenset[str]:
    """The queues only the service's own processes may write to (read at call time: tests
    and deployments rename them)."""
    paused = settings.CAF_WORKER_PAUSED_QUEUE
    return frozenset({
        settings.CAF_TRACKING_PIPE,
        settings.CAF_TRACKING_ERROR_QUEUE,
        settings.CAF_TRACKING_REJECT_QUEUE,
        paused,
        f"{paused}{REJECT_SUFFIX}",
    })


def pipe_problem(name: str) -> str | None:
    """Why a job may not send to the queue `name`, or None when it may."""
    if len(name.encode("utf-8")) > MAX_PIPE_BYTES:
        return f"is longer than {MAX_PIPE_BYTES} bytes (UTF-8)"
    if any(unicodedata.category(character) == "Cc" for character in name):
        return "contains a control character"
    if name in service_queues():
        return "is a queue of the job service itself"
    if name.endswith(REJECT_SUFFIX):
        return f"is a reject queue (names ending in {REJECT_SUFFIX!r} are kept for them)"
    if name.startswith(BROKER_RESERVED_PREFIX):
        return f"is reserved by the broker ({BROKER_RESERVED_PREFIX}*)"
    return None


def check_pipe(name: str, what: str) -> None:
    """BadRequest naming `what` ("The task queue name") when `name` breaks the rule."""
    problem = pipe_problem(name)
    if problem is not None:
        raise BadRequest(f"{what} {_shown(name)} {problem}.")


def _shown(name: str) -> str:
    # Quoted with escapes, cut short: the message must not carry control characters or a
    # megabyte of the client's input back.
    return repr(name[:80] + ("..." if len(name) > 80 else ""))

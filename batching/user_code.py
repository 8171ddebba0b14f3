"""Calling plugin and builder code: whatever it raises is the task's failure, never the
process's end.

Plugins, builders and the modules that hold them are code the worker does not control; a
`SystemExit` from a module's import, a `KeyboardInterrupt` or any other BaseException raised
by them fails the one task with a readable message (docs/batching.md, "Failures"). Only the
process's own signals stop it: `run_batch_worker` handles SIGTERM/SIGINT by setting a stop
flag, so no real KeyboardInterrupt is raised there. Where Python's default SIGINT handler is
still installed (the worker run inside another program), a KeyboardInterrupt may be the
user's Ctrl-C and is let through.
"""
from __future__ import annotations

import signal

from batching.errors import BatchDefinitionError

# Failure texts stay readable (and fit a job's failure record) whatever a plugin says.
MAX_DESCRIPTION = 1000


def is_process_interrupt(exc: BaseException) -> bool:
    """Whether `exc` may be the process being interrupted, which must not be swallowed."""
    return isinstance(exc, KeyboardInterrupt) and signal.getsignal(signal.SIGINT) is signal.default_int_handler


def describe(exc: BaseException) -> str:
    """`Type: message` of an exception (its message alone for BatchDefinitionError and its
    kind, which are written for the job's owner), short, even when its `str()` fails."""
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - a broken __str__ is the plugin's, not ours
        text = ""
    if not isinstance(exc, BatchDefinitionError):
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= MAX_DESCRIPTION else text[:MAX_DESCRIPTION] + "..."

"""Evaluation state: variable scopes and the sandbox budget."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import JsltLimitError


@dataclass(frozen=True)
class Limits:
    """Sandbox limits for one ``Expression.apply`` call.

    ``max_steps`` counts evaluated expression nodes, ``timeout_seconds`` is a
    wall-clock deadline, ``max_depth`` bounds nested calls of user-defined
    functions, and ``max_output_size`` bounds the JSON size (in characters)
    of the result and of any single string, array or object built on the way.
    """

    max_steps: int = 1_000_000
    timeout_seconds: float = 5.0
    max_depth: int = 100
    max_output_size: int = 10_000_000


class Scope:
    """One level of lexically scoped variables."""

    __slots__ = ("bindings", "parent")

    def __init__(self, parent: "Scope | None" = None, bindings: dict | None = None):
        self.parent = parent
        self.bindings = bindings if bindings is not None else {}

    def lookup(self, name: str):
        scope = self
        while scope is not None:
            if name in scope.bindings:
                return scope.bindings[name]
            scope = scope.parent
        raise KeyError(name)


# The clock is read only every this many steps: cheap, still fine-grained.
_CLOCK_CHECK_INTERVAL = 256


class EvalContext:
    """Per-evaluation state: limits, step counter, call depth, options."""

    __slots__ = ("limits", "keep_nulls", "steps", "depth", "deadline", "global_scope")

    def __init__(self, limits: Limits, keep_nulls: bool):
        self.limits = limits
        self.keep_nulls = keep_nulls
        self.steps = 0
        self.depth = 0
        self.deadline = time.monotonic() + limits.timeout_seconds
        self.global_scope: Scope | None = None

    def tick(self, node) -> None:
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise JsltLimitError(
                f"Evaluation exceeded the limit of {self.limits.max_steps} steps", node.line, node.column
            )
        if self.steps % _CLOCK_CHECK_INTERVAL == 0 and time.monotonic() > self.deadline:
            raise JsltLimitError(
                f"Evaluation exceeded the time limit of {self.limits.timeout_seconds} seconds",
                node.line,
                node.column,
            )

    def check_size(self, value, node) -> None:
        """Reject a freshly built string/array/object that is too large."""
        if len(value) > self.limits.max_output_size:
            raise JsltLimitError(
                f"Value of size {len(value)} exceeds the maximum output size of {self.limits.max_output_size}",
                node.line,
                node.column,
            )

"""A sandboxed JSLT interpreter in pure Python.

JSLT is the JSON query and transformation language of schibsted/jslt; job
type definitions use it for their task scripts. Usage::

    from jobs.jslt import compile_jslt

    expression = compile_jslt('{"id": .jobId, "pipe": .configuration.PIPE}')
    output = expression.apply(input_json, keep_nulls=True)

``compile_jslt`` raises ``JsltSyntaxError``; ``apply`` raises ``JsltError``
(``JsltUserError`` for the ``error()`` built-in, ``JsltLimitError`` for
sandbox limits). All carry ``message``, ``line`` and ``column``.

Not supported: ``import`` of modules other than JSLT's experimental module.
"""

from __future__ import annotations

from typing import Any, Mapping

from .context import EvalContext, Limits, Scope
from .errors import JsltError, JsltLimitError, JsltSyntaxError, JsltUserError
from .functions import BUILTINS
from .parser import parse_program
from .values import to_json

__all__ = [
    "BUILTINS",
    "Expression",
    "JsltError",
    "JsltLimitError",
    "JsltSyntaxError",
    "JsltUserError",
    "Limits",
    "compile_jslt",
]

_DEFAULT_LIMITS = Limits()


class Expression:
    """A compiled JSLT expression; immutable and safe to reuse and share."""

    def __init__(self, source: str, program):
        self.source = source
        self._program = program

    def apply(
        self,
        input_json: Any = None,
        *,
        variables: Mapping[str, Any] | None = None,
        keep_nulls: bool = False,
        max_steps: int = _DEFAULT_LIMITS.max_steps,
        timeout_seconds: float = _DEFAULT_LIMITS.timeout_seconds,
        max_depth: int = _DEFAULT_LIMITS.max_depth,
        max_output_size: int = _DEFAULT_LIMITS.max_output_size,
    ) -> Any:
        """Evaluate against ``input_json`` (a parsed JSON value).

        ``keep_nulls=False`` is JSLT's default: object constructors drop keys
        whose value is null, ``{}`` or ``[]``. Job type task scripts use
        ``keep_nulls=True`` to keep them. ``variables`` are bound as ``$name``.
        The remaining options are the sandbox limits (see ``Limits``).
        """
        limits = Limits(max_steps, timeout_seconds, max_depth, max_output_size)
        ctx = EvalContext(limits, keep_nulls)
        external = Scope(None, dict(variables or {}))
        try:
            result = self._program.evaluate(input_json, external, ctx)
        except RecursionError:
            raise JsltLimitError("Maximum recursion depth exceeded: expression or data nested too deeply") from None
        # Shared sub-values can make a result exponentially larger than the
        # work done to build it, so measure the real serialized size.
        to_json(result, limit=max_output_size)
        return result

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def compile_jslt(source: str) -> Expression:
    """Compile JSLT source text; raises JsltSyntaxError with line and column."""
    if not isinstance(source, str):
        raise TypeError("JSLT source must be a string")
    return Expression(source, parse_program(source))

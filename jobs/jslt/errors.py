"""Exceptions raised by the JSLT interpreter.

Every error carries the line and column (1-based) of the offending
expression when it is known, and ``message`` holds the bare text so callers
can show it without the position prefix.
"""

from __future__ import annotations


class JsltError(Exception):
    """Any failure while compiling or evaluating a JSLT expression."""

    kind = "Error"

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        if self.line is None:
            return f"{self.kind}: {self.message}"
        return f"{self.kind} at line {self.line}, column {self.column}: {self.message}"

    def __str__(self) -> str:
        return self._format()

    def with_position(self, line: int, column: int) -> "JsltError":
        """Attach a position if the error does not have one yet."""
        if self.line is None:
            self.line = line
            self.column = column
            self.args = (self._format(),)
        return self


class JsltSyntaxError(JsltError):
    """The source text is not valid JSLT (or uses an unsupported construct)."""

    kind = "Parse error"


class JsltUserError(JsltError):
    """Raised by the ``error(message)`` built-in: the script chose to fail."""

    kind = "error()"


class JsltLimitError(JsltError):
    """A sandbox limit (steps, time, depth, output size) was exceeded."""

    kind = "Limit exceeded"

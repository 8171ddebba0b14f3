"""The task script of a job type: JSLT compiled at load time, run at job creation.

The only module of job types that knows the JSLT interpreter's API (jobs.jslt); the rest sees
TaskScript, ScriptSyntaxError, ScriptUserError and ScriptFailure.
"""
from typing import Any

from jobs import jslt


class ScriptSyntaxError(Exception):
    """The script does not compile; the message carries the line and column."""


class ScriptUserError(Exception):
    """The script called error("..."): the client's input is at fault."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ScriptFailure(Exception):
    """Any other failure while running the script: the definition is at fault."""


class TaskScript:
    def __init__(self, expression: Any) -> None:
        self._expression = expression

    def run(self, script_input: dict[str, Any]) -> Any:
        # Null and empty values are kept in constructed objects, as the original configures
        # its engine: `"targetPipe": null` must reach the task schema check, not vanish.
        try:
            return self._expression.apply(script_input, keep_nulls=True)
        except jslt.JsltUserError as error:
            raise ScriptUserError(error.message) from error
        except jslt.JsltError as error:
            raise ScriptFailure(str(error)) from error
        except (RecursionError, ArithmeticError, TypeError, ValueError) as error:
            # An interpreter bug or a pathological script must not crash the request with an
            # unexplained 500: it is reported as a script failure like any other.
            raise ScriptFailure(repr(error)) from error


def compile_task_script(source: str) -> TaskScript:
    try:
        return TaskScript(jslt.compile_jslt(source))
    except jslt.JsltError as error:
        raise ScriptSyntaxError(str(error)) from error

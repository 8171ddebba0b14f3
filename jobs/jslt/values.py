"""JSON value semantics shared by operators and functions.

Values are plain Python JSON values: None, bool, int, float, str, list, dict.
Integers and floats are kept apart (``1`` vs ``1.0``) like Jackson's IntNode
and DoubleNode, because JSLT distinguishes them (``is-integer``, division).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal

from .errors import JsltError, JsltLimitError


def is_number(value) -> bool:
    # bool is a subclass of int in Python, but not a number in JSON.
    return type(value) is int or type(value) is float


def type_name(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def is_truthy(value) -> bool:
    """JSLT truthiness: null, false, 0, "", [] and {} are false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if is_number(value):
        return value != 0
    return len(value) > 0


def has_value(value) -> bool:
    """True unless the value is one that object constructors drop by default."""
    return not (value is None or (isinstance(value, (list, dict)) and not value))


def json_equal(left, right) -> bool:
    """Deep equality where numbers compare by value (123 == 123.0)."""
    if is_number(left) and is_number(right):
        return left == right
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(json_equal(v, right[k]) for k, v in left.items())
    return left == right


def compare(left, right) -> int:
    """Ordering for < <= > >= min max: numbers, strings, and null lowest."""
    if is_number(left) and is_number(right):
        return (left > right) - (left < right)
    if left is None or right is None:
        if left is None and right is None:
            return 0
        return -1 if left is None else 1
    if isinstance(left, str) and isinstance(right, str):
        return (left > right) - (left < right)
    raise JsltError(f"Can't compare {to_json(left)} and {to_json(right)}")


# ---------------------------------------------------------------- output


def format_double(number: float) -> str:
    """Format a float the way Java's Double.toString (and Jackson) does."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "-0.0" if math.copysign(1.0, number) < 0 else "0.0"
    sign, digit_tuple, exponent = Decimal(repr(number)).as_tuple()
    digits = "".join(map(str, digit_tuple))
    # scientific exponent: position of the first significant digit
    sci_exponent = len(digits) + exponent - 1
    digits = digits.rstrip("0") or "0"
    prefix = "-" if sign else ""
    if 1e-3 <= abs(number) < 1e7:
        if sci_exponent >= 0:
            integer_part = digits[: sci_exponent + 1].ljust(sci_exponent + 1, "0")
            fraction = digits[sci_exponent + 1 :] or "0"
        else:
            integer_part = "0"
            fraction = "0" * (-sci_exponent - 1) + digits
        return f"{prefix}{integer_part}.{fraction}"
    return f"{prefix}{digits[0]}.{digits[1:] or '0'}E{sci_exponent}"


class _OutputBudget:
    __slots__ = ("remaining",)

    def __init__(self, limit: int | None):
        self.remaining = limit

    def spend(self, amount: int) -> None:
        if self.remaining is not None:
            self.remaining -= amount
            if self.remaining < 0:
                raise JsltLimitError("Maximum output size exceeded while serializing a value")


def _encode_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def to_json(value, limit: int | None = None, sort_keys: bool = False) -> str:
    """Compact JSON text (no spaces), Java-style floats; bounded by ``limit`` chars."""
    budget = _OutputBudget(limit)
    parts: list[str] = []

    def emit(text: str) -> None:
        budget.spend(len(text))
        parts.append(text)

    def write(node) -> None:
        if node is None:
            emit("null")
        elif node is True:
            emit("true")
        elif node is False:
            emit("false")
        elif type(node) is int:
            emit(str(node))
        elif type(node) is float:
            emit(format_double(node))
        elif isinstance(node, str):
            emit(_encode_string(node))
        elif isinstance(node, list):
            emit("[")
            for index, item in enumerate(node):
                if index:
                    emit(",")
                write(item)
            emit("]")
        else:
            emit("{")
            items = sorted(node.items()) if sort_keys else node.items()
            for index, (key, item) in enumerate(items):
                if index:
                    emit(",")
                emit(_encode_string(key))
                emit(":")
                write(item)
            emit("}")

    write(value)
    return "".join(parts)


def to_string(value, limit: int | None = None) -> str:
    """The ``string()`` conversion: strings unchanged, others as JSON text."""
    if isinstance(value, str):
        return value
    return to_json(value, limit)


# ---------------------------------------------------------------- numbers

# JSON number syntax, except that leading zeroes and a missing integer part
# (".5") are accepted, as the number() function documents.
_NUMBER_TEXT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_number(text: str):
    """Parse number text into int or float; None if it is not a number."""
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)


def parse_json_text(text: str):
    """Parse JSON text like Jackson: empty input is null, NaN is rejected."""
    if not text.strip():
        return None

    def reject_constant(name):
        raise ValueError(f"not valid JSON: {name}")

    return json.loads(text, parse_constant=reject_constant)

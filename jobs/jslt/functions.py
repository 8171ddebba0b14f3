"""Built-in functions of JSLT (see the language's functions.md).

Each built-in receives the evaluation context first and then its already
evaluated arguments. "Macros" (``fallback``, ``group-by``) receive the
unevaluated argument nodes instead, because they decide what to evaluate.
As a rule a ``null`` main argument gives ``null``.
"""

from __future__ import annotations

import hashlib
import math
import random as _random
import time
import uuid as _uuid
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import unquote, urlsplit

from . import regex as jregex
from . import timeformat
from .errors import JsltError, JsltLimitError, JsltUserError
from .values import (
    compare,
    has_value,
    is_number,
    is_truthy,
    json_equal,
    parse_json_text,
    parse_number,
    to_json,
    to_string,
    type_name,
)


@dataclass(frozen=True)
class Builtin:
    name: str
    min_args: int
    max_args: int | None
    implementation: Callable
    is_macro: bool = False
    # for macros: argument positions evaluated with each item as `.`
    per_item_args: frozenset = field(default_factory=frozenset)


BUILTINS: dict[str, Builtin] = {}


def builtin(name: str, min_args: int, max_args: int | None = -1, macro: bool = False):
    """Register a built-in; max_args=-1 means "same as min_args", None unbounded."""

    def register(implementation):
        BUILTINS[name] = Builtin(
            name,
            min_args,
            min_args if max_args == -1 else max_args,
            implementation,
            macro,
        )
        return implementation

    return register


def _short(value) -> str:
    try:
        return to_json(value, limit=200)
    except JsltError:
        return f"<large {type_name(value)}>"


def _limit(ctx) -> int:
    return ctx.limits.max_output_size


def _checked_string(ctx, text: str) -> str:
    if len(text) > _limit(ctx):
        raise JsltLimitError(f"String of length {len(text)} exceeds the maximum output size")
    return text


# ---------------------------------------------------------------- general


@builtin("contains", 2)
def _contains(ctx, element, sequence):
    if sequence is None:
        return False
    if isinstance(sequence, list):
        return any(json_equal(element, item) for item in sequence)
    if isinstance(sequence, str):
        return element is not None and to_string(element, _limit(ctx)) in sequence
    if isinstance(sequence, dict):
        return element is not None and to_string(element, _limit(ctx)) in sequence
    raise JsltError(f"contains() can't look for a value in {_short(sequence)}: need array, string or object")


@builtin("size", 1)
def _size(ctx, sequence):
    if sequence is None:
        return None
    if isinstance(sequence, (list, dict, str)):
        return len(sequence)
    raise JsltError(f"size() can't take the size of {_short(sequence)}")


@builtin("error", 1)
def _error(ctx, message):
    raise JsltUserError(to_string(message, 10_000))


@builtin("fallback", 2, None, macro=True)
def _fallback(ctx, args, dot, scope):
    for arg in args:
        value = arg.evaluate(dot, scope, ctx)
        if has_value(value):
            return value
    return None


@builtin("min", 2)
def _min(ctx, left, right):
    if left is None or right is None:
        return None
    return left if compare(left, right) <= 0 else right


@builtin("max", 2)
def _max(ctx, left, right):
    if left is None or right is None:
        return None
    return left if compare(left, right) >= 0 else right


# ---------------------------------------------------------------- numbers


@builtin("is-number", 1)
def _is_number(ctx, value):
    return is_number(value)


@builtin("is-integer", 1)
def _is_integer(ctx, value):
    return type(value) is int


@builtin("is-decimal", 1)
def _is_decimal(ctx, value):
    return type(value) is float


_NO_FALLBACK = object()


@builtin("number", 1, 2)
def _number(ctx, value, fallback=_NO_FALLBACK):
    if is_number(value):
        return value
    if value is None:
        return None if fallback is _NO_FALLBACK else fallback
    if isinstance(value, str):
        parsed = parse_number(value) if len(value) <= 1000 else None
        if parsed is not None:
            return parsed
        if fallback is not _NO_FALLBACK:
            return fallback
        raise JsltError(f"number(): can't convert {_short(value)}: not a number")
    if fallback is not _NO_FALLBACK:
        return fallback
    raise JsltError(f"number(): can't convert {_short(value)} to a number")


def _numeric_argument(function: str, value):
    if not is_number(value):
        raise JsltError(f"{function}() needs a number, got {_short(value)}")
    return value


@builtin("round", 1)
def _round(ctx, value):
    if value is None or type(value) is int:
        return value
    # Java's Math.round: halves round up
    return int(math.floor(_numeric_argument("round", value) + 0.5))


@builtin("floor", 1)
def _floor(ctx, value):
    if value is None or type(value) is int:
        return value
    return int(math.floor(_numeric_argument("floor", value)))


@builtin("ceiling", 1)
def _ceiling(ctx, value):
    if value is None or type(value) is int:
        return value
    return int(math.ceil(_numeric_argument("ceiling", value)))


@builtin("random", 0)
def _random_number(ctx):
    return _random.random()


@builtin("sum", 1)
def _sum(ctx, array):
    if array is None:
        return None
    if not isinstance(array, list):
        raise JsltError(f"sum() needs an array, got {_short(array)}")
    total = 0
    for item in array:
        total += _numeric_argument("sum", item)
    return total


@builtin("mod", 2)
def _mod(ctx, dividend, divisor):
    if dividend is None or divisor is None:
        return None
    if not is_number(dividend):
        raise JsltError(f"mod(): dividend cannot be a non-number: {_short(dividend)}")
    if not is_number(divisor):
        raise JsltError(f"mod(): divisor cannot be a non-number: {_short(divisor)}")
    if type(dividend) is not int or type(divisor) is not int:
        raise JsltError("mod(): operands must be integral types")
    if divisor == 0:
        raise JsltError("mod(): cannot divide by zero")
    # Euclidean modulo: always in 0..abs(divisor)
    return dividend % abs(divisor)


def _java_string_hash(text: str) -> int:
    """Java's String.hashCode (over UTF-16 code units, 32-bit overflow)."""
    result = 0
    encoded = text.encode("utf-16-be")
    for index in range(0, len(encoded), 2):
        result = (31 * result + (encoded[index] << 8 | encoded[index + 1])) & 0xFFFFFFFF
    return result - (1 << 32) if result >= 1 << 31 else result


@builtin("hash-int", 1)
def _hash_int(ctx, value):
    if value is None:
        return None
    # hash of the canonical (key-sorted, compact) JSON text
    return _java_string_hash(to_json(value, _limit(ctx), sort_keys=True))


# ---------------------------------------------------------------- strings


@builtin("is-string", 1)
def _is_string(ctx, value):
    return isinstance(value, str)


@builtin("string", 1)
def _string(ctx, value):
    return to_string(value, _limit(ctx))


def _regex_subject(ctx, value) -> str:
    return jregex.check_input(to_string(value, _limit(ctx)))


@builtin("test", 2)
def _test(ctx, value, pattern):
    regex = jregex.compile_regex(pattern)
    if value is None:
        return False
    return regex.search(_regex_subject(ctx, value)) is not None


@builtin("capture", 2)
def _capture(ctx, value, pattern):
    regex = jregex.compile_regex(pattern)
    if value is None:
        return None
    match = regex.search(_regex_subject(ctx, value))
    if match is None:
        return {}
    return {name: text for name, text in match.groupdict().items() if text is not None}


@builtin("split", 2)
def _split(ctx, value, pattern):
    regex = jregex.compile_regex(pattern)
    if value is None:
        return None
    return jregex.java_split(regex, _regex_subject(ctx, value))


@builtin("join", 2)
def _join(ctx, array, separator):
    if array is None:
        return None
    if not isinstance(array, list):
        raise JsltError(f"join() needs an array, got {_short(array)}")
    separator_text = to_string(separator, _limit(ctx))
    return _checked_string(ctx, separator_text.join(to_string(item, _limit(ctx)) for item in array))


@builtin("lowercase", 1)
def _lowercase(ctx, value):
    return None if value is None else to_string(value, _limit(ctx)).lower()


@builtin("uppercase", 1)
def _uppercase(ctx, value):
    return None if value is None else to_string(value, _limit(ctx)).upper()


@builtin("sha256-hex", 1)
def _sha256_hex(ctx, value):
    if value is None:
        return None
    return hashlib.sha256(to_string(value, _limit(ctx)).encode("utf-8")).hexdigest()


@builtin("starts-with", 2)
def _starts_with(ctx, value, prefix):
    if value is None:
        return False
    return to_string(value, _limit(ctx)).startswith(to_string(prefix, _limit(ctx)))


@builtin("ends-with", 2)
def _ends_with(ctx, value, suffix):
    if value is None:
        return False
    return to_string(value, _limit(ctx)).endswith(to_string(suffix, _limit(ctx)))


@builtin("from-json", 1, 2)
def _from_json(ctx, text, fallback=_NO_FALLBACK):
    if text is None:
        return None
    try:
        if not isinstance(text, str):
            raise ValueError(f"from-json() needs a string, got {_short(text)}")
        if len(text) > _limit(ctx):
            raise ValueError("JSON text exceeds the maximum output size")
        return parse_json_text(text)
    except (ValueError, RecursionError) as error:
        if fallback is not _NO_FALLBACK:
            return fallback
        raise JsltError(f"from-json(): can't parse {_short(text)}: {error}") from None


@builtin("to-json", 1)
def _to_json(ctx, value):
    return to_json(value, _limit(ctx))


@builtin("replace", 3)
def _replace(ctx, value, pattern, replacement):
    regex = jregex.compile_regex(pattern)
    if value is None:
        return None
    if not isinstance(replacement, str):
        raise JsltError(f"replace(): replacement must be a string, got {_short(replacement)}")
    text = _regex_subject(ctx, value)
    pieces = []
    position = 0
    for match in regex.finditer(text):
        if match.start() == match.end():
            raise JsltError(f"replace(): regexp {pattern!r} matches the empty string")
        pieces.append(text[position : match.start()])
        pieces.append(replacement)
        position = match.end()
    pieces.append(text[position:])
    return _checked_string(ctx, "".join(pieces))


@builtin("trim", 1)
def _trim(ctx, value):
    if value is None:
        return None
    # Java's String.trim strips every character up to and including space
    return to_string(value, _limit(ctx)).strip("".join(chr(code) for code in range(33)))


# ---------------------------------------------------------------- booleans


@builtin("boolean", 1)
def _boolean(ctx, value):
    return is_truthy(value)


@builtin("not", 1)
def _not(ctx, value):
    return not is_truthy(value)


@builtin("is-boolean", 1)
def _is_boolean(ctx, value):
    return isinstance(value, bool)


# ---------------------------------------------------------------- objects


@builtin("is-object", 1)
def _is_object(ctx, value):
    return isinstance(value, dict)


@builtin("get-key", 2, 3)
def _get_key(ctx, obj, key, fallback=None):
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise JsltError(f"get-key() can't get a key from {_short(obj)}: not an object")
    if key is None:
        return None
    name = to_string(key, _limit(ctx))
    return obj[name] if name in obj else fallback


# ---------------------------------------------------------------- arrays


@builtin("array", 1)
def _array(ctx, value):
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [{"key": key, "value": item} for key, item in value.items()]
    raise JsltError(f"array() can't convert {_short(value)} to an array")


@builtin("is-array", 1)
def _is_array(ctx, value):
    return isinstance(value, list)


@builtin("flatten", 1)
def _flatten(ctx, array):
    if array is None:
        return None
    if not isinstance(array, list):
        raise JsltError(f"flatten() needs an array, got {_short(array)}")
    result = []
    pending = [iter(array)]
    while pending:  # iterative, so deep nesting cannot blow the Python stack
        for item in pending[-1]:
            if isinstance(item, list):
                pending.append(iter(item))
                break
            result.append(item)
        else:
            pending.pop()
    return result


def _boolean_array(function: str, array):
    if not isinstance(array, list):
        raise JsltError(f"{function}() needs an array, got {_short(array)}")
    return (is_truthy(item) for item in array)


@builtin("all", 1)
def _all(ctx, array):
    return None if array is None else all(_boolean_array("all", array))


@builtin("any", 1)
def _any(ctx, array):
    return None if array is None else any(_boolean_array("any", array))


@builtin("zip", 2)
def _zip(ctx, left, right):
    if left is None or right is None:
        return None
    if not isinstance(left, list) or not isinstance(right, list):
        raise JsltError("zip(): both arguments must be arrays")
    if len(left) != len(right):
        raise JsltError(f"zip(): arrays have unequal size ({len(left)} and {len(right)})")
    return [[a, b] for a, b in zip(left, right)]


@builtin("zip-with-index", 1)
def _zip_with_index(ctx, array):
    if array is None:
        return None
    if not isinstance(array, list):
        raise JsltError(f"zip-with-index(): argument must be an array, got {_short(array)}")
    return [{"index": index, "value": value} for index, value in enumerate(array)]


@builtin("index-of", 2)
def _index_of(ctx, array, value):
    if array is None:
        return None
    if not isinstance(array, list):
        raise JsltError(f"index-of(): first argument must be an array, got {_short(array)}")
    for index, item in enumerate(array):
        if json_equal(item, value):
            return index
    return -1


# ---------------------------------------------------------------- time


@builtin("now", 0)
def _now(ctx):
    return time.time()


@builtin("parse-time", 2, 3)
def _parse_time(ctx, text, pattern, fallback=_NO_FALLBACK):
    if not isinstance(pattern, str):
        raise JsltError(f"parse-time(): format must be a string, got {_short(pattern)}")
    timeformat.tokenize(pattern)  # format errors are reported even with a fallback
    if text is None:
        return None
    try:
        if not isinstance(text, str):
            raise timeformat.UnparseableError(f"parse-time() needs a string, got {_short(text)}")
        return timeformat.parse_time(text, pattern)
    except timeformat.UnparseableError:
        if fallback is _NO_FALLBACK:
            raise
        return fallback


@builtin("format-time", 2, 3)
def _format_time(ctx, seconds, pattern, zone_name="UTC"):
    if not isinstance(pattern, str):
        raise JsltError(f"format-time(): format must be a string, got {_short(pattern)}")
    zone = timeformat.get_timezone(to_string(zone_name, 200))
    timeformat.tokenize(pattern)
    if seconds is None:
        return None
    if not is_number(seconds):
        raise JsltError(f"format-time() needs a number of seconds, got {_short(seconds)}")
    return timeformat.format_time(seconds, pattern, zone)


# ---------------------------------------------------------------- misc


_LONG_MASK = (1 << 64) - 1


@builtin("uuid", 0, 2)
def _uuid_string(ctx, most_significant=_NO_FALLBACK, least_significant=_NO_FALLBACK):
    if most_significant is _NO_FALLBACK:
        return str(_uuid.uuid4())
    if least_significant is _NO_FALLBACK:
        raise JsltError("uuid() takes zero or two arguments")
    if most_significant is None and least_significant is None:
        return "00000000-0000-0000-0000-000000000000"
    for value in (most_significant, least_significant):
        if value is not None and type(value) is not int:
            raise JsltError(f"uuid() needs integer arguments, got {_short(value)}")
    high = (most_significant or 0) & _LONG_MASK
    low = (least_significant or 0) & _LONG_MASK
    # version-1 layout: keep the top 48 bits, version nibble, then bits 4..15
    high = (high & 0xFFFFFFFFFFFF0000) | 0x1000 | ((high >> 4) & 0x0FFF)
    # IETF variant bits
    low = (low & 0x3FFFFFFFFFFFFFFF) | 0x8000000000000000
    return str(_uuid.UUID(int=(high << 64) | low))


@builtin("parse-url", 1)
def _parse_url(ctx, url):
    if url is None:
        return None
    if not isinstance(url, str):
        raise JsltError(f"parse-url() needs a string, got {_short(url)}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise JsltError(f"parse-url(): can't parse {url!r}: {error}") from None
    if not parts.scheme or not parts.netloc:
        raise JsltError(f"parse-url(): can't parse {url!r}: not an absolute URL")
    result = {"scheme": parts.scheme}
    if "@" in parts.netloc:
        result["userinfo"] = parts.netloc.rsplit("@", 1)[0]
    if parts.hostname:
        result["host"] = parts.hostname
    if port is not None:
        result["port"] = port
    if parts.path:
        result["path"] = parts.path
    if parts.query:
        result["query"] = parts.query
        parameters: dict[str, list] = {}
        for pair in parts.query.split("&"):
            name, _, value = pair.partition("=")
            parameters.setdefault(unquote(name), []).append(unquote(value) if value else None)
        result["parameters"] = parameters
    if parts.fragment:
        result["fragment"] = parts.fragment
    return result


# ---------------------------------------------------------------- experimental module

EXPERIMENTAL_MODULE_URL = "http://jslt.schibsted.com/2018/experimental"


def _group_by(ctx, args, dot, scope):
    """exp:group-by(sequence, key-expr, value-expr): groups in first-seen order."""
    source_node, key_node, value_node = args
    sequence = source_node.evaluate(dot, scope, ctx)
    if sequence is None:
        return None
    if isinstance(sequence, dict):
        sequence = [{"key": key, "value": value} for key, value in sequence.items()]
    if not isinstance(sequence, list):
        raise JsltError(f"group-by() needs an array, got {_short(sequence)}")
    groups: list[dict] = []
    for item in sequence:
        key = key_node.evaluate(item, scope, ctx)
        value = value_node.evaluate(item, scope, ctx)
        for group in groups:
            if json_equal(group["key"], key):
                group["values"].append(value)
                break
        else:
            groups.append({"key": key, "values": [value]})
    return groups


EXPERIMENTAL_MODULE = {"group-by": Builtin("group-by", 3, 3, _group_by, is_macro=True, per_item_args=frozenset({1, 2}))}

"""Java regular expressions on Python's ``re``, with size guards.

JSLT passes regexes in Java syntax. Most of it is the same in Python; the
differences handled here are named groups ``(?<name>...)``, ``\\z``/``\\Z``
and a few ``\\p{...}`` classes. Inputs and patterns are bounded because
Python's ``re`` cannot be interrupted once it starts backtracking.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .errors import JsltError

MAX_PATTERN_LENGTH = 1_000
MAX_INPUT_LENGTH = 100_000

_PROPERTY_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Space": " \\t\\n\\x0b\\f\\r",
    "XDigit": "0-9a-fA-F",
    "javaLowerCase": "a-z",
    "javaUpperCase": "A-Z",
}


def _translate(pattern: str) -> str:
    out = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            if escaped in "pP" and pattern.startswith("{", index + 2):
                end = pattern.find("}", index + 3)
                name = pattern[index + 3 : end] if end > 0 else ""
                if name.startswith("Is"):
                    name = name[2:]
                ranges = _PROPERTY_CLASSES.get(name)
                if ranges is None:
                    raise JsltError(f"Unsupported regular expression character class \\{escaped}{{{name}}}")
                negate = "^" if escaped == "P" else ""
                out.append(f"[{negate}{ranges}]" if not in_class or negate else ranges)
                index = end + 1
                continue
            if escaped == "z":
                out.append("\\Z")
            elif escaped == "Z":
                out.append("(?=\\n?\\Z)")
            else:
                out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            # a ']' right after '[' or '[^' is a literal in both dialects
            opening = "[^" if pattern.startswith("^", index + 1) else "["
            if pattern.startswith("]", index + len(opening)):
                opening += "]"
            out.append(opening)
            index += len(opening)
            continue
        elif pattern.startswith("(?<", index) and not pattern.startswith(("(?<=", "(?<!"), index):
            out.append("(?P<")
            index += 3
            continue
        out.append(char)
        index += 1
    return "".join(out)


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern:
    try:
        return re.compile(_translate(pattern))
    except re.error as error:
        raise JsltError(f"Invalid regular expression {pattern!r}: {error}") from None


def compile_regex(pattern) -> re.Pattern:
    if not isinstance(pattern, str):
        raise JsltError(f"Regular expression must be a string, got {'null' if pattern is None else pattern!r}")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise JsltError(f"Regular expression is longer than {MAX_PATTERN_LENGTH} characters")
    return _compile(pattern)


def check_input(text: str) -> str:
    if len(text) > MAX_INPUT_LENGTH:
        raise JsltError(f"Input to a regular expression is longer than {MAX_INPUT_LENGTH} characters")
    return text


def java_split(regex: re.Pattern, text: str) -> list[str]:
    """String.split(regex) semantics: trailing empty strings are removed and
    a zero-width match at the very start gives no leading empty string."""
    parts = []
    start = 0
    for match in regex.finditer(text):
        if match.end() == 0:
            continue
        parts.append(text[start : match.start()])
        start = match.end()
    if not parts:
        return [text]
    parts.append(text[start:])
    while parts and parts[-1] == "":
        parts.pop()
    return parts

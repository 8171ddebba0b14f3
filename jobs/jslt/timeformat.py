"""Java SimpleDateFormat-style patterns for format-time / parse-time.

Supports the common pattern letters (y M d H h k K m s S a E z Z X D u G)
and quoted literals. Unknown letters are errors, as in Java.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import JsltError

_LEGAL_LETTERS = "GyYMLwWDdFEuaHkKhmsSzZX"
_NUMERIC_LETTERS = "yYdDFuHkKhmsSwW"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MONTHS = list(calendar.month_name)[1:]
_DAYS = list(calendar.day_name)
_CUSTOM_OFFSET = re.compile(r"(?:GMT|UTC)?([+-])(\d{1,2})(?::?(\d{2}))?")


class FormatError(JsltError):
    pass


class UnparseableError(JsltError):
    pass


@lru_cache(maxsize=128)
def tokenize(pattern: str) -> tuple:
    tokens = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "'":
            if pattern.startswith("''", index):
                tokens.append(("literal", "'"))
                index += 2
                continue
            end = index + 1
            text = []
            while end < len(pattern):
                if pattern[end] == "'":
                    if pattern.startswith("''", end):
                        text.append("'")
                        end += 2
                        continue
                    break
                text.append(pattern[end])
                end += 1
            else:
                raise FormatError(f"Couldn't parse format '{pattern}': unterminated quote")
            tokens.append(("literal", "".join(text)))
            index = end + 1
        elif char.isascii() and char.isalpha():
            end = index
            while end < len(pattern) and pattern[end] == char:
                end += 1
            if char not in _LEGAL_LETTERS:
                raise FormatError(f"Couldn't parse format '{pattern}': Illegal pattern character '{char}'")
            tokens.append((char, end - index))
            index = end
        else:
            tokens.append(("literal", char))
            index += 1
    return tuple(tokens)


def get_timezone(name: str) -> tzinfo:
    if name in ("UTC", "GMT", "Z"):
        return timezone.utc
    custom = _CUSTOM_OFFSET.fullmatch(name)
    if custom:
        sign, hours, minutes = custom.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise JsltError(f"Unknown timezone '{name}'") from None


def _offset_text(moment: datetime, letter: str, count: int) -> str:
    offset = moment.utcoffset() or timedelta(0)
    if letter == "X" and not offset:
        return "Z"
    total_minutes = int(offset.total_seconds() // 60)
    sign = "-" if total_minutes < 0 else "+"
    hours, minutes = divmod(abs(total_minutes), 60)
    if letter == "Z" or count == 2:
        return f"{sign}{hours:02d}{minutes:02d}"
    if count == 1:
        return f"{sign}{hours:02d}" + (f"{minutes:02d}" if minutes else "")
    return f"{sign}{hours:02d}:{minutes:02d}"


def format_time(seconds: float, pattern: str, zone: tzinfo) -> str:
    tokens = tokenize(pattern)
    try:
        moment = (_EPOCH + timedelta(milliseconds=math.floor(seconds * 1000))).astimezone(zone)
    except (OverflowError, ValueError):
        raise JsltError(f"Timestamp {seconds} is out of range") from None
    millis = moment.microsecond // 1000
    out = []
    for letter, count in tokens:
        if letter == "literal":
            out.append(count)
        elif letter in "yY":
            out.append(f"{moment.year % 100:02d}" if count == 2 else str(moment.year).zfill(count))
        elif letter in "ML":
            if count >= 4:
                out.append(_MONTHS[moment.month - 1])
            elif count == 3:
                out.append(_MONTHS[moment.month - 1][:3])
            else:
                out.append(str(moment.month).zfill(count))
        elif letter == "d":
            out.append(str(moment.day).zfill(count))
        elif letter == "D":
            out.append(str(moment.timetuple().tm_yday).zfill(count))
        elif letter == "F":
            out.append(str((moment.day - 1) // 7 + 1).zfill(count))
        elif letter == "w":
            out.append(str(moment.isocalendar()[1]).zfill(count))
        elif letter == "W":
            out.append(str((moment.day - 1 + moment.replace(day=1).weekday()) // 7 + 1).zfill(count))
        elif letter == "E":
            name = _DAYS[moment.weekday()]
            out.append(name if count >= 4 else name[:3])
        elif letter == "u":
            out.append(str(moment.isoweekday()).zfill(count))
        elif letter == "a":
            out.append("AM" if moment.hour < 12 else "PM")
        elif letter == "H":
            out.append(str(moment.hour).zfill(count))
        elif letter == "k":
            out.append(str(moment.hour or 24).zfill(count))
        elif letter == "K":
            out.append(str(moment.hour % 12).zfill(count))
        elif letter == "h":
            out.append(str(moment.hour % 12 or 12).zfill(count))
        elif letter == "m":
            out.append(str(moment.minute).zfill(count))
        elif letter == "s":
            out.append(str(moment.second).zfill(count))
        elif letter == "S":
            out.append(str(millis).zfill(count))
        elif letter == "z":
            out.append(moment.tzname() or "UTC")
        elif letter in "ZX":
            out.append(_offset_text(moment, letter, count))
        elif letter == "G":
            out.append("AD")
    return "".join(out)


def _field_regex(letter: str, count: int, next_is_numeric: bool) -> str:
    if letter in "ML" and count >= 3:
        return "(" + "|".join(_MONTHS + [name[:3] for name in _MONTHS]) + ")"
    if letter in _NUMERIC_LETTERS or letter in "ML":
        return f"(\\d{{{count}}})" if next_is_numeric else "(\\d+)"
    if letter == "S":
        return f"(\\d{{{count}}})" if next_is_numeric else "(\\d+)"
    if letter == "E":
        return "(" + "|".join(_DAYS + [name[:3] for name in _DAYS]) + ")"
    if letter == "a":
        return "(AM|PM|am|pm)"
    if letter == "z":
        return r"((?:GMT|UTC)[+-]\d{1,2}(?::?\d{2})?|[A-Za-z][A-Za-z0-9_/+-]*)"
    if letter == "Z":
        return r"([+-]\d{4})"
    if letter == "X":
        return r"(Z|[+-]\d{2}(?::?\d{2})?)"
    return "(AD|BC)"  # G


def parse_time(text: str, pattern: str) -> float:
    tokens = tokenize(pattern)
    regex_parts = []
    fields = []
    for position, (letter, count) in enumerate(tokens):
        if letter == "literal":
            regex_parts.append(re.escape(count))
            continue
        following = tokens[position + 1][0] if position + 1 < len(tokens) else "literal"
        regex_parts.append(_field_regex(letter, count, following in _NUMERIC_LETTERS + "MLS"))
        fields.append((letter, count))
    match = re.compile("".join(regex_parts), re.IGNORECASE).match(text)
    if match is None:
        raise UnparseableError(f'Unparseable date: "{text}"')
    parts = {"year": 1970, "month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "millis": 0}
    zone: tzinfo = timezone.utc
    pm = None
    for (letter, count), value in zip(fields, match.groups()):
        if letter in "yY":
            year = int(value)
            parts["year"] = year + (2000 if year < 50 else 1900) if count == 2 and len(value) == 2 else year
        elif letter in "ML":
            if value.isdigit():
                parts["month"] = int(value)
            else:
                lowered = value.lower()
                parts["month"] = next(i for i, name in enumerate(_MONTHS, 1) if name.lower().startswith(lowered[:3]))
        elif letter == "d":
            parts["day"] = int(value)
        elif letter in "Hk":
            parts["hour"] = int(value) % 24
        elif letter in "hK":
            parts["hour"] = int(value) % 12
        elif letter == "a":
            pm = value.lower() == "pm"
        elif letter == "m":
            parts["minute"] = int(value)
        elif letter == "s":
            parts["second"] = int(value)
        elif letter == "S":
            parts["millis"] = int(value)  # Java reads S as a count of milliseconds
        elif letter in "zZX":
            zone = _parse_zone(value, text)
    if pm:
        parts["hour"] += 12
    try:
        local = datetime(parts["year"], parts["month"], parts["day"], parts["hour"], parts["minute"], parts["second"])
    except ValueError:
        raise UnparseableError(f'Unparseable date: "{text}"') from None
    moment = local.replace(tzinfo=zone)
    return (moment - _EPOCH).total_seconds() + parts["millis"] / 1000


def _parse_zone(value: str, text: str) -> tzinfo:
    if value.upper() == "Z":
        return timezone.utc
    if value[0] in "+-":
        sign = -1 if value[0] == "-" else 1
        digits = value[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return get_timezone(value)
    except JsltError:
        raise UnparseableError(f'Unparseable date: "{text}"') from None

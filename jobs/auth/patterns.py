"""Name patterns of API tokens: `acme-*` (a `*` matches any run of characters), `*` for every
name, anything else matched exactly (case-sensitive, as partition ids and queue names are).

Patterns are written as one comma-separated string (`acme-*,demo`): neither partition ids nor
job type ids may contain a comma (docs/security.md).
"""
import re
from collections.abc import Iterable
from functools import lru_cache

WILDCARD = "*"


def parse_patterns(text: str) -> list[str]:
    """`"acme-*, demo"` -> `["acme-*", "demo"]`; empty entries are dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]


def join_patterns(patterns: Iterable[str]) -> str:
    return ",".join(patterns)


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split(WILDCARD)), re.DOTALL)


def matches(pattern: str, name: str) -> bool:
    if pattern == WILDCARD:
        return True
    if WILDCARD not in pattern:
        return pattern == name
    return _compiled(pattern).fullmatch(name) is not None


def matches_any(patterns: Iterable[str], name: str) -> bool:
    return any(matches(pattern, name) for pattern in patterns)

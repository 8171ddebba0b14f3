"""A case-sensitive LIKE that behaves the same on PostgreSQL and SQLite.

SQLite's LIKE ignores ASCII case, PostgreSQL's does not; the original (PostgreSQL) matches
job id prefixes and filter wildcards case-sensitively. On SQLite the same match is a GLOB.
"""
from collections.abc import Sequence
from typing import Any

from django.db.models import Lookup


def like_pattern(literal_parts: Sequence[str]) -> tuple[str, ...]:
    """The pattern made of `literal_parts` with "any characters" between them, e.g.
    `("abc", "")` is the prefix "abc"; `"a*b".split("*")` is the RSQL wildcard "a*b"."""
    return tuple(literal_parts)


def _sql_like(parts: Sequence[str]) -> str:
    escaped = [part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for part in parts]
    return "%".join(escaped)


def _sqlite_glob(parts: Sequence[str]) -> str:
    escaped = [part.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]") for part in parts]
    return "*".join(escaped)


class CaseSensitiveLike(Lookup):
    """`CaseSensitiveLike(F("name"), like_pattern(...))`, usable directly in filter()/Q()."""

    lookup_name = "case_sensitive_like"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        if connection.vendor == "sqlite":
            return f"{lhs_sql} GLOB %s", [*lhs_params, _sqlite_glob(self.rhs)]
        return f"{lhs_sql} LIKE %s ESCAPE '\\'", [*lhs_params, _sql_like(self.rhs)]

"""Glob patterns on relative POSIX paths, segment by segment, as the original's GlobPattern
plugin uses them: `*`, `?` and `[...]` stay within one folder, a `**` segment matches any
number of folders (zero included). Brace alternatives (`{a,b}`) are not supported.
"""
from __future__ import annotations

from fnmatch import fnmatchcase

from batching.errors import BatchDefinitionError

RECURSIVE = "**"


def relative_parts(path: str, *, what: str) -> tuple[str, ...]:
    """The segments of a relative path; absolute paths and `..` (escaping the root) refused."""
    if "\\" in path or "\x00" in path:
        raise BatchDefinitionError(f"The {what} {path!r} may not contain backslashes or NUL characters.")
    if path.startswith("/"):
        raise BatchDefinitionError(f"The {what} {path!r} must be relative to the files root.")
    parts = tuple(part for part in path.split("/") if part not in ("", "."))
    if ".." in parts:
        raise BatchDefinitionError(f"The {what} {path!r} may not leave the files root ('..').")
    return parts


def matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Whether the relative file path matches the whole pattern."""
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == RECURSIVE:
        return any(matches(path[skip:], rest) for skip in range(len(path) + 1))
    return bool(path) and fnmatchcase(path[0], head) and matches(path[1:], rest)


def may_contain_matches(folder: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Whether some path below `folder` could match: lets the walk skip whole folders."""
    if not folder:
        return bool(pattern)
    if not pattern:
        return False
    head = pattern[0]
    if head == RECURSIVE:
        return True
    return fnmatchcase(folder[0], head) and may_contain_matches(folder[1:], pattern[1:])

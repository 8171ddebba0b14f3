"""Glob patterns on relative POSIX paths, read as the original's GlobPattern plugin reads them
(docs/batching.md, "GlobPattern"):

- `*` is any characters within one folder or file name, `?` one such character, `[abc]`,
  `[a-z]`, `[!abc]` one character of (not of) a set; none of them matches `/`;
- `**` inside a name (`**.txt`, `sub-dir/**.txt`, `a**b`) is any characters, `/` included:
  it crosses folders, so `sub-dir/**.txt` finds the `.txt` files at any depth under sub-dir;
- a whole `**` segment followed by more (`x/**/y`) is zero or more folders (the original
  wants at least one: ours also finds `x/y`); a final one (`x/**`) is everything below.
Brace alternatives (`{a,b}`) are not supported: `{` is an ordinary character.

The matcher is a bit-parallel NFA (one bit per pattern position, a Python int as the bit
set): reading one character of a path is a few integer operations whatever the pattern, so
a path costs O(len(path) x len(pattern) / word size) and never backtracks. A pattern full of
`**` against a deep path costs what `*.txt` costs. The walk keeps the state reached after a
folder's path and continues it with each entry's name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from batching.errors import BatchDefinitionError

# What one compiled glob remembers: the masks of so many characters, and so many
# (state, character) -> state transitions; beyond that a cache starts again, so that a whole
# alphabet of file names or a pattern with very many states cannot grow memory without bound.
_MASK_CACHE_LIMIT = 4096
_TRANSITION_CACHE_LIMIT = 16384
_DOUBLE_STARS = re.compile(r"\*{2,}")


def relative_parts(path: str, *, what: str) -> tuple[str, ...]:
    """The segments of a relative path; absolute paths and `..` (escaping the root) refused."""
    if "\\" in path or "\x00" in path:
        raise BatchDefinitionError(f"The {what} {path!r} may not contain backslashes or NUL characters.")
    if not path.isascii():
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a JSON escape
            raise BatchDefinitionError(f"The {what} {path!r} is not valid Unicode text.") from None
    if path.startswith("/"):
        raise BatchDefinitionError(f"The {what} {path!r} must be relative to the files root.")
    parts = tuple(part for part in path.split("/") if part not in ("", "."))
    if ".." in parts:
        raise BatchDefinitionError(f"The {what} {path!r} may not leave the files root ('..').")
    return parts


def count_double_stars(pattern: str) -> int:
    """The `**` of a pattern (`***` counts once: it means the same)."""
    return len(_DOUBLE_STARS.findall(pattern))


class _Kind(Enum):
    ENTRY = "entry"  # matches no character: the state before a "**/" group
    LITERAL = "literal"
    ONE = "?"
    SET = "[]"
    STAR = "*"  # within a name: loops on any character but "/"
    DOUBLE_STAR = "**"  # loops on any character


@dataclass(frozen=True)
class _Position:
    kind: _Kind
    char: str = ""
    ranges: tuple[tuple[str, str], ...] = ()
    negated: bool = False

    @property
    def loops(self) -> bool:
        return self.kind in (_Kind.STAR, _Kind.DOUBLE_STAR)

    @property
    def skippable(self) -> bool:
        return self.loops or self.kind is _Kind.ENTRY

    def accepts(self, char: str) -> bool:
        if self.kind is _Kind.DOUBLE_STAR:
            return True
        if self.kind is _Kind.ENTRY:
            return False
        if self.kind is _Kind.LITERAL:
            return char == self.char
        if char == "/":
            return False
        if self.kind is _Kind.SET:
            return any(low <= char <= high for low, high in self.ranges) != self.negated
        return True  # ONE, STAR


_SLASH = _Position(_Kind.LITERAL, "/")
_ANYTHING = _Position(_Kind.DOUBLE_STAR)
# "**/" between segments: zero folders, or anything ending with "/". The entry position is
# separate from the loop so that skipping the group is possible only before reading into it.
_GROUP = (_Position(_Kind.ENTRY), _ANYTHING, _SLASH)
_GROUP_SKIP = len(_GROUP)


class Glob:
    """A compiled glob. States are ints (bit i: the pattern up to position i has matched
    what was read); 0 means no path continuing what was read can match."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        positions, groups = _compile(pattern)
        self._positions = positions
        self._accept = 1 << len(positions)
        # Epsilon moves: a loop may match nothing and an entry reads nothing (skip one
        # position); a whole "**/" group may be skipped from its entry. Their chains are short
        # (star runs are merged, every group ends with a "/"): `_rounds` moves close a state.
        skippable = [position.skippable for position in positions]
        self._skip_one = sum(1 << index for index, skip in enumerate(skippable) if skip)
        self._skip_group = groups
        self._rounds = _longest_chain(skippable, groups)
        self._masks: dict[str, tuple[int, int]] = {}
        # The states met while walking are few (the entries of a folder all start from the
        # folder's state): remembering transitions makes a character one dict lookup.
        self._transitions: dict[tuple[int, str], int] = {}
        self.start = self._close(1)

    def advance(self, state: int, text: str) -> int:
        """The state after reading `text` from `state`."""
        transitions = self._transitions
        for char in text:
            following = transitions.get((state, char))
            if following is None:
                following = self._step(state, char)
                if len(transitions) >= _TRANSITION_CACHE_LIMIT:
                    transitions.clear()
                transitions[state, char] = following
            state = following
            if not state:
                return 0
        return state

    def accepts(self, state: int) -> bool:
        return bool(state & self._accept)

    def matches(self, path: str) -> bool:
        """Whether the relative file path matches the whole pattern."""
        return self.accepts(self.advance(self.start, path))

    def folder_state(self, folder: str) -> int:
        """The state inside `folder` (relative, "" for the root): 0 when nothing below it can
        match, so the walk skips it."""
        return self.advance(self.start, f"{folder}/") if folder else self.start

    def _step(self, state: int, char: str) -> int:
        step, loop = self._masks.get(char) or self._mask(char)
        return self._close(((state & step) << 1) | (state & loop))

    def _close(self, state: int) -> int:
        for _ in range(self._rounds):
            state |= ((state & self._skip_one) << 1) | ((state & self._skip_group) << _GROUP_SKIP)
        return state

    def _mask(self, char: str) -> tuple[int, int]:
        step = loop = 0
        for index, position in enumerate(self._positions):
            if position.accepts(char):
                if position.loops:
                    loop |= 1 << index
                else:
                    step |= 1 << index
        if len(self._masks) >= _MASK_CACHE_LIMIT:
            self._masks.clear()
        self._masks[char] = (step, loop)
        return step, loop


def _longest_chain(skippable: list[bool], groups: int) -> int:
    """The most epsilon moves in a row the positions allow (from any position)."""
    chain = [0] * (len(skippable) + _GROUP_SKIP + 1)
    for index in range(len(skippable) - 1, -1, -1):
        if skippable[index]:
            chain[index] = 1 + chain[index + 1]
        if groups >> index & 1:
            chain[index] = max(chain[index], 1 + chain[index + _GROUP_SKIP])
    return max(chain)


@lru_cache(maxsize=16)
def compile_glob(pattern: str) -> Glob:
    """A compiled glob, shared by the messages of one batch (they all carry the same pattern)."""
    return Glob(pattern)


def _compile(pattern: str) -> tuple[list[_Position], int]:
    """The positions of a pattern and the bit set of the "**/" groups' entries."""
    positions: list[_Position] = []
    groups = 0
    segments = pattern.split("/")
    after_group = False
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if len(segment) >= 2 and segment.strip("*") == "":
            if last:
                positions.append(_ANYTHING)
            elif not after_group:  # "**/**/" means "**/"
                groups |= 1 << len(positions)
                positions += _GROUP
            after_group = True
            continue
        after_group = False
        positions += _segment(segment)
        if not last:
            positions.append(_SLASH)
    return positions, groups


def _segment(segment: str) -> list[_Position]:
    positions: list[_Position] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "*":
            end = index
            while end < len(segment) and segment[end] == "*":
                end += 1
            positions.append(_Position(_Kind.STAR if end - index == 1 else _Kind.DOUBLE_STAR))
            index = end
        elif char == "?":
            positions.append(_Position(_Kind.ONE))
            index += 1
        elif char == "[" and (parsed := _character_set(segment, index)) is not None:
            position, index = parsed
            positions.append(position)
        else:
            positions.append(_Position(_Kind.LITERAL, char))
            index += 1
    return positions


def _character_set(segment: str, start: int) -> tuple[_Position, int] | None:
    """`[...]` at `start` (fnmatch's syntax: `!` negates, a leading `]` is a member, `a-z` a
    range); None when it is not closed (then `[` is an ordinary character, as for fnmatch)."""
    index = start + 1
    negated = index < len(segment) and segment[index] == "!"
    if negated:
        index += 1
    body_start = index
    if index < len(segment) and segment[index] == "]":
        index += 1
    while index < len(segment) and segment[index] != "]":
        index += 1
    if index >= len(segment):
        return None
    body = segment[body_start:index]
    ranges: list[tuple[str, str]] = []
    cursor = 0
    while cursor < len(body):
        if cursor + 2 < len(body) and body[cursor + 1] == "-":
            ranges.append((body[cursor], body[cursor + 2]))  # a reversed range matches nothing
            cursor += 3
        else:
            ranges.append((body[cursor], body[cursor]))
            cursor += 1
    return _Position(_Kind.SET, ranges=tuple(ranges), negated=negated), index + 1

"""`RangeBatchPlugin`: a range of whole numbers, one item per number.

Definition `first-last`, both included (`1-1000000`). A range longer than the leaf size is
cut into at most `fanout` sub-ranges of nearly equal length (definitions `a-b` again);
otherwise each number becomes one task built by the task message builder, the item being the
number as text. Nothing is ever listed: any size costs the same memory; a range of more than
BATCH_MAX_ITEMS numbers is refused at once (limits.py).
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from batching import limits
from batching.errors import BatchDefinitionError
from batching.plugins.base import Registrar, TaskBuilder, register_built, require_builder
from batching.plugins.tuning import Splitting

_RANGE = re.compile(r"^\s*(\d{1,18})\s*-\s*(\d{1,18})\s*$")


def parse_range(definition: str | None) -> tuple[int, int]:
    match = _RANGE.match(definition or "")
    if not match:
        raise BatchDefinitionError(
            f"The batch definition must be a range of whole numbers like 1-1000, not {definition!r}."
        )
    first, last = int(match.group(1)), int(match.group(2))
    if first > last:
        raise BatchDefinitionError(f"The range {first}-{last} is empty: its start is after its end.")
    return first, last


def split_range(first: int, last: int, parts: int) -> Iterator[tuple[int, int]]:
    count = last - first + 1
    start = first
    for index in range(parts):
        size = count // parts + (1 if index < count % parts else 0)
        yield start, start + size - 1
        start += size


class RangePlugin:
    def __init__(self, *, fanout: int | None = None, leaf_size: int | None = None) -> None:
        self.fanout = fanout
        self.leaf_size = leaf_size

    def process_batch(self, definition: str | None, *, builder: TaskBuilder | None,
                      params: Mapping[str, str], registrar: Registrar) -> None:
        first, last = parse_range(definition)
        limits.check_item_count(last - first + 1)
        splitting = Splitting.from_params(params, fanout=self.fanout, leaf_size=self.leaf_size)
        parts = splitting.parts_for(last - first + 1)
        if parts:
            for start, end in split_range(first, last, parts):
                registrar.register_batch(f"{start}-{end}")
            return
        builder = require_builder(builder)
        for number in range(first, last + 1):
            register_built(registrar, builder, str(number), params)

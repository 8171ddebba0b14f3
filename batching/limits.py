"""What one batch job may ask of the batch worker (docs/batching.md, "Limits"). Each bound is
a setting read at call time; crossing one raises BatchLimitError, which fails the batch task
with the message (the job becomes Failed with it): never a crash, never a retry loop.

- Fan-out 2..BATCH_MAX_FANOUT and leaf size 1..BATCH_MAX_LEAF_SIZE, from a job's params or
  the settings BATCH_FANOUT / BATCH_LEAF_SIZE.
- Items: the rule has two halves, since sub-batches are separate messages that know nothing
  of each other.
  1. A plugin that knows the size of its definition (a range, an id list) refuses one of more
     than BATCH_MAX_ITEMS items, in every message. A sub-batch is part of its parent, so the
     job's first message bounds the whole job exactly.
  2. Any message registers at most BATCH_MAX_ITEMS subtasks (items and sub-batches together):
     its share of the job cannot be more than the whole job's. This holds a plugin that cannot
     know its size (a folder walk) or a plugin's bug; the total of such a job's messages is
     bounded by what its plugin walks (the files under the root), not by a count kept here.
- The payload of a batch task: at most BATCH_MAX_TASK_DATA_BYTES, checked before parsing; a
  sub-batch definition that would not fit is refused when it is registered.
- Globs: at most BATCH_GLOB_MAX_LENGTH characters and BATCH_GLOB_MAX_DOUBLE_STARS `**`.
"""
from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings

from batching.errors import BatchLimitError
from batching.plugins.globbing import count_double_stars

MIN_FANOUT = 2  # one sub-batch equal to its parent would split for ever
MIN_LEAF_SIZE = 1


def fanout(params: Mapping[str, str], default: int | None = None) -> int:
    return _bounded(params, "fanout", default, setting="BATCH_FANOUT", low=MIN_FANOUT,
                    high=settings.BATCH_MAX_FANOUT, high_setting="BATCH_MAX_FANOUT")


def leaf_size(params: Mapping[str, str], default: int | None = None) -> int:
    return _bounded(params, "leafSize", default, setting="BATCH_LEAF_SIZE", low=MIN_LEAF_SIZE,
                    high=settings.BATCH_MAX_LEAF_SIZE, high_setting="BATCH_MAX_LEAF_SIZE")


def check_item_count(count: int) -> None:
    """Rule 1: a definition of `count` items (the whole of this message's part of the job)."""
    limit = settings.BATCH_MAX_ITEMS
    if count > limit:
        raise BatchLimitError(f"The batch has {count:,} items; a batch job may have at most {limit:,} "
                              f"(BATCH_MAX_ITEMS).")


def check_registrations(count: int) -> None:
    """Rule 2: called before a message registers its `count`-th subtask."""
    limit = settings.BATCH_MAX_ITEMS
    if count > limit:
        raise BatchLimitError(f"The batch registered more than {limit:,} subtasks from one message, the most "
                              f"a batch job may have (BATCH_MAX_ITEMS).")


def check_task_data(size: int, *, what: str = "The batch task") -> None:
    limit = settings.BATCH_MAX_TASK_DATA_BYTES
    if size > limit:
        raise BatchLimitError(f"{what} is {size:,} bytes; at most {limit:,} are accepted "
                              f"(BATCH_MAX_TASK_DATA_BYTES).")


def check_glob(pattern: str) -> None:
    length, limit = len(pattern), settings.BATCH_GLOB_MAX_LENGTH
    if length > limit:
        raise BatchLimitError(f"The glob is {length:,} characters long; at most {limit:,} are accepted "
                              f"(BATCH_GLOB_MAX_LENGTH).")
    stars, limit = count_double_stars(pattern), settings.BATCH_GLOB_MAX_DOUBLE_STARS
    if stars > limit:
        raise BatchLimitError(f"The glob has {stars} '**'; at most {limit} are accepted "
                              f"(BATCH_GLOB_MAX_DOUBLE_STARS).")


def _bounded(params: Mapping[str, str], name: str, default: int | None, *, setting: str,
             low: int, high: int, high_setting: str) -> int:
    raw = params.get(name)
    if raw is None:
        value = getattr(settings, setting) if default is None else default
        source = f"The setting {setting}" if default is None else f"The {name} of this plugin"
    else:
        try:
            value = int(raw)
        except ValueError:
            raise BatchLimitError(f"taskMessageParams.{name} must be a whole number, not {raw[:50]!r}.") from None
        source = f"taskMessageParams.{name}"
    if not low <= value <= high:
        raise BatchLimitError(f"{source} must be between {low:,} and {high:,} ({high_setting}), not {value:,}.")
    return value

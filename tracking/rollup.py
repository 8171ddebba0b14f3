"""The progress roll-up of a parent task from its children (reference api-and-database.md
§2.3-§2.4), as incremental counters. Pure: no queries.

A parent keeps counters over its direct children; when one child changes from an old state
to a new one, only the difference is applied, so a report costs the same whatever the number
of siblings. The roll-up is then computed from the counters alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from jobs.states import JobStatus

# A parent never shows 100 % before it is known complete, a task's own progress 99.9 (§2.4, §2.6).
MAX_ROLLUP_PERCENTAGE = 99.7
MAX_PROGRESS_PERCENTAGE = 99.9


@dataclass(frozen=True)
class TaskState:
    """What a task contributes to its parent."""

    status: JobStatus
    percentage: float


COMPLETED_STATE = TaskState(JobStatus.COMPLETED, 100.0)
FAILED_STATE = TaskState(JobStatus.FAILED, 0.0)


def progress_state(percentage: float) -> TaskState:
    return TaskState(JobStatus.ACTIVE, min(float(percentage), MAX_PROGRESS_PERCENTAGE))


@dataclass(slots=True)
class Counters:
    """A parent's counters over its direct children (the tracker's Node extends this; the
    TaskProgress row has the same columns)."""

    children_reported: int = 0
    children_completed: int = 0
    children_failed: int = 0
    children_percentage_sum: float = 0.0
    final_child_number: int | None = None
    max_child_number: int = 0


def count_child(
    counters: Counters, *, number: int, is_final: bool, old: TaskState | None, new: TaskState
) -> None:
    """Applies the change of one child from `old` (None: first report) to `new`."""
    if old is None:
        counters.children_reported += 1
        counters.max_child_number = max(counters.max_child_number, number)
        if is_final:
            counters.final_child_number = number
    else:
        counters.children_percentage_sum -= old.percentage
        counters.children_completed -= old.status == JobStatus.COMPLETED
        counters.children_failed -= old.status == JobStatus.FAILED
    counters.children_percentage_sum += new.percentage
    counters.children_completed += new.status == JobStatus.COMPLETED
    counters.children_failed += new.status == JobStatus.FAILED


def rolled_up_state(counters: Counters) -> TaskState:
    """The parent's status and percentage (§2.4).

    Children only ever hold Active, Completed or Failed, so of the priority list
    Failed > Cancelled > Paused > Active > Waiting > Completed (with Active always added)
    only "Failed if any child failed, else Active" remains.
    """
    final = counters.final_child_number
    if final is not None and counters.children_completed == final:
        return COMPLETED_STATE
    status = JobStatus.FAILED if counters.children_failed > 0 else JobStatus.ACTIVE
    if counters.children_reported == 0:
        return TaskState(status, 0.0)
    expected = final if final is not None else counters.max_child_number + 1
    # Sums of many float deltas can drift by a few ulps; never below 0.
    percentage = max(counters.children_percentage_sum, 0.0) / expected
    return TaskState(status, min(percentage, MAX_ROLLUP_PERCENTAGE))


def round_percentage(value: float) -> float:
    """Two decimals, half away from zero like PostgreSQL's round(numeric, 2)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

"""The top two levels of a job's subtask progress tree, for the job page.

Subtask progress is kept by the tracking app (one row per reported task node, with counters
over its direct children). The admin reads it through the app registry rather than an import:
the job store does not depend on the tracker, and the page still works without its table.
"""
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

from jobs.models import Job

# Rows shown: top-level subtasks, and children under each of them.
TOP_LEVEL_SHOWN = 50
CHILDREN_SHOWN = 10


@dataclass(frozen=True)
class SubtaskCounts:
    """A node's counters over its direct children."""

    reported: int
    completed: int
    failed: int
    expected: int | None  # known once the final (`*`) subtask reported

    @property
    def completed_percentage(self) -> float | None:
        return 100.0 * self.completed / self.expected if self.expected else None


@dataclass
class SubtaskNode:
    task_id: str
    status: str
    percentage: float
    is_final: bool
    counts: SubtaskCounts
    children: list["SubtaskNode"] = field(default_factory=list)

    @property
    def children_not_shown(self) -> int:
        return max(0, self.counts.reported - len(self.children))


@dataclass
class SubtaskTree:
    counts: SubtaskCounts
    subtasks: list[SubtaskNode]

    @property
    def subtasks_not_shown(self) -> int:
        return max(0, self.counts.reported - len(self.subtasks))


def _progress_model() -> Any:
    try:
        return apps.get_model("tracking", "TaskProgress")
    except LookupError:
        return None


def _counts(row: Any) -> SubtaskCounts:
    return SubtaskCounts(
        reported=row.children_reported,
        completed=row.children_completed,
        failed=row.children_failed,
        expected=row.final_child_number,
    )


def _node(row: Any) -> SubtaskNode:
    return SubtaskNode(
        task_id=row.task_id, status=row.status, percentage=row.percentage,
        is_final=row.is_final, counts=_counts(row),
    )


def job_subtask_tree(job: Job) -> SubtaskTree | None:
    """None when progress is not tracked here; an empty tree when nothing was reported.

    Three queries whatever the size of the job: the job's own row (its counters), the first
    top-level subtasks, and the first children of those.
    """
    TaskProgress = _progress_model()
    if TaskProgress is None:
        return None
    rows = TaskProgress.objects.filter(job_pk=job.pk)
    root = rows.filter(task_id=job.job_id, parent_task_id__isnull=True).first()
    top = [_node(row) for row in rows.filter(parent_task_id=job.job_id).order_by("number")[:TOP_LEVEL_SHOWN]]
    by_id = {node.task_id: node for node in top}
    parents_with_children = [node.task_id for node in top if node.counts.reported]
    if parents_with_children:
        children = rows.filter(parent_task_id__in=parents_with_children).order_by("parent_task_id", "number")
        for row in children[: TOP_LEVEL_SHOWN * CHILDREN_SHOWN]:
            parent = by_id[row.parent_task_id]
            if len(parent.children) < CHILDREN_SHOWN:
                parent.children.append(_node(row))
    counts = _counts(root) if root is not None else SubtaskCounts(len(top), 0, 0, None)
    return SubtaskTree(counts=counts, subtasks=top)

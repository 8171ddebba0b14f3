"""The task tree of one job, in memory for the length of a batch (reference
api-and-database.md §2.3): a report updates its node, then each ancestor in turn from its
children's counters, up to the job.

Only the nodes a batch touches are loaded (the reported tasks and their ancestors), so a
report costs O(depth) whatever the size of the job. Several reports on the same parent in a
batch are coalesced: the parent is written once at the end.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from jobs.models import Job
from jobs.states import FINISHED_FOR_REPORTS, JobStatus, resolve_reported_status
from tracking.reports import Report, ReportKind
from tracking.services.store import Node
from tracking.rollup import (
    COMPLETED_STATE,
    FAILED_STATE,
    TaskState,
    count_child,
    progress_state,
    rolled_up_state,
    round_percentage,
)

# Failure details of a rolled-up node with failed children: gathered from those children
# once the batch is written (see failures_to_gather()).
GATHER = object()


def ancestors(task_id: str) -> list[str]:
    """Parents from the nearest up to the job id: `J.1.2*` -> [`J.1`, `J`]."""
    result = []
    head, sep, _ = task_id.rpartition(".")
    while sep:
        result.append(head)
        head, sep, _ = head.rpartition(".")
    return result


class JobTree:
    """The loaded nodes of one locked job, and what changed."""

    def __init__(self, job: Job, nodes: dict[str, Node], now: datetime) -> None:
        self.job = job
        self.nodes = nodes
        self.now = now
        self.dirty: dict[str, Node] = {}
        self.job_changed = False
        self.job_failures_from_root = False
        self.failed_reports: list[dict[str, Any]] = []
        self.initial_status = JobStatus(job.status)

    # --- reports -------------------------------------------------------------------------

    def apply(self, report: Report) -> bool:
        """Applies one report; False when it is ignored (finished job, completed task)."""
        if self.job.status in FINISHED_FOR_REPORTS:
            return False
        parents = ancestors(report.task_id)
        # A completed task is immutable, and so is everything below it (§2.6 is_completed).
        for task_id in [report.task_id, *parents[:-1]]:
            node = self.nodes.get(task_id)
            if node is not None and node.status == JobStatus.COMPLETED:
                return False
        if report.kind == ReportKind.COMPLETE:
            state, failures = COMPLETED_STATE, None
        elif report.kind == ReportKind.FAILED:
            state, failures = FAILED_STATE, [report.failure]
            self.failed_reports.append(report.failure)
        else:
            state, failures = progress_state(report.percentage), None
        self._update(report.task_id, state, failures, rolled_up=False)
        return True

    def _update(self, task_id: str, state: TaskState, failures: Any, *, rolled_up: bool) -> None:
        while True:
            node = self._node(task_id)
            if node.status == JobStatus.COMPLETED:
                return
            old = TaskState(JobStatus(node.status), node.percentage) if node.reported else None
            node.reported = True
            node.status = state.status
            node.percentage = state.percentage
            node.failure_details = failures
            node.rolled_up = rolled_up
            self.dirty[node.task_id] = node
            if node.parent_task_id is None:
                self._set_job(state, from_root=rolled_up)
                return
            parent = self._node(node.parent_task_id)
            count_child(parent, number=node.number, is_final=node.is_final, old=old, new=state)
            task_id = parent.task_id
            state = rolled_up_state(parent)
            failures = GATHER if state.status == JobStatus.FAILED else None
            rolled_up = True

    def _set_job(self, state: TaskState, *, from_root: bool) -> None:
        job = self.job
        job.status = resolve_reported_status(JobStatus(job.status), state.status)
        job.percentage_complete = round_percentage(state.percentage)
        job.failure_details = self.nodes[job.job_id].failure_details
        job.last_update_date = self.now
        self.job_changed = True
        self.job_failures_from_root = from_root

    def _node(self, task_id: str) -> Node:
        node = self.nodes.get(task_id)
        if node is None:
            parent, sep, tail = task_id.rpartition(".")
            node = Node(
                partition_id=self.job.partition_id,
                job_id=self.job.job_id,
                job_pk=self.job.pk,
                task_id=task_id,
                parent_task_id=parent if sep else None,
                number=int(tail.rstrip("*")) if sep else None,
                is_final=bool(sep) and tail.endswith("*"),
                status=JobStatus.WAITING,
                reported=False,
            )
            self.nodes[task_id] = node
        return node

    # --- results -------------------------------------------------------------------------

    @property
    def completed_now(self) -> bool:
        return self.job.status == JobStatus.COMPLETED and self.initial_status != JobStatus.COMPLETED

    def new_and_changed(self) -> tuple[list[Node], list[Node]]:
        touched = list(self.dirty.values())
        return [n for n in touched if n.pk is None], [n for n in touched if n.pk is not None]

    def failures_to_gather(self) -> list[Node]:
        """Rolled-up nodes whose failure details come from their failed children, deepest
        first so that a parent reads its children's details once they are written."""
        nodes = [n for n in self.dirty.values() if n.failure_details is GATHER]
        return sorted(nodes, key=lambda n: n.task_id.count("."), reverse=True)

"""Applies a batch of reports in one transaction (reference worker-messaging.md §4.3-§4.4,
api-and-database.md §2.3-§2.6).

1. Lock the rows of the jobs named by the batch, in a stable order, so two trackers at once
   serialise per job (no lost update, no double count).
2. Load the nodes the reports touch (reported tasks and their ancestors) in one query.
3. Apply every report in arrival order in memory (tree.JobTree), coalescing parents.
4. Write new nodes in bulk (COPY on PostgreSQL), changed nodes with one batched UPDATE;
   gather the failure details of failed parents from their failed children (deepest first).
5. Write each changed job row; release dependents of jobs that completed, fail dependents
   of jobs that had a task fail.

Reports for unknown jobs are refused (returned, not raised), reports for Cancelled or
Completed jobs and for completed tasks ignored: a bad report never rolls back good ones.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jobs.models import Job
from tracking.reports import Report
from tracking.services.dependents import dependents_fail, dependents_release
from tracking.services.store import (
    failed_children_details,
    node_failures_set,
    nodes_insert,
    nodes_load,
    nodes_update,
)
from tracking.services.tree import JobTree, ancestors



@dataclass
class BatchOutcome:
    applied: int = 0
    ignored: int = 0
    # source message index -> reasons its reports were refused
    refused: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    completed_jobs: list[str] = field(default_factory=list)
    released_jobs: int = 0
    failed_dependents: int = 0


@transaction.atomic
def tracking_reports_apply(*, reports: list[Report]) -> BatchOutcome:
    outcome = BatchOutcome()
    if not reports:
        return outcome
    now = timezone.now()
    jobs = _lock_jobs({report.job_key for report in reports})
    trees = _load_trees(jobs, reports, now)
    for report in reports:
        tree = trees.get(report.job_key)
        if tree is None:
            outcome.refused[report.source].append(
                f"Job {report.job_id} not found in partition {report.partition_id}"
            )
        elif tree.apply(report):
            outcome.applied += 1
        else:
            outcome.ignored += 1
    for tree in trees.values():
        _write_tree(tree)
    for tree in trees.values():
        job = tree.job
        if tree.completed_now:
            outcome.completed_jobs.append(str(job))
            outcome.released_jobs += dependents_release(partition_id=job.partition_id, job_id=job.job_id, now=now)
        if tree.failed_reports:
            outcome.failed_dependents += dependents_fail(
                partition_id=job.partition_id, job_id=job.job_id, failure=tree.failed_reports[-1], now=now
            )
    return outcome


def _lock_jobs(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Job]:
    by_partition: dict[str, list[str]] = defaultdict(list)
    for partition_id, job_id in keys:
        by_partition[partition_id].append(job_id)
    scope = Q()
    for partition_id, job_ids in by_partition.items():
        scope |= Q(partition_id=partition_id, job_id__in=job_ids)
    # ORDER BY before FOR UPDATE: rows are locked in this order, the same in every tracker.
    locked = Job.objects.select_for_update().filter(scope).order_by("partition_id", "job_id")
    return {(job.partition_id, job.job_id): job for job in locked}


def _load_trees(
    jobs: dict[tuple[str, str], Job], reports: list[Report], now: datetime
) -> dict[tuple[str, str], JobTree]:
    wanted: dict[int, set[str]] = defaultdict(set)
    for report in reports:
        job = jobs.get(report.job_key)
        if job is not None:
            wanted[job.pk].add(report.task_id)
            wanted[job.pk].update(ancestors(report.task_id))
    nodes = nodes_load(partition_ids={partition_id for partition_id, _ in jobs}, wanted=wanted)
    return {key: JobTree(job, nodes.get(job.pk, {}), now) for key, job in jobs.items()}


def _write_tree(tree: JobTree) -> None:
    new, changed = tree.new_and_changed()
    gather = tree.failures_to_gather()
    for node in gather:
        node.failure_details = None  # written once the children are
    nodes_insert(new, tree.now)
    nodes_update(changed, tree.now)
    for node in gather:
        node.failure_details = failed_children_details(node) or None
        node_failures_set(node, node.failure_details)
    if tree.job_changed:
        job = tree.job
        if tree.job_failures_from_root:
            job.failure_details = tree.nodes[job.job_id].failure_details
        Job.objects.filter(pk=job.pk).update(
            status=job.status,
            percentage_complete=job.percentage_complete,
            failure_details=job.failure_details,
            last_update_date=job.last_update_date,
        )

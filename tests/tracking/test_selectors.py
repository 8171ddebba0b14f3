"""Reads of the subtask progress tree (used by the admin's job page)."""
from tests.tracking.conftest import complete, progress
from tracking.selectors import task_progress_children, task_progress_get
from tracking.services import tracking_reports_apply


def test_children_come_in_subtask_order_under_their_parent_and_are_limited(make_job):
    job = make_job("J1")
    other = make_job("J2")
    tracking_reports_apply(reports=[complete("J1.2"), progress("J1.10", 5), complete("J1.1.1"), complete("J2.1")])
    assert [row.task_id for row in task_progress_children(job=job)] == ["J1.1", "J1.2", "J1.10"]
    assert [row.task_id for row in task_progress_children(job=job, parent_task_id="J1.1")] == ["J1.1.1"]
    assert len(task_progress_children(job=job, limit=2)) == 2
    root = task_progress_get(job=job)
    assert (root.children_reported, root.children_completed, root.max_child_number) == (3, 1, 10)
    assert task_progress_get(job=other, task_id="J1.1") is None  # scoped to the job

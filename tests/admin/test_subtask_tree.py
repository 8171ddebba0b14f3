"""The job page's subtask progress: the top two levels of the tracker's tree, with counts."""
import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jobs.admin.subtasks import CHILDREN_SHOWN, job_subtask_tree
from jobs.models import Job
from jobs.states import JobStatus
from tests.admin.conftest import MakeJob


@pytest.fixture
def progress_row(db: None):
    try:
        TaskProgress = apps.get_model("tracking", "TaskProgress")
    except LookupError:
        pytest.skip("the tracking app's TaskProgress table is not in this tree")

    def make(job: Job, task_id: str, parent: str | None, **fields):
        number = int(task_id.rsplit(".", 1)[-1].rstrip("*")) if parent else None
        return TaskProgress.objects.create(
            partition_id=job.partition_id, job_id=job.job_id, job_pk=job.pk, task_id=task_id,
            parent_task_id=parent, number=number, is_final=task_id.endswith("*"),
            last_update_date=timezone.now(), **fields,
        )

    return make


def test_tree_shows_top_two_levels_with_counts(operator_client: Client, make_job: MakeJob, progress_row) -> None:
    job = make_job("J", status=JobStatus.ACTIVE)
    progress_row(job, "J", None, children_reported=3, children_completed=1, children_failed=1,
                 final_child_number=3, children_percentage_sum=150.0)
    progress_row(job, "J.1", "J", status=JobStatus.COMPLETED, percentage=100.0)
    progress_row(job, "J.2", "J", status=JobStatus.FAILED, percentage=0.0)
    progress_row(job, "J.3*", "J", status=JobStatus.ACTIVE, percentage=50.0, rolled_up=True,
                 children_reported=12, children_completed=6, max_child_number=12)
    for number in range(1, 13):
        progress_row(job, f"J.3*.{number}", "J.3*", status=JobStatus.ACTIVE, percentage=50.0)
        progress_row(job, f"J.3*.{number}.1", f"J.3*.{number}")  # third level: not shown
    other = make_job("other")
    progress_row(other, "other.1", "other", status=JobStatus.FAILED)

    tree = job_subtask_tree(job)

    assert [node.task_id for node in tree.subtasks] == ["J.1", "J.2", "J.3*"]
    assert (tree.counts.reported, tree.counts.completed, tree.counts.failed, tree.counts.expected) == (3, 1, 1, 3)
    last = tree.subtasks[2]
    assert [child.task_id for child in last.children] == [f"J.3*.{n}" for n in range(1, CHILDREN_SHOWN + 1)]
    assert last.children_not_shown == 2
    html = operator_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "3 reported, 1 completed" in html and "1 failed" in html and "of 3 (33% completed)" in html
    assert "12 reported, 6 completed, total not known yet" in html
    assert "… 2 more under J.3*" in html
    assert "J.3*.1.1" not in html


def test_job_with_no_reports_says_so(operator_client: Client, make_job: MakeJob, progress_row) -> None:
    job = make_job("quiet")

    html = operator_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()

    assert "No subtask reported yet." in html

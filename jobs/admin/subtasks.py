"""The top of a job's subtask progress tree, for the job page.

Subtask progress is kept by the tracking app; until its progress table exists this returns
None and the page says so.
"""
from typing import Any

from jobs.models import Job


def job_subtask_tree(job: Job) -> Any:
    return None

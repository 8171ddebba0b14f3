"""Job statuses and the rules between them. Pure: no queries.

Everything here is the behaviour of the original service (reference api-and-database.md
§2.5 and §3.16), kept in one place so the API, the admin and the tracker agree.
"""
# Defined with the worker protocol, which answers status checks with it; imported from here
# by the rest of the project, beside the rules below.
from jobservice.messaging.job_status import JobStatus


# Which statuses each operation accepts (§3.16). Cancel and pause of a job already in the
# target status are accepted as no-ops; resume of an Active job too.
CANCELLABLE = frozenset({JobStatus.WAITING, JobStatus.ACTIVE, JobStatus.PAUSED, JobStatus.CANCELLED})
PAUSABLE = frozenset({JobStatus.WAITING, JobStatus.ACTIVE, JobStatus.PAUSED})
RESUMABLE = frozenset({JobStatus.PAUSED, JobStatus.ACTIVE})

# Statuses of the `statusType` list filter (§3.2); any other value means no filter.
STATUS_TYPES: dict[str, frozenset[JobStatus]] = {
    "NotCompleted": frozenset(
        {JobStatus.ACTIVE, JobStatus.PAUSED, JobStatus.WAITING, JobStatus.CANCELLED, JobStatus.FAILED}
    ),
    "Completed": frozenset({JobStatus.COMPLETED}),
    "Inactive": frozenset({JobStatus.COMPLETED, JobStatus.CANCELLED, JobStatus.FAILED}),
    "NotFinished": frozenset({JobStatus.ACTIVE, JobStatus.PAUSED, JobStatus.WAITING}),
}

# isActive is true for these (§3.12).
ACTIVE_STATUSES = frozenset({JobStatus.ACTIVE, JobStatus.WAITING})

# Reports for jobs in these statuses are ignored (§2.6); a worker discards their messages.
FINISHED_FOR_REPORTS = frozenset({JobStatus.CANCELLED, JobStatus.COMPLETED})

# Priority used when a tracking report proposes a new status for a job (§2.5): the higher
# of the current and proposed status wins.
REPORT_PRIORITY = {
    JobStatus.WAITING: 1,
    JobStatus.ACTIVE: 2,
    JobStatus.PAUSED: 3,
    JobStatus.FAILED: 4,
    JobStatus.CANCELLED: 5,
    JobStatus.COMPLETED: 6,
}


def resolve_reported_status(current: JobStatus, proposed: JobStatus) -> JobStatus:
    """The job status after a report proposed `proposed` (§2.5)."""
    if REPORT_PRIORITY[JobStatus(proposed)] > REPORT_PRIORITY[JobStatus(current)]:
        return JobStatus(proposed)
    return JobStatus(current)

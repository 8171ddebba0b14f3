"""Cancel, pause, resume and delete for operators: the API's services applied to each job,
with the outcomes grouped into one message ("3 cancelled; 1 skipped: already cancelled")."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib import messages

from jobs.errors import BadRequest, NotFound
from jobs.services.transitions import TransitionResult, job_cancel, job_delete, job_pause, job_resume

# Ids listed per group in a message; the rest is counted.
IDS_LISTED = 10


@dataclass(frozen=True)
class Operation:
    name: str  # "cancel": the URL segment and the action's name
    verb: str  # "Cancel": button label
    done: str  # "cancelled": what happened to a changed job
    unchanged: str  # why a job was left as it was
    explanation: str  # shown on the confirmation page
    service: Callable[..., TransitionResult | None]


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "cancel", "Cancel", "cancelled", "already cancelled",
            "Cancelled jobs stop: their undelivered task is dropped and jobs waiting on them "
            "are cancelled too.",
            job_cancel,
        ),
        Operation(
            "pause", "Pause", "paused", "already paused",
            "Workers set the messages of paused jobs aside until the jobs are resumed.",
            job_pause,
        ),
        Operation(
            "resume", "Resume", "resumed", "already active",
            "Resumed jobs become Active and the messages kept while they were paused are sent again.",
            job_resume,
        ),
        Operation(
            "delete", "Delete", "deleted", "already deleted",
            "Deleted jobs are removed with their labels and pending task; jobs waiting on them "
            "are cancelled.",
            job_delete,
        ),
    ]
}


@dataclass
class Outcomes:
    """What an operation did to each job, grouped for the operator's message."""

    operation: Operation
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Service's reason -> ids of the jobs it refused.
    refused: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> str:
        parts = []
        if self.changed:
            parts.append(f"{len(self.changed)} {self.operation.done} ({_ids(self.changed)})")
        if self.unchanged:
            parts.append(
                f"{len(self.unchanged)} skipped: {self.operation.unchanged} ({_ids(self.unchanged)})"
            )
        for reason, ids in self.refused.items():
            parts.append(f"{len(ids)} refused: {reason} ({_ids(ids)})")
        return "; ".join(parts) or "No job selected."

    @property
    def level(self) -> int:
        if not self.refused:
            return messages.SUCCESS
        if self.changed or self.unchanged:
            return messages.WARNING
        return messages.ERROR


def _ids(ids: list[str]) -> str:
    listed = ", ".join(ids[:IDS_LISTED])
    if len(ids) > IDS_LISTED:
        listed += f", and {len(ids) - IDS_LISTED} more"
    return listed


def _general_reason(message: str, job_id: str) -> str:
    # The service names the job ("job_id {x} cannot be ..."); drop the id so that jobs
    # refused for the same reason share one group.
    return message.replace(f"job_id {{{job_id}}}", "job")


def apply_operation(operation: Operation, jobs: Iterable[tuple[str, str]]) -> Outcomes:
    """Runs the operation's service on each (partition_id, job_id), each in its own
    transaction (as the API does), so one refused job does not undo the others."""
    outcomes = Outcomes(operation)
    for partition_id, job_id in jobs:
        try:
            result = operation.service(partition_id=partition_id, job_id=job_id)
        except NotFound:
            # Gone since the page was shown: for delete that is the wanted end state.
            if operation.name == "delete":
                outcomes.unchanged.append(job_id)
            else:
                outcomes.refused.setdefault("job no longer exists", []).append(job_id)
            continue
        except BadRequest as refusal:
            outcomes.refused.setdefault(_general_reason(refusal.message, job_id), []).append(job_id)
            continue
        if result is None or result.changed:
            outcomes.changed.append(job_id)
        else:
            outcomes.unchanged.append(job_id)
    return outcomes

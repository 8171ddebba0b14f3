"""The statuses of a job (reference api-and-database.md §2.5): what the Job Service stores and
what its status URL answers a worker (worker-messaging.md §3.2).

One enum for both sides: the job store (jobs.states, which adds the rules between statuses)
and the worker protocol (status_check) import it from here, so jobservice.messaging still
imports no Django app.
"""
from enum import StrEnum


class JobStatus(StrEnum):
    ACTIVE = "Active"
    CANCELLED = "Cancelled"
    COMPLETED = "Completed"
    FAILED = "Failed"
    PAUSED = "Paused"
    WAITING = "Waiting"

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(status.value, status.value) for status in cls]

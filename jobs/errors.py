"""Errors of the job service. Each carries the HTTP status and the message of the original.

The API turns them into `{"message": ...}` bodies; the admin shows the message to operators.
"""


class JobServiceError(Exception):
    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(JobServiceError):
    status_code = 400


class Forbidden(JobServiceError):
    status_code = 403


class NotFound(JobServiceError):
    status_code = 404


class ServiceUnavailable(JobServiceError):
    status_code = 503


def job_not_found(job_id: str) -> NotFound:
    return NotFound(f"ERROR: job_id {{{job_id}}} not found")

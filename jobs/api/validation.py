"""Checks of the path identifiers, first on every partition endpoint (reference §3.0)."""
import re
from collections.abc import Mapping

from jobs.errors import BadRequest
from jobs.models import PARTITION_ID_MAX_LENGTH

RESERVED_CHARACTERS = frozenset(".,:;*?!|()")
INTEGER = re.compile(r"[+-]?[0-9]+")


def validate_partition_id(partition_id: str) -> None:
    if not partition_id:
        raise BadRequest("The partition ID has not been specified.")
    if len(partition_id) > PARTITION_ID_MAX_LENGTH:
        raise BadRequest(f"The partition ID is longer than {PARTITION_ID_MAX_LENGTH} characters.")
    if RESERVED_CHARACTERS.intersection(partition_id) or "\x00" in partition_id:
        raise BadRequest("The partition ID contains one or more invalid characters.")


def validate_job_id(job_id: str) -> None:
    """No length check here: a too-long id is simply not found (creation checks it)."""
    if not job_id:
        raise BadRequest("The job identifier has not been specified.")
    if RESERVED_CHARACTERS.intersection(job_id) or "\x00" in job_id:
        raise BadRequest("The job identifier contains one or more invalid characters.")


def validate_ids(partition_id: str, job_id: str | None = None) -> None:
    validate_partition_id(partition_id)
    if job_id is not None:
        validate_job_id(job_id)


def validate_query_params(params: Mapping[str, str]) -> None:
    """A NUL character cannot be compared with PostgreSQL text: refuse it up front."""
    for name, value in params.items():
        if "\x00" in value:
            raise BadRequest(f"The query parameter {name} contains a NUL character.")


def int_query_param(name: str, raw: str | None) -> int:
    """`limit`/`offset`: absent or empty is 0 (the default); anything but an int32 is a 400."""
    if raw is None or raw == "":
        return 0
    # int() alone would also take " 5" and "5_0".
    value = int(raw) if INTEGER.fullmatch(raw) else None
    if value is None or not -(2**31) <= value < 2**31:
        raise BadRequest(f"Invalid value for {name}: {raw}. A 32-bit integer is expected.")
    return value

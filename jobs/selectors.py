"""Reads of the job store: one job, its status, lists and counts (reference §3.2-§3.4,
§3.12-§3.14). Pure reads: nothing here writes, and every query is scoped to a partition."""
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, F, OrderBy, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Lower

from jobs.errors import BadRequest, job_not_found
from jobs.lookups import CaseSensitiveLike, like_pattern
from jobs.models import Job, Label
from jobs.rsql import LABEL_PREFIX, parse_filter
from jobs.states import STATUS_TYPES

DEFAULT_PAGE_SIZE = 25
DEFAULT_SORT = "createTime:desc"

# Sort fields of the API and their columns; text columns order case-insensitively.
_SORT_COLUMNS = {
    "jobId": ("job_id", True),
    "name": ("name", True),
    "description": ("description", True),
    "externalData": ("external_data", True),
    "createTime": ("create_date", False),
    "lastUpdateTime": ("last_update_date", False),
    # Statuses are stored by name; alphabetical order is the original's enum order.
    "status": ("status", False),
    "percentageComplete": ("percentage_complete", False),
}


@dataclass(frozen=True)
class JobFilter:
    """The filters shared by list, count, bulk cancel and bulk delete."""

    partition_id: str
    job_id_starts_with: str | None = None
    status_type: str | None = None
    label_exist: str | None = None
    rsql: str | None = None


def job_queryset(job_filter: JobFilter) -> QuerySet[Job]:
    """Jobs of the partition matching every given filter; raises BadRequest for a bad filter."""
    jobs = Job.objects.filter(partition_id=job_filter.partition_id)
    if job_filter.label_exist:
        names = job_filter.label_exist.split(",")
        jobs = jobs.filter(Exists(Label.objects.filter(job_id=OuterRef("pk"), label__in=names)))
    if job_filter.job_id_starts_with:
        # Case-sensitive and with `%`/`_` matching literally, as the original.
        jobs = jobs.filter(CaseSensitiveLike(F("job_id"), like_pattern([job_filter.job_id_starts_with, ""])))
    statuses = STATUS_TYPES.get(job_filter.status_type or "")
    if statuses is not None:
        jobs = jobs.filter(status__in=sorted(statuses))
    if job_filter.rsql is not None:
        jobs = jobs.filter(parse_filter(job_filter.rsql))
    return jobs


def job_list(*, job_filter: JobFilter, sort: str | None, limit: int, offset: int) -> list[Job]:
    """One page of jobs, labels fetched for that page only."""
    ordering = parse_sort(sort)
    jobs = job_queryset(job_filter).alias(**ordering.aliases).order_by(*ordering.order_by)
    if limit <= 0:
        limit = settings.CAF_JOB_SERVICE_PAGE_SIZE or DEFAULT_PAGE_SIZE
    offset = max(offset, 0)
    page = jobs.prefetch_related(Prefetch("labels", queryset=Label.objects.only("job", "label", "value")))
    return list(page[offset : offset + limit])


def job_count(*, job_filter: JobFilter) -> int:
    return job_queryset(job_filter).count()


def job_get(*, partition_id: str, job_id: str) -> Job:
    job = Job.objects.filter(partition_id=partition_id, job_id=job_id).prefetch_related("labels").first()
    if job is None:
        raise job_not_found(job_id)
    return job


def job_status_get(*, partition_id: str, job_id: str) -> str | None:
    """The status of the job, or None when there is no such job. One indexed query: this is
    the status check URL every worker polls."""
    return Job.objects.filter(partition_id=partition_id, job_id=job_id).values_list("status", flat=True).first()


@dataclass(frozen=True)
class Ordering:
    aliases: dict
    order_by: list[OrderBy]


def parse_sort(sort: str | None) -> Ordering:
    """`<field>:<direction>` (split at the first `:`), with the original's messages."""
    if not sort:
        sort = DEFAULT_SORT
    if ":" not in sort:
        raise BadRequest(f"Invalid format for sort: {sort}")
    field, direction = sort.split(":", 1)
    aliases: dict = {}
    if field.startswith(LABEL_PREFIX):
        key = field[len(LABEL_PREFIX):]
        if not key:
            raise BadRequest("Invalid format for label sort specified")
        label_value = Label.objects.filter(job_id=OuterRef("pk"), label=key).values("value")[:1]
        aliases["sort_label"] = Lower(Subquery(label_value))
        expression = F("sort_label")
    elif field in _SORT_COLUMNS:
        column, is_text = _SORT_COLUMNS[field]
        expression = Lower(column) if is_text else F(column)
    else:
        raise BadRequest(f"Invalid value for sort field: {sort}")
    if direction not in ("asc", "desc"):
        raise BadRequest(f"Invalid value for sort direction: {direction}")
    # NULLs (and jobs lacking the sort label) last for asc, first for desc, as PostgreSQL
    # does by default, on every database. The primary key keeps pages stable between ties.
    if direction == "asc":
        order_by = [expression.asc(nulls_last=True), F("pk").asc()]
    else:
        order_by = [expression.desc(nulls_first=True), F("pk").desc()]
    return Ordering(aliases=aliases, order_by=order_by)

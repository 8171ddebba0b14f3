"""Reads of the job store: one job, its status, lists and counts (reference §3.2-§3.4,
§3.12-§3.14). Pure reads: nothing here writes, and every query is scoped to a partition."""
import functools
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router
from django.db.models import Exists, F, OrderBy, OuterRef, Prefetch, QuerySet, prefetch_related_objects
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
    """One page of jobs in the sort order, labels fetched for that page only."""
    ordering = parse_sort(sort)
    if limit <= 0:
        limit = settings.CAF_JOB_SERVICE_PAGE_SIZE or DEFAULT_PAGE_SIZE
    offset = max(offset, 0)
    jobs = job_queryset(job_filter)
    if ordering.label_key is None:
        page = list(jobs.order_by(*ordering.order_by)[offset : offset + limit])
    else:
        page = _label_sorted_page(jobs, ordering, limit, offset)
    prefetch_related_objects(page, Prefetch("labels", queryset=Label.objects.only("job", "label", "value")))
    return page


def _label_sorted_page(jobs: QuerySet[Job], ordering: "Ordering", limit: int, offset: int) -> list[Job]:
    """Sorted by a label's value: the jobs having the label (an inner join, which an index
    on (label, lower(value)) serves in order, so a page does not sort every match), then the
    jobs lacking it (as NULLs: last for asc, first for desc), each part ordered by id."""
    key = ordering.label_key
    labelled = jobs.filter(labels__label=key).alias(sort_value=Lower("labels__value"))
    unlabelled = jobs.exclude(Exists(Label.objects.filter(job_id=OuterRef("pk"), label=key)))
    if ordering.descending:
        parts = [
            unlabelled.order_by(F("pk").desc()),
            labelled.order_by(F("sort_value").desc(nulls_first=True), F("pk").desc()),
        ]
    else:
        parts = [
            labelled.order_by(F("sort_value").asc(nulls_last=True), F("pk").asc()),
            unlabelled.order_by(F("pk").asc()),
        ]
    page = list(parts[0][offset : offset + limit])
    if len(page) == limit:
        return page
    # The first part ends on this page (or before it): the rest comes from the second part.
    first_size = offset + len(page) if page else parts[0].count()
    start = max(offset - first_size, 0)
    return page + list(parts[1][start : start + limit - len(page)])


def job_count(*, job_filter: JobFilter) -> int:
    return job_queryset(job_filter).count()


def job_get(*, partition_id: str, job_id: str) -> Job:
    job = Job.objects.filter(partition_id=partition_id, job_id=job_id).prefetch_related("labels").first()
    if job is None:
        raise job_not_found(job_id)
    return job


def job_status_get(*, partition_id: str, job_id: str) -> str | None:
    """The status of the job, or None when there is no such job.

    This is the status check URL every worker polls, so it is one indexed query whose SQL
    the ORM compiles once per database (building a queryset costs more than the query)."""
    connection = connections[router.db_for_read(Job)]
    sql, placeholders = _status_sql(connection.alias)
    values = {_PARTITION: partition_id, _JOB: job_id}
    with connection.cursor() as cursor:
        cursor.execute(sql, [values[placeholder] for placeholder in placeholders])
        row = cursor.fetchone()
    return None if row is None else row[0]


_PARTITION, _JOB = "<partition_id>", "<job_id>"


@functools.cache
def _status_sql(alias: str) -> tuple[str, tuple[str, ...]]:
    """The SQL of the status query and which value each of its parameters takes."""
    query = Job.objects.using(alias).filter(partition_id=_PARTITION, job_id=_JOB).values_list("status", flat=True)
    sql, params = query[:1].query.sql_with_params()
    return sql, tuple(params)


@dataclass(frozen=True)
class Ordering:
    """Either `order_by` (a column), or `label_key` (the value of that label)."""

    order_by: list[OrderBy]
    label_key: str | None = None
    descending: bool = False


def parse_sort(sort: str | None) -> Ordering:
    """`<field>:<direction>` (split at the first `:`), with the original's messages."""
    if not sort:
        sort = DEFAULT_SORT
    if ":" not in sort:
        raise BadRequest(f"Invalid format for sort: {sort}")
    field, direction = sort.split(":", 1)
    label_key = None
    if field.startswith(LABEL_PREFIX):
        label_key = field[len(LABEL_PREFIX):]
        if not label_key:
            raise BadRequest("Invalid format for label sort specified")
        expression = None
    elif field in _SORT_COLUMNS:
        column, is_text = _SORT_COLUMNS[field]
        expression = Lower(column) if is_text else F(column)
    else:
        raise BadRequest(f"Invalid value for sort field: {sort}")
    if direction not in ("asc", "desc"):
        raise BadRequest(f"Invalid value for sort direction: {direction}")
    descending = direction == "desc"
    if expression is None:
        return Ordering(order_by=[], label_key=label_key, descending=descending)
    # NULLs last for asc, first for desc, as PostgreSQL does by default, on every database.
    # The primary key keeps pages stable between ties.
    if descending:
        return Ordering(order_by=[expression.desc(nulls_first=True), F("pk").desc()], descending=True)
    return Ordering(order_by=[expression.asc(nulls_last=True), F("pk").asc()])

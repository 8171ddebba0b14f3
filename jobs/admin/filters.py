"""List filters of the job admin that stay cheap on a big table."""
from django.contrib import admin
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from jobs.models import Job

PARTITIONS_SHOWN = 100
PARTITIONS_CACHE_SECONDS = 60
_PARTITIONS_CACHE_KEY = "jobs.admin.partitions"


def known_partitions() -> list[str]:
    """Up to PARTITIONS_SHOWN partition ids, cached for a minute.

    The DISTINCT runs on the indexed partition_id column; the cache keeps a busy list page
    from repeating it on every request.
    """
    partitions = cache.get(_PARTITIONS_CACHE_KEY)
    if partitions is None:
        partitions = list(
            Job.objects.order_by("partition_id")
            .values_list("partition_id", flat=True)
            .distinct()[:PARTITIONS_SHOWN]
        )
        cache.set(_PARTITIONS_CACHE_KEY, partitions, PARTITIONS_CACHE_SECONDS)
    return partitions


class PartitionFilter(admin.SimpleListFilter):
    title = "partition"
    parameter_name = "partition"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(partition, partition) for partition in known_partitions()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Job]) -> QuerySet[Job]:
        if self.value():
            return queryset.filter(partition_id=self.value())
        return queryset


# A job has failures when failure_details holds a non-empty list (NULL and [] mean none).
HAS_FAILURES = Q(failure_details__isnull=False) & ~Q(failure_details=[])


class HasFailuresFilter(admin.SimpleListFilter):
    title = "has failures"
    parameter_name = "has_failures"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Job]) -> QuerySet[Job]:
        if self.value() == "yes":
            return queryset.filter(HAS_FAILURES)
        if self.value() == "no":
            return queryset.exclude(HAS_FAILURES)
        return queryset

"""A paginator that never counts a whole big table.

The admin asks the paginator for a count on every list page. `SELECT COUNT(*)` over millions of
jobs takes seconds on PostgreSQL, so the count stops at a cap: past it the list says
"more than N" and offers the pages up to the cap (filters narrow the rest).
"""
from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    count_cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        # Ordering is useless for a count and could force a sort of every matching row.
        counted = self.object_list.order_by()[: self.count_cap + 1].count()
        return counted

    @property
    def is_capped(self) -> bool:
        return self.count > self.count_cap

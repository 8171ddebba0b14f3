"""The job list's ChangeList: reads only the columns shown, prefetches the labels of the page,
and counts as little as it can."""
from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import InvalidPage
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest

from jobs.models import Job, Label

# Columns the list reads; everything else (descriptions, failure details...) stays in the table.
LIST_COLUMNS = [
    "id", "partition_id", "job_id", "name", "status", "percentage_complete",
    "create_date", "last_update_date",
]


class JobChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[Job]:
        queryset = super().get_queryset(request, exclude_parameters)
        # The prefetch runs on the page's slice only: one query for the labels of 50 jobs.
        labels = Label.objects.only("id", "job", "label", "value").order_by("label")
        return queryset.only(*LIST_COLUMNS).prefetch_related(Prefetch("labels", queryset=labels))

    def get_results(self, request: HttpRequest) -> None:
        """As the admin's own, but a short first page is the whole result: it is then counted
        from the rows read, with no COUNT query. A search that matches a few jobs thus scans
        the table once instead of twice."""
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        first_rows = None
        if self.page_num == 1 and not self.show_all:
            first_rows = list(self.queryset[: self.list_per_page + 1])
            if len(first_rows) <= self.list_per_page:
                paginator.count = len(first_rows)  # overrides the cached_property
        result_count = paginator.count
        self.can_show_all = result_count <= self.list_max_show_all
        self.multi_page = result_count > self.list_per_page
        if self.show_all and self.can_show_all:
            self.result_list = self.queryset._clone()
        elif first_rows is not None:
            self.result_list = first_rows[: self.list_per_page]
        else:
            try:
                self.result_list = paginator.page(self.page_num).object_list
            except InvalidPage:
                raise IncorrectLookupParameters from None
        self.result_count = result_count
        self.show_full_result_count = False
        self.full_result_count = None
        # Actions stay offered: the list is never fully counted.
        self.show_admin_actions = True
        self.paginator = paginator

"""The operators' view of jobs: a list that stays fast on millions of rows, a read-only job
page that refreshes its progress by itself, and cancel/pause/resume/delete through the same
services as the API, each after a confirmation page."""
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from jobs.admin import details
from jobs.admin.changelist import JobChangeList
from jobs.admin.display import display_time, progress_bar, status_badge
from jobs.admin.filters import HasFailuresFilter, PartitionFilter
from jobs.admin.operations import OPERATIONS, Operation, apply_operation
from jobs.admin.paginator import CappedCountPaginator
from jobs.admin.queries import interactive_queries
from jobs.admin.subtasks import job_subtask_tree
from jobs.models import Job, Label
from jobs.states import CANCELLABLE, PAUSABLE, JobStatus

# Jobs one list action may touch: each is its own transaction, so a huge "select all" would
# hold the request for minutes. Narrow the filter instead.
ACTION_LIMIT = 1000
# Jobs listed by name on a confirmation page.
CONFIRMATION_LISTED = 50


def _bulk_action(operation: Operation) -> Any:
    def action(modeladmin: "JobAdmin", request: HttpRequest, queryset: QuerySet[Job]) -> HttpResponse | None:
        return modeladmin.confirm_or_apply(request, queryset, operation)

    action.__name__ = f"{operation.name}_jobs"
    return admin.action(description=f"{operation.verb} selected jobs", permissions=["operate"])(action)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "job_id", "partition_id", "name", "status_column", "progress_column",
        "create_column", "updated_column", "labels_column",
    ]
    list_filter = [
        "status", PartitionFilter, ("create_date", admin.DateFieldListFilter), HasFailuresFilter,
    ]
    search_fields = ["job_id", "name", "labels__value"]
    search_help_text = "Job id, name or label value (contains, case-insensitive)."
    # Newest first by the primary key, which is indexed and follows creation order.
    ordering = ["-id"]
    list_per_page = 50
    paginator = CappedCountPaginator
    show_full_result_count = False
    # Facet counts would count the whole table per filter choice.
    show_facets = admin.ShowFacets.NEVER
    actions = [_bulk_action(operation) for operation in OPERATIONS.values()]
    fieldsets = [
        (None, {"fields": [
            "job_id", "partition_id", "name", "description", "job_type",
            "status_column", "progress_column", "create_column", "last_update_field",
            "delay", "labels_column",
        ]}),
        ("Submitted data", {"classes": ["collapse"], "fields": ["external_data", "job_hash"]}),
    ]
    # The list's columns serve the job page too; only the last update time differs (the page
    # refreshes it in place).
    readonly_fields = ["status_column", "progress_column", "create_column", "last_update_field", "labels_column"]
    change_form_template = "admin/jobs/job/job_page.html"

    # --- permissions: the job is never edited through a form, only through operations ----
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        # Deleting goes through the job_delete service (the "delete" operation), never the
        # admin's generic delete, which would skip cancelling the job's dependents.
        return False

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("jobs.change_job")

    # --- list ------------------------------------------------------------------------------
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return JobChangeList

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "action_limit": ACTION_LIMIT}
        if request.method != "GET":
            # Actions run each job's service in its own transaction: no surrounding one.
            return super().changelist_view(request, extra_context)
        with interactive_queries():
            response = super().changelist_view(request, extra_context)
            # The page's rows are read while the template renders: render inside the block.
            if isinstance(response, TemplateResponse):
                response.render()
            return response

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Job], search_term: str
    ) -> tuple[QuerySet[Job], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        # EXISTS instead of a join: no duplicate rows, so no DISTINCT over the result.
        label_match = Label.objects.filter(job=OuterRef("pk"), value__icontains=term)
        matches = Q(job_id__icontains=term) | Q(name__icontains=term) | Q(Exists(label_match))
        return queryset.filter(matches), False

    @admin.display(description="status", ordering="status")
    def status_column(self, job: Job) -> SafeString:
        return status_badge(job.status)

    @admin.display(description="progress", ordering="percentage_complete")
    def progress_column(self, job: Job) -> SafeString:
        return progress_bar(job.percentage_complete)

    @admin.display(description="created", ordering="create_date")
    def create_column(self, job: Job) -> str:
        return display_time(job.create_date)

    @admin.display(description="last update", ordering="last_update_date")
    def updated_column(self, job: Job) -> str:
        return display_time(job.last_update_date)

    @admin.display(description="labels")
    def labels_column(self, job: Job) -> SafeString:
        return format_html_join(
            " ", '<span class="job-label">{}={}</span>',
            ((label.label, label.value or "") for label in job.labels.all()),
        )

    # --- job page ----------------------------------------------------------------------------
    @admin.display(description="last update")
    def last_update_field(self, job: Job) -> SafeString:
        return format_html('<span data-job-updated>{}</span>', display_time(job.last_update_date))

    def get_urls(self) -> list:
        # Before the default URLs: their `<path:object_id>/` pattern would catch these.
        return [
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="jobs_job_progress",
            ),
            path(
                "<path:object_id>/operate/<str:operation>/",
                self.admin_site.admin_view(self.operation_view),
                name="jobs_job_operate",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        job = self.get_object(request, unquote(object_id))
        if job is not None and self.has_view_permission(request, job):
            context.update(self._job_page_context(request, job))
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _job_page_context(self, request: HttpRequest, job: Job) -> dict[str, Any]:
        return {
            "job": job,
            "operations": self._available_operations(request, job),
            "failures": details.job_failures(job),
            "prerequisites": details.job_prerequisites(job),
            "dependents": details.job_dependents(job),
            "pending_task": details.job_pending_task(job),
            "paused_messages": details.job_paused_messages(job),
            "subtasks": job_subtask_tree(job),
            "progress_url": reverse("admin:jobs_job_progress", args=[quote(job.pk)]),
        }

    def _available_operations(self, request: HttpRequest, job: Job) -> list[tuple[Operation, str]]:
        """The operations that would change this job, with their confirmation URLs."""
        if not self.has_operate_permission(request):
            return []
        status = JobStatus(job.status)
        names = []
        if status in CANCELLABLE and status != JobStatus.CANCELLED:
            names.append("cancel")
        if status in PAUSABLE and status != JobStatus.PAUSED:
            names.append("pause")
        if status == JobStatus.PAUSED:
            names.append("resume")
        names.append("delete")
        return [
            (OPERATIONS[name], reverse("admin:jobs_job_operate", args=[quote(job.pk), name]))
            for name in names
        ]

    def progress_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        """What the job page polls: small, read-only, staff only (admin_view)."""
        job = Job.objects.filter(pk=_int_or_none(unquote(object_id))).only(
            "id", "status", "percentage_complete", "last_update_date"
        ).first()
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        if job is None:
            return JsonResponse({"message": "job not found"}, status=404)
        return JsonResponse({
            "status": job.status,
            "percentageComplete": job.percentage_complete,
            "lastUpdateDate": job.last_update_date.isoformat(),
            "lastUpdateDisplay": display_time(job.last_update_date),
        })

    # --- operations ------------------------------------------------------------------------
    def operation_view(self, request: HttpRequest, object_id: str, operation: str) -> HttpResponse:
        """One job: GET shows the confirmation page, POST applies the operation."""
        chosen = OPERATIONS.get(operation)
        if chosen is None:
            raise Http404(f"unknown operation {operation!r}")
        if not self.has_operate_permission(request):
            raise PermissionDenied
        job = self.get_object(request, unquote(object_id))
        if job is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST":
            outcomes = apply_operation(chosen, [(job.partition_id, job.job_id)])
            self.message_user(request, outcomes.summary(), outcomes.level)
            if chosen.name == "delete" and not outcomes.refused:
                return HttpResponseRedirect(reverse("admin:jobs_job_changelist"))
            return HttpResponseRedirect(reverse("admin:jobs_job_change", args=[quote(job.pk)]))
        return self._confirmation_page(request, chosen, [job], total=1, bulk=False)

    def confirm_or_apply(
        self, request: HttpRequest, queryset: QuerySet[Job], operation: Operation
    ) -> HttpResponse | None:
        """A list action: the confirmation page first, then (post=yes) the operation."""
        selected = list(
            queryset.order_by("partition_id", "job_id").only(
                "id", "partition_id", "job_id", "name", "status"
            )[: ACTION_LIMIT + 1]
        )
        if len(selected) > ACTION_LIMIT:
            self.message_user(
                request,
                f"Select at most {ACTION_LIMIT} jobs per action (narrow the list with filters). "
                "No job was changed.",
                level=messages.ERROR,
            )
            return None
        if request.POST.get("post") == "yes":
            outcomes = apply_operation(operation, [(job.partition_id, job.job_id) for job in selected])
            self.message_user(request, outcomes.summary(), outcomes.level)
            return None  # back to the list
        return self._confirmation_page(request, operation, selected, total=len(selected), bulk=True)

    def _confirmation_page(
        self, request: HttpRequest, operation: Operation, jobs: list[Job], total: int, bulk: bool
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": f"{operation.verb} {'jobs' if total != 1 else 'job'}: are you sure?",
            "opts": self.opts,
            "operation": operation,
            "jobs_listed": jobs[:CONFIRMATION_LISTED],
            "jobs_not_listed": max(0, total - CONFIRMATION_LISTED),
            "all_pks": [job.pk for job in jobs] if bulk else [],
            "total": total,
            "bulk": bulk,
            "action_name": f"{operation.name}_jobs",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "back_url": (
                reverse("admin:jobs_job_changelist") if bulk
                else reverse("admin:jobs_job_change", args=[quote(jobs[0].pk)])
            ),
        }
        return TemplateResponse(request, "admin/jobs/job/operation_confirmation.html", context)


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None

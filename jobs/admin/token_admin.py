"""API tokens in the admin (superusers, or staff given the apitoken permissions): create,
scope, renew the secret, delete. A secret is shown once, on a page of its own (never in a flash
message, which would keep it in a cookie or the session)."""
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from jobs.auth.models import ApiToken
from jobs.auth.tokens import issue_secret


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "partitions", "rights_column", "job_types", "raw_tasks", "expires_at", "last_used_at"]
    search_fields = ["name", "partitions"]
    ordering = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "partitions", "expires_at"]}),
        ("Rights", {"fields": ["may_read", "may_create", "may_operate"]}),
        ("What it may send", {"fields": ["job_types", "raw_tasks", "task_pipes"]}),
        ("Use", {"fields": ["key_id", "created_at", "last_used_at"]}),
    ]
    readonly_fields = ["key_id", "created_at", "last_used_at"]
    actions = ["renew_secret"]

    @admin.display(description="rights")
    def rights_column(self, token: ApiToken) -> str:
        return ", ".join(token.rights) or "-"

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if not change:
            obj.presented_secret = issue_secret(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None) -> HttpResponse:
        return self._secret_page(request, obj, obj.presented_secret)

    @admin.action(description="Renew the secret of the selected token", permissions=["change"])
    def renew_secret(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select one token: its new secret is shown once.", level="error")
            return None
        token = queryset.get()
        secret = issue_secret(token)
        token.save(update_fields=["key_id", "secret_hash"])
        self.log_change(request, token, "Renewed the secret.")
        return self._secret_page(request, token, secret)

    def _secret_page(self, request: HttpRequest, token: ApiToken, secret: str) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, "token": token,
                   "secret": secret, "title": f"Secret of the API token {token.name}"}
        response = TemplateResponse(request, "admin/jobs/apitoken/secret.html", context)
        response["Cache-Control"] = "no-store"
        return response

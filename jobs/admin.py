"""A minimal registration; the operators' admin is built on top of it."""
from django.contrib import admin

from jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["job_id", "partition_id", "name", "status", "percentage_complete", "create_date"]
    list_filter = ["status"]
    search_fields = ["job_id", "name"]
    show_full_result_count = False

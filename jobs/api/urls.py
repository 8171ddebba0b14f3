"""Routes of the REST API v1, mounted under /job-service/v1/."""
from django.urls import path

from jobs.api import views
from jobs.api.job_types import JobTypeListApi

urlpatterns = [
    path("ping", views.PingApi.as_view(), name="ping"),
    path("jobTypes", JobTypeListApi.as_view(), name="job-types"),
]

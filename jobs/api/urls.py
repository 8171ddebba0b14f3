"""Routes of the REST API v1, mounted under /job-service/v1/."""
from django.urls import path

from jobs.api import views

urlpatterns = [
    path("ping", views.PingApi.as_view(), name="ping"),
]

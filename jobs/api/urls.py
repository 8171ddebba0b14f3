"""Routes of the REST API v1, mounted under /job-service/v1/."""
from django.urls import path, re_path

from jobs.api import collection_views, job_views, views
from jobs.api.job_types import JobTypeListApi

PARTITION = r"partitions/(?P<partitionId>[^/]*)"
JOB = PARTITION + r"/jobs/(?P<jobId>[^/]*)"

urlpatterns = [
    path("ping", views.PingApi.as_view(), name="ping"),
    path("jobTypes", JobTypeListApi.as_view(), name="job-types"),
    # Ids are matched as any segment, even empty, so that the views answer a bad id with the
    # original's 400 message; `jobs:cancel` and `jobs:delete` are literal paths.
    re_path(rf"^{PARTITION}/jobs$", collection_views.JobListApi.as_view(), name="jobs"),
    re_path(rf"^{PARTITION}/jobs:cancel$", collection_views.JobsCancelApi.as_view(), name="jobs-cancel"),
    re_path(rf"^{PARTITION}/jobs:delete$", collection_views.JobsDeleteApi.as_view(), name="jobs-delete"),
    re_path(rf"^{PARTITION}/jobStats/count$", collection_views.JobCountApi.as_view(), name="job-count"),
    re_path(rf"^{JOB}$", job_views.JobApi.as_view(), name="job"),
    re_path(rf"^{JOB}/cancel$", job_views.JobCancelApi.as_view(), name="job-cancel"),
    re_path(rf"^{JOB}/pause$", job_views.JobPauseApi.as_view(), name="job-pause"),
    re_path(rf"^{JOB}/resume$", job_views.JobResumeApi.as_view(), name="job-resume"),
    re_path(rf"^{JOB}/isActive$", job_views.JobIsActiveApi.as_view(), name="job-is-active"),
    re_path(rf"^{JOB}/status$", job_views.JobStatusApi.as_view(), name="job-status"),
]

"""Workers check their job's status without a token: the dispatched statusCheckUrl is signed
for that one job (docs/security.md, "Status checks of workers")."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jobs.auth.status_signature import status_signature
from jobs.public_urls import status_check_url
from jobs.task_message import job_task_message

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_dispatched_status_url_answers_without_a_token(put_job, settings):
    settings.CAF_WEBSERVICE_URL = "http://jobservice:8080/job-service/v1"
    put_job("acme-1", "j1", status="Paused")
    message = job_task_message(partition_id="acme-1", job_id="j1", task_classifier="c", task_api_version=1,
                               task_data=b"{}", task_pipe="worker-in", target_pipe=None)
    url = json.loads(message.encode())["tracking"]["statusCheckUrl"]
    assert url.startswith("http://jobservice:8080/job-service/v1/partitions/acme-1/jobs/j1/status?signature=")

    response = APIClient().get(path_of(url))  # what a worker of the original does: a plain GET
    assert response.status_code == 200 and response.json() == "Paused"
    assert response["CacheableJobStatus"] == "true"
    is_active = APIClient().get(path_of(url).replace("/status?", "/isActive?"))
    assert is_active.status_code == 200 and is_active.json() is False


def test_a_signature_is_good_for_its_own_job_only(put_job):
    put_job("acme-1", "j1")
    put_job("acme-1", "j2")
    put_job("beta", "j1")
    signature = status_signature("acme-1", "j1")
    client = APIClient()
    assert client.get(f"/job-service/v1/partitions/acme-1/jobs/j1/status?signature={signature}").status_code == 200
    for path in ["acme-1/jobs/j2/status", "beta/jobs/j1/status", "acme-1/jobs/j1"]:
        assert client.get(f"/job-service/v1/partitions/{path}?signature={signature}").status_code == 401, path
    for forged in ["", "0" * 32, signature[:-1] + ("0" if signature[-1] != "0" else "1"), signature + "00"]:
        assert client.get(f"/job-service/v1/partitions/acme-1/jobs/j1/status?signature={forged}").status_code == 401
    assert client.post(f"/job-service/v1/partitions/acme-1/jobs/j1/cancel?signature={signature}").status_code == 401


def test_after_a_key_rotation_urls_signed_with_the_old_key_still_work_while_it_is_a_fallback(put_job, settings):
    put_job("acme-1", "j1")
    old_url = status_check_url("acme-1", "j1")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert APIClient().get(path_of(old_url)).status_code == 200
    assert path_of(status_check_url("acme-1", "j1")) != path_of(old_url)
    settings.SECRET_KEY_FALLBACKS = []
    assert APIClient().get(path_of(old_url)).status_code == 401


def test_the_signature_is_a_query_parameter_of_the_job_url(settings):
    settings.CAF_WEBSERVICE_URL = "https://jobs.example.com/job-service/v1/"
    url = status_check_url("part one", "job/1%")
    parts = urlsplit(url)
    assert parts.path == "/job-service/v1/partitions/part%20one/jobs/job%2F1%25/status"
    assert parse_qs(parts.query) == {"signature": [status_signature("part one", "job/1%")]}


@override_settings(JOBSERVICE_API_AUTH="none")
def test_without_authentication_an_unsigned_status_url_answers_too(put_job):
    put_job("acme-1", "j1")
    assert APIClient().get("/job-service/v1/partitions/acme-1/jobs/j1/status").json() == "Active"


def test_a_token_with_read_works_without_a_signature(api_client, put_job):
    put_job("acme-1", "j1")
    assert api_client.get("/job-service/v1/partitions/acme-1/jobs/j1/status").json() == "Active"

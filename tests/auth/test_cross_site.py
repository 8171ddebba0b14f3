"""A page of another site cannot make a browser change jobs: unsafe requests without a token
from a foreign Origin, or marked Sec-Fetch-Site: cross-site, get 403, in every mode."""
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jobs.models import Job
from tests.auth.conftest import V1

pytestmark = pytest.mark.django_db

DELETE_ALL = f"{V1}/partitions/acme-1/jobs:delete"
REFUSED = {
    "message": "Cross-site request refused: a page of another site may not change jobs. Send an API token, "
    "or add the origin to JOBSERVICE_API_ALLOWED_ORIGINS."
}


@pytest.mark.parametrize("mode", ["token", "none"])
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},  # a sandboxed frame
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "http://127.0.0.1:8000.evil.example", "HTTP_SEC_FETCH_SITE": "cross-site"},
    ],
)
def test_a_cross_site_request_without_a_token_is_refused_in_every_mode(put_job, mode, headers):
    put_job("acme-1", "j1")
    with override_settings(JOBSERVICE_API_AUTH=mode):
        # What a page can send without a preflight: a "simple" POST with a text/plain body.
        response = APIClient().post(DELETE_ALL, data="x", content_type="text/plain", **headers)
        put = APIClient().put(f"{V1}/partitions/acme-1/jobs/j2", data="{}", content_type="text/plain", **headers)
    assert (response.status_code, response.json()) == (403, REFUSED)
    assert put.status_code == 403
    assert list(Job.objects.values_list("job_id", flat=True)) == ["j1"]


@override_settings(JOBSERVICE_API_AUTH="none")
@pytest.mark.parametrize(
    "headers",
    [
        {},  # no browser: curl, scripts, the original's clients
        {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"},  # the service's own page
        {"HTTP_ORIGIN": "http://127.0.0.1:8000"},  # the origin of CAF_WEBSERVICE_URL
        {"HTTP_SEC_FETCH_SITE": "none"},  # typed by the user
    ],
)
def test_requests_from_no_browser_or_the_services_own_origin_go_through(put_job, headers):
    put_job("acme-1", "j1")
    assert APIClient().post(DELETE_ALL, **headers).json() == {"jobsDeleted": 1}


@override_settings(JOBSERVICE_API_AUTH="none", JOBSERVICE_API_ALLOWED_ORIGINS=["https://console.example"])
def test_an_allowed_origin_goes_through(put_job):
    put_job("acme-1", "j1")
    response = APIClient().post(DELETE_ALL, HTTP_ORIGIN="https://console.example", HTTP_SEC_FETCH_SITE="cross-site")
    assert response.json() == {"jobsDeleted": 1}


def test_a_request_with_a_token_is_no_forgery(api_client, put_job):
    # A page cannot make a browser attach an Authorization header (a CORS preflight would ask).
    put_job("acme-1", "j1")
    response = api_client.post(DELETE_ALL, HTTP_ORIGIN="https://other.example", HTTP_SEC_FETCH_SITE="cross-site")
    assert response.json() == {"jobsDeleted": 1}


@override_settings(JOBSERVICE_API_AUTH="none")
def test_reads_are_not_refused(put_job):
    put_job("acme-1", "j1")
    response = APIClient().get(f"{V1}/partitions/acme-1/jobs/j1", HTTP_ORIGIN="https://evil.example",
                               HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 200

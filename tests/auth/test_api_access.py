"""Who may call which endpoint: 401 without a valid token, 403 outside the token's partitions
or rights, and a token never sees or touches another partition (docs/security.md, "Tokens")."""
from typing import Any

import pytest
import yaml
from django.test import override_settings
from rest_framework.test import APIClient

from jobs.auth.models import ApiToken, Right
from jobs.models import Job
from jobs.states import JobStatus
from tests.auth.conftest import V1, TokenClient, raw_task

pytestmark = pytest.mark.django_db

# (method, path under the partition, the right it needs)
ENDPOINTS = [
    ("get", "/jobs", Right.READ),
    ("get", "/jobStats/count", Right.READ),
    ("get", "/jobs/j1", Right.READ),
    ("get", "/jobs/j1/status", Right.READ),
    ("get", "/jobs/j1/isActive", Right.READ),
    ("put", "/jobs/new-job", Right.CREATE),
    ("post", "/jobs/j1/cancel", Right.OPERATE),
    ("post", "/jobs/j1/pause", Right.OPERATE),
    ("post", "/jobs/j1/resume", Right.OPERATE),
    ("delete", "/jobs/j1", Right.OPERATE),
    ("post", "/jobs:cancel", Right.OPERATE),
    ("post", "/jobs:delete", Right.OPERATE),
]
ENDPOINT_IDS = [f"{method.upper()} {path}" for method, path, _ in ENDPOINTS]


def call(client: APIClient, method: str, partition_id: str, path: str) -> Any:
    url = f"{V1}/partitions/{partition_id}{path}"
    if method == "put":
        return client.put(url, {"name": "n", "task": raw_task()}, format="json")
    return getattr(client, method)(url)


def unchanged(partition_id: str) -> bool:
    return list(Job.objects.filter(partition_id=partition_id).values_list("job_id", "status")) == [
        ("j1", JobStatus.ACTIVE)
    ]


@pytest.mark.parametrize(("method", "path", "right"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_no_token_is_a_401_that_says_how_to_authenticate(method, path, right, put_job):
    put_job("acme-1", "j1")
    response = call(APIClient(), method, "acme-1", path)
    assert response.status_code == 401
    assert response.json() == {"message": 'An API token is required: send "Authorization: Bearer <token>".'}
    assert response["WWW-Authenticate"] == 'Bearer realm="job-service"'
    assert unchanged("acme-1")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer jst_0000000000000000_nope", "The API token is not valid (unknown, replaced or expired)."),
        ("Bearer ", "The API token is not valid (unknown, replaced or expired)."),
        ("Basic dXNlcjpwYXNz", 'Send the API token as "Authorization: Bearer <token>".'),
    ],
)
def test_an_invalid_token_is_a_401(header, message, put_job):
    put_job("acme-1", "j1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.post(f"{V1}/partitions/acme-1/jobs:delete")
    assert (response.status_code, response.json()) == (401, {"message": message})
    assert unchanged("acme-1")


@pytest.mark.parametrize(("method", "path", "right"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_another_partition_is_a_403_and_nothing_there_changes(method, path, right, client_with: TokenClient, put_job):
    put_job("beta", "j1")
    client = client_with(name="acme", partitions=["acme-*"], raw_tasks=True, task_pipes=["*"])
    response = call(client, method, "beta", path)
    assert response.status_code == 403
    assert response.json() == {"message": f"The API token 'acme' does not allow {right} on partition 'beta'."}
    assert unchanged("beta")


@pytest.mark.parametrize(("method", "path", "right"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_each_endpoint_needs_its_right_and_only_that_one(method, path, right, client_with: TokenClient, put_job):
    put_job("acme-1", "j1")
    others = [other for other in Right if other != right]
    without = client_with(name="without", partitions=["acme-*"], rights=others, raw_tasks=True, task_pipes=["*"])
    with_right = client_with(name="with", partitions=["acme-*"], rights=[right], raw_tasks=True, task_pipes=["*"])

    refused = call(without, method, "acme-1", path)
    assert refused.status_code == 403
    assert refused.json()["message"] == f"The API token 'without' does not allow {right} on partition 'acme-1'."
    assert unchanged("acme-1")
    assert call(with_right, method, "acme-1", path).status_code in (200, 201, 204)


def test_lists_counts_and_bulk_operations_stay_in_the_tokens_partition(client_with: TokenClient, put_job):
    for partition_id in ("acme-1", "acme-2", "beta"):
        put_job(partition_id, "j1")
        put_job(partition_id, "j2")
    client = client_with(partitions=["acme-1"])

    assert [job["id"] for job in client.get(f"{V1}/partitions/acme-1/jobs").json()] == ["j2", "j1"]
    assert client.get(f"{V1}/partitions/acme-1/jobStats/count").json() == 2
    assert client.post(f"{V1}/partitions/acme-1/jobs:cancel").json() == {"jobsCanceled": 2}
    assert client.post(f"{V1}/partitions/acme-1/jobs:delete").json() == {"jobsDeleted": 2}
    for partition_id in ("acme-2", "beta"):
        assert client.get(f"{V1}/partitions/{partition_id}/jobs").status_code == 403
        assert client.post(f"{V1}/partitions/{partition_id}/jobs:delete").status_code == 403
        assert set(Job.objects.filter(partition_id=partition_id).values_list("status", flat=True)) == {"Active"}
        assert Job.objects.filter(partition_id=partition_id).count() == 2


def test_an_expired_token_is_refused(client_with: TokenClient, put_job):
    put_job("acme-1", "j1")
    client = client_with(name="old", partitions=["*"])
    assert client.get(f"{V1}/partitions/acme-1/jobs/j1").status_code == 200
    ApiToken.objects.filter(name="old").update(expires_at="2000-01-01T00:00:00Z")
    assert client.get(f"{V1}/partitions/acme-1/jobs/j1").status_code == 401


def test_ping_is_open_to_anybody_whatever_the_header():
    assert APIClient().get(f"{V1}/ping").json() == {"success": True}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get(f"{V1}/ping").status_code == 200


def test_job_types_need_any_valid_token(client_with: TokenClient):
    assert APIClient().get(f"{V1}/jobTypes").status_code == 401
    assert client_with(partitions=["acme-1"], rights=[Right.READ]).get(f"{V1}/jobTypes").status_code == 200


def test_the_openapi_document_is_open_and_declares_the_bearer_scheme():
    response = APIClient().get(f"{V1}/openapi.json")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    assert {"apiToken": []} in document["paths"][f"{V1}/partitions/{{partitionId}}/jobs"]["get"]["security"]


@override_settings(JOBSERVICE_API_AUTH="none")
@pytest.mark.parametrize(("method", "path", "right"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_without_authentication_every_endpoint_answers_a_client_that_sends_no_token(method, path, right, put_job):
    # Clients of the original on a trusted network (docs/security.md, "Modes").
    put_job("acme-1", "j1")
    assert call(APIClient(), method, "acme-1", path).status_code in (200, 201, 204)


@override_settings(JOBSERVICE_API_AUTH="none")
def test_without_authentication_a_token_is_ignored(put_job):
    put_job("acme-1", "j1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer jst_0000000000000000_unknown")
    assert client.get(f"{V1}/partitions/acme-1/jobs/j1").status_code == 200
    assert client.get(f"{V1}/jobTypes").status_code == 200

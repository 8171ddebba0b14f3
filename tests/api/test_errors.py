"""Bad input on every endpoint: a clear 4xx {"message": ...}, never a 500."""
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from jobs.auth.status_signature import status_signature
from tests.api.conftest import new_job_body

pytestmark = pytest.mark.django_db

V1 = "/job-service/v1"
PARTITION_ENDPOINTS = [
    ("get", "/partitions/{p}/jobs"),
    ("post", "/partitions/{p}/jobs:cancel"),
    ("post", "/partitions/{p}/jobs:delete"),
    ("get", "/partitions/{p}/jobStats/count"),
]
JOB_ENDPOINTS = [
    ("get", "/partitions/{p}/jobs/{j}"),
    ("put", "/partitions/{p}/jobs/{j}"),
    ("delete", "/partitions/{p}/jobs/{j}"),
    ("post", "/partitions/{p}/jobs/{j}/cancel"),
    ("post", "/partitions/{p}/jobs/{j}/pause"),
    ("post", "/partitions/{p}/jobs/{j}/resume"),
    ("get", "/partitions/{p}/jobs/{j}/isActive"),
    ("get", "/partitions/{p}/jobs/{j}/status"),
]


def call(client: APIClient, method: str, path: str):
    if method == "put":
        return client.put(V1 + path, new_job_body(), format="json")
    return getattr(client, method)(V1 + path)


@pytest.mark.parametrize(("method", "path"), PARTITION_ENDPOINTS + JOB_ENDPOINTS)
@pytest.mark.parametrize(
    ("partition_id", "message"),
    [
        ("", "The partition ID has not been specified."),
        ("p" * 41, "The partition ID is longer than 40 characters."),
        *[(f"a{char}b", "The partition ID contains one or more invalid characters.") for char in ".,:;*?!|()"],
    ],
)
def test_partition_id_is_checked_first(client: APIClient, method: str, path: str, partition_id: str, message: str) -> None:
    response = call(client, method, path.format(p=quote(partition_id, safe=""), j="a.b"))
    assert response.status_code == 400
    assert response.json() == {"message": message}


@pytest.mark.parametrize(("method", "path"), JOB_ENDPOINTS)
@pytest.mark.parametrize(
    ("job_id", "message"),
    [
        ("", "The job identifier has not been specified."),
        *[(f"a{char}b", "The job identifier contains one or more invalid characters.") for char in ".,:;*?!|()"],
    ],
)
def test_job_id_is_checked(client: APIClient, method: str, path: str, job_id: str, message: str) -> None:
    response = call(client, method, path.format(p="p" * 40, j=quote(job_id, safe="")))
    assert response.status_code == 400
    assert response.json() == {"message": message}


@pytest.mark.parametrize("path", ["/nothing", "/partitions/p1/nothing", "/partitions/p1/jobs/j1/nothing", "/partitions/p1/jobs:archive"])
def test_unknown_routes_are_json_404(client: APIClient, path: str) -> None:
    response = client.get(V1 + path)
    assert response.status_code == 404
    assert "message" in response.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/partitions/p1/jobs"),
        ("delete", "/partitions/p1/jobs"),
        ("get", "/partitions/p1/jobs:cancel"),
        ("patch", "/partitions/p1/jobs/j1"),
        ("get", "/partitions/p1/jobs/j1/cancel"),
        ("put", "/partitions/p1/jobs/j1/status"),
        ("post", "/ping"),
    ],
)
def test_wrong_methods_are_json_405(client: APIClient, method: str, path: str) -> None:
    response = getattr(client, method)(V1 + path)
    assert response.status_code == 405
    assert response.json()["message"]


@pytest.mark.parametrize(("method", "path"), PARTITION_ENDPOINTS + JOB_ENDPOINTS)
def test_correlation_id_is_echoed_or_generated(client: APIClient, method: str, path: str) -> None:
    url = V1 + path.format(p="p1", j="j1")
    response = getattr(client, method)(url, HTTP_CAF_CORRELATION_ID="corr-1")
    assert response["CAF-Correlation-Id"] == "corr-1"
    response = getattr(client, method)(url)
    assert len(response["CAF-Correlation-Id"]) == 36


def test_url_encoded_ids_are_decoded(client: APIClient) -> None:
    response = client.put(V1 + "/partitions/p%201/jobs/j%20one", new_job_body(), format="json")
    assert response.status_code == 201
    assert client.get(V1 + "/partitions/p 1/jobs/j one").json()["id"] == "j one"


@pytest.mark.parametrize(
    "url",
    [
        "/partitions/p1/jobs/a%00b/status",
        "/partitions/p1/jobs/a%00b/isActive",
        "/partitions/p%001/jobs",
        "/partitions/p1/jobs?filter=id==a%00b",
        "/partitions/p1/jobs?jobIdStartsWith=a%00b",
        "/partitions/p1/jobs?sort=labels.a%00b:asc",
        "/partitions/p1/jobs?labelExist=a%00b",
        "/partitions/p1/jobStats/count?filter=labels.a%00b==1",
    ],
)
def test_nul_characters_are_400_on_every_database(client: APIClient, url: str) -> None:
    response = client.get(V1 + url)
    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize("field", ["name", "description", "externalData"])
def test_nul_characters_in_stored_text_are_400(client: APIClient, field: str) -> None:
    response = client.put(V1 + "/partitions/p1/jobs/j1", new_job_body(**{field: "a\u0000b"}), format="json")
    assert response.status_code == 400
    assert response.json() == {"message": f"Invalid job definition: {field}: Null characters are not allowed."}


def test_nul_characters_in_labels_and_task_data_object(client: APIClient) -> None:
    response = client.put(V1 + "/partitions/p1/jobs/j1", new_job_body(labels={"k": "\u0000"}), format="json")
    assert response.status_code == 400
    response = client.put(V1 + "/partitions/p1/jobs/j1", new_job_body(labels={"k\u0000": "v"}), format="json")
    assert response.json()["message"].startswith("A provided label name contains an invalid character")
    body = new_job_body()
    body["task"]["taskData"] = {"text": "a\u0000b"}  # stored as bytes: fine
    assert client.put(V1 + "/partitions/p1/jobs/j1", body, format="json").status_code == 201


def test_a_lost_database_connection_is_a_retryable_503(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    from jobs.api import job_views

    def unreachable(**kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(job_views, "job_status_get", unreachable)
    # A worker's signed status check: no token to look up in the (unreachable) database.
    response = APIClient().get(V1 + f"/partitions/p1/jobs/j1/status?signature={status_signature('p1', 'j1')}")
    assert response.status_code == 503
    assert response.json() == {"message": "The database is unavailable; try again later."}

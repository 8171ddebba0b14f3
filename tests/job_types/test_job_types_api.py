"""GET /job-service/v1/jobTypes: the job types a client can create jobs from."""
import json

import pytest

from jobs.job_types.schemas import DEFAULT_PARAMETERS_SCHEMA

URL = "/job-service/v1/jobTypes"


def test_lists_every_job_type_by_id_with_its_parameters_schema(client, original_definitions):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert [job_type["id"] for job_type in body] == sorted(original_definitions)
    by_id = {job_type["id"]: job_type for job_type in body}
    assert by_id["params"] == {
        "id": "params",
        "description": None,
        "parametersSchema": {
            "type": "object",
            "properties": {"s": {"type": "string"}},
            "additionalProperties": {"type": "number"},
        },
    }
    assert by_id["basic"]["parametersSchema"] == DEFAULT_PARAMETERS_SCHEMA


def test_shows_the_description_of_a_definition(client, shipped_definitions):
    by_id = {job_type["id"]: job_type for job_type in client.get(URL).json()}
    assert by_id["reverse-text"]["description"].startswith("Transforms a text with the example worker")
    assert by_id["reverse-text"]["parametersSchema"]["oneOf"] == [{"required": ["text"]}, {"required": ["path"]}]


def test_is_empty_without_a_definitions_folder(client, settings):
    settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = ""
    response = client.get(URL)
    assert (response.status_code, response.json()) == (200, [])


def test_an_invalid_definitions_folder_answers_500_with_the_problem(client, settings, tmp_path):
    # The start-up check normally stops the service before this; a request must still get a
    # clear message rather than a bare 500.
    (tmp_path / "bad.yaml").write_text("nonsense: 1\n")
    settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = str(tmp_path)
    response = client.get(URL)
    assert response.status_code == 500
    assert response.json()["message"].startswith("Invalid job type definitions:\nbad: unknown property: nonsense")


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_is_read_only(client, method):
    assert getattr(client, method)(URL).status_code == 405


def test_is_in_the_openapi_schema(client):
    schema = json.loads(client.get("/job-service/v1/openapi.json", {"format": "json"}).content)
    operation = schema["paths"]["/job-service/v1/jobTypes"]["get"]
    assert operation["operationId"] == "getJobTypes"
    assert set(schema["components"]["schemas"]["JobType"]["properties"]) == {"id", "description", "parametersSchema"}

"""The OpenAPI document: valid, warning-free, with the original's operation ids."""
from pathlib import Path

import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

ORIGINAL_OPERATIONS = {
    "ping", "getJobs", "getJob", "createOrUpdateJob", "deleteJob", "cancelJob", "pauseJob",
    "resumeJob", "getJobActive", "getJobStatus", "getJobsCount", "cancelJobs", "deleteJobs",
}


def test_schema_validates_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    document = yaml.safe_load(target.read_text())
    operations = {
        operation["operationId"]: (path, method)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    assert ORIGINAL_OPERATIONS <= set(operations)
    assert operations["cancelJobs"] == ("/job-service/v1/partitions/{partitionId}/jobs:cancel", "post")
    assert operations["getJobStatus"] == ("/job-service/v1/partitions/{partitionId}/jobs/{jobId}/status", "get")
    job = document["components"]["schemas"]["job"]["properties"]
    assert set(job) == {
        "id", "name", "description", "externalData", "createTime", "lastUpdateTime",
        "status", "percentageComplete", "failures", "labels",
    }
    assert set(document["components"]["schemas"]["newJob"]["properties"]) == {
        "name", "description", "externalData", "task", "type", "parameters", "prerequisiteJobIds",
        "delay", "labels",
    }


def test_swagger_ui_and_its_static_files_are_served(client: APIClient) -> None:
    response = client.get("/job-service/v1/swagger-ui/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    bundle = next(part.split('"')[0] for part in html.split('src="')[1:] if "swagger-ui-bundle" in part)
    static = client.get(bundle)
    assert static.status_code == 200

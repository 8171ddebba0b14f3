"""What a token may send when it creates a job: job types by default, raw tasks only when
granted, and then only to its listed queues (docs/security.md, "Tokens")."""
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jobs.auth.models import Right
from jobs.models import Job
from tests.auth.conftest import V1, TokenClient, raw_task

pytestmark = pytest.mark.django_db

URL = f"{V1}/partitions/acme-1/jobs/j1"
TYPE_JOB = {"name": "by type", "type": "basic"}


@pytest.fixture
def basic_type(settings, tmp_path) -> None:
    from jobs import job_types
    from jobs.job_types import registry

    (tmp_path / "basic.yaml").write_text(
        'taskScript: |\n  {"taskClassifier": "c", "taskApiVersion": 1, "taskData": {}, "taskPipe": "basic-in"}\n'
    )
    settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = str(tmp_path)
    job_types.reload()
    yield
    registry.clear_cache()


def creator(client_with: TokenClient, **scope) -> APIClient:
    scope.setdefault("name", "creator")
    return client_with(partitions=["acme-*"], rights=[Right.CREATE], **scope)


def test_by_default_a_token_creates_jobs_of_any_type_but_no_raw_task(client_with: TokenClient, basic_type):
    client = creator(client_with)
    assert client.put(URL, TYPE_JOB, format="json").status_code == 201
    response = client.put(f"{V1}/partitions/acme-1/jobs/j2", {"task": raw_task()}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "message": "The API token 'creator' may create jobs only from a job type (\"type\"), not from a raw \"task\"."
    }
    assert not Job.objects.filter(job_id="j2").exists()


def test_a_token_limited_to_some_job_types_may_not_use_others(client_with: TokenClient, basic_type):
    client = creator(client_with, job_types=["export-*"])
    response = client.put(URL, TYPE_JOB, format="json")
    assert (response.status_code, response.json()) == (
        403, {"message": "The API token 'creator' may not create jobs of type 'basic'."}
    )
    assert creator(client_with, name="other", job_types=["ba*"]).put(URL, TYPE_JOB, format="json").status_code == 201


@pytest.mark.parametrize(
    ("task", "message"),
    [
        (raw_task(taskPipe="billing-in"), "The API token 'creator' may not send tasks to the task queue 'billing-in'."),
        (raw_task(targetPipe="billing-out"),
         "The API token 'creator' may not send tasks to the target queue 'billing-out'."),
    ],
)
def test_raw_tasks_go_only_to_the_tokens_queues(client_with: TokenClient, task, message):
    client = creator(client_with, raw_tasks=True, task_pipes=["worker-*"])
    response = client.put(URL, {"task": task}, format="json")
    assert (response.status_code, response.json()) == (403, {"message": message})
    assert not Job.objects.exists()
    assert client.put(URL, {"task": raw_task()}, format="json").status_code == 201


def test_without_a_target_pipe_only_the_task_pipe_is_checked(client_with: TokenClient):
    client = creator(client_with, raw_tasks=True, task_pipes=["worker-in"])
    task = raw_task()
    del task["targetPipe"]
    assert client.put(URL, {"task": task}, format="json").status_code == 201


@override_settings(JOBSERVICE_API_AUTH="none")
def test_without_authentication_raw_tasks_are_accepted():
    assert APIClient().put(URL, {"task": raw_task(taskPipe="anything")}, format="json").status_code == 201

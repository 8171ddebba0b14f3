"""What any client may send, in every mode: a job's task and target queues are never the
service's own, and are names RabbitMQ accepts (docs/security.md)."""
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jobs.models import Job, JobTask
from jobs.pipes import check_pipe, pipe_problem, service_queues
from tests.auth.conftest import V1, raw_task

pytestmark = pytest.mark.django_db

FORBIDDEN = [
    ("jobtracking-in", "is a queue of the job service itself"),  # forged tracking reports
    ("jobtracking-err", "is a queue of the job service itself"),
    ("jobtracking-reject", "is a queue of the job service itself"),
    ("worker-paused", "is a queue of the job service itself"),  # a loop through the paused store
    ("worker-paused-reject", "is a queue of the job service itself"),
    ("ExampleWorker-reject", "is a reject queue (names ending in '-reject' are kept for them)"),
    ("worker-batch-reject", "is a reject queue (names ending in '-reject' are kept for them)"),
    ("amq.direct", "is reserved by the broker (amq.*)"),
    ("é" * 128, "is longer than 255 bytes (UTF-8)"),  # 128 characters, 256 bytes
    ("line\nbreak", "contains a control character"),
    ("tab\there", "contains a control character"),
    ("del\x7f", "contains a control character"),
    ("c1\x85", "contains a control character"),
]


@pytest.mark.parametrize(("pipe", "problem"), FORBIDDEN, ids=[repr(pipe[:20]) for pipe, _ in FORBIDDEN])
def test_the_rule_names_what_is_wrong(pipe, problem):
    assert pipe_problem(pipe) == problem


@pytest.mark.parametrize("pipe", ["worker-in", "batch-in", "jobtracking-in2", "reject-me", "amq", "é" * 127, "a" * 255])
def test_ordinary_queue_names_pass(pipe):
    assert pipe_problem(pipe) is None


def test_the_service_queues_follow_the_settings(settings):
    settings.CAF_TRACKING_PIPE = "tracker-queue"
    settings.CAF_WORKER_PAUSED_QUEUE = "kept"
    assert {"tracker-queue", "kept", "kept-reject"} <= service_queues()
    assert pipe_problem("tracker-queue") is not None and pipe_problem("jobtracking-in") is None


@pytest.mark.parametrize("mode", ["token", "none"])
@pytest.mark.parametrize("key", ["taskPipe", "targetPipe"])
@pytest.mark.parametrize(("pipe", "problem"), FORBIDDEN[:8], ids=[pipe for pipe, _ in FORBIDDEN[:8]])
def test_a_job_naming_a_forbidden_queue_is_a_400_in_every_mode(api_client, mode, key, pipe, problem):
    client = api_client if mode == "token" else APIClient()
    body = {"task": raw_task(taskClassifier="TrackingReportTask", **{key: pipe})}
    with override_settings(JOBSERVICE_API_AUTH=mode):
        response = client.put(f"{V1}/partitions/attacker/jobs/evil", body, format="json")
    what = "The task queue name" if key == "taskPipe" else "The target queue name"
    assert (response.status_code, response.json()) == (400, {"message": f"{what} {pipe!r} {problem}."})
    assert not Job.objects.exists() and not JobTask.objects.exists()


def test_a_control_character_is_not_echoed_back(api_client):
    response = api_client.put(f"{V1}/partitions/p/jobs/j", {"task": raw_task(taskPipe="a\x1bb")}, format="json")
    assert response.status_code == 400
    assert "\x1b" not in response.json()["message"] and "\\x1b" in response.json()["message"]


def test_a_job_type_cannot_build_a_task_for_a_service_queue(api_client, settings, tmp_path):
    from jobs import job_types
    from jobs.job_types import registry

    # The script takes the queue from the parameters: a client chooses it.
    (tmp_path / "relay.yaml").write_text(
        'jobParametersSchema: {}\n'
        'taskScript: |\n  {"taskClassifier": "c", "taskApiVersion": 1, "taskData": {}, '
        '"taskPipe": .parameters.q, "targetPipe": .parameters.t}\n'
    )
    settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = str(tmp_path)
    job_types.reload()
    try:
        for parameters, what in [({"q": "jobtracking-in", "t": "out"}, "task"),
                                 ({"q": "in", "t": "worker-paused"}, "target")]:
            response = api_client.put(f"{V1}/partitions/p/jobs/j",
                                      {"type": "relay", "parameters": parameters}, format="json")
            assert response.status_code == 400
            assert response.json()["message"].startswith(f"The {what} queue name")
        assert not Job.objects.exists()
    finally:
        registry.clear_cache()


def test_check_pipe_raises_the_api_error():
    from jobs.errors import BadRequest

    with pytest.raises(BadRequest, match="is reserved by the broker"):
        check_pipe("amq.topic", "The task queue name")

"""Creating jobs by type through the real endpoint, PUT /partitions/{p}/jobs/{j} (reference §3.5)."""
import json

import pytest

from jobs.models import Job, JobTask

pytestmark = pytest.mark.django_db


def put(client, job_id: str, body: dict, partition_id: str = "tenant-a"):
    return client.put(
        f"/job-service/v1/partitions/{partition_id}/jobs/{job_id}",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_a_job_created_by_type_carries_the_task_its_script_built(client, original_definitions):
    response = put(client, "p-1", {"name": "by type", "type": "params", "parameters": {"s": "x", "a": 289}})
    assert response.status_code == 201
    assert response["Location"].endswith("/job-service/v1/partitions/tenant-a/jobs/p-1")
    job = Job.objects.get(partition_id="tenant-a", job_id="p-1")
    assert job.job_type == "params"
    task = JobTask.objects.get(job=job)
    assert (task.task_classifier, task.task_api_version) == ("classifier", 1)
    assert (task.task_pipe, task.target_pipe) == ("params-task-pipe", "params-target-pipe")
    assert json.loads(bytes(task.task_data)) == {"reqParams": {"s": "x", "a": 289}}


def test_the_script_sees_the_partition_and_job_ids_of_the_request(client, original_definitions):
    assert put(client, "b-1", {"type": "basic"}, partition_id="tenant-b").status_code == 201
    task_data = json.loads(bytes(JobTask.objects.get(job__partition_id="tenant-b", job__job_id="b-1").task_data))
    assert (task_data["partitionIdent"], task_data["jobIdent"]) == ("tenant-b", "b-1")


def test_a_null_target_pipe_is_stored_as_null(client, original_definitions):
    assert put(client, "n-1", {"type": "null-target-pipe"}).status_code == 201
    assert JobTask.objects.get(job__job_id="n-1").target_pipe is None


def test_an_identical_put_by_type_is_a_no_op_and_other_parameters_are_refused(client, original_definitions):
    body = {"type": "params", "parameters": {"s": "x", "a": 1}}
    assert put(client, "same", body).status_code == 201
    # The hash covers type and parameters (not the generated task), whatever the key order.
    assert put(client, "same", {"parameters": {"a": 1, "s": "x"}, "type": "params"}).status_code == 204
    response = put(client, "same", {"type": "params", "parameters": {"s": "x", "a": 2}})
    assert (response.status_code, response.json()) == (403, {"message": "Job already exists"})
    assert Job.objects.filter(job_id="same").count() == 1


def test_the_same_parameters_under_another_type_are_another_job(client, original_definitions):
    assert put(client, "t-1", {"type": "basic"}).status_code == 201
    assert put(client, "t-1", {"type": "null-target-pipe"}).status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "nope"}, "Unknown job type ID: nope"),
        ({"type": "Basic"}, "Unknown job type ID: Basic"),
        ({"type": "params", "parameters": {"a": "not a number"}},
         "Invalid job parameters:\n$.a: 'not a number' is not of type 'number'"),
        ({"type": "basic", "parameters": {"x": 1}}, "Invalid job parameters:\n$: {'x': 1} is not of type 'null'"),
        ({"type": "basic", "task": {"taskClassifier": "c", "taskApiVersion": 1, "taskData": {}, "taskPipe": "q"}},
         "Specifying both typeId and task properties is not allowed."),
    ],
)
def test_a_bad_request_by_type_is_a_400_and_creates_nothing(client, original_definitions, body, message):
    response = put(client, "bad", body)
    assert (response.status_code, response.json()) == (400, {"message": message})
    assert not Job.objects.filter(job_id="bad").exists()


def test_an_error_call_in_the_script_is_a_400(client, use_definitions, write_definition, tmp_path):
    write_definition(
        "needs-x",
        "jobParametersSchema: {}\n"
        "taskScript: |\n"
        '  if (.parameters.x) {"taskClassifier": "c", "taskApiVersion": 1, "taskData": {}, "taskPipe": "q"}\n'
        '  else error("x is required")\n',
    )
    use_definitions(tmp_path)
    response = put(client, "e-1", {"type": "needs-x", "parameters": {}})
    assert (response.status_code, response.json()) == (400, {"message": "needs-x: error: x is required"})
    assert put(client, "e-1", {"type": "needs-x", "parameters": {"x": 1}}).status_code == 201


def test_a_definition_that_builds_no_task_is_a_500_with_the_reason(client, original_definitions):
    response = put(client, "i-1", {"type": "invalid-output"})
    assert response.status_code == 500
    assert response.json() == {
        "message": "Invalid taskScript:\n$: ['this is bad', 'should be object'] is not of type 'object'"
    }
    assert not Job.objects.filter(job_id="i-1").exists()


def test_a_script_that_fails_at_run_time_is_a_500(client, use_definitions, write_definition, tmp_path):
    write_definition(
        "subtract",
        "jobParametersSchema: {}\n"
        "taskScript: |\n"
        '  {"taskClassifier": "c", "taskApiVersion": 1, "taskData": {"n": .parameters.n - 1}, "taskPipe": "q"}\n',
    )
    use_definitions(tmp_path)
    response = put(client, "s-1", {"type": "subtract", "parameters": {"n": "three"}})
    assert (response.status_code, response.json()) == (500, {"message": "subtract: taskScript execution failed"})


def test_a_task_built_by_type_is_still_checked_like_a_clients_task(client, use_definitions, write_definition, tmp_path):
    # The generated task goes through the same checks as a client's (step 3 onwards): here the
    # pipe is longer than the database allows.
    write_definition(
        "long-pipe",
        "taskScript: |\n"
        '  {"taskClassifier": "c", "taskApiVersion": 1, "taskData": {}, "taskPipe": "' + "q" * 300 + '"}\n',
    )
    use_definitions(tmp_path)
    response = put(client, "l-1", {"type": "long-pipe"})
    assert (response.status_code, response.json()) == (
        400,
        {"message": "The task queue name is longer than 255 characters."},
    )
    assert not Job.objects.filter(job_id="l-1").exists()


@pytest.mark.server
def test_creation_by_type_on_postgresql(client, require_postgres, original_definitions):
    body = {"type": "complex-transform", "parameters": {"forJoin": ["a", "b"], "forObjectMap": {"k": 1}}}
    assert put(client, "pg-1", body).status_code == 201
    assert put(client, "pg-1", body).status_code == 204
    task_data = json.loads(bytes(JobTask.objects.get(job__job_id="pg-1").task_data))
    assert task_data["reqParams"]["joined"] == "a>b"
    assert task_data["reqParams"]["mappedObject"] == {"incremented:k": 2}

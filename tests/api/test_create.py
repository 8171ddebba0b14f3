"""PUT /partitions/{p}/jobs/{j}: creation, idempotency, validation order and messages."""
import base64
import copy
import json
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import override_settings
from rest_framework.test import APIClient

from jobs.errors import BadRequest
from jobs.models import Job, JobDependency, JobTask, Label
from jobs.services import create
from jobs.states import JobStatus
from tests.api.conftest import job_url, new_job_body

pytestmark = pytest.mark.django_db


def put(client: APIClient, body: Any, partition_id: str = "p1", job_id: str = "j1", **kwargs: Any):
    return client.put(job_url(partition_id, job_id), body, format="json", **kwargs)


def test_create_answers_201_with_location_and_writes_job_labels_and_task(client: APIClient) -> None:
    body = new_job_body(description="d", externalData="x", labels={"tag:1": "a", "owner": None})
    response = put(client, body)
    assert response.status_code == 201
    assert response["Location"] == "http://127.0.0.1:8000" + job_url("p1", "j1")  # CAF_WEBSERVICE_URL
    assert response.content == b""

    job = Job.objects.get(partition_id="p1", job_id="j1")
    assert (job.name, job.description, job.external_data) == ("a job", "d", "x")
    assert job.status == JobStatus.WAITING and job.percentage_complete == 0
    assert job.create_date == job.last_update_date
    assert dict(Label.objects.filter(job=job).values_list("label", "value")) == {"tag:1": "a", "owner": None}
    task = JobTask.objects.get(job=job)
    assert bytes(task.task_data) == b"some data"
    assert (task.task_classifier, task.task_api_version, task.task_pipe, task.target_pipe) == (
        "classifier", 1, "worker-in", "worker-out",
    )
    assert task.eligible_to_run_date <= job.create_date and not task.suspended


def test_new_job_reads_back_as_waiting_with_its_labels(client: APIClient) -> None:
    put(client, new_job_body(labels={"k": "v"}))
    job = client.get(job_url("p1", "j1")).json()
    assert job["status"] == "Waiting"
    assert job["percentageComplete"] == 0.0
    assert job["failures"] == []
    assert job["labels"] == {"k": "v"}
    assert job["createTime"] == job["lastUpdateTime"]


def test_a_job_due_now_is_handed_to_dispatch_after_commit(client: APIClient, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        assert put(client, new_job_body()).status_code == 201
    assert len(callbacks) == 1


def test_a_delayed_job_is_not_dispatched_at_once(client: APIClient, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        assert put(client, new_job_body(delay=30)).status_code == 201
    assert callbacks == []
    task = JobTask.objects.get()
    job = Job.objects.get()
    assert (task.eligible_to_run_date - job.create_date).total_seconds() == 30


def test_identical_re_put_is_204_and_changes_nothing(client: APIClient, make_job) -> None:
    body = new_job_body(labels={"a": "1", "b": "2"})
    assert put(client, body).status_code == 201
    before = Job.objects.get()
    reordered = new_job_body(labels={"b": "2", "a": "1"})
    response = put(client, reordered)
    assert response.status_code == 204
    assert response.content == b""
    assert Job.objects.get().last_update_date == before.last_update_date


def test_absent_optional_fields_hash_like_their_defaults(client: APIClient) -> None:
    assert put(client, new_job_body()).status_code == 201
    same = new_job_body(delay=0, labels={}, prerequisiteJobIds=[], parameters=None)
    assert put(client, same).status_code == 204


@pytest.mark.parametrize("status", list(JobStatus))
def test_identical_re_put_is_204_whatever_the_status(client: APIClient, status: JobStatus) -> None:
    put(client, new_job_body())
    Job.objects.update(status=status)
    assert put(client, new_job_body()).status_code == 204


def test_different_definition_for_an_existing_id_is_403(client: APIClient) -> None:
    put(client, new_job_body())
    response = put(client, new_job_body(name="other"))
    assert response.status_code == 403
    assert response.json() == {"message": "Job already exists"}


def test_same_job_id_in_two_partitions_are_two_jobs(client: APIClient) -> None:
    assert put(client, new_job_body(), partition_id="p1").status_code == 201
    assert put(client, new_job_body(name="other"), partition_id="p2").status_code == 201
    assert client.get(job_url("p1", "j1")).json()["name"] == "a job"
    assert client.get(job_url("p2", "j1")).json()["name"] == "other"


def test_losing_a_concurrent_insert_compares_the_hash(client: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two identical PUTs at once: the loser of the insert answers 204, not an error."""
    put(client, new_job_body())
    # Simulate the race: the existence check saw nothing, then the insert hit the constraint.
    real_existing_hash = create._existing_hash
    calls = iter([None])
    monkeypatch.setattr(create, "_existing_hash", lambda p, j: next(calls, real_existing_hash(p, j)))
    assert put(client, new_job_body()).status_code == 204
    calls = iter([None])
    monkeypatch.setattr(create, "_existing_hash", lambda p, j: next(calls, real_existing_hash(p, j)))
    assert put(client, new_job_body(name="other")).status_code == 403


def test_integrity_error_without_existing_job_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_insert(*args: Any) -> None:
        raise IntegrityError("other constraint")

    monkeypatch.setattr(create, "_insert", failing_insert)
    with pytest.raises(IntegrityError):
        create.job_create(partition_id="p1", job_id="j1", definition=new_job_body())


# --- task data ---------------------------------------------------------------------------------


def with_task(**task_changes: Any) -> dict[str, Any]:
    body = new_job_body()
    for key, value in task_changes.items():
        if value is ...:
            body["task"].pop(key)
        else:
            body["task"][key] = value
    return body


@pytest.mark.parametrize(
    ("task_changes", "stored"),
    [
        ({"taskData": "héllo"}, "héllo".encode()),
        ({"taskData": "héllo", "taskDataEncoding": "utf8"}, "héllo".encode()),
        ({"taskData": base64.b64encode(b"\x00\xffbin").decode(), "taskDataEncoding": "base64"}, b"\x00\xffbin"),
        ({"taskData": "AP9iaW4", "taskDataEncoding": "base64"}, b"\x00\xffbin"),  # padding missing
        ({"taskData": {"b": [1, "é"], "a": None}}, json.dumps({"b": [1, "é"], "a": None}, separators=(",", ":"), ensure_ascii=False).encode()),
    ],
)
def test_task_data_is_stored_as_bytes(client: APIClient, task_changes: dict, stored: bytes) -> None:
    assert put(client, with_task(**task_changes)).status_code == 201
    assert bytes(JobTask.objects.get().task_data) == stored


def test_null_target_pipe_is_valid(client: APIClient) -> None:
    assert put(client, with_task(targetPipe=None)).status_code == 201
    assert put(client, with_task(targetPipe=...), job_id="j2").status_code == 201
    assert JobTask.objects.filter(target_pipe__isnull=True).count() == 2


TASK_MESSAGES = [
    ({"taskClassifier": ""}, "The task classifier has not been specified."),
    ({"taskClassifier": ...}, "The task classifier has not been specified."),
    ({"taskApiVersion": 0}, "The task api version has not been specified."),
    ({"taskApiVersion": ...}, "The task api version has not been specified."),
    ({"targetPipe": ""}, "The target queue name has not been specified."),
    ({"taskPipe": ""}, "The task queue name has not been specified."),
    ({"taskPipe": None}, "The task queue name has not been specified."),
    ({"taskData": None}, "The task data has not been specified."),
    ({"taskData": ""}, "The task data has not been specified."),
    ({"taskData": ...}, "The task data has not been specified."),
    (
        {"taskData": {"a": 1}, "taskDataEncoding": "utf8"},
        "An encoding type has been found in the task along with taskDataObject. Remove taskDataEncoding and try again",
    ),
    ({"taskData": 5}, "The taskData is null or empty, please ensure taskData is populated and of a suitable datatype"),
    ({"taskData": [1]}, "The taskData is null or empty, please ensure taskData is populated and of a suitable datatype"),
    ({"taskData": True}, "The taskData is null or empty, please ensure taskData is populated and of a suitable datatype"),
    ({"taskData": "!!!", "taskDataEncoding": "base64"}, "The task data is not valid base64."),
]


@pytest.mark.parametrize(("task_changes", "message"), TASK_MESSAGES)
def test_task_validation_messages(client: APIClient, task_changes: dict, message: str) -> None:
    response = put(client, with_task(**task_changes))
    assert response.status_code == 400
    assert response.json() == {"message": message}
    assert not Job.objects.exists()


def test_validation_order_classifier_first(client: APIClient) -> None:
    body = with_task(taskClassifier="", taskApiVersion=0, taskPipe="", taskData=None)
    body["labels"] = {"bad label": "x"}
    assert put(client, body).json()["message"] == "The task classifier has not been specified."


def test_validation_order_target_pipe_before_task_pipe(client: APIClient) -> None:
    assert put(client, with_task(targetPipe="", taskPipe="")).json()["message"] == (
        "The target queue name has not been specified."
    )


def test_validation_order_labels_before_task_data(client: APIClient) -> None:
    body = with_task(taskData=None)
    body["labels"] = {"bad label": "x"}
    assert put(client, body).json()["message"].startswith("A provided label name contains an invalid character")


@pytest.mark.parametrize("name", ["bad label", "é", "a.b", ""])
def test_label_names_are_restricted(client: APIClient, name: str) -> None:
    response = put(client, new_job_body(labels={name: "v"}))
    assert response.status_code == 400
    assert response.json() == {
        "message": "A provided label name contains an invalid character, only alphanumeric, '-' and '_' are supported"
    }


def test_label_names_may_contain_colon_dash_underscore(client: APIClient) -> None:
    assert put(client, new_job_body(labels={"a:b-c_D9": "v"})).status_code == 201


def test_missing_task_is_400(client: APIClient) -> None:
    response = put(client, {"name": "x"})
    assert response.status_code == 400
    assert response.json() == {"message": "The task has not been specified."}


def test_type_and_task_together_are_refused(client: APIClient) -> None:
    response = put(client, new_job_body(type="basic"))
    assert response.json() == {"message": "Specifying both typeId and task properties is not allowed."}


def test_type_builds_the_task_through_the_job_types(client: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def build_task(*, type_id: str, parameters: Any, partition_id: str, job_id: str) -> dict:
        seen.update(type_id=type_id, parameters=parameters, partition_id=partition_id, job_id=job_id)
        return {"taskClassifier": "c", "taskApiVersion": 74, "taskData": {"x": 1}, "taskPipe": "tp", "targetPipe": None}

    monkeypatch.setattr(create.job_types, "build_task", build_task)
    body = {"type": "basic", "parameters": {"s": "x"}}
    assert put(client, body).status_code == 201
    assert seen == {"type_id": "basic", "parameters": {"s": "x"}, "partition_id": "p1", "job_id": "j1"}
    job = Job.objects.get()
    assert job.job_type == "basic"
    task = JobTask.objects.get()
    assert (bytes(task.task_data), task.task_api_version, task.target_pipe) == (b'{"x":1}', 74, None)
    assert put(client, body).status_code == 204
    assert put(client, {"type": "basic", "parameters": {"s": "y"}}).status_code == 403


def test_job_type_errors_come_through_as_400(client: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def build_task(**kwargs: Any) -> dict:
        raise BadRequest("Invalid job parameters:\nbad")

    monkeypatch.setattr(create.job_types, "build_task", build_task)
    response = put(client, {"type": "basic"})
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid job parameters:\nbad"}


def test_unknown_job_type_is_400(client: APIClient) -> None:
    response = put(client, {"type": "surely-not-defined-type"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Unknown job type ID: surely-not-defined-type")


# --- too long, wrong types, bad JSON: 400 where the original failed with 500 ---------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "n" * 256}, "The job name is longer than 255 characters."),
        ({"labels": {"k": "v" * 256}}, "The value of label k is longer than 255 characters."),
        ({"labels": {"k" * 256: "v"}}, "is longer than 255 characters."),
        ({"task": with_task(taskPipe="p" * 256)["task"]}, "The task queue name is longer than 255 characters."),
        ({"task": with_task(targetPipe="p" * 256)["task"]}, "The target queue name is longer than 255 characters."),
        ({"task": with_task(taskClassifier="c" * 256)["task"]}, "The task classifier is longer than 255 characters."),
        ({"prerequisiteJobIds": ["x" * 49]}, "is longer than 48 characters."),
    ],
)
def test_too_long_values_are_400(client: APIClient, change: dict, message: str) -> None:
    response = put(client, new_job_body(**change))
    assert response.status_code == 400
    assert response.json()["message"].endswith(message)


def test_too_long_job_id_is_400(client: APIClient) -> None:
    response = put(client, new_job_body(), job_id="j" * 49)
    assert response.status_code == 400
    assert response.json() == {"message": "The job identifier is longer than 48 characters."}
    assert put(client, new_job_body(), job_id="j" * 48).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {**new_job_body(), "unknown": 1},
        {**new_job_body(), "task": {**new_job_body()["task"], "extra": 1}},
        new_job_body(delay="soon"),
        new_job_body(delay=2**31),
        new_job_body(labels=["a"]),
        new_job_body(labels={"a": {"b": 1}}),
        new_job_body(prerequisiteJobIds="j0"),
        new_job_body(task="not an object"),
        with_task(taskApiVersion="one"),
        with_task(taskDataEncoding="utf16"),
        [new_job_body()],
        "just a string",
    ],
)
def test_structurally_wrong_bodies_are_400(client: APIClient, body: Any) -> None:
    response = put(client, body)
    assert response.status_code == 400
    assert response.json()["message"]
    assert not Job.objects.exists()


def test_malformed_json_is_400(client: APIClient) -> None:
    response = client.put(job_url("p1", "j1"), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("Unable to process JSON")


def test_non_json_media_type_is_415(client: APIClient) -> None:
    response = client.put(job_url("p1", "j1"), "x", content_type="text/plain")
    assert response.status_code == 415
    assert "message" in response.json()


def test_ids_are_checked_before_the_body(client: APIClient) -> None:
    response = put(client, {"name": "x"}, job_id="a.b")
    assert response.json() == {"message": "The job identifier contains one or more invalid characters."}


# --- prerequisites -----------------------------------------------------------------------------


def test_prerequisites_not_complete_make_the_job_wait(client: APIClient, make_job, django_capture_on_commit_callbacks) -> None:
    make_job("active", status=JobStatus.ACTIVE)
    make_job("done", status=JobStatus.COMPLETED)
    body = new_job_body(prerequisiteJobIds=["active", "done", "later", "gone,pc", " ", None, "active,pc"])
    with django_capture_on_commit_callbacks() as callbacks:
        assert put(client, body).status_code == 201
    assert callbacks == []
    job = Job.objects.get(job_id="j1")
    waits_for = set(JobDependency.objects.filter(job=job).values_list("prerequisite_job_id", flat=True))
    assert waits_for == {"active", "later"}
    assert JobTask.objects.get(job=job).eligible_to_run_date is None


def test_job_whose_prerequisites_are_all_complete_is_dispatched(
    client: APIClient, make_job, django_capture_on_commit_callbacks
) -> None:
    """[BUG] of the original fixed: it would have stayed Waiting forever."""
    make_job("done", status=JobStatus.COMPLETED)
    with django_capture_on_commit_callbacks() as callbacks:
        assert put(client, new_job_body(prerequisiteJobIds=["done", "deleted,pc"])).status_code == 201
    assert len(callbacks) == 1
    task = JobTask.objects.get(job__job_id="j1")
    assert task.eligible_to_run_date is not None
    assert not JobDependency.objects.exists()


def test_completed_prerequisites_and_delay_set_the_eligible_date(client: APIClient, make_job) -> None:
    make_job("done", status=JobStatus.COMPLETED)
    put(client, new_job_body(prerequisiteJobIds=["done"], delay=10))
    job = Job.objects.get(job_id="j1")
    assert (JobTask.objects.get(job=job).eligible_to_run_date - job.create_date).total_seconds() == 10


def test_failed_prerequisites_are_refused_and_nothing_is_written(client: APIClient, make_job) -> None:
    make_job("f2", status=JobStatus.FAILED)
    make_job("f1", status=JobStatus.FAILED)
    make_job("ok", status=JobStatus.ACTIVE)
    response = put(client, new_job_body(prerequisiteJobIds=["f2", "ok", "f1"]))
    assert response.status_code == 400
    assert response.json() == {"message": "One or more prerequisite jobs have failed. Failed Job IDs: f1, f2"}
    assert not Job.objects.filter(job_id="j1").exists()


def test_cancelled_prerequisites_are_refused(client: APIClient, make_job) -> None:
    make_job("c", status=JobStatus.CANCELLED)
    response = put(client, new_job_body(prerequisiteJobIds=["c"]))
    assert response.status_code == 400
    assert response.json() == {"message": "One or more prerequisite jobs have been cancelled. Cancelled Job IDs: c"}


def test_prerequisites_are_partition_scoped(client: APIClient, make_job) -> None:
    make_job("other", partition_id="p2", status=JobStatus.FAILED)
    assert put(client, new_job_body(prerequisiteJobIds=["other"])).status_code == 201
    assert JobDependency.objects.get().prerequisite_job_id == "other"


def test_a_job_cannot_be_its_own_prerequisite(client: APIClient) -> None:
    response = put(client, new_job_body(prerequisiteJobIds=["j1,pc"]))
    assert response.status_code == 400
    assert response.json() == {"message": "A job cannot be a prerequisite of itself: j1"}


def test_prerequisite_cycles_are_refused(client: APIClient) -> None:
    # a waits for b (not created yet), b waits for c; c naming a closes the cycle a->b->c->a.
    assert put(client, new_job_body(prerequisiteJobIds=["b"]), job_id="a").status_code == 201
    assert put(client, new_job_body(prerequisiteJobIds=["c"]), job_id="b").status_code == 201
    response = put(client, new_job_body(prerequisiteJobIds=["x", "a"]), job_id="c")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "The prerequisites of job c would form a cycle: a already wait(s), directly or indirectly, for c."
    )
    assert not Job.objects.filter(job_id="c").exists()
    # The same id in another partition is another job: no cycle there.
    assert put(client, new_job_body(prerequisiteJobIds=["a"]), partition_id="p2", job_id="c").status_code == 201


def test_cycle_check_costs_the_same_for_many_prerequisites(client: APIClient, django_assert_max_num_queries) -> None:
    # One walk back from the new job, not one per prerequisite.
    prerequisites = [f"pre{n}" for n in range(60)]
    with django_assert_max_num_queries(12):
        assert put(client, new_job_body(prerequisiteJobIds=prerequisites), job_id="many").status_code == 201
    assert JobDependency.objects.filter(job__job_id="many").count() == 60


def test_parse_prerequisites_merges_options() -> None:
    parsed = create.parse_prerequisites(["a", "a,pc", "b,,x", "  ", "c,pc,pc"])
    assert [(p.job_id, p.precreated) for p in parsed] == [("a", True), ("b", False), ("c", True)]


# --- suspended partitions ----------------------------------------------------------------------


@override_settings(CAF_JOB_SERVICE_SUSPENDED_PARTITIONS_REGEX="susp.*")
def test_jobs_of_suspended_partitions_are_held(client: APIClient, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        assert put(client, new_job_body(), partition_id="suspended").status_code == 201
        assert put(client, new_job_body(), partition_id="not-suspended").status_code == 201
    assert len(callbacks) == 1  # only the job of the running partition
    assert JobTask.objects.get(job__partition_id="suspended").suspended is True
    assert JobTask.objects.get(job__partition_id="not-suspended").suspended is False
    assert JobTask.objects.get(job__partition_id="suspended").eligible_to_run_date is not None


def test_body_is_not_mutated_by_hashing() -> None:
    body = new_job_body()
    copied = copy.deepcopy(body)
    create.job_definition_hash(body)
    assert body == copied


def test_nul_in_a_job_type_built_task_is_400(client: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        create.job_types,
        "build_task",
        lambda **kwargs: {"taskClassifier": "c", "taskApiVersion": 1, "taskData": {}, "taskPipe": "a\x00b"},
    )
    response = put(client, {"type": "basic"})
    assert response.status_code == 400
    assert response.json() == {"message": "The job definition contains a NUL character (\\u0000), which cannot be stored."}

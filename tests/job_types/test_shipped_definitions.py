"""The job types shipped in job-types/ (used by scripts/serve) load and build valid tasks."""
import pytest

from jobs.errors import BadRequest
from jobs.job_types import build_task


def build(type_id: str, parameters) -> dict:
    return build_task(type_id=type_id, parameters=parameters, partition_id="demo", job_id="j1")


def test_every_shipped_definition_loads_and_is_described(shipped_definitions):
    assert sorted(shipped_definitions) == ["export-documents", "reverse-text", "tag-documents"]
    assert all(definition.description for definition in shipped_definitions.values())


def test_reverse_text_is_a_single_example_worker_task(shipped_definitions):
    assert build("reverse-text", {"text": "hello"}) == {
        "taskClassifier": "ExampleWorker",
        "taskApiVersion": 1,
        "taskData": {"action": "REVERSE", "text": "hello"},
        "taskPipe": "example-in",
        "targetPipe": "example-out",
    }
    task = build("reverse-text", {"path": "letters/a.txt", "action": "CAPITALISE"})
    assert task["taskData"] == {"action": "CAPITALISE", "path": "letters/a.txt"}


@pytest.mark.parametrize(
    "parameters",
    [None, {}, {"text": "a", "path": "b"}, {"path": ""}, {"text": "a", "action": "SHOUT"}, {"text": "a", "x": 1}],
)
def test_reverse_text_rejects_bad_parameters(shipped_definitions, parameters):
    with pytest.raises(BadRequest, match="^Invalid job parameters:\n"):
        build("reverse-text", parameters)


def test_tag_documents_starts_a_batch_of_tag_tasks_for_the_example_worker(shipped_definitions):
    assert build("tag-documents", {"glob": "**/*.txt"}) == {
        "taskClassifier": "BatchWorker",
        "taskApiVersion": 1,
        "taskData": {
            "batchDefinition": "**/*.txt",
            "batchType": "GlobPattern",
            "taskMessageType": "ExampleWorkerTaskBuilder",
            "taskMessageParams": {"action": "TAG", "source": "path"},
            "targetPipe": "example-in",
        },
        "taskPipe": "batch-in",
        "targetPipe": "example-out",
    }


def test_export_documents_starts_a_glob_pattern_batch_of_document_tasks(shipped_definitions):
    task = build("export-documents", {"glob": "**/*.pdf"})
    assert task["taskClassifier"] == "BatchWorker"
    assert task["taskData"] == {
        "batchDefinition": "**/*.pdf",
        "batchType": "GlobPattern",
        "taskMessageType": "DocumentMessage",
        "taskMessageParams": {
            "field:binaryFile": "CONTENT",
            "field:fileName": "FILE_NAME",
            "newField:EXPORT_JOB": "demo:j1",
            "cd:exportProfile": "default",
        },
        "targetPipe": "export-in",
    }
    assert (task["taskPipe"], task["targetPipe"]) == ("batch-in", "export-out")
    assert build("export-documents", {"glob": "*", "exportProfile": "pdf"})["taskData"]["taskMessageParams"][
        "cd:exportProfile"
    ] == "pdf"


@pytest.mark.parametrize(
    ("type_id", "parameters"),
    [
        ("tag-documents", None),
        ("tag-documents", {"glob": ""}),
        ("tag-documents", {"glob": "*", "action": "REVERSE"}),
        ("export-documents", {"glob": ""}),
        ("export-documents", {"glob": "*", "other": 1}),
    ],
)
def test_batch_types_reject_bad_parameters(shipped_definitions, type_id, parameters):
    with pytest.raises(BadRequest, match="^Invalid job parameters:\n"):
        build(type_id, parameters)


@pytest.mark.parametrize("type_id", ["tag-documents", "export-documents"])
def test_batch_types_name_a_plugin_and_a_builder_the_batch_worker_has(shipped_definitions, type_id):
    registry = pytest.importorskip("batching.registry")
    task_data = build(type_id, {"glob": "*"})["taskData"]
    assert registry.plugins.get(task_data["batchType"]) is not None
    assert registry.builders.get(task_data["taskMessageType"]) is not None

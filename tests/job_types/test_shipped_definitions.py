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
    [None, {}, {"text": "a", "path": "b"}, {"path": ""}, {"text": "a", "action": "shout"}, {"text": "a", "x": 1}],
)
def test_reverse_text_rejects_bad_parameters(shipped_definitions, parameters):
    with pytest.raises(BadRequest, match="^Invalid job parameters:\n"):
        build("reverse-text", parameters)


def test_tag_documents_starts_a_batch_over_the_document_ids(shipped_definitions):
    task = build("tag-documents", {"documentIds": ["d1", "d2"], "tag": "reviewed"})
    assert task == {
        "taskClassifier": "BatchWorker",
        "taskApiVersion": 1,
        "taskData": {
            "batchDefinition": '["d1","d2"]',
            "batchType": "AssetIdBatchPlugin",
            "taskMessageType": "DocumentMessage",
            "taskMessageParams": {"tag": "reviewed", "operation": "add"},
            "targetPipe": "tagging-in",
        },
        "taskPipe": "batch-in",
        "targetPipe": "tagging-out",
    }
    removing = build("tag-documents", {"documentIds": ["d1"], "tag": "t", "operation": "remove"})
    assert removing["taskData"]["taskMessageParams"] == {"tag": "t", "operation": "remove"}


def test_export_documents_starts_a_glob_pattern_batch(shipped_definitions):
    task = build("export-documents", {"glob": "**/*.pdf"})
    assert task["taskClassifier"] == "BatchWorker"
    assert task["taskData"] == {
        "batchDefinition": "**/*.pdf",
        "batchType": "GlobPattern",
        "taskMessageType": "DocumentMessage",
        "taskMessageParams": {
            "pi:datastorePartialReference": "demo/j1",
            "field:binaryFile": "CONTENT",
            "field:fileName": "FILE_NAME",
            "cd:exportProfile": "default",
        },
        "targetPipe": "export-in",
    }
    assert (task["taskPipe"], task["targetPipe"]) == ("batch-in", "export-out")


@pytest.mark.parametrize(
    ("type_id", "parameters"),
    [
        ("tag-documents", {"documentIds": [], "tag": "t"}),
        ("tag-documents", {"documentIds": ["d1"]}),
        ("export-documents", {"glob": ""}),
        ("export-documents", {"glob": "*", "other": 1}),
    ],
)
def test_batch_types_reject_bad_parameters(shipped_definitions, type_id, parameters):
    with pytest.raises(BadRequest, match="^Invalid job parameters:\n"):
        build(type_id, parameters)

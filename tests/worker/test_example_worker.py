"""The example worker's operations, through process() with real task messages."""
from __future__ import annotations

import base64
import json

import pytest

from jobservice.examples.example_worker import ExampleWorker
from jobservice.messaging.messages import TaskStatus
from jobservice.messaging.worker import InvalidTask, Task

from .conftest import task_message


def run(worker: ExampleWorker, data: dict) -> tuple[TaskStatus, object]:
    sent = []
    task = Task(task_message(data=json.dumps(data).encode()), context_key="/caf/worker", send=sent.append)
    result = worker.process(task)
    assert sent == []
    return result.status, json.loads(result.data)


@pytest.mark.parametrize(
    ("action", "text", "expected"),
    [
        ("REVERSE", "hello world", "dlrow olleh"),
        ("CAPITALISE", "Straße ok", "STRASSE OK"),
        ("VERBATIM", "as is", "as is"),
        ("WORD_COUNT", "one two\nthree", {"words": 3, "lines": 2, "characters": 13}),
        ("SHA256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("DETECT_LANGUAGE", "Le chat est sur la table et il dort dans la maison",
         {"language": "fr", "confidence": 0.667}),
        ("DETECT_LANGUAGE", "1234 5678", {"language": "und", "confidence": 0.0}),
        ("TAG", "Please pay the invoice under the contract. Confidential.", ["confidential", "finance", "legal"]),
    ],
)
def test_text_actions(action, text, expected):
    status, result = run(ExampleWorker(), {"action": action, "text": text})

    assert status is TaskStatus.RESULT_SUCCESS
    assert result == {"action": action, "result": expected, "source": "text"}


def test_tag_rules_can_come_with_the_task():
    _, result = run(ExampleWorker(), {"action": "TAG", "text": "the quarterly Audit", "tags": {"audit": ["audit"]}})
    assert result["result"] == ["audit"]


def test_reads_a_file_under_the_document_root(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Der Hund und die Katze sind nicht im Haus", encoding="utf-8")

    status, result = run(ExampleWorker(document_root=tmp_path), {"action": "DETECT_LANGUAGE", "path": "docs/a.txt"})

    assert status is TaskStatus.RESULT_SUCCESS
    assert result["result"]["language"] == "de" and result["source"] == "docs/a.txt"


def test_missing_file_is_a_business_failure(tmp_path):
    status, result = run(ExampleWorker(document_root=tmp_path), {"action": "REVERSE", "path": "nope.txt"})

    assert status is TaskStatus.RESULT_FAILURE
    assert result["workerStatus"] == "SOURCE_FAILED" and "nope.txt" in result["message"]


def test_file_over_the_size_limit_is_a_business_failure(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"x" * 101)
    status, result = run(ExampleWorker(document_root=tmp_path, max_bytes=100), {"action": "SHA256", "path": "big.txt"})

    assert status is TaskStatus.RESULT_FAILURE and "larger than 100 bytes" in result["message"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"action": "SHRED", "text": "x"}, "unknown action"),
        ({"action": "REVERSE"}, 'needs a "text" or a "path"'),
        ({"action": "REVERSE", "path": "../etc/passwd"}, "outside the document root"),
        ({"action": "TAG", "text": "x", "tags": ["bad"]}, "must map each tag"),
        ({"sourceData": {"data": "%%%"}, "action": "REVERSE"}, "not valid base64"),
        ({"sourceData": {}, "action": "WORD_COUNT"}, "unknown action"),
    ],
)
def test_tasks_it_cannot_understand_are_invalid(tmp_path, data, reason):
    with pytest.raises(InvalidTask, match=reason):
        run(ExampleWorker(document_root=tmp_path), data)


def test_payload_that_is_not_json_is_invalid():
    task = Task(task_message(data=b"\xff not json"), context_key="/caf/worker", send=lambda r: None)
    with pytest.raises(InvalidTask, match="not JSON"):
        ExampleWorker().process(task)


def test_path_without_a_document_root_is_invalid():
    with pytest.raises(InvalidTask, match="no document root"):
        run(ExampleWorker(), {"action": "REVERSE", "path": "a.txt"})


def test_original_example_worker_task_with_inline_data():
    data = base64.b64encode(b"hello").decode()
    status, result = run(ExampleWorker(), {"sourceData": {"reference": None, "data": data},
                                           "datastorePartialReference": None, "action": "CAPITALISE"})

    assert status is TaskStatus.RESULT_SUCCESS
    assert result == {"workerStatus": "COMPLETED",
                      "textData": {"reference": None, "data": base64.b64encode(b"HELLO").decode()}}


def test_original_example_worker_task_with_a_reference(tmp_path):
    (tmp_path / "asset-1").write_text("abc")
    worker = ExampleWorker(document_root=tmp_path)

    _, done = run(worker, {"sourceData": {"reference": "asset-1", "data": None}, "action": "REVERSE"})
    status, failed = run(worker, {"sourceData": {"reference": "asset-2", "data": None}, "action": "REVERSE"})

    assert base64.b64decode(done["textData"]["data"]) == b"cba"
    assert status is TaskStatus.RESULT_FAILURE and failed["workerStatus"] == "SOURCE_FAILED"

import json

import pytest

from batching.payload import BatchWorkerTask, InvalidBatchTask, batch_result, decode_batch_task


def test_payload_round_trips_in_the_original_field_names() -> None:
    task = BatchWorkerTask("a,b", "AssetIdBatchPlugin", "ExampleWorkerTaskBuilder", {"action": "REVERSE"}, "example-in")
    assert json.loads(task.encode()) == {
        "batchDefinition": "a,b", "batchType": "AssetIdBatchPlugin",
        "taskMessageType": "ExampleWorkerTaskBuilder", "taskMessageParams": {"action": "REVERSE"},
        "targetPipe": "example-in",
    }
    assert decode_batch_task(task.encode()) == task


def test_unknown_fields_are_ignored_and_every_field_may_be_missing() -> None:
    assert decode_batch_task(b'{"other": 1}') == BatchWorkerTask()


def test_numbers_in_params_are_taken_as_their_text_and_nulls_as_missing() -> None:
    task = decode_batch_task(b'{"taskMessageParams": {"fanout": 4, "flag": true, "gone": null}}')
    assert task.task_message_params == {"fanout": "4", "flag": "true"}


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"batchType": 3}', b'{"taskMessageParams": []}',
                                  b'{"taskMessageParams": {"a": {"b": 1}}}', b"[" * 100_000])
def test_malformed_payloads_are_invalid(body: bytes) -> None:
    with pytest.raises(InvalidBatchTask, match="Invalid input message"):
        decode_batch_task(body)


def test_sub_batch_keeps_everything_but_the_definition() -> None:
    task = BatchWorkerTask("1-10", "RangeBatchPlugin", "X", {"k": "v"}, "out")
    assert task.with_definition("1-5") == BatchWorkerTask("1-5", "RangeBatchPlugin", "X", {"k": "v"}, "out")


def test_result_names_the_job_or_else_the_target_pipe() -> None:
    assert json.loads(batch_result("p1:J7.2.3", "example-in")) == {"batchTask": "p1:J7"}
    assert json.loads(batch_result(None, "example-in")) == {"batchTask": "example-in"}

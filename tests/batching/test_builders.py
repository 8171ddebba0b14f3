import pytest

from batching.builders import DocumentMessageBuilder, ExampleWorkerTaskBuilder, GenericTaskBuilder
from batching.errors import TaskBuildError
from batching.plugins.base import ItemTask


def test_example_worker_task_from_a_path_with_params_copied() -> None:
    task = ExampleWorkerTaskBuilder().build("docs/a.txt", {"action": "TAG", "tags": '{"x": ["y"]}', "fanout": "3"})
    assert task == ItemTask("ExampleWorker", 1, {"action": "TAG", "tags": {"x": ["y"]}, "path": "docs/a.txt"})


def test_example_worker_task_from_a_text() -> None:
    task = ExampleWorkerTaskBuilder().build("hello", {"action": "REVERSE", "source": "text"})
    assert task.data == {"action": "REVERSE", "text": "hello"}


@pytest.mark.parametrize("params", [{}, {"action": "REVERSE", "source": "url"}, {"action": "TAG", "tags": "{"}])
def test_example_worker_builder_refuses_bad_params(params) -> None:
    with pytest.raises(TaskBuildError, match="Unable to build task message"):
        ExampleWorkerTaskBuilder().build("x", params)


def test_generic_builder_sends_the_item_itself() -> None:
    assert GenericTaskBuilder().build("42", {"taskClassifier": "Counter", "taskApiVersion": "2"}) == \
        ItemTask("Counter", 2, "42")


@pytest.mark.parametrize("params", [{}, {"taskClassifier": "C", "taskApiVersion": "two"}])
def test_generic_builder_needs_a_classifier_and_a_numeric_version(params) -> None:
    with pytest.raises(TaskBuildError):
        GenericTaskBuilder().build("x", params)


def test_document_message_fields_follow_the_glob_pattern_params() -> None:
    params = {"field:binaryFile": "CONTENT", "field:fileName": "FILE_NAME", "newField:SOURCE": "share",
              "cd:exportProfile": "pdf", "pi:datastorePartialReference": "p/j"}
    task = DocumentMessageBuilder().build("inv/2024/a.pdf", params)
    assert task == ItemTask("DocumentWorker", 1, {
        "fields": {"CONTENT": [{"data": "inv/2024/a.pdf", "encoding": "storage_ref"}],
                   "FILE_NAME": [{"data": "a.pdf"}], "SOURCE": [{"data": "share"}]},
        "customData": {"exportProfile": "pdf"},
    })

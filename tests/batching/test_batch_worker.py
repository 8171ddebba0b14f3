"""The BatchWorker through the worker framework's delivery handler (real messages in and out)."""
import itertools
import json
import sys
import tracemalloc

import pytest

from batching.worker import BatchWorker, ReturnValueBehaviour
from jobservice.messaging import delivery
from jobservice.messaging.delivery import Action
from jobservice.messaging.messages import TaskStatus
from tests.batching.conftest import batch_message, run_batch


def payload(definition, batch_type="AssetIdBatchPlugin", **changes):
    value = {"batchDefinition": definition, "batchType": batch_type,
             "taskMessageType": "ExampleWorkerTaskBuilder",
             "taskMessageParams": {"action": "REVERSE", "source": "text"}, "targetPipe": "example-in"}
    return value | changes


def test_items_then_the_final_result_with_the_framework_ids() -> None:
    run = run_batch(batch_message(payload("a,b")))
    assert run.outcome.action is Action.ACK
    items = run.to("example-in")
    assert [(m.task_id, m.tracking.job_task_id) for m in items] == [("T.1", "p1:J7.1"), ("T.2", "p1:J7.2")]
    assert [json.loads(m.task_data) for m in items] == [{"action": "REVERSE", "text": "a"},
                                                        {"action": "REVERSE", "text": "b"}]
    assert all(m.task_classifier == "ExampleWorker" and m.correlation_id == "corr-1" for m in items)
    assert all(m.tracking.track_to == "example-out" for m in items)  # tracking carried on
    [result] = run.to("batch-out")
    assert result.task_id == "T.3*" and result.task_status is TaskStatus.RESULT_SUCCESS
    # Typed as the original's results (a consumer may check it); the worker's name stays the source.
    assert (result.task_classifier, result.task_api_version) == ("BatchWorker", 1)
    assert result.source_info.name == "worker-batch"
    assert result.tracking is None  # tracking ends at the output queue
    assert json.loads(result.task_data) == {"batchTask": "p1:J7"}
    assert [(r["jobTaskId"], r["status"]) for r in run.reports()] == [
        ("p1:J7.1", "Progress"), ("p1:J7.2", "Progress"), ("p1:J7.3*", "Complete")]


def test_sub_batches_go_back_to_the_messages_own_queue_sharing_the_counter() -> None:
    ids = [f"d{n}" for n in range(7)]
    message = batch_message(payload(json.dumps(ids), taskMessageParams={"action": "REVERSE", "leafSize": "3",
                                                                         "fanout": "2"}),
                            to="staging-batch-in", job_task_id="p1:J7.4")
    # Staging queues: the worker accepts messages addressed to another queue.
    run = run_batch(message, BatchWorker(), diverted_task_checking=False)
    subs = run.to("staging-batch-in")
    assert [m.tracking.job_task_id for m in subs] == ["p1:J7.4.1", "p1:J7.4.2"]
    assert [json.loads(json.loads(m.task_data)["batchDefinition"]) for m in subs] == [ids[:4], ids[4:]]
    sub_payload = json.loads(subs[0].task_data)
    assert sub_payload["batchType"] == "AssetIdBatchPlugin" and sub_payload["targetPipe"] == "example-in"
    assert subs[0].task_classifier == "BatchWorker" and subs[0].task_api_version == 1
    assert run.to("batch-out")[0].tracking is None and run.to("batch-out")[0].task_id == "T.3*"


def test_an_untracked_batch_answers_with_its_target_pipe() -> None:
    run = run_batch(batch_message(payload("a"), job_task_id=None))
    assert json.loads(run.to("batch-out")[0].task_data) == {"batchTask": "example-in"}


@pytest.mark.parametrize(("behaviour", "definition", "results"), [
    (ReturnValueBehaviour.RETURN_NONE, "a", 0),
    (ReturnValueBehaviour.RETURN_ONLY_IF_ZERO_SUBTASKS, "a", 0),
    (ReturnValueBehaviour.RETURN_ONLY_IF_ZERO_SUBTASKS, '{"dir": "gone", "glob": "*"}', 1),
])
def test_return_value_behaviour(behaviour, definition, results, tmp_path, settings) -> None:
    settings.BATCH_FILES_ROOT = str(tmp_path)
    batch_type = "GlobPattern" if definition.startswith("{") else "AssetIdBatchPlugin"
    run = run_batch(batch_message(payload(definition, batch_type)), BatchWorker(return_value_behaviour=behaviour))
    assert len(run.to("batch-out")) == results
    # Published or not, the batch's own completion is reported Complete.
    assert run.reports()[-1]["status"] == "Complete"


@pytest.mark.parametrize(("changes", "message"), [
    ({"batchType": "NoSuchPlugin"}, "Invalid batch type  NoSuchPlugin"),
    ({"batchType": None}, "Invalid batch type  None"),
    ({"taskMessageType": "NoSuchBuilder"}, "Invalid task message type  NoSuchBuilder"),
    ({"batchDefinition": "[1"}, "Failed to process batch: The batch definition is not a valid JSON array of ids."),
    ({"taskMessageParams": {}}, "Failed to process batch: Unable to build task message: taskMessageParams.action is required."),
    ({"targetPipe": None}, "Failed to process batch: The batch task has no targetPipe to send its items to."),
])
def test_failures_fail_the_job_with_a_readable_message(changes, message) -> None:
    run = run_batch(batch_message(payload("a,b") | changes))
    assert run.outcome.action is Action.ACK
    [failure] = run.to("batch-out")
    assert failure.task_status is TaskStatus.RESULT_EXCEPTION
    assert (failure.task_classifier, failure.task_api_version) == ("BatchWorker", 1)
    assert json.loads(failure.task_data) == message
    [report] = [r for r in run.reports() if r["status"] == "Failed"]
    assert report["failure"]["failureId"] == "RESULT_EXCEPTION"
    assert report["failure"]["failureSource"] == "worker-batch"
    assert message in report["failure"]["failureMessage"]


def test_a_plugin_error_after_some_items_keeps_them_and_fails_as_the_final_child(settings) -> None:
    settings.BATCH_PLUGINS = {"Flaky": "tests.batching.test_batch_worker.FailsAfterTwo"}
    run = run_batch(batch_message(payload("x", "Flaky")))
    assert [m.task_id for m in run.to("example-in")] == ["T.1", "T.2"]
    [failure] = run.to("batch-out")
    assert failure.task_id == "T.3*" and failure.tracking.job_task_id == "p1:J7.3*"
    assert json.loads(failure.task_data) == "Failed to process batch: RuntimeError: disk on fire"


class FailsAfterTwo:
    def process_batch(self, definition, *, builder, params, registrar) -> None:
        registrar.register_item("ExampleWorker", 1, {"text": "1"})
        registrar.register_item("ExampleWorker", 1, {"text": "2"})
        raise RuntimeError("disk on fire")


class Unreachable:
    def process_batch(self, definition, *, builder, params, registrar) -> None:
        raise OSError("share not answering")


def test_transient_errors_requeue_the_batch(settings, tmp_path) -> None:
    settings.BATCH_FILES_ROOT = str(tmp_path / "not-mounted")
    assert run_batch(batch_message(payload("*", "GlobPattern"))).outcome.action is Action.REQUEUE
    settings.BATCH_PLUGINS = {"Unreachable": "tests.batching.test_batch_worker.Unreachable"}
    assert run_batch(batch_message(payload("x", "Unreachable"))).outcome.action is Action.REQUEUE


def test_undecodable_payload_is_an_invalid_task() -> None:
    run = run_batch(batch_message(b"not json"))
    [invalid] = run.to("batch-out")
    assert invalid.task_status is TaskStatus.INVALID_TASK


def test_a_large_leaf_is_published_in_confirmed_chunks_with_flat_memory(monkeypatch) -> None:
    """20,000 items from one message: published while the plugin runs, never all held."""
    monkeypatch.setattr(delivery, "PUBLISH_CHUNK", 500)
    chunks = 0

    def publish(batch) -> None:
        nonlocal chunks
        chunks += 1

    from jobservice.messaging.delivery import Delivery, DeliveryHandler, HandlerConfig

    config = HandlerConfig(input_queue="batch-in", output_queue="batch-out",
                           reject_queue="r", retry_queue="batch-in")
    handler = DeliveryHandler(BatchWorker(), config, publish=publish)
    body = batch_message(payload("1-20000", "RangeBatchPlugin",
                                 taskMessageParams={"action": "REVERSE", "leafSize": "20000"})).encode()
    tracemalloc.start()
    outcome = handler.handle(Delivery(body=body))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert outcome.action is Action.ACK
    assert chunks > 40  # items + reports, 500 per chunk
    # 20,000 messages of ~700 bytes would be ~14 MB if they were collected.
    print(f"peak {peak / 1e6:.1f} MB")
    assert peak < 3 * 1024 * 1024


class Raises:
    """Raises what the definition names: the worst a plugin (or what it imports) can do."""

    errors = {
        "exit": lambda: SystemExit("bye"),
        "bare-exit": lambda: SystemExit(),
        "interrupt": lambda: KeyboardInterrupt(),
        "generator-exit": lambda: GeneratorExit("closed"),
        "base": lambda: type("Custom", (BaseException,), {})("own kind"),
        "recursion": lambda: RecursionError("too deep"),
        "broken-str": lambda: type("Broken", (Exception,), {"__str__": lambda self: 1 / 0})(),
    }

    def process_batch(self, definition, *, builder, params, registrar) -> None:
        registrar.register_item("ExampleWorker", 1, {"text": "before"})
        raise self.errors[definition]()


class BuilderExits:
    def build(self, item, params):
        raise SystemExit(f"builder exits on {item}")


@pytest.fixture
def hostile_code(settings):
    settings.BATCH_PLUGINS = {"Raises": "tests.batching.test_batch_worker.Raises",
                              "Registers": "tests.batching.test_batch_worker.Registers"}
    settings.BATCH_TASK_BUILDERS = {"BuilderExits": "tests.batching.test_batch_worker.BuilderExits"}
    return settings


def the_failure(run) -> str:
    assert run.outcome.action is Action.ACK
    [failure] = run.to("batch-out")
    assert failure.task_status is TaskStatus.RESULT_EXCEPTION
    assert (failure.task_classifier, failure.task_api_version) == ("BatchWorker", 1)
    [report] = [r for r in run.reports() if r["status"] == "Failed"]
    assert report["failure"]["failureMessage"] == failure.task_data.decode()
    return json.loads(failure.task_data)


@pytest.mark.parametrize(("definition", "message"), [
    ("exit", "Failed to process batch: SystemExit: bye"),
    ("bare-exit", "Failed to process batch: SystemExit"),
    ("interrupt", "Failed to process batch: KeyboardInterrupt"),
    ("generator-exit", "Failed to process batch: GeneratorExit: closed"),
    ("base", "Failed to process batch: Custom: own kind"),
    ("recursion", "Failed to process batch: RecursionError: too deep"),
    ("broken-str", "Failed to process batch: Broken"),
])
def test_anything_a_plugin_raises_fails_its_task_and_nothing_else(hostile_code, stop_flag_handler,
                                                                   definition, message) -> None:
    run = run_batch(batch_message(payload(definition, "Raises")))
    assert the_failure(run) == message
    assert [m.task_id for m in run.to("example-in")] == ["T.1"]  # what it registered before stays
    assert stop_flag_handler == []


def test_a_builder_that_exits_fails_its_task(hostile_code) -> None:
    run = run_batch(batch_message(payload("a,b", taskMessageType="BuilderExits")))
    assert the_failure(run) == "Failed to process batch: SystemExit: builder exits on a"


def test_the_processs_own_ctrl_c_is_not_swallowed(hostile_code) -> None:
    """With Python's default SIGINT handler a KeyboardInterrupt may be the user's Ctrl-C
    (run_batch_worker replaces it with a stop flag, so there it is always the plugin's)."""
    with pytest.raises(KeyboardInterrupt):
        run_batch(batch_message(payload("interrupt", "Raises")))


def test_dotted_paths_are_not_imported_for_a_job() -> None:
    run = run_batch(batch_message(payload("a", "unittest.__main__.x")))
    assert the_failure(run) == "Invalid batch type  unittest.__main__.x"
    assert "unittest.__main__" not in sys.modules


class Registers:
    """Registers items without end; with definition "swallow", catches every refusal."""

    def process_batch(self, definition, *, builder, params, registrar) -> None:
        for number in itertools.count():
            try:
                registrar.register_item("ExampleWorker", 1, {"text": str(number)})
            except Exception:
                if definition != "swallow" or number > 1000:
                    raise


@pytest.mark.parametrize("definition", ["endless", "swallow"])
def test_one_message_registers_no_more_than_a_job_may_have(hostile_code, definition) -> None:
    hostile_code.BATCH_MAX_ITEMS = 100
    run = run_batch(batch_message(payload(definition, "Registers")))
    assert the_failure(run) == ("Failed to process batch: The batch registered more than 100 subtasks from one "
                                "message, the most a batch job may have (BATCH_MAX_ITEMS).")
    assert len(run.to("example-in")) == 100


@pytest.mark.parametrize(("changes", "message"), [
    ({"batchDefinition": "1-999999999999999999", "batchType": "RangeBatchPlugin"},
     "Failed to process batch: The batch has 999,999,999,999,999,999 items; a batch job may have at most "
     "10,000,000 (BATCH_MAX_ITEMS)."),
    ({"taskMessageParams": {"action": "REVERSE", "fanout": 1000000}},
     "Failed to process batch: taskMessageParams.fanout must be between 2 and 1,000 (BATCH_MAX_FANOUT), "
     "not 1,000,000."),
    ({"taskMessageParams": {"action": "REVERSE", "leafSize": "-1"}},
     "Failed to process batch: taskMessageParams.leafSize must be between 1 and 100,000 (BATCH_MAX_LEAF_SIZE), "
     "not -1."),
    ({"batchDefinition": "x" * (4 * 1024 * 1024)},
     "Failed to process batch: The batch task is 4,194,499 bytes; at most 4,194,304 are accepted "
     "(BATCH_MAX_TASK_DATA_BYTES)."),
    ({"batchDefinition": "**/a/**/b/**/c/**.txt", "batchType": "GlobPattern", "taskMessageType": "DocumentMessage"},
     "Failed to process batch: The glob has 4 '**'; at most 3 are accepted (BATCH_GLOB_MAX_DOUBLE_STARS)."),
    # Quoted, but not whole; a lone surrogate (a JSON escape) does not break the failure.
    ({"batchType": "\ud800" + "x" * 5000}, ("Invalid batch type  \ud800" + "x" * 5000)[:2000] + "..."),
])
def test_limits_fail_the_job_with_a_readable_message(changes, message) -> None:
    run = run_batch(batch_message(payload("a,b") | changes))
    assert the_failure(run) == message
    assert run.to("example-in") == []


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"taskMessageParams": {"fanout": [1]}}',
                                  b'{"batchDefinition": 1e999999}', b'{"batchType": ["x"]}', b"\xff\xfe"])
def test_malformed_payloads_are_invalid_tasks(body) -> None:
    run = run_batch(batch_message(body))
    [invalid] = run.to("batch-out")
    assert invalid.task_status is TaskStatus.INVALID_TASK
    assert invalid.task_data.startswith(b"Invalid input message")

"""The constructs that job type task scripts use, and the original service's
example job type definitions evaluated end to end (with nulls kept, as the
job types code configures the engine)."""

from __future__ import annotations

import json

import pytest
import yaml

from jobs.jslt import JsltUserError, compile_jslt
from tests.jslt.conformance import REPO_ROOT


def run(source: str, data=None, **options):
    return compile_jslt(source).apply(data, keep_nulls=True, **options)


def test_object_and_array_construction():
    assert run('{"a": [1, "two", {"three": 3.0}], "b": {"c": null}}') == {
        "a": [1, "two", {"three": 3.0}],
        "b": {"c": None},
    }


def test_path_access():
    data = {"configuration": {"CAF_JOB_SERVICE_JOB_TYPE_X-Y_TASK_PIPE": "q"}, "list": [1, 2, 3]}
    assert run(".configuration.CAF_JOB_SERVICE_JOB_TYPE_X-Y_TASK_PIPE", data) == "q"
    assert run('.configuration."CAF_JOB_SERVICE_JOB_TYPE_X-Y_TASK_PIPE"', data) == "q"
    assert run(".list[-1]", data) == 3
    assert run(".list[1:]", data) == [2, 3]
    assert run(".missing.deeper", data) is None


def test_join():
    assert run('join(.parameters.forJoin, ">")', {"parameters": {"forJoin": ["a", "b", 3]}}) == "a>b>3"
    assert run('join(.parameters.forJoin, ">")', {"parameters": {}}) is None


def test_to_json_is_compact_and_java_like():
    assert run("to-json(.)", {"a": [1, 2.5, None, True], "b": "x\"y"}) == '{"a":[1,2.5,null,true],"b":"x\\"y"}'
    assert run("to-json(.)", 1e20) == "1.0E20"
    assert run("to-json(.)", 0.001) == "0.001"
    assert run('to-json(. + "_end")', "start") == '"start_end"'


def test_string_concatenation_converts_other_values():
    assert run('"n=" + . + ", " + null + ", " + true', 5) == "n=5, null, true"
    assert run('"x" + .', 2.0) == "x2.0"


def test_object_comprehension():
    source = '{for (.parameters.forObjectMap) "incremented:" + .key : .value + 1}'
    assert run(source, {"parameters": {"forObjectMap": {"a": 1, "b": 2.5}}}) == {
        "incremented:a": 2,
        "incremented:b": 3.5,
    }


def test_error_builtin():
    source = 'if (.parameters.count > 10) error("count too large: " + .parameters.count) else .parameters.count'
    assert run(source, {"parameters": {"count": 3}}) == 3
    with pytest.raises(JsltUserError) as raised:
        run(source, {"parameters": {"count": 11}})
    assert raised.value.message == "count too large: 11"


def test_let_and_if():
    source = """
    let pipe = .configuration.PIPE
    let target = if ($pipe) $pipe + "-out" else null
    {"taskPipe": $pipe, "targetPipe": $target}
    """
    assert run(source, {"configuration": {"PIPE": "p"}}) == {"taskPipe": "p", "targetPipe": "p-out"}
    assert run(source, {"configuration": {}}) == {"taskPipe": None, "targetPipe": None}


def test_number_semantics():
    assert run("[16 / 4, 16 / 32, 7 % 3, -7 % 3, 2.5 * 4, 1 + 1.0]") == [4, 0.5, 1, -1, 10.0, 2.0]
    assert run("string(1534663342000) + string(1.5)") == "15346633420001.5"


# ---------------------------------------------------------------- example job types

JOB_TYPE_DIR = REPO_ROOT / "tests" / "data" / "job-type-definitions"

JOB_INPUT = {
    "partitionId": "tenant-1",
    "jobId": "job-1",
    "parameters": {"forJoin": ["a", "b"], "forJsonConcat": "x", "forObjectMap": {"k": 1}},
}


def _configuration_for(definition: dict) -> dict:
    names = [item["name"] for item in definition.get("configurationProperties") or []]
    return {name: f"value of {name}" for name in names}


def _task_script(name: str):
    definition = yaml.safe_load((JOB_TYPE_DIR / name).read_text(encoding="utf-8"))
    data = dict(JOB_INPUT, configuration=_configuration_for(definition))
    return compile_jslt(definition["taskScript"]), data


def _definitions_with_scripts():
    if not JOB_TYPE_DIR.is_dir():
        return []
    return sorted(path.name for path in JOB_TYPE_DIR.glob("*.yaml") if "taskScript" in path.read_text())


def test_example_job_type_folder_present():
    assert JOB_TYPE_DIR.is_dir(), f"example job types not found at {JOB_TYPE_DIR}"


@pytest.mark.parametrize("name", _definitions_with_scripts())
def test_every_example_task_script_compiles_and_runs(name):
    expression, data = _task_script(name)
    output = expression.apply(data, keep_nulls=True)
    json.dumps(output)  # plain JSON values only


def test_basic_task_script():
    expression, data = _task_script("basic.yaml")
    pipe = "value of CAF_JOB_SERVICE_JOB_TYPE_BASIC_TASK_PIPE"
    target = "value of CAF_JOB_SERVICE_JOB_TYPE_BASIC_TARGET_PIPE"
    assert expression.apply(data, keep_nulls=True) == {
        "taskClassifier": "basic classifier",
        "taskApiVersion": 74,
        "taskData": {
            "config": data["configuration"],
            "taskQueue": pipe,
            "targetQueue": target,
            "partitionIdent": "tenant-1",
            "jobIdent": "job-1",
            "reqParams": JOB_INPUT["parameters"],
        },
        "taskPipe": pipe,
        "targetPipe": target,
    }


def test_complex_transform_task_script():
    expression, data = _task_script("complex-transform.yaml")
    output = expression.apply(data, keep_nulls=True)
    assert output["taskData"]["reqParams"] == {
        "joined": "a>b",
        "concatenatedJson": '{ "start": "x_end" }',
        "mappedObject": {"incremented:k": 2},
    }
    assert output["taskPipe"] == "value of CAF_JOB_SERVICE_JOB_TYPE_COMPLEX-TRANSFORM_TASK_PIPE"


def test_null_target_pipe_is_kept():
    expression, data = _task_script("null-target-pipe.yaml")
    output = expression.apply(data, keep_nulls=True)
    assert output["targetPipe"] is None
    assert output["taskData"] == {"targetQueue": None}
    # JSLT's default would drop them instead
    assert "targetPipe" not in expression.apply(data)


def test_invalid_output_script_yields_an_array():
    expression, data = _task_script("invalid-output.yaml")
    assert expression.apply(data, keep_nulls=True) == ["this is bad", "should be object"]

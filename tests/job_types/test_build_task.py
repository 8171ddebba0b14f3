"""Creating the task of a job from its type and parameters (reference §5, §3.5 step 2)."""
import pytest

from jobs.errors import BadRequest
from jobs.job_types import JobTypeFailure, build_task

VALID_TASK = '"taskClassifier": "c", "taskApiVersion": 1, "taskData": {}, "taskPipe": "q"'


def build(type_id: str, parameters=None, partition_id: str = "tenant-a", job_id: str = "job-1") -> dict:
    return build_task(type_id=type_id, parameters=parameters, partition_id=partition_id, job_id=job_id)


def test_basic_echoes_configuration_partition_job_and_parameters(original_definitions):
    assert build("basic") == {
        "taskClassifier": "basic classifier",
        "taskApiVersion": 74,
        "taskData": {
            "config": {
                "CAF_JOB_SERVICE_JOB_TYPE_BASIC_TASK_PIPE": "basic-task-pipe",
                "CAF_JOB_SERVICE_JOB_TYPE_BASIC_TARGET_PIPE": "basic-target-pipe",
            },
            "taskQueue": "basic-task-pipe",
            "targetQueue": "basic-target-pipe",
            "partitionIdent": "tenant-a",
            "jobIdent": "job-1",
            "reqParams": None,
        },
        "taskPipe": "basic-task-pipe",
        "targetPipe": "basic-target-pipe",
    }


def test_config_passes_every_property_under_its_name_as_written(original_definitions):
    config = build("config")["taskData"]["config"]
    assert config["CAF_JOB_SERVICE_JOB_TYPE_CONFIG_lower"] == "lower value"
    assert config["CAF_JOB_SERVICE_JOB_TYPE_CONFIG_multiple"] == config["CAF_JOB_SERVICE_JOB_TYPE_CONFIG_MULTIPLE"]
    assert config["CAF_JOB_SERVICE_JOB_TYPE_CONFIG_number"] == "123"
    assert len(config) == 8


def test_params_accepts_parameters_that_match_the_schema(original_definitions):
    task = build("params", {"s": "x", "a": 289})
    assert task["taskData"] == {"reqParams": {"s": "x", "a": 289}}
    assert (task["taskPipe"], task["targetPipe"]) == ("params-task-pipe", "params-target-pipe")


def test_params_rejects_parameters_that_violate_the_schema(original_definitions):
    with pytest.raises(BadRequest) as raised:
        build("params", {"a": "not a number"})
    assert raised.value.message == "Invalid job parameters:\n$.a: 'not a number' is not of type 'number'"


def test_each_violation_is_one_line_of_the_message(original_definitions):
    with pytest.raises(BadRequest) as raised:
        build("params", {"s": 1, "a": "x", "b": True})
    assert raised.value.message.split("\n") == [
        "Invalid job parameters:",
        "$.a: 'x' is not of type 'number'",
        "$.b: True is not of type 'number'",
        "$.s: 1 is not of type 'string'",
    ]


def test_a_type_without_parameters_schema_takes_no_parameters(original_definitions):
    with pytest.raises(BadRequest, match=r"^Invalid job parameters:\n\$: \{'x': 1\} is not of type 'null'$"):
        build("basic", {"x": 1})


def test_an_unknown_type_is_a_bad_request(original_definitions):
    with pytest.raises(BadRequest, match="^Unknown job type ID: nope$"):
        build("nope")


def test_type_ids_are_case_sensitive(original_definitions):
    with pytest.raises(BadRequest, match="^Unknown job type ID: Basic$"):
        build("Basic")


def test_every_type_is_unknown_without_definitions(settings):
    settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = ""
    with pytest.raises(BadRequest, match="^Unknown job type ID: basic$"):
        build("basic")


def test_an_unconfigured_target_pipe_is_null(original_definitions):
    task = build("null-target-pipe")
    assert task["targetPipe"] is None
    # Null values are kept in objects, as the original configures its JSLT engine.
    assert task["taskData"] == {"targetQueue": None}
    assert task["taskPipe"] == "null-target-pipe-task-pipe"


def test_an_output_that_is_not_a_task_is_the_definitions_fault(original_definitions):
    with pytest.raises(JobTypeFailure) as raised:
        build("invalid-output")
    assert raised.value.status_code == 500
    assert raised.value.message == "Invalid taskScript:\n$: ['this is bad', 'should be object'] is not of type 'object'"


def test_complex_transform_joins_serialises_and_maps(original_definitions):
    task = build(
        "complex-transform",
        {"forJoin": ["a", "b", "c"], "forJsonConcat": 'say "hi"', "forObjectMap": {"x": 1, "y": 2.5}},
    )
    assert task["taskData"] == {
        "reqParams": {
            "joined": "a>b>c",
            "concatenatedJson": '{ "start": "say \\"hi\\"_end" }',
            "mappedObject": {"incremented:x": 2, "incremented:y": 3.5},
        }
    }
    assert (task["taskPipe"], task["targetPipe"]) == ("complex-task-pipe", "complex-target-pipe")


def test_an_error_call_in_the_script_is_a_bad_request(use_definitions, write_definition, tmp_path):
    write_definition(
        "needs-x",
        "jobParametersSchema: {}\n"
        "taskScript: |\n"
        f'  if (.parameters.x) {{{VALID_TASK}}} else error("x is required")\n',
    )
    use_definitions(tmp_path)
    assert build("needs-x", {"x": 1})["taskClassifier"] == "c"
    with pytest.raises(BadRequest) as raised:
        build("needs-x", {})
    assert raised.value.message == "needs-x: error: x is required"


def test_a_script_that_fails_at_run_time_is_the_definitions_fault(use_definitions, write_definition, tmp_path):
    write_definition(
        "subtract",
        "jobParametersSchema: {}\n"
        "taskScript: |\n"
        '  {"taskClassifier": "c", "taskApiVersion": 1, "taskData": {"n": .parameters.n - 1}, "taskPipe": "q"}\n',
    )
    use_definitions(tmp_path)
    assert build("subtract", {"n": 3})["taskData"] == {"n": 2}
    with pytest.raises(JobTypeFailure) as raised:
        build("subtract", {"n": "three"})
    assert raised.value.status_code == 500
    assert raised.value.message == "subtract: taskScript execution failed"


@pytest.mark.parametrize(
    ("output", "expected_lines"),
    [
        ('{"taskClassifier": "c", "taskApiVersion": 1, "taskData": {}}', ["$: 'taskPipe' is a required property"]),
        ('{"taskClassifier": "", "taskApiVersion": 0, "taskData": "text", "taskPipe": "q"}',
         ["$.taskApiVersion: 0 is less than the minimum of 1", "$.taskClassifier: '' should be non-empty",
          "$.taskData: 'text' is not of type 'object'"]),
        (f'{{{VALID_TASK}, "targetPipe": ""}}', ["$.targetPipe: '' should be non-empty"]),
        (f'{{{VALID_TASK}, "taskDataEncoding": "utf8"}}',
         ["$: Additional properties are not allowed ('taskDataEncoding' was unexpected)"]),
        ('{"taskClassifier": "c", "taskApiVersion": 1.5, "taskData": {}, "taskPipe": "q"}',
         ["$.taskApiVersion: 1.5 is not of type 'integer'"]),
    ],
)
def test_the_output_must_match_the_task_schema(use_definitions, write_definition, tmp_path, output, expected_lines):
    write_definition("t", f"taskScript: '{output}'\n")
    use_definitions(tmp_path)
    with pytest.raises(JobTypeFailure) as raised:
        build("t")
    assert raised.value.message.split("\n") == ["Invalid taskScript:", *expected_lines]


def test_the_script_sees_constants_and_cannot_change_the_definition(use_definitions, write_definition, tmp_path):
    write_definition(
        "t",
        "constants: {queue: from-constant}\n"
        "taskScript: |\n"
        '  {"taskClassifier": "c", "taskApiVersion": 1, "taskData": {"all": .constants},'
        ' "taskPipe": .constants.queue}\n',
    )
    use_definitions(tmp_path)
    first = build("t")
    assert first["taskPipe"] == "from-constant"
    first["taskData"]["all"]["queue"] = "changed"
    assert build("t")["taskData"] == {"all": {"queue": "from-constant"}}


def test_a_parameters_schema_ref_that_cannot_be_followed_is_the_definitions_fault(
    use_definitions, write_definition, tmp_path
):
    # Only reached for some parameters, so the load-time probe cannot see it; remote schemas
    # are never fetched.
    write_definition(
        "t",
        "jobParametersSchema: {properties: {a: {$ref: 'http://example.invalid/schema.json'}}}\n"
        f"taskScript: '{{{VALID_TASK}}}'\n",
    )
    use_definitions(tmp_path)
    assert build("t", {"b": 1})["taskClassifier"] == "c"
    with pytest.raises(JobTypeFailure, match="^t: invalid jobParametersSchema: unresolvable \\$ref: "):
        build("t", {"a": 1})


def test_the_message_stays_readable_however_big_the_parameters(use_definitions, write_definition, tmp_path):
    write_definition("t", f"jobParametersSchema: {{type: array, items: {{type: string}}}}\ntaskScript: '{{{VALID_TASK}}}'\n")
    use_definitions(tmp_path)
    with pytest.raises(BadRequest) as raised:
        build("t", list(range(1000)))
    lines = raised.value.message.split("\n")
    assert lines[0] == "Invalid job parameters:"
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == "... and 950 more"
    with pytest.raises(BadRequest) as raised:
        build("t", {"x": "y" * 10_000})
    assert len(raised.value.message) < 400

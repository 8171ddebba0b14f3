"""Loading and start-up validation of job type definitions (reference §5)."""
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from jobs import job_types
from jobs.job_types.checks import check_job_type_definitions
from jobs.job_types.definition import JobTypeDefinitionError
from jobs.job_types.registry import InvalidDefinitionsError, build_registry
from tests.job_types.conftest import ORIGINAL_DEFINITIONS_DIR

MINIMAL_SCRIPT = 'taskScript: \'{"taskClassifier": "c", "taskApiVersion": 1, "taskData": {}, "taskPipe": "q"}\'\n'


def load_error(use_definitions, folder: Path) -> list[str]:
    with pytest.raises(InvalidDefinitionsError) as raised:
        use_definitions(folder)
    return [problem.message for problem in raised.value.problems]


def test_the_originals_examples_load_with_ids_from_file_names(original_definitions):
    # wrong-ext.notyaml would be invalid (its taskScript is an object): it must be ignored.
    assert sorted(original_definitions) == [
        "basic",
        "complex-transform",
        "config",
        "invalid-output",
        "null-target-pipe",
        "params",
    ]


def test_no_definitions_folder_means_no_job_types(settings):
    settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = ""
    assert job_types.reload() == {}


def test_a_missing_definitions_folder_is_an_error(use_definitions, tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(JobTypeDefinitionError, match="does not exist or is not a directory: .*nowhere"):
        use_definitions(missing)


def test_sub_folders_and_other_extensions_are_ignored(use_definitions, write_definition, tmp_path):
    write_definition("kept", MINIMAL_SCRIPT)
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "folder.yaml" / "nested.yaml").write_text(MINIMAL_SCRIPT)
    (tmp_path / "other.yml").write_text("not: [valid")
    (tmp_path / "upper.YAML").write_text("not: [valid")
    assert list(use_definitions(tmp_path)) == ["kept"]


def test_configuration_is_read_from_upper_cased_names_and_keeps_the_names_as_written(original_definitions):
    assert original_definitions["config"].configuration == {
        "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_UPPER": "upper value",
        "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_lower": "lower value",
        "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_multiple": "multiple value",
        "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_MULTIPLE": "multiple value",
        "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_nodesc": "nodesc value",
        "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_number": "123",
        "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_TASK_PIPE": "config-task-pipe",
        "CAF_JOB_SERVICE_JOB_TYPE_CONFIG_TARGET_PIPE": "config-target-pipe",
    }


def test_missing_configuration_names_the_type_and_the_property(use_definitions, tmp_path, monkeypatch):
    monkeypatch.delenv("CAF_JOB_SERVICE_JOB_TYPE_BASIC_TARGET_PIPE", raising=False)
    monkeypatch.setenv("CAF_JOB_SERVICE_JOB_TYPE_BASIC_TASK_PIPE", "basic-task-pipe")
    (tmp_path / "basic.yaml").write_text((ORIGINAL_DEFINITIONS_DIR / "basic.yaml").read_text())
    [message] = load_error(use_definitions, tmp_path)
    assert message.startswith("basic: configuration is not available: CAF_JOB_SERVICE_JOB_TYPE_BASIC_TARGET_PIPE")
    assert str(tmp_path / "basic.yaml") in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("configurationProperties:\n  - description: no name\n" + MINIMAL_SCRIPT,
         "t: configurationProperties item: missing property: name"),
        ("configurationProperties:\n  - name: X\n    default: y\n" + MINIMAL_SCRIPT,
         "t: configurationProperties item: unknown property: default"),
        ("configurationProperties: X\n" + MINIMAL_SCRIPT, "t: configurationProperties: expected a list"),
        ("configurationProperties: [X]\n" + MINIMAL_SCRIPT, "t: configurationProperties item: expected an object"),
        ("taskScrpt: '{}'\n" + MINIMAL_SCRIPT, "t: unknown property: taskScrpt"),
        ("constants: {a: b}\n", "t: missing property: taskScript"),
        ("", "t: missing property: taskScript"),
        ("taskScript: {}\n", "t: taskScript: expected a string"),
        ("- taskScript\n", "t: expected an object at the top level of the definition"),
        ("description: [a]\n" + MINIMAL_SCRIPT, "t: description: expected a string"),
        ("constants: [a]\n" + MINIMAL_SCRIPT, "t: constants: expected an object"),
        ("constants: {a: {b: c}}\n" + MINIMAL_SCRIPT, "t: constants: a: expected a string"),
        ("jobParametersSchema: {type: 5}\n" + MINIMAL_SCRIPT, "t: invalid jobParametersSchema: $.type: 5 is not valid"),
        ("jobParametersSchema: [a]\n" + MINIMAL_SCRIPT, "t: invalid jobParametersSchema: expected an object"),
        ("jobParametersSchema: {$schema: 'http://example.com/my-draft'}\n" + MINIMAL_SCRIPT,
         "t: invalid jobParametersSchema: unsupported $schema: http://example.com/my-draft"),
        ("taskScript: [unclosed\n", "t: invalid YAML: expected ',' or ']', but got '<stream end>' at line 2, column 1"),
    ],
)
def test_an_invalid_definition_is_reported_with_its_problem(use_definitions, write_definition, tmp_path, text, expected):
    path = write_definition("t", text)
    [message] = load_error(use_definitions, tmp_path)
    assert message.startswith(expected)
    assert message.endswith(f"(file {path})")


def test_a_task_script_syntax_error_is_reported_with_its_position(use_definitions, write_definition, tmp_path):
    write_definition("broken", 'taskScript: |\n  {\n    "taskClassifier": "c",\n    "taskPipe": .a +\n  }\n')
    [message] = load_error(use_definitions, tmp_path)
    assert message.startswith("broken: invalid taskDataScript: ")
    assert "line 4" in message


def test_every_invalid_definition_is_reported_at_once(use_definitions, write_definition, tmp_path):
    write_definition("one", "")
    write_definition("two", "bad: key\n" + MINIMAL_SCRIPT)
    write_definition("good", MINIMAL_SCRIPT)
    messages = load_error(use_definitions, tmp_path)
    assert [message.split(" (file")[0] for message in messages] == [
        "one: missing property: taskScript",
        "two: unknown property: bad",
    ]


def test_duplicate_ids_are_an_error(tmp_path):
    first = tmp_path / "a" / "same.yaml"
    second = tmp_path / "b" / "same.yaml"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(MINIMAL_SCRIPT)
    with pytest.raises(InvalidDefinitionsError) as raised:
        build_registry([("same", first), ("same", second)], environ={})
    [problem] = raised.value.problems
    assert problem.message.startswith(f"same: duplicate job type ID (also {first})")


def test_constants_and_description_are_kept(use_definitions, write_definition, tmp_path):
    write_definition("t", "description: Does t.\nconstants: {a: b, n: 3, flag: true, day: 2024-01-02}\n" + MINIMAL_SCRIPT)
    definition = use_definitions(tmp_path)["t"]
    assert definition.description == "Does t."
    assert definition.constants == {"a": "b", "n": "3", "flag": "true", "day": "2024-01-02"}


def test_an_absent_parameters_schema_allows_only_null(use_definitions, write_definition, tmp_path):
    write_definition("t", MINIMAL_SCRIPT)
    assert use_definitions(tmp_path)["t"].parameters_schema == {"type": "null"}


@pytest.mark.parametrize(
    ("schema", "valid", "invalid"),
    [
        # draft-04 by default: `required` is a list
        ("{type: object, required: [a]}", {"a": 1}, {}),
        # draft-03: `required` is a boolean on the property
        ("{$schema: 'http://json-schema.org/draft-03/schema#', type: object, properties: {a: {required: true}}}",
         {"a": 1}, {}),
        # draft-07: `const`
        ("{$schema: 'http://json-schema.org/draft-07/schema#', const: 3}", 3, 4),
        # 2020-12: `prefixItems`
        ("{$schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{type: string}], items: false}",
         ["a"], ["a", "b"]),
    ],
)
def test_the_parameters_schema_draft_comes_from_its_schema_keyword(
    use_definitions, write_definition, tmp_path, schema, valid, invalid
):
    write_definition("t", f"jobParametersSchema: {schema}\n" + MINIMAL_SCRIPT)
    validator = use_definitions(tmp_path)["t"].parameters_validator
    assert validator.is_valid(valid)
    assert not validator.is_valid(invalid)


def test_the_system_check_reports_each_invalid_definition(settings, write_definition, tmp_path):
    write_definition("one", "")
    write_definition("two", "taskScript: 5\n")
    settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = str(tmp_path)
    errors = check_job_type_definitions()
    assert [error.id for error in errors] == ["jobs.E101", "jobs.E101"]
    assert errors[0].msg.startswith("one: missing property: taskScript (file ")
    assert errors[1].msg.startswith("two: taskScript: expected a string (file ")
    job_types.registry.clear_cache()


def test_manage_py_check_fails_on_an_invalid_definition(settings, write_definition, tmp_path):
    write_definition("one", "")
    settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = str(tmp_path)
    with pytest.raises(SystemCheckError, match="one: missing property: taskScript"):
        call_command("check")
    settings.CAF_JOB_SERVICE_JOB_TYPE_DEFINITIONS_DIR = str(tmp_path / "missing")
    with pytest.raises(SystemCheckError, match="does not exist"):
        call_command("check")
    job_types.registry.clear_cache()


def test_manage_py_check_passes_on_valid_definitions(original_definitions):
    call_command("check")


def test_a_parameters_schema_ref_that_points_nowhere_is_an_error(use_definitions, write_definition, tmp_path):
    write_definition("t", "jobParametersSchema: {$ref: '#/definitions/missing'}\n" + MINIMAL_SCRIPT)
    [message] = load_error(use_definitions, tmp_path)
    assert message.startswith("t: invalid jobParametersSchema: unresolvable $ref: ")

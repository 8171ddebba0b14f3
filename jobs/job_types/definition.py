"""One job type definition: parsed and validated from its YAML file (reference §5).

A definition file is a YAML object with only these keys: `configurationProperties`,
`jobParametersSchema`, `constants`, `taskScript`, and `description` (our one extension, shown
by GET /jobTypes; the original rejects it like any unknown key). Everything that can be checked
without a job is checked here, at load time, so a bad definition stops the service from starting
instead of failing requests later.
"""
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema.protocols import Validator

from jobs.errors import JobServiceError
from jobs.job_types import schemas, script

KNOWN_KEYS = ("configurationProperties", "jobParametersSchema", "constants", "taskScript", "description")
CONFIGURATION_ITEM_KEYS = ("name", "description")


class _JsonLikeLoader(yaml.SafeLoader):
    """Safe YAML with JSON's value types only: an unquoted date stays a string, as it would be
    in the original (definitions are JSON documents written in YAML)."""


_JsonLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class JobTypeDefinitionError(JobServiceError):
    """A definition (or the definitions folder) is invalid: the service must not start.

    A JobServiceError with status 500, so that a request reaching an invalid registry (when the
    start-up check was bypassed) answers `{"message": ...}` naming the problem."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message if path is None else f"{message} (file {path})")
        self.path = path


@dataclass(frozen=True)
class JobTypeDefinition:
    id: str
    description: str | None
    configuration: dict[str, str]
    constants: dict[str, str | None]
    parameters_schema: Any
    parameters_validator: Validator = field(repr=False)
    task_script: script.TaskScript = field(repr=False)


def load_definition(type_id: str, path: Path, environ: Mapping[str, str] = os.environ) -> JobTypeDefinition:
    """Reads and validates the definition of job type `type_id` from `path`. Configuration values
    are looked up in `environ` under the upper-cased property names."""

    def invalid(problem: str) -> JobTypeDefinitionError:
        return JobTypeDefinitionError(f"{type_id}: {problem}", path)

    try:
        with path.open(encoding="utf-8") as stream:
            document = yaml.load(stream, Loader=_JsonLikeLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        raise invalid(f"invalid YAML: {_yaml_problem(error)}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise invalid(f"cannot be read: {error}") from error

    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise invalid("expected an object at the top level of the definition")
    for key in document:
        if key not in KNOWN_KEYS:
            raise invalid(f"unknown property: {key}")

    description = document.get("description")
    if description is not None and not isinstance(description, str):
        raise invalid("description: expected a string")

    configuration = _configuration(document.get("configurationProperties"), environ, invalid)
    constants = _constants(document.get("constants"), invalid)

    parameters_schema = document.get("jobParametersSchema")
    if parameters_schema is None:
        parameters_schema = schemas.DEFAULT_PARAMETERS_SCHEMA
    try:
        parameters_validator = schemas.parameters_validator(parameters_schema)
    except schemas.SchemaDefinitionError as error:
        raise invalid(f"invalid jobParametersSchema: {error}") from error

    source = document.get("taskScript")
    if source is None:
        raise invalid("missing property: taskScript")
    if not isinstance(source, str):
        raise invalid("taskScript: expected a string")
    try:
        task_script = script.compile_task_script(source)
    except script.ScriptSyntaxError as error:
        raise invalid(f"invalid taskDataScript: {error}") from error

    return JobTypeDefinition(
        id=type_id,
        description=description,
        configuration=configuration,
        constants=constants,
        parameters_schema=parameters_schema,
        parameters_validator=parameters_validator,
        task_script=task_script,
    )


def _configuration(items: Any, environ: Mapping[str, str], invalid: Any) -> dict[str, str]:
    # The output map keeps each name as written, so `X_lower` and `X_LOWER` both resolve from
    # X_LOWER and both appear (as in the original).
    if items is None:
        return {}
    if not isinstance(items, list):
        raise invalid("configurationProperties: expected a list")
    configuration: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            raise invalid("configurationProperties item: expected an object")
        for key in item:
            if key not in CONFIGURATION_ITEM_KEYS:
                raise invalid(f"configurationProperties item: unknown property: {key}")
        name = item.get("name")
        if name is None:
            raise invalid("configurationProperties item: missing property: name")
        if not isinstance(name, str) or not name:
            raise invalid("configurationProperties item: name: expected a non-empty string")
        value = environ.get(name.upper())
        if value is None:
            raise invalid(f"configuration is not available: {name}")
        configuration[name] = value
    return configuration


def _constants(constants: Any, invalid: Any) -> dict[str, str | None]:
    if constants is None:
        return {}
    if not isinstance(constants, dict):
        raise invalid("constants: expected an object")
    result: dict[str, str | None] = {}
    for name, value in constants.items():
        if isinstance(value, (dict, list)):
            raise invalid(f"constants: {name}: expected a string")
        # Constants are strings; a YAML scalar such as 3 or true reads as its JSON text, as a
        # string-typed map would in the original.
        result[str(name)] = value if value is None or isinstance(value, str) else json.dumps(value)
    return result


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return problem
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"

"""JSON Schema handling for job types: the parameters schema of a definition and the schema that
a task script's output must match.

The draft of a parameters schema comes from its `$schema`, draft-04 when absent (as in the
original); draft-03 and draft-04 are what the original supports, later drafts come free with the
`jsonschema` library.
"""
from typing import Any

import jsonschema
import referencing.exceptions
from jsonschema.protocols import Validator

DEFAULT_PARAMETERS_SCHEMA: dict[str, Any] = {"type": "null"}

_DRAFTS: tuple[type[Validator], ...] = (
    jsonschema.Draft3Validator,
    jsonschema.Draft4Validator,
    jsonschema.Draft6Validator,
    jsonschema.Draft7Validator,
    jsonschema.Draft201909Validator,
    jsonschema.Draft202012Validator,
)


def _normalise_uri(uri: str) -> str:
    # "http://json-schema.org/draft-04/schema#" and "https://json-schema.org/draft-04/schema"
    # name the same draft; schema files in the wild use every variant.
    uri = uri.strip().rstrip("#")
    if uri.startswith("https://"):
        uri = "http://" + uri[len("https://"):]
    return uri


_DRAFTS_BY_URI: dict[str, type[Validator]] = {
    _normalise_uri(cls.META_SCHEMA.get("$id") or cls.META_SCHEMA["id"]): cls for cls in _DRAFTS
}


class SchemaDefinitionError(ValueError):
    """The schema itself is unusable (unknown draft, or not valid against its meta-schema)."""


def parameters_validator(schema: Any) -> Validator:
    """Returns a validator for a definition's `jobParametersSchema`, checked against its draft's
    meta-schema; raises SchemaDefinitionError with a readable reason otherwise."""
    if not isinstance(schema, (dict, bool)):
        raise SchemaDefinitionError("expected an object")
    validator_class: type[Validator] = jsonschema.Draft4Validator
    if isinstance(schema, dict) and "$schema" in schema:
        declared = schema["$schema"]
        if not isinstance(declared, str) or _normalise_uri(declared) not in _DRAFTS_BY_URI:
            raise SchemaDefinitionError(f"unsupported $schema: {declared}")
        validator_class = _DRAFTS_BY_URI[_normalise_uri(declared)]
    if isinstance(schema, bool) and validator_class in (
        jsonschema.Draft3Validator,
        jsonschema.Draft4Validator,
    ):
        raise SchemaDefinitionError("expected an object")
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise SchemaDefinitionError(f"{error.json_path}: {error.message}") from error
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    try:
        # A probe: a `$ref` that points nowhere (or to another server: never fetched) is found
        # here when the root reaches it, rather than on a client's request.
        violations(validator, None)
    except referencing.exceptions.Unresolvable as error:
        raise SchemaDefinitionError(f"unresolvable $ref: {error}") from error
    return validator


# A message quotes the offending value: keep a 400 readable (and small) whatever was sent.
MAX_VIOLATIONS = 50
MAX_LINE_LENGTH = 300


def violations(validator: Validator, instance: Any) -> list[str]:
    """One readable line per violation, "<JSON path>: <reason>", in a stable order; at most
    MAX_VIOLATIONS lines then a count of the others. Raises referencing.exceptions.Unresolvable
    when the schema's `$ref` cannot be followed."""
    errors = sorted(validator.iter_errors(instance), key=lambda error: (error.json_path, error.message))
    lines = [_shortened(f"{error.json_path}: {error.message}") for error in errors[:MAX_VIOLATIONS]]
    if len(errors) > MAX_VIOLATIONS:
        lines.append(f"... and {len(errors) - MAX_VIOLATIONS} more")
    return lines


def _shortened(line: str) -> str:
    return line if len(line) <= MAX_LINE_LENGTH else line[: MAX_LINE_LENGTH - 3] + "..."


# The shape a task script must produce: the `task` a client could have sent, with taskData as an
# object and no encoding (reference §5). Draft-04 semantics as in the original: 1.0 is not an
# integer.
TASK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["taskClassifier", "taskApiVersion", "taskData", "taskPipe"],
    "properties": {
        "taskClassifier": {"type": "string", "minLength": 1},
        "taskApiVersion": {"type": "integer", "minimum": 1},
        "taskData": {"type": "object"},
        "taskPipe": {"type": "string", "minLength": 1},
        "targetPipe": {"type": ["string", "null"], "minLength": 1},
    },
    "additionalProperties": False,
}

task_validator: Validator = jsonschema.Draft4Validator(TASK_SCHEMA)

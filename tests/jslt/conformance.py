"""Loads and runs the JSLT language's own conformance cases.

The case files come from schibsted/jslt (core/src/test/resources, Apache
License 2.0) and are copied under ``tests/data/jslt-tests`` with their licence
(see tests/data/README.md).

Used by tests/jslt/test_conformance.py and bench/jslt_conformance.py.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jobs.jslt import JsltError, JsltSyntaxError, compile_jslt
from jobs.jslt.values import parse_json_text

REPO_ROOT = Path(__file__).resolve().parents[2]

# Files with {"tests": [{"query", "input", "output"|"error"}]} (JSON or YAML).
QUERY_FILES = [
    "query-tests.json",
    "query-tests.yaml",
    "function-tests.json",
    "function-declaration-tests.yaml",
    "query-error-tests.json",
    "function-error-tests.json",
    "experimental-tests.json",
]
# Files with {"tests": ["json text", ...]}: the JSLT parser must read JSON.
JSON_PARSE_FILE = "json-parse-tests.json"
JSON_PARSE_ERROR_FILE = "json-parse-error-tests.json"
ALL_FILES = QUERY_FILES + [JSON_PARSE_FILE, JSON_PARSE_ERROR_FILE]


def data_dir() -> Path:
    return REPO_ROOT / "tests" / "data" / "jslt-tests"


_MISSING = object()


@dataclass
class Case:
    file: str
    index: int
    query: str
    input: Any = None
    expected: Any = _MISSING  # expected output value
    error: str | None = None  # substring expected in the error message
    variables: dict = field(default_factory=dict)

    @property
    def case_id(self) -> str:
        return f"{self.file}#{self.index}"


def _json_value(raw):
    """Case inputs/outputs are JSON text in the JSON files; YAML may also
    give the value directly (e.g. ``input: {}`` or ``output: 5``)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return parse_json_text(raw)
    return raw


def load_cases(directory: Path | None = None) -> list[Case]:
    directory = directory or data_dir()
    cases: list[Case] = []
    for name in QUERY_FILES:
        path = directory / name
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text) if name.endswith(".yaml") else json.loads(text)
        for index, test in enumerate(document["tests"]):
            case = Case(name, index, test["query"], _json_value(test.get("input")))
            if "error" in test:
                case.error = test["error"]
            else:
                case.expected = _json_value(test["output"])
            case.variables = test.get("variables") or {}
            cases.append(case)
    for name, expect_error in ((JSON_PARSE_FILE, False), (JSON_PARSE_ERROR_FILE, True)):
        document = json.loads((directory / name).read_text(encoding="utf-8"))
        for index, text in enumerate(document["tests"]):
            if expect_error:
                cases.append(Case(name, index, text, error="Parse error"))
            else:
                cases.append(Case(name, index, text, expected=json.loads(text)))
    return cases


def same_json(actual, expected) -> bool:
    """JSON equality that, like Jackson's, tells 1 from 1.0, but compares
    floats with a tiny tolerance (2.5 - 1.8 is 0.7000000000000002)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, float):
        return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-15)
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(same_json(a, e) for a, e in zip(actual, expected))
    if isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(same_json(actual[k], expected[k]) for k in expected)
    return actual == expected


def run_case(case: Case) -> tuple[bool, str]:
    """Returns (passed, explanation)."""
    try:
        result = compile_jslt(case.query).apply(case.input, variables=case.variables)
    except JsltError as error:
        if case.error is None:
            return False, f"unexpected error: {error}"
        if case.error == "Parse error" and not isinstance(error, JsltSyntaxError):
            return False, f"expected a syntax error, got: {error}"
        if case.error not in str(error):
            return False, f"error {str(error)!r} does not mention {case.error!r}"
        return True, "raised the expected error"
    if case.error is not None:
        return False, f"expected an error mentioning {case.error!r}, got {result!r}"
    if not same_json(result, case.expected):
        return False, f"expected {case.expected!r}, got {result!r}"
    return True, "ok"

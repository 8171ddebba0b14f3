"""The JSLT language's own test cases, one pytest case each.

Test data: schibsted/jslt, core/src/test/resources (commit cfcdeb8),
Copyright Schibsted, licensed under the Apache License, Version 2.0 — see
LICENSE and README.md in the data folder (tests/data/jslt-tests), copied
unchanged into this repository.
"""

from __future__ import annotations

import pytest

from tests.jslt.conformance import data_dir, load_cases, run_case

# Cases we knowingly do not support. Each is xfail(strict=True), so a case
# that starts passing must be removed from this list.
_MODULE_IMPORT = (
    "`import` of .jslt module files is not supported (the interpreter does no I/O, "
    "and the module files are not part of the conformance data)"
)
KNOWN_UNSUPPORTED = {
    # function-declaration-tests.yaml: imports of module files from the classpath
    "function-declaration-tests.yaml#11": _MODULE_IMPORT,
    "function-declaration-tests.yaml#12": _MODULE_IMPORT,
    "function-declaration-tests.yaml#13": _MODULE_IMPORT,
    "function-declaration-tests.yaml#14": _MODULE_IMPORT,
    "function-declaration-tests.yaml#15": _MODULE_IMPORT,
    "function-declaration-tests.yaml#16": _MODULE_IMPORT,
    "function-declaration-tests.yaml#17": _MODULE_IMPORT,
    "function-declaration-tests.yaml#18": _MODULE_IMPORT,
    "function-declaration-tests.yaml#19": _MODULE_IMPORT,
    "function-declaration-tests.yaml#20": _MODULE_IMPORT,
}


def _params():
    if not data_dir().is_dir():
        return []
    params = []
    for case in load_cases():
        marks = []
        if case.case_id in KNOWN_UNSUPPORTED:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_UNSUPPORTED[case.case_id]))
        params.append(pytest.param(case, id=case.case_id, marks=marks))
    return params


def test_conformance_data_is_present():
    assert data_dir().is_dir(), (
        f"JSLT conformance data not found at {data_dir()} (tests/data/README.md)"
    )


def test_known_unsupported_ids_exist():
    ids = {case.case_id for case in load_cases()}
    assert set(KNOWN_UNSUPPORTED) <= ids


@pytest.mark.parametrize("case", _params())
def test_conformance(case):
    passed, detail = run_case(case)
    assert passed, f"{case.query!r} with input {case.input!r}: {detail}"

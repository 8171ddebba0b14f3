"""Run all JSLT conformance cases and print the pass rate per file and overall.

Usage (from the repository root):  .venv/bin/python bench/jslt_conformance.py [-v]
``-v`` also lists every failing case. The cases are those the tests run
(``tests/data/jslt-tests``).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.jslt.conformance import ALL_FILES, data_dir, load_cases, run_case  # noqa: E402


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    passed: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    failures = []
    for case in load_cases():
        ok, detail = run_case(case)
        total[case.file] += 1
        if ok:
            passed[case.file] += 1
        else:
            failures.append((case, detail))
    print(f"JSLT conformance cases from {data_dir()}")
    for name in ALL_FILES:
        rate = 100.0 * passed[name] / total[name] if total[name] else 0.0
        print(f"  {name:36s} {passed[name]:4d}/{total[name]:<4d} {rate:6.1f}%")
    all_passed, all_total = sum(passed.values()), sum(total.values())
    print(f"  {'overall':36s} {all_passed:4d}/{all_total:<4d} {100.0 * all_passed / all_total:6.1f}%")
    if verbose:
        for case, detail in failures:
            print(f"\nFAIL {case.case_id}: {case.query!r}\n     {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

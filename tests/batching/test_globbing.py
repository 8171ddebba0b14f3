"""The glob matcher of GlobPattern: the original's meaning of `*`, `?`, `[...]` and `**` (also
inside a name, where it crosses folders), and a cost that stays linear for any pattern."""
import random
import re
import time

import pytest

from batching import limits
from batching.errors import BatchLimitError
from batching.plugins.globbing import Glob, count_double_stars


@pytest.mark.parametrize(("path", "pattern", "expected"), [
    ("a.txt", "*.txt", True),
    ("dir/a.txt", "*.txt", False),
    ("a1.txt", "a?.txt", True),
    ("a/.txt", "a?.txt", False),
    ("a5.txt", "a[0-9].txt", True),
    ("ab.txt", "a[0-9].txt", False),
    ("ab.txt", "a[!0-9].txt", True),
    ("]", "[]]", True),
    ("a[1.txt", "a[1.txt", True),  # an unclosed [ is an ordinary character
    # A whole ** segment: zero or more folders; a final one: everything below.
    ("dir/a.txt", "**/*.txt", True),
    ("a.txt", "**/*.txt", True),
    ("x/y/z/a.txt", "x/**/a.txt", True),
    ("x/a.txt", "x/**/a.txt", True),
    ("x/ya.txt", "x/**/a.txt", False),
    ("x/a.md", "x/**/*.txt", False),
    ("x/a/b", "x/**", True),
    ("x", "x/**", False),
    ("x/a/b/y", "x/**/**/y", True),
    # ** inside a name crosses folders, as in the original (its own test: sub-dir/**.txt).
    ("sub-dir/a.txt", "sub-dir/**.txt", True),
    ("sub-dir/sub-sub-dir/b.txt", "sub-dir/**.txt", True),
    ("other/b.txt", "sub-dir/**.txt", False),
    ("q/r/s/a.txt", "**.txt", True),
    ("a.txt", "**.txt", True),
    ("aXb/f.txt", "a**b/*.txt", True),
    ("a/x/b/f.txt", "a**b/*.txt", True),
    ("a/b/c/f.txt", "a**b/*.txt", False),
])
def test_glob_matching(path: str, pattern: str, expected: bool) -> None:
    assert Glob(pattern).matches(path) is expected


@pytest.mark.parametrize(("folder", "pattern", "expected"), [
    ("docs", "docs/*.txt", True),
    ("other", "docs/*.txt", False),
    ("docs", "*.txt", False),
    ("any/depth", "**/*.txt", True),
    ("docs/deep", "docs/*/*.txt", True),
    ("docs/deep/deeper", "docs/*/*.txt", False),
    ("sub-dir/a/b", "sub-dir/**.txt", True),
    ("other", "sub-dir/**.txt", False),
    ("a/x", "a**b/*.txt", True),
])
def test_folders_that_cannot_hold_matches_are_skipped(folder: str, pattern: str, expected: bool) -> None:
    assert bool(Glob(pattern).folder_state(folder)) is expected


def java_glob_regex(pattern: str) -> re.Pattern:
    """What the original's glob means, as a regular expression (`*` [^/]*, `**` .*, `?` [^/]),
    with our whole-segment `**/` (zero or more folders)."""
    out = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if len(segment) >= 2 and not segment.strip("*"):
            out.append(".*" if last else "(?:.*/)?")
            continue
        for run in re.findall(r"\*+|.", segment):
            out.append({"*": "[^/]*", "?": "[^/]"}.get(run, ".*" if run.startswith("**") else re.escape(run)))
        if not last:
            out.append("/")
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def test_the_matcher_agrees_with_the_originals_regular_expressions_on_random_globs() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        pattern = "/".join(rng.choice(["a", "b", "*", "**", "a*", "**a", "?", "a**b", "*b", "ab?"])
                           for _ in range(rng.randint(1, 4)))
        path = "/".join("".join(rng.choice("ab") for _ in range(rng.randint(1, 3)))
                        for _ in range(rng.randint(1, 5)))
        assert Glob(pattern).matches(path) == bool(java_glob_regex(pattern).match(path)), (pattern, path)


def test_hostile_globs_cost_what_plain_ones_cost(settings) -> None:
    """Patterns that make a backtracking matcher or a deterministic automaton blow up, against
    1000 distinct deep paths each: well under a second with a linear matcher (2 s is a
    functional bound with a wide margin, not a benchmark)."""
    stars, length = settings.BATCH_GLOB_MAX_DOUBLE_STARS, settings.BATCH_GLOB_MAX_LENGTH
    rng = random.Random(3)
    random_paths = ["/".join("".join(rng.choice("ab") for _ in range(30)) for _ in range(10)) + f"/{n}.txt"
                    for n in range(1000)]
    a_paths = ["/".join(["a" * 29] * 10) + f"/{n}.txt" for n in range(1000)]
    # Backtracking: every split of the "a"s between the `**` is tried (0.15 s per path for
    # Python's re); no match, since no name starts with "b".
    backtracking = "**a" * stars + "*b.txt"
    # The most `**` and the longest pattern allowed; a name would need ~330 "a"s to match.
    head = "/".join(["**"] + ["**a*a"] * (stars - 1)) + "/"
    longest = head + "*a?" * ((length - len(head) - 6) // 3) + "/*.txt"
    # A folder whose 27th character from the end is an "a" and last a "b": 2^25 states for a
    # deterministic automaton.
    exponential = "**a" + "?" * 25 + "b/" + "/".join(["**"] * (stars - 1)) + ".txt"

    def has_a_and_b(path: str) -> bool:
        return any(len(name) >= 27 and name[-27] == "a" and name[-1] == "b" for name in path.split("/")[:-1])

    for pattern, paths, expected in [
        (backtracking, a_paths, [False] * 1000),
        (longest, random_paths, [False] * 1000),
        (exponential, random_paths, [has_a_and_b(path) for path in random_paths]),
    ]:
        limits.check_glob(pattern)  # allowed: at the limits
        glob = Glob(pattern)
        started = time.perf_counter()
        matched = [glob.matches(path) for path in paths]
        elapsed = time.perf_counter() - started
        assert matched == expected
        assert elapsed < 2.0, f"{pattern[:30]}...: {elapsed:.2f} s for 1000 paths"


@pytest.mark.parametrize(("pattern", "message"), [
    ("**/a/**/b/**/c/**/*.txt", "at most 3 are accepted"),
    ("a" * 1025, "at most 1,024 are accepted"),
])
def test_globs_over_the_limits_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(BatchLimitError, match=message):
        limits.check_glob(pattern)


def test_a_run_of_stars_counts_as_one_double_star() -> None:
    assert count_double_stars("***/a**b/*.txt") == 2

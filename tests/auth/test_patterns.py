"""Partition, job type and queue patterns of API tokens: `*` matches any run of characters."""
import pytest

from jobs.auth.patterns import matches, matches_any, parse_patterns


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("*", "anything", True),
        ("*", "", True),
        ("acme", "acme", True),
        ("acme", "acme-1", False),  # exact without a *
        ("acme", "ACME", False),  # case-sensitive, as ids are
        ("acme-*", "acme-1", True),
        ("acme-*", "acme-", True),
        ("acme-*", "acme", False),
        ("acme-*", "xacme-1", False),  # anchored at both ends
        ("*-test", "acme-test", True),
        ("a*b*c", "aXbYc", True),
        ("a*b*c", "aXbY", False),
        ("acme.?", "acme.?", True),  # only * is special
        ("acme.?", "acmeX1", False),
        ("[ab]", "a", False),
    ],
)
def test_a_star_matches_any_run_of_characters_and_nothing_else_is_special(pattern, name, expected):
    assert matches(pattern, name) is expected


def test_patterns_are_comma_separated_and_blank_entries_are_dropped():
    assert parse_patterns(" acme-* , demo,, ") == ["acme-*", "demo"]
    assert parse_patterns("") == []
    assert matches_any(["demo", "acme-*"], "acme-9") and not matches_any([], "demo")

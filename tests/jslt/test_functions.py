"""Built-in functions: examples from JSLT's functions.md and edge cases the
conformance data does not cover."""

from __future__ import annotations

import re

import pytest

from jobs.jslt import JsltError, compile_jslt
from jobs.jslt.values import format_double


def evaluate(source: str, data=None):
    return compile_jslt(source).apply(data)


@pytest.mark.parametrize(
    "source, expected",
    [
        ('contains("ab", "abc")', True),
        ('contains(1, {"1" : false})', True),
        ("size(null)", None),
        ("fallback(.a, .b, 1)", 1),
        ('fallback(null, [], {}, "value")', "value"),
        ("min(10, 1)", 1),
        ('max("a", "b")', "b"),
        ('number("023")', 23),
        ("round(1.51)", 2),
        ("round(-1.5)", -1),
        ("sum([1.0, 2.0])", 3.0),
        ("mod(-10, 3)", 2),
        ('split(",2", ",")', ["", "2"]),
        ('split("a1b22c", "\\\\d+")', ["a", "b", "c"]),
        ('join(["a"], " ")', "a"),
        ('lowercase("ABCÆØÅ")', "abcæøå"),
        ('sha256-hex(42)', "73475cb40a568e8da8a045ced110137e159f890ac4da883b6b17dc651b3a8049"),
        ('replace("abc def ghi", "\\\\s+", "-")', "abc-def-ghi"),
        ('replace("   whoah", "^\\\\s+", "")', "whoah"),
        ('trim("abc \\t\\r\\n")', "abc"),
        ("trim(false)", "false"),
        ('boolean(" ")', True),
        ("not([1])", False),
        ('get-key({"no": "Norway"}, "dk", "<unknown>")', "<unknown>"),
        ('array({"a": 1})', [{"key": "a", "value": 1}]),
        ("flatten([1, [2, [3, [4, []]]]])", [1, 2, 3, 4]),
        ("all([true, true, false])", False),
        ("any([false, true])", True),
        ('zip-with-index(["x"])', [{"index": 0, "value": "x"}]),
        ("hash-int([1,2]) != hash-int([2,1])", True),
        ('parse-url("https://example.com:8443/p?a=1&a=2").parameters.a', ["1", "2"]),
    ],
)
def test_documented_examples(source, expected):
    result = evaluate(source)
    assert result == expected and type(result) is type(expected)


def test_time_functions():
    assert evaluate('parse-time("2018-05-30T11:46:37Z", "yyyy-MM-dd\'T\'HH:mm:ssX")') == 1.527680797e9
    assert evaluate('parse-time("2018-05-30T13:46:37+02:00", "yyyy-MM-dd\'T\'HH:mm:ssXXX")') == 1.527680797e9
    assert evaluate('parse-time("2018-05-30T11:46:37", "yyyy-MM-dd\'T\'HH:mm:ssX", null)') is None
    assert evaluate('format-time(1529677391, "yyyy-MM-dd\'T\'HH:mm:ss")') == "2018-06-22T14:23:11"
    assert evaluate('format-time(0, "yyyy-MM-dd")') == "1970-01-01"
    assert evaluate('format-time(1529677391, "EEE, d MMM yyyy HH:mm:ss Z", "Europe/Oslo")') == (
        "Fri, 22 Jun 2018 16:23:11 +0200"
    )
    assert evaluate('format-time(1529677391.5, "HH:mm:ss.SSS XXX")') == "14:23:11.500 Z"
    assert isinstance(evaluate("now()"), float)


def test_time_errors():
    with pytest.raises(JsltError, match="Unknown timezone"):
        evaluate('format-time(0, "yyyy", "Mars/Olympus")')
    with pytest.raises(JsltError, match="Illegal pattern character 'q'"):
        evaluate('format-time(0, "yyyy qq")')
    with pytest.raises(JsltError, match="Unparseable date"):
        evaluate('parse-time("yesterday", "yyyy-MM-dd")')


def test_uuid():
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", evaluate("uuid()"))
    assert evaluate("uuid(0, 0)") == "00000000-0000-1000-8000-000000000000"


def test_random_is_a_fraction():
    assert 0.0 <= evaluate("random()") < 1.0


@pytest.mark.parametrize(
    "number, text",
    [
        (1.0, "1.0"),
        (0.5, "0.5"),
        (1234567.0, "1234567.0"),
        (12345678.0, "1.2345678E7"),
        (1.5147648e9, "1.5147648E9"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (-2.5e-7, "-2.5E-7"),
        (1e21, "1.0E21"),
        (-0.0, "-0.0"),
    ],
)
def test_floats_print_like_java(number, text):
    assert format_double(number) == text
    assert evaluate("string(.)", number) == text


def test_regex_errors_are_reported():
    with pytest.raises(JsltError, match="regular expression"):
        evaluate('test("x", "(")')
    with pytest.raises(JsltError, match="empty string"):
        evaluate('replace("abc", "x*", "-")')


def test_compile_rejects_non_string_source():
    with pytest.raises(TypeError):
        compile_jslt(b".foo")

"""Error reporting: syntax and runtime errors name line and column."""

from __future__ import annotations

import pytest

from jobs.jslt import JsltError, JsltLimitError, JsltSyntaxError, JsltUserError, compile_jslt


def test_syntax_error_names_line_and_column():
    source = '{\n  "a": 1,\n  "b": [1 2]\n}'
    with pytest.raises(JsltSyntaxError) as raised:
        compile_jslt(source)
    error = raised.value
    assert (error.line, error.column) == (3, 11)
    assert str(error).startswith("Parse error at line 3, column 11: unexpected '2'")


def test_syntax_error_unexpected_character():
    with pytest.raises(JsltSyntaxError) as raised:
        compile_jslt('validate("foo"; "bar")')
    assert (raised.value.line, raised.value.column) == (1, 15)
    assert "unexpected character ';'" in str(raised.value)


def test_syntax_error_at_end_of_input():
    with pytest.raises(JsltSyntaxError) as raised:
        compile_jslt("{\n  \"a\": [1, 2")
    assert "unexpected end of input" in str(raised.value)
    assert raised.value.line == 2


def test_invalid_string_escape_is_a_syntax_error():
    with pytest.raises(JsltSyntaxError, match=r"line 1, column 8: invalid string literal"):
        compile_jslt('"ok" + "\\d"')


def test_unknown_function_is_reported_at_compile_time():
    with pytest.raises(JsltSyntaxError, match=r"line 2, column 3: No such function: 'blurgle'"):
        compile_jslt('{\n  blurgle(1) : 2}')


def test_wrong_argument_count():
    with pytest.raises(JsltSyntaxError, match=r"'join' takes 2 argument\(s\), but was called with 1"):
        compile_jslt("join(.)")
    with pytest.raises(JsltSyntaxError, match="takes 1 arguments, but was called with 2"):
        compile_jslt("def f(a) $a  f(1, 2)")


def test_duplicate_variable_in_one_scope():
    with pytest.raises(JsltSyntaxError, match=r"line 2, column 5: Duplicate variable declaration '\$x'"):
        compile_jslt("let x = 1\nlet x = 2\n$x")


def test_runtime_error_names_the_offending_expression():
    expression = compile_jslt('{\n  "a": .x,\n  "b": .name / 2\n}')
    with pytest.raises(JsltError) as raised:
        expression.apply({"name": "foo"})
    error = raised.value
    assert not isinstance(error, (JsltSyntaxError, JsltUserError))
    assert (error.line, error.column) == (3, 14)
    assert str(error) == 'Error at line 3, column 14: Can\'t convert "foo" to number'


def test_runtime_error_in_builtin_function_gets_call_position():
    with pytest.raises(JsltError) as raised:
        compile_jslt('\n   number("abc")').apply(None)
    assert (raised.value.line, raised.value.column) == (2, 4)
    assert "not a number" in raised.value.message


def test_unknown_variable():
    with pytest.raises(JsltError, match=r"line 1, column 9: No such variable '\$nope'"):
        compile_jslt("1 + 2 + $nope").apply(None)


def test_error_builtin_raises_distinct_user_error():
    expression = compile_jslt('if (not(is-array(.things)))\n  error("\'things\' is not an array")\nelse 1')
    with pytest.raises(JsltUserError) as raised:
        expression.apply({})
    assert raised.value.message == "'things' is not an array"
    assert (raised.value.line, raised.value.column) == (2, 3)
    assert isinstance(raised.value, JsltError)
    assert expression.apply({"things": [1]}) == 1


def test_error_builtin_with_non_string_message():
    with pytest.raises(JsltUserError) as raised:
        compile_jslt('error({"code": 4})').apply(None)
    assert raised.value.message == '{"code":4}'


def test_other_failures_are_not_user_errors():
    with pytest.raises(JsltError) as raised:
        compile_jslt("size(true)").apply(None)
    assert not isinstance(raised.value, JsltUserError)


def test_limit_errors_are_jslt_errors():
    assert issubclass(JsltLimitError, JsltError)
    assert not issubclass(JsltLimitError, JsltUserError)


def test_unsupported_import_is_a_clear_syntax_error():
    with pytest.raises(JsltSyntaxError, match="import of 'utils.jslt' is not supported"):
        compile_jslt('import "utils.jslt" as u\nu:f(.)')


@pytest.mark.parametrize(
    "source, message",
    [
        ("def f(o) { * : . }  f(.)", "cannot be used inside a function body"),
        ("{.k : {* : .}}", "dynamic object"),
        ("{.k : 1, * : .}", "cannot be combined with computed keys"),
        ('{"a": 1, "a": 2}', "Duplicate key 'a'"),
    ],
)
def test_compile_time_object_checks(source, message):
    with pytest.raises(JsltSyntaxError, match=message):
        compile_jslt(source)

"""Sandbox limits: steps, wall-clock time, call depth, output size, regex guards."""

from __future__ import annotations

import pytest

from jobs.jslt import JsltError, JsltLimitError, compile_jslt
from jobs.jslt import regex as jslt_regex

RANGE_DEF = """
def range(n)
  if ($n > 0) range($n - 1) + [$n] else []
"""


def test_step_limit():
    expression = compile_jslt("[for (.) [for ($all) . + 1]]")
    data = list(range(200))
    assert len(expression.apply(data, variables={"all": data})) == 200
    with pytest.raises(JsltLimitError, match="exceeded the limit of 1000 steps"):
        expression.apply(data, variables={"all": data}, max_steps=1000)


def test_time_limit():
    # 64 * 64 * 64 iterations: far below the step budget, above a tiny deadline
    expression = compile_jslt("[for (.) [for ($all) [for ($all) . * 2]]]")
    data = list(range(64))
    with pytest.raises(JsltLimitError, match="time limit of 0.0 seconds"):
        expression.apply(data, variables={"all": data}, timeout_seconds=0.0, max_steps=10**9)


def test_infinite_recursion_hits_the_depth_limit():
    expression = compile_jslt("def forever(n) forever($n + 1)\nforever(0)")
    with pytest.raises(JsltLimitError, match=r"line 1, column 16: Maximum function call depth of 100"):
        expression.apply(None)


def test_depth_limit_is_configurable():
    expression = compile_jslt(RANGE_DEF + "size(range(.))")
    assert expression.apply(50) == 50
    with pytest.raises(JsltLimitError, match="depth of 20"):
        expression.apply(50, max_depth=20)


def test_deep_python_recursion_becomes_a_limit_error():
    expression = compile_jslt(RANGE_DEF + "size(range(.))")
    with pytest.raises(JsltLimitError, match="recursion depth"):
        expression.apply(100_000, max_depth=1_000_000)


def test_string_growth_is_bounded():
    with pytest.raises(JsltLimitError, match="maximum output size"):
        compile_jslt('"abc" * 1000').apply(None, max_output_size=100)
    with pytest.raises(JsltLimitError, match="exceeds the maximum output size"):
        compile_jslt('"abc" + .').apply("x" * 200, max_output_size=100)


def test_shared_structure_cannot_explode_the_output():
    # each level doubles the logical size without copying anything
    expression = compile_jslt(
        """
        def grow(value, n)
          if ($n > 0) grow([$value, $value], $n - 1) else $value
        grow("x", 40)
        """
    )
    with pytest.raises(JsltLimitError, match="Maximum output size"):
        expression.apply(None, max_output_size=100_000)


def test_output_size_limit_on_result():
    expression = compile_jslt("[for (.) .]")
    assert expression.apply(list(range(10)), max_output_size=100) == list(range(10))
    with pytest.raises(JsltLimitError):
        expression.apply(list(range(100)), max_output_size=100)


def test_regex_input_and_pattern_sizes_are_bounded():
    with pytest.raises(JsltError, match="Input to a regular expression is longer"):
        compile_jslt('test(., "a+")').apply("a" * (jslt_regex.MAX_INPUT_LENGTH + 1))
    with pytest.raises(JsltError, match="Regular expression is longer"):
        compile_jslt('test("a", .)').apply("a" * (jslt_regex.MAX_PATTERN_LENGTH + 1))


def test_java_regex_syntax_is_translated():
    assert compile_jslt('capture(., "(?<year>\\\\d{4})-(?<month>\\\\d{2})")').apply("on 2024-05-01") == {
        "year": "2024",
        "month": "05",
    }
    assert compile_jslt('test(., "^\\\\p{Upper}+\\\\z")').apply("ABC") is True


def test_no_python_evaluation_or_io_builtins():
    # names of Python/IO facilities are simply unknown functions
    for name in ("eval", "exec", "open", "import", "read-file"):
        with pytest.raises(JsltError):
            compile_jslt(f'{name}("x")')


def test_expressions_can_be_reused_after_a_limit_error():
    expression = compile_jslt("[for (.) . + 1]")
    with pytest.raises(JsltLimitError):
        expression.apply(list(range(100)), max_steps=10)
    assert expression.apply([1, 2]) == [2, 3]

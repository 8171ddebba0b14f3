"""Objects drop null/[]/{} values by default (JSLT), or keep them (job types)."""

from __future__ import annotations

from jobs.jslt import compile_jslt

EMPTY_VALUES = '{"null": null, "array": [], "object": {}, "string": "", "zero": 0, "false": false}'


def test_object_constructor_drops_empty_values_by_default():
    assert compile_jslt(EMPTY_VALUES).apply(None) == {"string": "", "zero": 0, "false": False}


def test_object_constructor_keeps_empty_values_when_asked():
    assert compile_jslt(EMPTY_VALUES).apply(None, keep_nulls=True) == {
        "null": None,
        "array": [],
        "object": {},
        "string": "",
        "zero": 0,
        "false": False,
    }


def test_missing_input_keys_become_null_values_when_keeping():
    expression = compile_jslt('{"taskPipe": .configuration.TASK_PIPE, "targetPipe": .configuration.TARGET_PIPE}')
    data = {"configuration": {"TASK_PIPE": "tasks"}}
    assert expression.apply(data) == {"taskPipe": "tasks"}
    assert expression.apply(data, keep_nulls=True) == {"taskPipe": "tasks", "targetPipe": None}


def test_nested_objects_follow_the_same_option():
    expression = compile_jslt('{"outer": {"inner": .nothing}}')
    assert expression.apply({}) == {}  # inner dropped, then the empty outer too
    assert expression.apply({}, keep_nulls=True) == {"outer": {"inner": None}}


def test_object_comprehension_follows_the_option():
    expression = compile_jslt("{for (.) .key : .value}")
    data = {"a": None, "b": 1, "c": []}
    assert expression.apply(data) == {"b": 1}
    assert expression.apply(data, keep_nulls=True) == data


def test_object_matcher_follows_the_option():
    expression = compile_jslt('{"x": 1, * : .}')
    assert expression.apply({"a": None, "b": 2}) == {"x": 1, "b": 2}
    assert expression.apply({"a": None, "b": 2}, keep_nulls=True) == {"x": 1, "a": None, "b": 2}


def test_arrays_never_drop_nulls():
    assert compile_jslt("[null, [], {}, .x]").apply({}) == [None, [], {}, None]


def test_option_is_per_call_not_per_expression():
    expression = compile_jslt('{"a": null}')
    assert expression.apply(None, keep_nulls=True) == {"a": None}
    assert expression.apply(None) == {}

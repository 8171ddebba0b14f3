"""The id list and range plugins: split by fan-out until small enough, then one item each."""
import json

import pytest

from batching.errors import BatchDefinitionError, BatchLimitError
from batching.plugins.base import split_evenly
from batching.plugins.ids import IdListPlugin, parse_ids
from batching.plugins.ranges import RangePlugin, parse_range, split_range
from batching.plugins.tuning import Splitting


def test_split_evenly_keeps_order_and_balances_sizes() -> None:
    parts = list(split_evenly(list(range(10)), 3))
    assert parts == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert list(split_evenly([1], 5)) == [[1]]


@pytest.mark.parametrize(("definition", "ids"), [
    ('["a", "b", 3]', ["a", "b", "3"]),
    ("a, b ,c", ["a", "b", "c"]),
    (",a,,b,", ["a", "b"]),
])
def test_ids_come_as_a_json_array_or_a_comma_list(definition: str, ids: list[str]) -> None:
    assert parse_ids(definition) == ids


@pytest.mark.parametrize("definition", [None, "", " , ", "[]", "[1", '[["a"]]', '[true]', "[" * 100_000])
def test_bad_id_lists_are_definition_errors(definition: str | None) -> None:
    with pytest.raises(BatchDefinitionError):
        parse_ids(definition)


def test_few_ids_become_one_item_each_through_the_builder(registrar, echo_builder) -> None:
    IdListPlugin(fanout=3, leaf_size=5).process_batch("a,b,c", builder=echo_builder, params={}, registrar=registrar)
    assert registrar.items == [("Echo", 1, "a"), ("Echo", 1, "b"), ("Echo", 1, "c")]
    assert registrar.batches == []


def test_many_ids_split_into_at_most_fanout_json_sub_batches(registrar, echo_builder) -> None:
    ids = [f"d{n}" for n in range(100)]
    IdListPlugin(fanout=3, leaf_size=5).process_batch(json.dumps(ids), builder=echo_builder, params={},
                                                      registrar=registrar)
    parts = [json.loads(batch) for batch in registrar.batches]
    assert len(parts) == 3 and sum(parts, []) == ids
    assert registrar.items == []


def test_a_batch_just_over_the_leaf_size_needs_only_two_parts(registrar, echo_builder) -> None:
    IdListPlugin(fanout=10, leaf_size=5).process_batch("a,b,c,d,e,f", builder=echo_builder, params={},
                                                       registrar=registrar)
    assert [json.loads(batch) for batch in registrar.batches] == [["a", "b", "c"], ["d", "e", "f"]]


def test_params_override_fanout_and_leaf_size(registrar, echo_builder) -> None:
    params = {"fanout": "2", "leafSize": "1"}
    IdListPlugin().process_batch("a,b,c", builder=echo_builder, params=params, registrar=registrar)
    assert len(registrar.batches) == 2


def test_a_fanout_of_one_never_splits_into_one_part() -> None:
    assert Splitting(fanout=1, leaf_size=1).parts_for(2) == 2  # never a sub-batch equal to its parent


@pytest.mark.parametrize(("params", "message"), [
    ({"fanout": "x"}, "taskMessageParams.fanout must be a whole number, not 'x'"),
    ({"leafSize": "0"}, "taskMessageParams.leafSize must be between 1 and 100,000 (BATCH_MAX_LEAF_SIZE), not 0"),
    ({"fanout": "1"}, "taskMessageParams.fanout must be between 2 and 1,000 (BATCH_MAX_FANOUT), not 1"),
    ({"fanout": "1001"}, "taskMessageParams.fanout must be between 2 and 1,000"),
    ({"leafSize": "100001"}, "taskMessageParams.leafSize must be between 1 and 100,000"),
    ({"fanout": "9" * 5000}, "taskMessageParams.fanout must be a whole number"),
])
def test_tuning_params_out_of_bounds_are_refused(registrar, echo_builder, params, message) -> None:
    with pytest.raises(BatchLimitError) as refused:
        IdListPlugin().process_batch("a", builder=echo_builder, params=params, registrar=registrar)
    assert str(refused.value).startswith(message)
    assert registrar.order == []


def test_the_bounds_are_settings_and_hold_for_the_settings_too(registrar, echo_builder, settings) -> None:
    settings.BATCH_MAX_FANOUT = 3
    with pytest.raises(BatchLimitError, match="taskMessageParams.fanout must be between 2 and 3 .* not 4"):
        IdListPlugin().process_batch("a", builder=echo_builder, params={"fanout": "4"}, registrar=registrar)
    with pytest.raises(BatchLimitError, match="The setting BATCH_FANOUT must be between 2 and 3 .* not 10"):
        IdListPlugin().process_batch("a", builder=echo_builder, params={}, registrar=registrar)
    settings.BATCH_FANOUT = 3
    settings.BATCH_LEAF_SIZE = 0
    with pytest.raises(BatchLimitError, match="The setting BATCH_LEAF_SIZE must be between 1 and"):
        IdListPlugin().process_batch("a", builder=echo_builder, params={}, registrar=registrar)


def test_a_range_larger_than_a_job_may_be_is_refused_before_anything_is_sent(registrar, echo_builder) -> None:
    with pytest.raises(BatchLimitError, match=r"999,999,999,999,999,999 items; a batch job may have at most "
                                              r"10,000,000 \(BATCH_MAX_ITEMS\)"):
        RangePlugin().process_batch("1-999999999999999999", builder=echo_builder, params={}, registrar=registrar)
    assert registrar.order == []
    RangePlugin().process_batch("1-10000000", builder=echo_builder, params={}, registrar=registrar)
    assert len(registrar.batches) == 10  # exactly the limit: split as usual


def test_an_id_list_larger_than_a_job_may_be_is_refused(registrar, echo_builder, settings) -> None:
    settings.BATCH_MAX_ITEMS = 3
    with pytest.raises(BatchLimitError, match="The batch has 4 items"):
        IdListPlugin().process_batch("a,b,c,d", builder=echo_builder, params={}, registrar=registrar)


def test_items_need_a_builder(registrar) -> None:
    with pytest.raises(BatchDefinitionError, match="taskMessageType"):
        IdListPlugin().process_batch("a", builder=None, params={}, registrar=registrar)


def test_default_splitting_comes_from_settings(registrar, echo_builder, settings) -> None:
    settings.BATCH_FANOUT = 4
    settings.BATCH_LEAF_SIZE = 2
    IdListPlugin().process_batch("a,b,c,d,e,f,g,h,i", builder=echo_builder, params={}, registrar=registrar)
    assert len(registrar.batches) == 4


@pytest.mark.parametrize(("definition", "bounds"), [("1-10", (1, 10)), (" 5 - 5 ", (5, 5)), ("0-1000000", (0, 1000000))])
def test_ranges_parse(definition: str, bounds: tuple[int, int]) -> None:
    assert parse_range(definition) == bounds


@pytest.mark.parametrize("definition", [None, "", "1", "a-b", "-1-5", "10-1", "1-2-3"])
def test_bad_ranges_are_definition_errors(definition: str | None) -> None:
    with pytest.raises(BatchDefinitionError):
        parse_range(definition)


def test_split_range_covers_the_range_exactly_once() -> None:
    assert list(split_range(1, 10, 3)) == [(1, 4), (5, 7), (8, 10)]


def test_a_small_range_becomes_one_item_per_number(registrar, echo_builder) -> None:
    RangePlugin(fanout=10, leaf_size=5).process_batch("7-9", builder=echo_builder, params={}, registrar=registrar)
    assert [data for _, _, data in registrar.items] == ["7", "8", "9"]


def test_a_large_range_splits_recursively_into_every_number_once(echo_builder) -> None:
    """Run the plugin on its own sub-batches until only items are left."""
    from tests.batching.conftest import RecordingRegistrar

    plugin = RangePlugin(fanout=4, leaf_size=10)
    pending, numbers, depth = ["1-1000"], [], 0
    while pending:
        depth += 1
        next_round = []
        for definition in pending:
            registrar = RecordingRegistrar()
            plugin.process_batch(definition, builder=echo_builder, params={}, registrar=registrar)
            next_round += registrar.batches
            numbers += [int(data) for _, _, data in registrar.items]
        pending = next_round
    assert numbers == list(range(1, 1001))
    assert depth == 5  # 1000 -> 250 -> 63 -> 16 -> 4 (items)

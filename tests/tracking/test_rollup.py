"""The roll-up formula of reference api-and-database.md §2.4, on the counters alone."""
import pytest

from jobs.states import JobStatus
from tracking.rollup import (
    COMPLETED_STATE,
    FAILED_STATE,
    Counters,
    TaskState,
    count_child,
    progress_state,
    rolled_up_state,
    round_percentage,
)

A, C, F = JobStatus.ACTIVE, JobStatus.COMPLETED, JobStatus.FAILED


def state_of(status: JobStatus, percentage: float) -> TaskState:
    return {C: COMPLETED_STATE, F: FAILED_STATE}.get(status) or progress_state(percentage)


# (children as (number, final, status, pct), expected job pct, expected status) — the table of §2.4
WORKED_EXAMPLES = [
    ([(1, False, C, 100)], 50.00, A),
    ([(1, False, C, 100), (2, False, A, 10)], 36.67, A),
    ([(1, False, C, 100), (2, False, C, 100), (3, True, A, 50)], 83.33, A),
    ([(5, True, C, 100)], 20.00, A),
    ([(1, False, C, 100), (2, False, C, 100), (3, True, C, 100)], 100.0, C),
    ([(1, False, C, 100), (2, True, F, 0)], 50.00, F),
    ([(1, False, C, 100), (2, False, C, 100), (4, False, C, 100)], 60.00, A),
]


@pytest.mark.parametrize(("children", "percentage", "status"), WORKED_EXAMPLES)
def test_worked_examples_give_the_reference_percentages(children, percentage, status):
    counters = Counters()
    for number, final, child_status, child_pct in children:
        count_child(counters, number=number, is_final=final, old=None, new=state_of(child_status, child_pct))
    result = rolled_up_state(counters)
    assert round_percentage(result.percentage) == percentage
    assert result.status == status


def test_a_child_changing_state_applies_only_the_difference():
    counters = Counters()
    count_child(counters, number=1, is_final=False, old=None, new=progress_state(40))
    count_child(counters, number=2, is_final=True, old=None, new=FAILED_STATE)
    assert rolled_up_state(counters) == TaskState(F, 20.0)
    # the failed child is retried and succeeds, the other one completes
    count_child(counters, number=2, is_final=True, old=FAILED_STATE, new=COMPLETED_STATE)
    count_child(counters, number=1, is_final=False, old=progress_state(40), new=COMPLETED_STATE)
    assert rolled_up_state(counters) == COMPLETED_STATE
    assert (counters.children_reported, counters.children_completed, counters.children_failed) == (2, 2, 0)


def test_progress_is_capped_below_completion():
    assert progress_state(100).percentage == 99.9
    counters = Counters()
    count_child(counters, number=1, is_final=True, old=None, new=progress_state(100))
    assert rolled_up_state(counters).percentage == 99.7


@pytest.mark.parametrize(("value", "rounded"), [(36.666666, 36.67), (16.665, 16.67), (0.005, 0.01), (99.7, 99.7)])
def test_percentages_round_half_up_to_two_decimals(value, rounded):
    assert round_percentage(value) == rounded

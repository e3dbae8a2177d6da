"""Small-cell and complementary suppression (one group of siblings and its total)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proficio.core.equity.suppression import suppress_count, suppress_group


def test_primary_suppression():
    assert suppress_count(0, 10) == 0
    assert suppress_count(9, 10) is None
    assert suppress_count(10, 10) == 10


@pytest.mark.parametrize("bad", [0, -3])
def test_threshold_below_one_is_refused(bad):
    with pytest.raises(ValueError, match="at least 1"):
        suppress_count(5, bad)
    with pytest.raises(ValueError, match="at least 1"):
        suppress_group([5], bad)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        suppress_count(-1)


def test_one_small_school_forces_a_second_to_be_hidden():
    group = suppress_group([55, 29, 3], 10)
    assert group.cells == [55, None, None]
    assert group.total == 87


def test_all_hidden_hides_total():
    group = suppress_group([2, 3], 10)
    assert group.cells == [None, None]
    assert group.total is None


def _value_ranges(group):
    """What an attacker can infer about each hidden cell from the published numbers.

    Zeros are always published, so each hidden cell is at least 1; the hidden cells sum
    to the total minus the published siblings. Each hidden cell therefore lies in
    [1, rest - (k - 1)]: a linear-programming bound, tight for these constraints.
    """
    hidden = [i for i, c in enumerate(group.cells) if c is None]
    if not hidden or group.total is None:
        return []
    rest = group.total - sum(c for c in group.cells if c is not None)
    return [(1, rest - (len(hidden) - 1)) for _ in hidden]


@given(
    st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=5),
    st.integers(min_value=1, max_value=12),
)
def test_properties(counts, threshold):
    group = suppress_group(counts, threshold)
    # No published cell is a small non-zero count.
    for cell in [*group.cells, group.total]:
        assert cell is None or cell == 0 or cell >= threshold
    # Published values are the true values.
    for cell, n in zip(group.cells, counts, strict=True):
        assert cell is None or cell == n
    # No hidden cell can be solved from the published total and siblings.
    for low, high in _value_ranges(group):
        assert high > low

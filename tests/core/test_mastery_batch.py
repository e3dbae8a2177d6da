"""The batch kernels must give, group by group, what ``determine`` gives for one student."""

from __future__ import annotations

import math
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proficio.core.mastery import METHODS, batch, determine, determine_batch

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@st.composite
def evidence(draw: st.DrawFn) -> tuple[list[int], list[list[float]]]:
    """Sorted distinct group ids, each with a non-empty history of scores on 0..4."""
    size = draw(st.integers(1, 12))
    ids = sorted(draw(st.sets(st.integers(-(10**12), 10**12), min_size=size, max_size=size)))
    score = draw(
        st.sampled_from(
            [
                st.floats(0, 4),  # any float: the general (sorting) path of mode
                st.integers(0, 8).map(lambda half_points: half_points / 2),  # a half-point scale
                st.integers(0, 4).map(float),
            ]
        )
    )
    return ids, [draw(st.lists(score, min_size=1, max_size=12)) for _ in ids]


def as_rows(
    ids: list[int], histories: list[list[float]]
) -> tuple[np.ndarray[Any, Any], FloatArray]:
    group_ids = np.repeat(np.array(ids, dtype=np.int64), [len(h) for h in histories])
    return group_ids, np.array([s for h in histories for s in h], dtype=np.float64)


def assert_agrees(ids: list[int], histories: list[list[float]], method: str, **params: Any) -> None:
    groups, values = determine_batch(*as_rows(ids, histories), method, **params)
    assert groups.tolist() == ids
    for group, history, value in zip(ids, histories, values.tolist(), strict=True):
        expected = determine(history, method, **params)
        if expected is None:
            assert math.isnan(value), (group, history)
        else:
            assert math.isclose(value, expected, rel_tol=1e-9), (group, history, value, expected)


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=60, deadline=None)  # numpy start-up per example can be slow on a busy CI
@given(
    evidence(),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(1, 4),
    st.sampled_from([0.0, 2.0, 2.5, 3.0, 4.0]) | st.floats(0, 4),
    st.sampled_from([1, 2, 3, 7, batch.BLOCK_ROWS]),
)
def test_batch_agrees_with_determine_on_every_group(
    method: str,
    data: tuple[list[int], list[list[float]]],
    weight: float,
    rate: float,
    n: int,
    threshold: float,
    block_rows: int,
) -> None:
    ids, histories = data
    # Tiny blocks split the rows many times, and cut through long groups, as big inputs do.
    with mock.patch.object(batch, "BLOCK_ROWS", block_rows):
        assert_agrees(ids, histories, method, weight=weight, rate=rate, n=n, threshold=threshold)


@pytest.mark.parametrize("method", METHODS)
def test_blocks_do_not_change_results_on_a_large_input(method: str) -> None:
    rng = np.random.default_rng(1)
    rows = 3 * batch.BLOCK_ROWS + 123
    group_ids = np.sort(rng.integers(0, rows // 40, rows))
    group_ids[: batch.BLOCK_ROWS + 5] = group_ids[0]  # one group longer than a block
    scores = rng.integers(0, 9, rows) / 2
    blocked = determine_batch(group_ids, scores, method, n=3, threshold=3.0)
    with mock.patch.object(batch, "BLOCK_ROWS", rows):
        whole = determine_batch(group_ids, scores, method, n=3, threshold=3.0)
    assert np.array_equal(blocked[0], whole[0])
    assert np.allclose(blocked[1], whole[1], rtol=1e-12, atol=0, equal_nan=True)


def test_two_students_by_hand() -> None:
    group_ids = np.array([10, 10, 10, 11, 11])
    scores = np.array([1.0, 3.0, 4.0, 2.0, 2.0])
    groups, latest = determine_batch(group_ids, scores, "latest")
    assert groups.tolist() == [10, 11]
    assert latest.tolist() == [4.0, 2.0]
    _, mastery = determine_batch(group_ids, scores, "n_mastery", n=2, threshold=3)
    assert mastery[0] == 3.5
    assert math.isnan(mastery[1])


@pytest.mark.parametrize("method", ["decaying_average", "power_law", "mean", "weighted_average"])
@pytest.mark.parametrize("rate", [0.01, 0.5, 0.999])
def test_long_histories_stay_accurate(method: str, rate: float) -> None:
    rng = np.random.default_rng(7)
    histories = [rng.integers(0, 9, size).astype(float).tolist() for size in (1, 2, 3000, 40)]
    histories[3][0] = 0.0  # a zero, floored by power_law
    assert_agrees([1, 2, 3, 4], histories, method, rate=rate, weight=rate)


def test_mode_of_arbitrary_fractions() -> None:
    rng = np.random.default_rng(5)
    histories = [rng.choice([0.1, 0.7, 2.35, 3.3], size).tolist() for size in (1, 5, 9, 30)]
    histories.append([0.3, 1.0 / 3.0, 0.3, 1.0 / 3.0])  # a tie; the most recent wins
    assert_agrees(list(range(5)), histories, "mode")


def test_mode_in_a_block_of_more_groups_than_16_bits_count() -> None:
    scores = np.random.default_rng(2).random(70_000)
    with mock.patch.object(batch, "BLOCK_ROWS", 1 << 17):
        _, values = determine_batch(np.arange(70_000), scores, "mode")
    assert np.array_equal(values, scores)


def test_mode_with_a_wide_whole_number_scale() -> None:
    # Whole numbers, but too many (group, value) pairs for a dense count table,
    # and a span too wide for integer codes at all: both fall back to sorting.
    rng = np.random.default_rng(3)
    many_groups = [rng.integers(0, 5000, 3).astype(float).tolist() for _ in range(400)]
    assert_agrees(list(range(400)), many_groups, "mode")
    assert_agrees([5, 6], [[0.0, 2.0**21, 2.0**21, 7.0], [1e300, -1e300, 1e300]], "mode")
    assert_agrees([7], [[1e300, 1e300]], "mode")


def test_empty_input_gives_empty_output() -> None:
    groups, values = determine_batch(np.array([], dtype=np.int64), np.array([]), "mean")
    assert groups.size == 0
    assert values.size == 0
    groups, values = determine_batch([], [], "latest")
    assert groups.size == values.size == 0


@pytest.mark.parametrize(
    ("group_ids", "scores", "message"),
    [
        ([2, 1], [1.0, 2.0], "sorted ascending; row 1 goes back"),
        ([1, 1], [1.0], "group_ids has 2 rows but scores has 1"),
        ([1.5, 2.5], [1.0, 2.0], "integer array"),
        ([[1, 2]], [[1.0, 2.0]], "one-dimensional"),
        ([1, 2], [1.0, math.nan], "finite"),
    ],
)
def test_bad_rows_are_refused(group_ids: Any, scores: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        determine_batch(group_ids, scores, "mean")


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="rate must be between 0 and 1"):
        determine_batch([1], [1.0], "decaying_average", rate=1.2)
    with pytest.raises(ValueError, match="n_mastery needs n"):
        determine_batch([1], [1.0], "n_mastery", threshold=3)

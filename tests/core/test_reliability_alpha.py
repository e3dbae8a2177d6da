"""Krippendorff's alpha: the fast sums against the coincidence-matrix definition, and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from proficio.core.reliability import (
    InsufficientDataError,
    coincidence_matrix,
    difference_matrix,
    krippendorff_alpha,
)
from proficio.core.reliability import alpha as alpha_module

LEVELS = ("nominal", "ordinal", "interval", "ratio")
SETTINGS = settings(max_examples=50, deadline=None)

rubric = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 6), st.integers(2, 15)),
    elements=st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0, np.nan]),
)
real_valued = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 5), st.integers(2, 10)),
    elements=st.one_of(
        st.floats(0.0, 50.0, allow_nan=False).map(lambda x: round(x, 2)), st.just(np.nan)
    ),
)


def textbook_alpha(data: np.ndarray, level: str) -> float:
    """alpha = 1 - (n - 1) sum(o delta) / sum(n_c n_k delta), straight from the definition."""
    values, o = coincidence_matrix(data)
    totals = o.sum(axis=1)
    delta = difference_matrix(values, totals, level)  # type: ignore[arg-type]
    n = totals.sum()
    return float(1 - (n - 1) * (o * delta).sum() / (np.outer(totals, totals) * delta).sum())


def defined(data: np.ndarray) -> bool:
    observed = ~np.isnan(data)
    pairable = observed.sum(axis=0) >= 2
    values = data[:, pairable][observed[:, pairable]]
    return bool(values.size) and np.unique(values).size > 1


@SETTINGS
@given(st.one_of(rubric, real_valued), st.sampled_from(LEVELS))
def test_fast_sums_equal_the_coincidence_matrix_definition(data: np.ndarray, level: str) -> None:
    if not defined(data):
        with pytest.raises(InsufficientDataError):
            krippendorff_alpha(data, level)  # type: ignore[arg-type]
        return
    expected = textbook_alpha(data, level)
    assert krippendorff_alpha(data, level) == pytest.approx(expected, rel=1e-9, abs=1e-9)  # type: ignore[arg-type]


@SETTINGS
@given(rubric, st.sampled_from(LEVELS), st.data())
def test_alpha_is_invariant_to_permuting_units_and_raters(
    data: np.ndarray, level: str, draw: st.DataObject
) -> None:
    if not defined(data):
        return
    raters = draw.draw(st.permutations(range(data.shape[0])))
    units = draw.draw(st.permutations(range(data.shape[1])))
    shuffled = data[list(raters)][:, list(units)]
    assert krippendorff_alpha(shuffled, level) == pytest.approx(  # type: ignore[arg-type]
        krippendorff_alpha(data, level),  # type: ignore[arg-type]
        rel=1e-9,
        abs=1e-12,
    )


@SETTINGS
@given(
    st.lists(st.integers(1, 5), min_size=2, max_size=20).filter(lambda s: len(set(s)) > 1),
    st.integers(2, 6),
    st.sampled_from(LEVELS),
)
def test_perfect_agreement_gives_alpha_one(truth: list[int], raters: int, level: str) -> None:
    data = np.tile(np.asarray(truth, dtype=float), (raters, 1))
    if raters > 2:
        data[0, 0] = np.nan  # missing ratings do not break perfect agreement
    assert krippendorff_alpha(data, level) == pytest.approx(1.0)  # type: ignore[arg-type]


def test_coincidence_matrix_rows_sum_to_value_totals_and_is_symmetric() -> None:
    nan = np.nan
    data = np.array([[1, 2, 3, nan, 1, nan], [1, 3, 3, 2, nan, nan], [2, 3, nan, 2, nan, 4]])
    values, o = coincidence_matrix(data)
    assert values.tolist() == [1, 2, 3]  # the 4 sits in an unpairable unit
    np.testing.assert_allclose(o, o.T)
    assert o.sum(axis=1).tolist() == pytest.approx([2, 4, 4])  # n_c of pairable ratings


def test_units_with_one_rating_are_ignored() -> None:
    data = np.array([[1, 2, 3, 4, 9], [1, 2, 3, 3, np.nan]])
    assert krippendorff_alpha(data, "interval") == pytest.approx(
        krippendorff_alpha(data[:, :4], "interval")
    )


def test_chunked_and_sparse_paths_give_the_same_alpha(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    data = rng.integers(0, 6, (8, 60)).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    reference = {level: krippendorff_alpha(data, level) for level in LEVELS}
    matrix = coincidence_matrix(data)[1]
    monkeypatch.setattr(alpha_module, "_PAIR_CHUNK", 7)
    monkeypatch.setattr(alpha_module, "_MAX_DENSE_CELLS", 10)
    for level in LEVELS:
        assert krippendorff_alpha(data, level) == pytest.approx(reference[level])
    np.testing.assert_allclose(coincidence_matrix(data)[1], matrix)


def test_many_distinct_values_use_sorting_not_bincount() -> None:
    rng = np.random.default_rng(4)
    truth = rng.normal(50, 10, 40)
    data = truth[None, :] + rng.normal(0, 1, (3, 40))
    shifted = data * 1e6  # spans more than the bincount limit
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(shifted, level) == pytest.approx(  # type: ignore[arg-type]
            krippendorff_alpha(data, level),
            rel=1e-9,  # type: ignore[arg-type]
        )


def test_ratio_alpha_limits_distinct_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alpha_module, "MAX_RATIO_VALUES", 3)
    with pytest.raises(ValueError, match="round the values"):
        krippendorff_alpha([[1, 2, 3, 4], [1, 2, 3, 5]], "ratio")


def test_ratio_alpha_handles_zeros() -> None:
    data = [[0, 0, 5, 10], [0, 1, 5, 12]]
    assert krippendorff_alpha(data, "ratio") == pytest.approx(
        textbook_alpha(np.array(data), "ratio")
    )


def test_alpha_errors_say_what_is_missing() -> None:
    with pytest.raises(InsufficientDataError, match="got 0 pairable units"):
        krippendorff_alpha([[1, np.nan], [np.nan, 2]])
    with pytest.raises(InsufficientDataError, match="same value"):
        krippendorff_alpha([[3, 3, 1], [3, 3, np.nan]], "interval")
    with pytest.raises(ValueError, match="level must be one of"):
        krippendorff_alpha([[1, 2], [1, 2]], "cardinal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha([[1, -2], [1, 2]], "ratio")
    with pytest.raises(ValueError, match="2-D"):
        krippendorff_alpha([[[1]]])

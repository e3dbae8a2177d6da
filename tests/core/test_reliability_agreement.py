"""Percent agreement, Cohen's kappa and Fleiss' kappa: properties and independent oracles.

scikit-learn and statsmodels are not project dependencies; where installed
they serve as independent implementations (pytest.importorskip).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from proficio.core.reliability import (
    InsufficientDataError,
    agreement_pairs,
    category_counts,
    cohen_kappa,
    cohen_kappa_table,
    fleiss_kappa,
    percent_agreement,
)

SETTINGS = settings(max_examples=60, deadline=None)

# Raters x units of rubric scores 1..4 with NaN for "not scored".
ratings = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 5), st.integers(1, 12)),
    elements=st.sampled_from([1.0, 2.0, 3.0, 4.0, np.nan]),
)


def brute_force_pairs(data: np.ndarray, tolerance: float) -> tuple[int, int]:
    agree = total = 0
    for column in data.T:
        scores = column[~np.isnan(column)]
        for a, b in itertools.combinations(scores, 2):
            total += 1
            agree += abs(a - b) <= tolerance
    return agree, total


def brute_force_agreement(data: np.ndarray, tolerance: float) -> float:
    agree, total = brute_force_pairs(data, tolerance)
    return agree / total


@SETTINGS
@given(ratings, st.sampled_from([0.0, 0.5, 1.0, 2.5]))
def test_percent_agreement_matches_pair_counting(data: np.ndarray, tolerance: float) -> None:
    pairable = ((~np.isnan(data)).sum(axis=0) >= 2).any()
    assert agreement_pairs(data, tolerance) == brute_force_pairs(data, tolerance)
    if not pairable:
        with pytest.raises(InsufficientDataError, match="0 pairable units"):
            percent_agreement(data, tolerance)
        return
    value = percent_agreement(data, tolerance)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(brute_force_agreement(data, tolerance))
    assert percent_agreement(data, tolerance + 1) >= value


def test_percent_agreement_exact_and_adjacent() -> None:
    data = [[1, 2, 3, np.nan], [1, 3, 3, 4], [2, np.nan, 1, 4]]
    # pairs: unit0 (1,1) (1,2) (1,2); unit1 (2,3); unit2 (3,3) (3,1) (3,1); unit3 (4,4)
    assert percent_agreement(data) == pytest.approx(3 / 8)
    assert percent_agreement(data, tolerance=1) == pytest.approx(6 / 8)
    assert percent_agreement(np.array(data) + 0.25, tolerance=1) == pytest.approx(6 / 8)


def test_percent_agreement_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        percent_agreement([[1, 2], [1, 2]], tolerance=-1)
    with pytest.raises(ValueError, match="2-D"):
        percent_agreement([1, 2, 3])
    with pytest.raises(ValueError, match="infinite"):
        percent_agreement([[1, np.inf], [1, 2]])
    with pytest.raises(ValueError, match="numeric"):
        percent_agreement([["a", "b"], ["c", "d"]])
    with pytest.raises(InsufficientDataError, match="got 0 pairable units"):
        percent_agreement([[1, np.nan], [np.nan, 2]])


score_pairs = st.integers(2, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
    )
)


@SETTINGS
@given(score_pairs, st.sampled_from([None, "linear", "quadratic"]))
def test_kappa_is_symmetric_in_the_raters(pair: tuple[list[int], list[int]], weights: str) -> None:
    a, b = pair
    try:
        forward = cohen_kappa(a, b, weights=weights)  # type: ignore[arg-type]
    except InsufficientDataError:
        assert len(set(a) | set(b)) == 1 or (len(set(a)) == 1 and set(a) == set(b))
        return
    backward = cohen_kappa(b, a, weights=weights)  # type: ignore[arg-type]
    assert backward.kappa == pytest.approx(forward.kappa)
    assert backward.se == pytest.approx(forward.se)
    assert -1.0 - 1e-9 <= forward.kappa <= 1.0 + 1e-9
    assert forward.se >= 0.0


@SETTINGS
@given(st.lists(st.integers(0, 4), min_size=2, max_size=30).filter(lambda s: len(set(s)) > 1))
def test_perfect_agreement_gives_kappa_one(scores: list[int]) -> None:
    for weights in (None, "linear", "quadratic"):
        result = cohen_kappa(scores, scores, weights=weights)  # type: ignore[arg-type]
        assert result.kappa == pytest.approx(1.0)
    counts = category_counts([scores, scores, scores])[1]
    assert fleiss_kappa(counts) == pytest.approx(1.0)


def test_cohen_kappa_skips_units_either_rater_left_blank() -> None:
    a = [1, 2, np.nan, 3, 2, 1]
    b = [1, 2, 3, np.nan, 3, 1]
    result = cohen_kappa(a, b)
    assert result.n == 4
    assert result.kappa == pytest.approx(cohen_kappa([1, 2, 2, 1], [1, 2, 3, 1]).kappa)


def test_cohen_kappa_errors() -> None:
    with pytest.raises(InsufficientDataError, match="got 0"):
        cohen_kappa([1, np.nan], [np.nan, 2])
    with pytest.raises(InsufficientDataError, match="only one category"):
        cohen_kappa([2, 2, 2], [2, 2, 2])
    with pytest.raises(ValueError, match="same length"):
        cohen_kappa([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="not among"):
        cohen_kappa([1, 2], [1, 5], categories=[1, 2, 3])
    with pytest.raises(ValueError, match="NaN"):
        cohen_kappa([1, 2], [1, 2], categories=[1, np.nan])
    with pytest.raises(ValueError, match="empty"):
        cohen_kappa([1, 2], [1, 2], categories=[])
    with pytest.raises(ValueError, match="1-D"):
        cohen_kappa([[1, 2]], [[1, 2]])
    with pytest.raises(ValueError, match="numeric"):
        cohen_kappa(["x"], ["y"])
    with pytest.raises(ValueError, match="infinite"):
        cohen_kappa([1, np.inf], [1, 2])
    with pytest.raises(ValueError, match="weights"):
        cohen_kappa([1, 2], [1, 2], weights="cubic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="square"):
        cohen_kappa_table([[1, 2, 3]])
    with pytest.raises(ValueError, match="non-negative"):
        cohen_kappa_table([[1, -1], [0, 2]])
    with pytest.raises(InsufficientDataError, match="got 0"):
        cohen_kappa_table([[0, 0], [0, 0]])


def test_unused_categories_change_weighted_kappa_only_through_distances() -> None:
    a, b = [1, 2, 4, 4, 2], [1, 4, 4, 2, 2]
    plain = cohen_kappa(a, b)
    assert cohen_kappa(a, b, categories=[1, 2, 3, 4]).kappa == pytest.approx(plain.kappa)
    assert cohen_kappa(a, b, "linear", categories=[1, 2, 3, 4]).kappa != pytest.approx(
        cohen_kappa(a, b, "linear").kappa
    )


@SETTINGS
@given(score_pairs, st.sampled_from([None, "linear", "quadratic"]))
def test_cohen_kappa_matches_scikit_learn(pair: tuple[list[int], list[int]], weights: str) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    a, b = pair
    if len(set(a) | set(b)) < 2:
        return
    try:
        ours = cohen_kappa(a, b, weights=weights)  # type: ignore[arg-type]
    except InsufficientDataError:
        return
    theirs = metrics.cohen_kappa_score(a, b, weights=weights)
    assert ours.kappa == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_and_se_match_statsmodels(weights: str | None) -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 4, 80)
    a = np.clip(truth + rng.integers(-1, 2, 80), 0, 3)
    b = np.clip(truth + rng.integers(-1, 2, 80), 0, 3)
    table = np.zeros((4, 4))
    np.add.at(table, (a, b), 1)
    ours = cohen_kappa_table(table, weights)  # type: ignore[arg-type]
    wt = {None: None, "linear": "linear", "quadratic": "quadratic"}[weights]
    theirs = inter_rater.cohens_kappa(table, wt=wt)
    assert ours.kappa == pytest.approx(theirs.kappa, abs=1e-10)
    assert ours.se == pytest.approx(theirs.std_kappa, abs=1e-10)


fleiss_tables = hnp.arrays(
    np.int64,
    st.tuples(st.integers(1, 15), st.integers(2, 5)),
    elements=st.integers(0, 6),
)


@SETTINGS
@given(fleiss_tables)
def test_fleiss_kappa_matches_statsmodels_for_equal_rater_counts(table: np.ndarray) -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    # Make every subject's total equal (Fleiss' setting) by topping up category 0.
    table = table.copy()
    table[:, 0] += table.sum(axis=1).max() - table.sum(axis=1)
    if table.sum(axis=1)[0] < 2:
        return
    try:
        ours = fleiss_kappa(table)
    except InsufficientDataError:
        assert (table.sum(axis=0) > 0).sum() == 1
        return
    assert ours == pytest.approx(inter_rater.fleiss_kappa(table), abs=1e-10)


def test_fleiss_kappa_uses_each_subjects_own_total() -> None:
    counts = np.array([[3, 0], [0, 2], [1, 1], [1, 0]])  # last subject has 1 rating
    # P_i: 1, 1, 0 -> mean 2/3; shares 4/7, 3/7 -> Pe = 25/49.
    expected = (2 / 3 - 25 / 49) / (1 - 25 / 49)
    assert fleiss_kappa(counts) == pytest.approx(expected)


def test_fleiss_kappa_errors() -> None:
    with pytest.raises(InsufficientDataError, match="0 pairable subjects"):
        fleiss_kappa([[1, 0], [0, 1]])
    with pytest.raises(InsufficientDataError, match="one category"):
        fleiss_kappa([[3, 0], [2, 0]])
    with pytest.raises(ValueError, match="2-D"):
        fleiss_kappa([1, 2])
    with pytest.raises(ValueError, match="whole numbers"):
        fleiss_kappa([[1.5, 1], [1, 1]])


def test_category_counts_orientation_and_categories() -> None:
    data = [[1, 2, np.nan], [1, 3, 2], [2, 3, np.nan]]
    levels, counts = category_counts(data)
    assert levels.tolist() == [1, 2, 3]
    assert counts.tolist() == [[2, 1, 0], [0, 1, 2], [0, 1, 0]]
    levels, counts = category_counts(data, categories=[1, 2, 3, 4])
    assert counts.shape == (3, 4)
    with pytest.raises(ValueError, match="not among"):
        category_counts(data, categories=[1, 2])
    levels, counts = category_counts([[np.nan, np.nan]])
    assert levels.size == 0
    assert counts.shape == (2, 0)

"""Comparability statistics, checked against statsmodels as an independent oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint, samplesize_confint_proportion
from statsmodels.stats.weightstats import DescrStatsW

from proficio.core.reliability import (
    InsufficientDataError,
    compare_rates,
    compare_scores,
    mean_difference,
    sample_size_for_proportion,
    wilson_interval,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_matches_statsmodels(case):
    successes, n = case
    low, high = wilson_interval(successes, n)
    expected = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(expected[0], abs=1e-9)
    assert high == pytest.approx(expected[1], abs=1e-9)
    assert 0.0 <= low <= successes / n <= high <= 1.0


@settings(max_examples=100, deadline=None)
@given(st.floats(0.05, 0.95), st.floats(0.02, 0.3))
def test_sample_size_matches_statsmodels(p, margin):
    expected = samplesize_confint_proportion(p, margin, alpha=0.05)
    assert sample_size_for_proportion(p, margin) == math.ceil(expected - 1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=2, max_size=80))
def test_mean_difference_interval_matches_statsmodels(values):
    result = mean_difference(values)
    if np.std(values) == 0:
        assert result.ci_low == result.ci_high == result.mean
        return
    low, high = DescrStatsW(np.asarray(values, float)).tconfint_mean(alpha=0.05)
    assert result.ci_low == pytest.approx(low)
    assert result.ci_high == pytest.approx(high)
    assert result.n == len(values)


def test_a_school_scoring_high_gets_a_negative_adjustment():
    rng = np.random.default_rng(7)
    moderated = rng.integers(1, 5, size=60).astype(float)
    local = np.clip(moderated + (rng.random(60) < 0.6), 1, 4)
    result = compare_scores(local, moderated)
    assert result.difference.mean > 0
    assert result.difference.ci_low > 0
    assert result.adjustment == pytest.approx(-result.difference.mean)
    assert result.adjacent == 1.0
    assert result.exact < 0.75


def test_noise_gets_no_adjustment():
    local = [1, 2, 3, 4, 2, 3]
    moderated = [2, 2, 3, 3, 2, 3]  # one up, one down: no systematic difference
    result = compare_scores(local, moderated)
    assert result.adjustment == 0.0
    assert result.exact == pytest.approx(4 / 6)
    assert result.n == 6
    assert result.needed_for_margin == sample_size_for_proportion(4 / 6, 0.10)


def test_pairs_with_a_missing_score_are_dropped():
    result = compare_scores([1, 2, np.nan, 4], [1, np.nan, 3, 4])
    assert result.n == 2
    assert result.exact == 1.0


def test_too_few_pairs_say_what_is_missing():
    with pytest.raises(InsufficientDataError, match=r"at least 2 samples with both.*got 1"):
        compare_scores([1, np.nan], [1, 2])
    with pytest.raises(InsufficientDataError, match="at least 1 rescored sample"):
        wilson_interval(0, 0)


def test_unpaired_scores_are_refused():
    with pytest.raises(ValueError, match="must pair up; got 3 and 2"):
        compare_scores([1, 2, 3], [1, 2])


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_rate_difference_interval_matches_statsmodels_newcombe(a, b):
    from statsmodels.stats.proportion import confint_proportions_2indep

    result = compare_rates(a[0], a[1], b[0], b[1])
    low, high = confint_proportions_2indep(a[0], a[1], b[0], b[1], method="newcomb")
    assert result.ci_low == pytest.approx(max(-1.0, low), abs=1e-9)
    assert result.ci_high == pytest.approx(min(1.0, high), abs=1e-9)
    assert result.ci_low <= result.difference <= result.ci_high


def test_rate_difference_flags_a_real_gap_only():
    assert compare_rates(20, 100, 70, 100).differs
    assert not compare_rates(7, 10, 6, 10).differs
    with pytest.raises(InsufficientDataError, match="both groups"):
        compare_rates(0, 0, 3, 5)

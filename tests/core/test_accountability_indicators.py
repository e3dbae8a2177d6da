"""The accountability indicators, against per-student loops written independently."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.core.accountability import indicators as ind

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
maybe = st.one_of(st.none(), st.floats(0, 1))


def loop_rate(units, flags, n_units):
    num, den = [0.0] * n_units, [0] * n_units
    for u, f in zip(units, flags, strict=True):
        if f is None:
            continue
        den[u] += 1
        num[u] += 1 if f > 0.5 else 0
    return num, den


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 3), maybe), max_size=60))
def test_rate_and_its_indicators_match_a_loop(rows):
    units = [u for u, _ in rows]
    flags = [f for _, f in rows]
    arr = np.array([np.nan if f is None else f for f in flags], dtype=float)
    num, den = loop_rate(units, flags, 4)
    for kernel in (ind.rate, ind.proficiency, ind.on_track, ind.school_quality):
        m = kernel(np.array(units, dtype=np.int64), arr, 4)
        assert m.numerator.tolist() == num
        assert m.denominator.tolist() == den
        for k in range(4):
            if den[k]:
                assert m.value[k] == pytest.approx(num[k] / den[k])
            else:
                assert math.isnan(m.value[k])


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 2), st.one_of(st.none(), st.floats(-3, 3))), max_size=40))
def test_growth_is_the_mean_of_known_values(rows):
    units = np.array([u for u, _ in rows], dtype=np.int64)
    vals = np.array([np.nan if v is None else v for _, v in rows], dtype=float)
    m = ind.growth(units, vals, 3)
    for k in range(3):
        known = [v for u, v in rows if u == k and v is not None]
        assert m.denominator[k] == len(known)
        assert m.numerator[k] == pytest.approx(sum(known))


def test_english_learner_progress_counts_gain_or_proficiency():
    before = np.array([1.0, 2.0, 4.5, np.nan, 3.0])
    now = np.array([2.0, 2.5, 5.0, 3.0, 2.0])
    m = ind.english_learner_progress(np.zeros(5, np.int64), before, now, 1)
    # 1→2 gains a level; 2→2.5 does not; 4.5→5 reaches proficiency; no prior level: out.
    assert (m.numerator[0], m.denominator[0]) == (2.0, 4)
    with pytest.raises(ValueError, match="target_gain"):
        ind.english_learner_progress([0], [1.0], [2.0], 1, target_gain=0)


def test_graduation_rates_follow_the_adjusted_cohort():
    # Cohort 2020 (first in grade 9 in 2019-20): on time by 2023-08-31.
    day = lambda s: float((np.datetime64(s) - np.datetime64("1970-01-01")).astype(int))  # noqa: E731
    cohort = np.array([2020, 2020, 2020, 2020, 2020, 2021])
    awarded = np.array(
        [day("2023-06-10"), day("2024-06-10"), np.nan, day("2023-08-31"), np.nan, day("2024-06-01")]
    )
    removed = np.array([False, False, False, False, True, False])
    unit = np.zeros(6, np.int64)
    four = ind.graduation_rate(unit, cohort, awarded, removed, 1, years=4, cohort=2020)
    five = ind.graduation_rate(unit, cohort, awarded, removed, 1, years=5, cohort=2020)
    assert (four.numerator[0], four.denominator[0]) == (2.0, 4)  # the transfer is out
    assert (five.numerator[0], five.denominator[0]) == (3.0, 4)
    with pytest.raises(ValueError, match="years"):
        ind.graduation_rate(unit, cohort, awarded, removed, 1, years=3, cohort=2020)
    with pytest.raises(ValueError, match="one value per student"):
        ind.graduation_rate(unit, cohort, awarded, removed[:2], 1, years=4, cohort=2020)


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.integers(2000, 2010), st.one_of(st.none(), st.integers(0, 9000)), st.booleans()
        ),
        max_size=40,
    ),
    st.sampled_from(ind.GRADUATION_YEARS),
    st.integers(2000, 2010),
)
def test_graduation_rate_matches_a_loop(rows, years, cohort):
    deadline = ind.school_year_end(cohort + years - 1)
    base = ind.school_year_end(cohort - 1)
    num = den = 0
    for c, offset, gone in rows:
        if c == cohort and not gone:
            den += 1
            num += offset is not None and base + offset <= deadline
    m = ind.graduation_rate(
        np.zeros(len(rows), np.int64),
        np.array([c for c, _, _ in rows], dtype=float),
        np.array([np.nan if o is None else base + o for _, o, _ in rows], dtype=float),
        np.array([g for _, _, g in rows], dtype=bool),
        1,
        years=years,
        cohort=cohort,
    )
    assert (m.numerator[0], m.denominator[0]) == (num, den)


def test_school_year_end_is_the_last_of_august():
    assert ind.school_year_end(2025) == (
        np.datetime64("2025-08-31") - np.datetime64("1970-01-01")
    ).astype(int)


def test_chronic_absence_uses_ten_percent_of_enrolled_days():
    enrolled = np.array([100.0, 100.0, 5.0, np.nan, 180.0])
    absent = np.array([10.0, 9.0, 5.0, 3.0, 30.0])
    m = ind.chronic_absence(np.array([0, 0, 0, 0, 1]), enrolled, absent, 2)
    assert m.numerator.tolist() == [1.0, 1.0]
    assert m.denominator.tolist() == [2, 1]  # too few days and no record: out
    with pytest.raises(ValueError, match="share"):
        ind.chronic_absence([0], [10.0], [1.0], 1, share=1.5)
    with pytest.raises(ValueError, match="negative"):
        ind.chronic_absence([0], [10.0], [-1.0], 1)


def test_opportunity_to_learn_sums_targets():
    m = ind.opportunity_to_learn(np.array([0, 0, 1]), [10, 5, 4], [7, 5, 0], 2)
    assert m.numerator.tolist() == [12.0, 0.0]
    assert m.denominator.tolist() == [15, 4]
    with pytest.raises(ValueError, match="assessed targets"):
        ind.opportunity_to_learn([0], [1], [2], 1)


def test_bad_shapes_and_units_are_refused():
    with pytest.raises(ValueError, match="range"):
        ind.rate([0, 5], [1.0, 0.0], 2)
    with pytest.raises(ValueError, match="1-D"):
        ind.rate([[0]], [1.0], 1)
    with pytest.raises(ValueError, match="one value per student"):
        ind.rate([0, 1], [1.0], 2)


def test_scores_put_every_indicator_on_zero_to_one():
    assert ind.score("proficiency", 0.4) == 0.4
    assert ind.score("chronic_absence", 0.25) == 0.75
    assert ind.score("growth", 0.5, growth_target=1.0) == 0.5
    assert ind.score("growth", 2.0) == 1.0
    assert ind.score("growth", -1.0) == 0.0
    assert math.isnan(ind.score("growth", float("nan")))
    with pytest.raises(ValueError, match="unknown"):
        ind.score("letters", 0.1)
    with pytest.raises(ValueError, match="growth_target"):
        ind.score("growth", 1.0, growth_target=0)


def loop_calibrated(units, rows, n_units):
    """Per task result: the mean of its own criteria's consensus scores, counted only
    when every one of them is known; at or above its standard counts as meeting it."""
    num, den = [0.0] * n_units, [0] * n_units
    for u, (scores, standard) in zip(units, rows, strict=True):
        if not scores or any(s is None for s in scores):
            continue
        den[u] += 1
        if sum(scores) / len(scores) >= standard - 1e-9:
            num[u] += 1
    return num, den


result = st.tuples(
    st.lists(st.one_of(st.none(), st.sampled_from([1.0, 2.0, 2.5, 3.0, 4.0])), max_size=4),
    st.sampled_from([2.0, 2.5, 3.0]),
)


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 2), result), max_size=40))
def test_calibrated_results_match_a_loop(rows):
    units = [u for u, _ in rows]
    results = [r for _, r in rows]
    width = max([len(s) for s, _ in results] + [0])
    consensus = np.full((len(rows), width), np.nan)
    for i, (scores, _) in enumerate(results):
        consensus[i, : len(scores)] = [np.nan if s is None else s for s in scores]
        # Columns past a row's own criteria are noise the kernel must ignore.
        consensus[i, len(scores) :] = 99.0
    m = ind.calibrated_results(
        np.array(units, dtype=np.int64),
        consensus,
        np.array([len(s) for s, _ in results], dtype=np.int64),
        np.array([b for _, b in results]),
        3,
    )
    num, den = loop_calibrated(units, results, 3)
    assert m.numerator.tolist() == num
    assert m.denominator.tolist() == den


def test_calibrated_results_by_hand_and_bad_shapes():
    consensus = np.array([[3.0, 3.0], [2.0, 4.0], [2.0, 3.0], [4.0, np.nan]])
    m = ind.calibrated_results([0, 0, 0, 1], consensus, [2, 2, 2, 2], [3.0] * 4, 2)
    # 3 and 3 meet 3; 2 and 4 average 3 and meet it; 2 and 3 (2.5) do not; a missing
    # consensus leaves the result out.
    assert m.numerator.tolist() == [2.0, 0.0]
    assert m.denominator.tolist() == [3, 0]
    assert ind.PILOT in ind.INDICATORS
    assert ind.score(ind.PILOT, 0.4) == 0.4
    with pytest.raises(ValueError, match="one row of criterion scores"):
        ind.calibrated_results([0], np.array([1.0, 2.0]), [1], [2.0], 1)
    with pytest.raises(ValueError, match="criteria lie between"):
        ind.calibrated_results([0], np.array([[1.0]]), [2], [2.0], 1)
    with pytest.raises(ValueError, match="one value per student"):
        ind.calibrated_results([0], np.array([[1.0]]), [1, 1], [2.0], 1)

"""Pace, growth and projection on the continuum."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.core.progression.pace import (
    DAYS_PER_YEAR,
    STATUS_CODES,
    TOLERANCE,
    PaceStatus,
    check_expectations,
    expected_level,
    growth,
    growth_batch,
    pace,
    status_codes_for_gaps,
    status_for_gap,
    years_between,
)

START = dt.date(2025, 9, 1)


def at(days: int) -> dt.date:
    return START + dt.timedelta(days=days)


def test_more_than_a_years_growth_in_a_year_shows_as_such():
    g = growth([(at(0), 3.0), (at(183), 3.75), (at(365), 4.5)])
    assert g is not None
    assert g.per_year == pytest.approx(1.5, rel=1e-3)


def test_growth_needs_two_dates():
    assert growth([(at(0), 3.0)]) is None
    assert growth([(at(5), 3.0), (at(5), 4.0)]) is None


def test_status_against_expectations():
    expectations = [(at(0), 3.0), (at(365), 4.0)]
    ahead = pace([(at(0), 3.5), (at(180), 4.3)], expectations, today=at(180))
    assert ahead.status is PaceStatus.AHEAD
    on = pace([(at(0), 3.0), (at(180), 3.5)], expectations, today=at(180))
    assert on.status is PaceStatus.ON
    behind = pace([(at(0), 2.0), (at(180), 2.4)], expectations, today=at(180))
    assert behind.status is PaceStatus.BEHIND
    assert pace([], expectations, today=at(10)).status is PaceStatus.UNKNOWN


def test_projection_with_a_band():
    obs = [(at(0), 2.0), (at(90), 2.3), (at(180), 2.45), (at(270), 2.8), (at(365), 3.0)]
    result = pace(obs, [(at(0), 2.0), (at(365), 3.0)], today=at(365), goal=5.0)
    assert result.projection is not None
    assert result.projection.earliest <= result.projection.date <= result.projection.latest
    assert years_between(START, result.projection.date) == pytest.approx(3.0, abs=0.3)


def test_no_projection_without_growth():
    result = pace([(at(0), 3.0), (at(200), 2.5)], [(at(0), 3.0)], today=at(200), goal=5.0)
    assert result.projection is not None
    assert result.projection.date is None


def test_contradictory_or_missing_expectations_are_named():
    problems = check_expectations(
        [(at(0), 4.0), (at(100), 3.0), (at(100), 5.0), (at(200), 9.0)], [1, 2, 3, 4, 5, 6, 7, 8]
    )
    assert any("below" in p for p in problems)
    assert any("same date" in p for p in problems)
    assert any("not on the continuum" in p for p in problems)
    assert check_expectations([(at(0), 3.0), (at(365), 4.0)], [3.0, 4.0]) == []


def test_expected_level_interpolates():
    assert expected_level([(at(0), 2.0), (at(200), 4.0)], at(100)) == pytest.approx(3.0, abs=0.01)
    with pytest.raises(ValueError, match="no expectations"):
        expected_level([], at(0))


@given(
    st.lists(
        st.tuples(
            st.integers(0, 50),
            st.lists(st.tuples(st.integers(0, 700), st.floats(1, 8)), min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=10,
        unique_by=lambda t: t[0],
    )
)
def test_batch_growth_agrees_with_single(students):
    rows = [(sid, d, lv) for sid, obs in students for d, lv in obs]
    g, t, y = zip(*[(sid, years_between(START, at(d)), lv) for sid, d, lv in rows], strict=True)
    groups, slopes, counts = growth_batch(np.array(g), np.array(t), np.array(y))
    for sid, obs in students:
        i = int(np.searchsorted(groups, sid))
        single = growth([(at(d), lv) for d, lv in obs])
        assert counts[i] == len(obs)
        if single is None:
            assert np.isnan(slopes[i])
        else:
            assert slopes[i] == pytest.approx(single.per_year, rel=1e-6, abs=1e-6)


def _as_years(day):
    return years_between(START, day)


observation_sets = st.lists(
    st.lists(
        st.tuples(st.integers(0, 700), st.sampled_from([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0])),
        min_size=1,
        max_size=8,
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(observation_sets, st.integers(0, 900), st.sampled_from([None, 2.0, 3.0, 4.5]))
def test_batch_pace_matches_one_student_at_a_time(students, today_days, expect):
    from proficio.core.progression.pace import STATUS_CODES, pace_batch

    today = at(today_days)
    ids, years, levels = [], [], []
    for k, obs in enumerate(students):
        for days, level in obs:
            ids.append(k * 3 + 1)
            years.append(_as_years(at(days)))
            levels.append(level)
    expectations = [(at(0), expect), (at(700), expect + 1)] if expect is not None else []
    batch = pace_batch(
        ids,
        years,
        levels,
        expected=lambda g: (
            np.full(g.size, np.nan if expect is None else 0.0)
            + (expected_level(expectations, today) if expect is not None else 0.0)
        ),
        goal=lambda g: np.full(g.size, 6.0),
        today=_as_years(today),
    )
    for row, (k, obs) in enumerate(enumerate(students)):
        assert batch.groups[row] == k * 3 + 1
        one = pace([(at(d), lv) for d, lv in obs], expectations, today=today, goal=6.0)
        assert STATUS_CODES[batch.status[row]] == one.status or (
            # the two sum in different orders: allow a tie at the tolerance's edge
            abs(abs(one.level_now - one.expected_now) - 0.25) < 1e-6
        )
        assert batch.level_now[row] == pytest.approx(one.level_now, abs=1e-6)
        if one.growth is None:
            assert np.isnan(batch.per_year[row])
            continue
        assert batch.per_year[row] == pytest.approx(one.growth.per_year, rel=1e-6, abs=1e-6)
        if math.isfinite(one.growth.standard_error):
            # Residuals of a near-perfect fit over a day or two are rounding noise, and that
            # noise grows with the slope (levels per year): compare on the slope's scale.
            assert batch.standard_error[row] == pytest.approx(
                one.growth.standard_error, rel=1e-4, abs=1e-6 * max(1.0, abs(one.growth.per_year))
            )
        for got, want in (
            (batch.projected[row], one.projection.date),
            (batch.earliest[row], one.projection.earliest),
            (batch.latest[row], one.projection.latest),
        ):
            if want is None:
                assert np.isnan(got)
            else:
                gap = START + dt.timedelta(days=float(got) * DAYS_PER_YEAR) - want
                assert abs(gap) <= dt.timedelta(days=1)


def test_highest_so_far_and_last_progress():
    from proficio.core.progression.pace import highest_so_far, pace_batch

    g, t, best = highest_so_far([2, 1, 1, 1, 2], [0.5, 0.0, 0.2, 0.4, 0.1], [1, 3, 2, 4, 5])
    assert g.tolist() == [1, 1, 1, 2, 2]
    assert best.tolist() == [3, 3, 4, 5, 5]
    batch = pace_batch(
        g, t, best, expected=lambda x: np.full(x.size, np.nan), goal=lambda x: x * np.nan, today=1
    )
    assert batch.last_progress.tolist() == [0.4, 0.1]
    assert highest_so_far([], [], [])[0].size == 0


def test_the_place_stays_within_the_standing():
    from proficio.core.progression.pace import place_within, place_within_batch

    assert place_within(5.2, 6) == 6.0
    assert 6.0 < place_within(6.5, 6) < 7
    assert place_within(7.4, 6) < 7
    assert place_within(0.5, None) == 0.5
    assert list(place_within_batch([5.2, 6.5], [6, 6])) == [6.0, 6.5]


@settings(max_examples=200, deadline=None)
@given(st.floats(-2, 10), st.one_of(st.none(), st.integers(0, 8)))
def test_the_place_always_floors_to_the_standing(fitted, level):
    from proficio.core.progression.pace import place_within

    assert int(place_within(fitted, level) // 1) == (level or 0)


def test_pace_batch_keeps_the_place_within_the_standing():
    from proficio.core.progression.pace import pace_batch

    days = [0.0, 0.2, 0.4]
    batch = pace_batch(
        [1, 1, 1],
        days,
        [4.0, 4.8, 5.0],
        expected=lambda g: np.full(g.size, 5.0),
        goal=lambda g: np.full(g.size, np.nan),
        today=0.5,
        standing=lambda g: np.zeros(g.size, dtype=np.int64),
    )
    assert batch.level_now[0] < 1  # nothing shown: the place stays below Level 1
    assert batch.status[0] == 2  # and so behind


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(0.5, 8.0), min_size=1, max_size=8),
    st.one_of(st.none(), st.integers(0, 8)),
)
def test_one_students_pace_within_the_standing(levels, standing):
    """``pace(within_standing=True)`` keeps the place as ``pace_batch`` with ``standing``
    does (both through ``place_within``), and judges the status from that place."""
    from proficio.core.progression.pace import place_within

    observations = [(at(30 * k), level) for k, level in enumerate(levels)]
    points = [(at(0), 3.0), (at(365), 4.0)]
    today = at(30 * len(levels))
    free = pace(observations, points, today=today)
    kept = pace(observations, points, today=today, within_standing=True, standing=standing)
    assert free.level_now is not None
    assert kept.level_now == place_within(free.level_now, standing)
    expected = kept.expected_now
    assert expected is not None
    if kept.level_now > expected + 0.25:
        assert kept.status is PaceStatus.AHEAD
    elif kept.level_now < expected - 0.25:
        assert kept.status is PaceStatus.BEHIND
    else:
        assert kept.status is PaceStatus.ON


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.floats(min_value=-5, max_value=5) | st.just(float("nan")), max_size=20),
    st.floats(min_value=0, max_value=1),
)
def test_one_status_rule_for_a_gap_alone_and_in_bulk(gaps, tolerance):
    codes = status_codes_for_gaps(gaps, tolerance)
    assert codes.shape == (len(gaps),)
    for gap, code in zip(gaps, codes, strict=True):
        if math.isnan(gap):
            assert STATUS_CODES[code] == PaceStatus.UNKNOWN
            continue
        # Written out from the definition, not from either function.
        want = (
            PaceStatus.AHEAD
            if gap > tolerance
            else PaceStatus.BEHIND
            if gap < -tolerance
            else PaceStatus.ON
        )
        assert status_for_gap(gap, tolerance) == want
        assert STATUS_CODES[code] == want


def test_the_tolerance_edge_is_on_pace():
    assert TOLERANCE == 0.25
    assert status_for_gap(0.25) == PaceStatus.ON
    assert status_for_gap(-0.25) == PaceStatus.ON
    assert status_for_gap(0.2501) == PaceStatus.AHEAD
    assert status_for_gap(-0.2501) == PaceStatus.BEHIND

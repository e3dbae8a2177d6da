"""Pace, growth and projection on the continuum."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proficio.core.progression.pace import (
    PaceStatus,
    check_expectations,
    expected_level,
    growth,
    growth_batch,
    pace,
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

"""Equity of access (``core.equity.access``): which schools are high-need and the access
gap, checked on hand-worked cases and against a plain restatement of the rule."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.core.equity.access import AccessRate, access_gap, high_need


def test_top_quarter_strictly_above_the_lowest():
    # Eight schools: the top quarter is two, the cut is 0.8 (ties at the cut count).
    shares = [0.1, 0.9, 0.8, 0.8, 0.3, None, 0.2, 0.5, 0.4]
    assert high_need(shares) == [False, True, True, True, False, False, False, False, False]
    # Schools all alike: nobody is high-need; no schools with students: nobody either.
    assert high_need([0.4, 0.4, 0.4]) == [False, False, False]
    assert high_need([None, float("nan")]) == [False, False]
    assert high_need([]) == []


def test_a_share_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        high_need([0.2, 1.5])


def test_access_rates_and_gap():
    assert AccessRate(3, 4).rate == 0.75
    assert AccessRate(0, 0).rate is None
    assert access_gap(AccessRate(1, 4), AccessRate(1, 2)) == pytest.approx(-25.0)
    assert access_gap(AccessRate(0, 0), AccessRate(1, 2)) is None
    assert access_gap(AccessRate(1, 2), AccessRate(0, 0)) is None


shares = st.lists(
    st.one_of(st.none(), st.floats(min_value=0, max_value=1, allow_nan=False)), max_size=20
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shares)
def test_high_need_matches_the_rule_restated(values):
    known = [s for s in values if s is not None]
    flags = high_need(values)
    assert len(flags) == len(values)
    if not known:
        assert not any(flags)
        return
    ranked = sorted(known, reverse=True)
    cut = ranked[max(1, math.ceil(len(known) / 4)) - 1]
    expected = [s is not None and s >= cut and s > min(known) for s in values]
    assert flags == expected
    # At most the top quarter plus the ties at the cut, and never a school without students.
    assert sum(flags) <= sum(1 for s in known if s >= cut)
    assert not any(f for f, s in zip(flags, values, strict=True) if s is None)

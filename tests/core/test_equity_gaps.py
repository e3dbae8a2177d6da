"""Equity gap intervals against statsmodels' Newcombe interval (an independent
implementation) and properties of the "group against all students" algebra."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep

from proficio.core.equity.gaps import gap_against_all, newcombe_difference


@settings(deadline=None)  # statsmodels' first call imports a lot on a loaded machine
@given(
    n1=st.integers(1, 400),
    n2=st.integers(1, 400),
    f1=st.floats(0, 1),
    f2=st.floats(0, 1),
)
def test_newcombe_matches_statsmodels(n1: int, n2: int, f1: float, f2: float) -> None:
    k1, k2 = round(f1 * n1), round(f2 * n2)
    d, low, high = newcombe_difference(k1, n1, k2, n2)
    ref_low, ref_high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    assert d == pytest.approx(k1 / n1 - k2 / n2)
    assert low == pytest.approx(max(-1.0, ref_low), abs=1e-9)
    assert high == pytest.approx(min(1.0, ref_high), abs=1e-9)
    assert low <= d <= high


def test_newcombe_published_example() -> None:
    # Newcombe (1998), Table II, example (a): 56/70 against 48/80, method 10: 0.0524 to 0.3339.
    d, low, high = newcombe_difference(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


@given(
    group_n=st.integers(1, 300),
    rest_n=st.integers(0, 300),
    f1=st.floats(0, 1),
    f2=st.floats(0, 1),
)
def test_gap_against_all_is_the_rate_difference(
    group_n: int, rest_n: int, f1: float, f2: float
) -> None:
    group_hits, rest_hits = round(f1 * group_n), round(f2 * rest_n)
    all_n, all_hits = group_n + rest_n, group_hits + rest_hits
    gap = gap_against_all(group_hits, group_n, all_hits, all_n)
    assert gap.gap == pytest.approx(100 * (group_hits / group_n - all_hits / all_n), abs=1e-9)
    assert gap.low <= gap.gap + 1e-9
    assert gap.gap <= gap.high + 1e-9
    assert gap.low >= -100
    assert gap.high <= 100


def test_everyone_has_no_gap() -> None:
    gap = gap_against_all(7, 20, 7, 20)
    assert (gap.gap, gap.low, gap.high) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [((0, 0, 5, 10), "a group needs"), ((3, 12, 5, 10), "a group needs"), ((6, 5, 3, 10), "fit")],
)
def test_refuses_counts_that_do_not_fit(args: tuple[int, int, int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gap_against_all(*args)

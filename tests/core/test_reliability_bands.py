"""interpret(): band boundaries and bad input (the tables are checked against the oracle file)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proficio.core.reliability import interpret
from proficio.core.reliability.bands import STATISTIC_BANDS


@pytest.mark.parametrize(
    ("name", "value", "band"),
    [
        ("kappa", -0.3, "poor (below 0)"),
        ("kappa", 0.0, "slight"),
        ("KAPPA", 0.2, "slight"),
        ("kappa", 0.21, "fair"),
        ("kappa", 0.61, "substantial"),
        ("kappa", 1.0, "almost perfect"),
        ("ICC1", 0.49, "poor"),
        ("icc3k", 0.5, "moderate"),
        ("ICC2", 0.75, "good"),
        ("icc", 0.9, "excellent"),
        ("icc", 1.0, "excellent"),
        ("alpha", 0.8, "reliable"),
        ("alpha", 0.7, "tentative"),
        ("alpha", -0.2, "unreliable"),
    ],
)
def test_boundaries(name: str, value: float, band: str) -> None:
    assert interpret(name, value) == band


@given(st.sampled_from(sorted(STATISTIC_BANDS)), st.floats(-1.0, 1.0))
def test_every_value_in_range_has_a_band(name: str, value: float) -> None:
    assert interpret(name, value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1.01])
def test_rejects_values_that_are_not_coefficients(value: float) -> None:
    with pytest.raises(ValueError, match="finite number no greater than 1"):
        interpret("kappa", value)


def test_rejects_statistics_without_published_bands() -> None:
    with pytest.raises(ValueError, match="no published bands for 'percent_agreement'"):
        interpret("percent_agreement", 0.9)

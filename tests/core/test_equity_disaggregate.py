"""Disaggregation kernel and predictability of success, against pandas and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from proficio.core.equity.disaggregate import DIMENSIONS, disaggregate, predictability

LEVELS = (7, 2, 3, 2, 4)


def students(n, seed):
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, k, n) for k in LEVELS])
    proficient = (rng.random(n) < 0.3 + 0.1 * codes[:, 1]).astype(float)
    pace = rng.normal(1.0 - 0.2 * codes[:, 3], 0.4)
    pace[rng.random(n) < 0.1] = np.nan
    school = rng.integers(0, 4, n)
    return codes, proficient, pace, school


def test_matches_a_pandas_groupby():
    codes, proficient, pace, school = students(5000, 1)
    result = disaggregate(
        codes, LEVELS, {"proficient": proficient, "pace": pace}, by=school, n_by=4
    )
    frame = pd.DataFrame(codes, columns=list(DIMENSIONS))
    frame["school"], frame["proficient"], frame["pace"] = school, proficient, pace
    for d, breakdown in enumerate(result):
        assert breakdown.dimension == DIMENSIONS[d]
        grouped = frame.groupby(["school", DIMENSIONS[d]])
        for (s, g), size in grouped.size().items():
            assert breakdown.counts[s, g] == size
        for (s, g), mean in grouped["pace"].mean().items():
            assert breakdown.means("pace")[s, g] == pytest.approx(mean, nan_ok=True)
            assert breakdown.valued["pace"][s, g] == grouped["pace"].count()[(s, g)]
        for (s, g), rate in grouped["proficient"].mean().items():
            assert breakdown.means("proficient")[s, g] == pytest.approx(rate)


def test_empty_groups_have_no_mean():
    result = disaggregate([[0], [0]], [3], {"x": [1.0, 3.0]})
    assert result[0].counts.tolist() == [[2, 0, 0]]
    assert result[0].means("x")[0, 0] == 2.0
    assert np.isnan(result[0].means("x")[0, 1])


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="one column per dimension"):
        disaggregate([[0, 1]], [2], {})
    with pytest.raises(ValueError, match="one unit per student"):
        disaggregate([[0]], [2], {}, by=[0, 1])
    with pytest.raises(ValueError, match="metric x"):
        disaggregate([[0]], [2], {"x": [1.0, 2.0]})


def statsmodels_r2(codes, y):
    keep = ~np.isnan(y)
    frame = pd.DataFrame(codes[keep], columns=list(DIMENSIONS)).astype("category")
    design = sm.add_constant(
        pd.get_dummies(frame, drop_first=True, dtype=float), has_constant="add"
    )
    return sm.OLS(y[keep], design).fit().rsquared


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_predictability_is_the_r_squared_of_ols_on_dummies(seed):
    codes, proficient, pace, _ = students(3000, seed)
    assert predictability(codes, LEVELS, pace) == pytest.approx(
        statsmodels_r2(codes, pace), abs=1e-9
    )
    assert predictability(codes, LEVELS, proficient) == pytest.approx(
        statsmodels_r2(codes, proficient), abs=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(20, 300), st.integers(0, 2**32 - 1))
def test_predictability_agrees_with_statsmodels_on_random_data(n, seed):
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, k, n) for k in LEVELS])
    y = rng.normal(size=n) + codes[:, 0] * rng.normal()
    expected = statsmodels_r2(codes, y)
    assert predictability(codes, LEVELS, y) == pytest.approx(expected, abs=1e-7)


def test_predictability_edge_cases():
    assert predictability([[0]], [2], [1.0]) != predictability([[0]], [2], [1.0])  # NaN
    assert np.isnan(predictability([[0], [1]], [2], [1.0, 1.0]))
    # Outcome decided entirely by the group: fully predictable.
    assert predictability([[0], [1], [0], [1]], [2], [0.0, 1.0, 0.0, 1.0]) == pytest.approx(1.0)

"""ICC: the six Shrout & Fleiss forms, the unbalanced path, and pingouin as an oracle.

pingouin is not a project dependency; where installed it is an independent
implementation of the balanced formulas (pytest.importorskip).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from proficio.core.reliability import ICC_FORMS, InsufficientDataError, icc

SETTINGS = settings(max_examples=40, deadline=None)
FIELDS = ("value", "f", "df1", "df2", "p_value", "ci_low", "ci_high", "raters_averaged")

complete = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 5), st.integers(3, 12)),
    elements=st.integers(0, 6).map(float),
).filter(lambda a: np.ptp(a.mean(axis=0)) > 0 and np.ptp(a - a.mean(axis=0)) > 0)


def simulate(
    raters: int,
    units: int,
    missing: float,
    seed: int,
    sd_unit: float = 1.0,
    sd_rater: float = 0.5,
    sd_error: float = 0.7,
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    data = (
        rng.normal(0, sd_unit, units)[None, :]
        + rng.normal(0, sd_rater, raters)[:, None]
        + rng.normal(0, sd_error, (raters, units))
    )
    data[rng.random(data.shape) < missing] = np.nan
    return data


@SETTINGS
@given(complete)
def test_available_path_equals_listwise_on_complete_data(data: np.ndarray) -> None:
    listwise, available = icc(data), icc(data, missing="available")
    for form in ICC_FORMS:
        for field in FIELDS:
            assert getattr(available[form], field) == pytest.approx(
                getattr(listwise[form], field), rel=1e-7, abs=1e-9
            ), (form, field)


@SETTINGS
@given(complete, st.floats(-100, 100), st.floats(0.1, 10), st.data())
def test_icc_is_invariant_to_linear_rescaling_and_permutation(
    data: np.ndarray, shift: float, scale: float, draw: st.DataObject
) -> None:
    base = icc(data)
    raters = list(draw.draw(st.permutations(range(data.shape[0]))))
    units = list(draw.draw(st.permutations(range(data.shape[1]))))
    moved = icc((data * scale + shift)[raters][:, units])
    for form in ICC_FORMS:
        assert not np.isnan([getattr(base[form], field) for field in FIELDS]).any()
        assert moved[form].value == pytest.approx(base[form].value, rel=1e-6, abs=1e-9)
        assert moved[form].ci_low == pytest.approx(base[form].ci_low, rel=1e-6, abs=1e-9)
        assert base[form].ci_low <= base[form].value + 1e-9
        if form in ("ICC1", "ICC3"):  # exact F intervals stay above -1/(k - 1)
            assert base[form].ci_low >= -1.0 / (data.shape[0] - 1) - 1e-9
        assert base[form].value - 1e-9 <= base[form].ci_high <= 1.0 + 1e-9
        assert 0.0 <= base[form].p_value <= 1.0


sparse = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 6), st.integers(2, 12)),
    elements=st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0, np.nan, np.nan]),
)


@SETTINGS
@given(sparse)
def test_available_path_on_sparse_data_raises_or_returns_numbers(data: np.ndarray) -> None:
    try:
        result = icc(data, missing="available")
    except InsufficientDataError:
        return  # messages are checked in test_icc_errors_say_what_is_missing
    for form in ICC_FORMS:
        values = [getattr(result[form], field) for field in FIELDS]
        assert not np.isnan(values).any(), form
        assert result[form].value <= 1.0 + 1e-9


def test_matches_pingouin_on_complete_data() -> None:
    pingouin = pytest.importorskip("pingouin")
    pandas = pytest.importorskip("pandas")
    data = simulate(5, 30, 0.0, seed=1)
    raters, units = np.meshgrid(range(5), range(30), indexing="ij")
    frame = pandas.DataFrame(
        {"rater": raters.ravel(), "unit": units.ravel(), "score": data.ravel()}
    )
    table = pingouin.intraclass_corr(frame, targets="unit", raters="rater", ratings="score")
    ours = icc(data)
    # pingouin >= 0.7 labels forms as McGraw & Wong do; older versions as psych does.
    names = {"ICC(1,1)": "ICC1", "ICC(A,1)": "ICC2", "ICC(C,1)": "ICC3"}
    names |= {"ICC(1,k)": "ICC1k", "ICC(A,k)": "ICC2k", "ICC(C,k)": "ICC3k"}
    assert len(table) == 6
    for _, row in table.iterrows():
        form = ours[names.get(row["Type"], row["Type"])]
        assert form.value == pytest.approx(row["ICC"], abs=1e-9)
        assert form.f == pytest.approx(row["F"], rel=1e-9)
        assert (form.df1, form.df2) == (row["df1"], row["df2"])
        assert form.p_value == pytest.approx(row["pval"], rel=1e-6, abs=1e-15)
        low, high = row["CI95"] if "CI95" in row else row["CI95%"]
        assert form.ci_low == pytest.approx(low, abs=0.006)  # pingouin rounds to 2 decimals
        assert form.ci_high == pytest.approx(high, abs=0.006)


def test_unbalanced_path_recovers_simulated_components() -> None:
    # sd 1 (units), 0.5 (raters), 0.7 (error): ICC1 = ICC2 = 1/1.74, ICC3 = 1/1.49.
    data = simulate(40, 600, 0.7, seed=2)
    result = icc(data, missing="available")
    assert result["ICC1"].value == pytest.approx(1 / 1.74, abs=0.05)
    assert result["ICC2"].value == pytest.approx(1 / 1.74, abs=0.06)
    assert result["ICC3"].value == pytest.approx(1 / 1.49, abs=0.04)
    for form in ICC_FORMS:
        assert result[form].ci_low < result[form].value < result[form].ci_high
    assert result.method == "available"
    assert result.n_raters == 40
    assert result.n_ratings == int((~np.isnan(data)).sum())
    assert result["ICC3k"].raters_averaged == pytest.approx(
        (result.n_ratings - 40) / result["ICC3"].df1
    )


def test_listwise_raises_when_no_unit_is_complete_and_names_the_way_out() -> None:
    data = simulate(20, 200, 0.7, seed=3)
    with pytest.raises(InsufficientDataError, match=r"0 complete units of 200.*available"):
        icc(data)
    assert icc(data, missing="available").n_units > 100


def test_listwise_drops_incomplete_units_and_says_so() -> None:
    data = simulate(4, 30, 0.0, seed=4)
    data[0, :5] = np.nan
    result = icc(data)
    assert (result.n_units, result.units_dropped, len(result)) == (25, 5, 6)
    assert list(result) == list(ICC_FORMS)
    assert result["ICC2"].value == pytest.approx(icc(data[:, 5:])["ICC2"].value)


def test_available_path_drops_units_with_one_rating_and_unused_raters() -> None:
    data = simulate(6, 50, 0.3, seed=5)
    data[:, 0] = np.nan
    data[5, :] = np.nan
    data[5, 0] = 3.0  # unit 0's only rating, by a rater who rated nothing else
    result = icc(data, missing="available")
    kept = data[:5, 1:]
    trimmed = icc(kept, missing="available")
    assert result.n_raters == 5
    assert result.units_dropped == 1 + int(((~np.isnan(kept)).sum(axis=0) < 2).sum())
    assert result["ICC2"].value == pytest.approx(trimmed["ICC2"].value)


def test_disconnected_designs_use_the_estimable_rater_contrasts() -> None:
    # Raters 0-1 score units 0-9, raters 2-3 score units 10-19: rater groups are not linked.
    data = simulate(4, 20, 0.0, seed=6)
    data[:2, 10:] = np.nan
    data[2:, :10] = np.nan
    result = icc(data, missing="available")
    assert result["ICC3"].df1 == 20 + 2 - 4  # rank of the rater system is 2, not 3
    assert result["ICC3"].df2 == 40 - 20 - 2


def test_perfect_agreement_gives_one_everywhere() -> None:
    scores = np.array([1.0, 3.0, 2.0, 4.0, 4.0])
    for missing in ("listwise", "available"):
        result = icc(np.tile(scores, (3, 1)), missing=missing)  # type: ignore[arg-type]
        for form in ICC_FORMS:
            item = result[form]
            assert (item.value, item.ci_low, item.ci_high) == (1.0, 1.0, 1.0)
            assert (item.f, item.p_value) == (np.inf, 0.0)


def test_constant_rater_offsets_keep_consistency_but_not_agreement() -> None:
    scores = np.array([1.0, 3.0, 2.0, 4.0, 4.0, 0.0])
    data = np.vstack([scores, scores + 1, scores + 2])
    result = icc(data)
    assert result["ICC3"].value == 1.0
    assert result["ICC3"].p_value == 0.0
    assert 0.0 < result["ICC2"].ci_low < result["ICC2"].value < result["ICC2"].ci_high < 1.0
    assert result["ICC1"].value < 1.0


def test_sparse_designs_keep_icc2_in_range() -> None:
    nan = np.nan
    # Henderson III gives a negative rater component here; it is set to 0.
    result = icc([[nan, 1, 0], [nan, 0, 1], [1, nan, 1]], missing="available")
    assert result["ICC2"].value == pytest.approx(result["ICC3"].value)
    assert result["ICC2"].value <= 1.0
    with pytest.raises(InsufficientDataError, match="no residual variation"):
        icc([[0, 0], [0, 0], [1, nan], [0, 0]], missing="available")


def test_icc_errors_say_what_is_missing() -> None:
    with pytest.raises(InsufficientDataError, match="1 raters"):
        icc([[1, 2, 3]])
    with pytest.raises(InsufficientDataError, match="do not differ"):
        icc([[1, 2, 3], [3, 2, 1]])
    with pytest.raises(InsufficientDataError, match="do not differ"):
        icc([[2, 2, 2], [2, 2, 2]], missing="available")
    with pytest.raises(InsufficientDataError, match="got 1 such units"):
        icc([[1, 2, np.nan], [1, np.nan, 3]], missing="available")
    with pytest.raises(InsufficientDataError, match="error degrees of freedom 0"):
        icc([[1, np.nan], [2, 5], [np.nan, 6]], missing="available")
    with pytest.raises(ValueError, match="missing must be"):
        icc([[1, 2], [2, 3]], missing="pairwise")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="confidence"):
        icc([[1, 2], [2, 3]], confidence=95)

"""Reliability kernels against the published results in ../shared/reference/oracles.json.

Expected numbers come only from the oracle file (Krippendorff 2011, SAS PROC
FREQ, Fleiss 1971, Shrout & Fleiss 1979 via R psych, and the published
interpretation bands); each oracle states its own rounding, so comparisons
allow half a unit in the last stated decimal.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from proficio.core import reliability as rel
from proficio.core.reliability import bands

ORACLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "oracles.json"


def load(key: str) -> Any:
    if not ORACLES.is_file():
        pytest.skip(f"oracle file {ORACLES} is absent (../shared is not beside the checkout)")
    return json.loads(ORACLES.read_text(encoding="utf-8"))[key]


def stated_precision(expected: float) -> float:
    """Half a unit in the last decimal the oracle states (0.7434 -> 0.00005)."""
    exponent = Decimal(repr(expected)).as_tuple().exponent
    assert isinstance(exponent, int)
    return 0.5 * 10.0**exponent + 1e-12


def assert_matches(actual: float, expected: float) -> None:
    assert abs(actual - expected) <= stated_precision(expected), (actual, expected)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_alpha_worked_example(level: rel.AlphaLevel) -> None:
    oracle = load("krippendorff_alpha")
    assert_matches(rel.krippendorff_alpha(oracle["observers_by_units"], level), oracle[level])


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_alpha_textbook_route_over_the_coincidence_matrix(
    level: rel.AlphaLevel,
) -> None:
    """The published sums over o and delta give the same alpha as the fast paths."""
    oracle = load("krippendorff_alpha")
    values, o = rel.coincidence_matrix(oracle["observers_by_units"])
    totals = o.sum(axis=1)
    delta = rel.difference_matrix(values, totals, level)
    n = totals.sum()
    alpha = 1 - (n - 1) * (o * delta).sum() / (np.outer(totals, totals) * delta).sum()
    assert_matches(float(alpha), oracle[level])


def test_cohen_kappa_sas_example() -> None:
    oracle = load("cohen_kappa")
    result = rel.cohen_kappa_table(oracle["confusion_table"])
    assert_matches(result.kappa, oracle["kappa"])
    assert_matches(result.se, oracle["asymptotic_standard_error"])
    assert_matches(
        rel.cohen_kappa_table(oracle["confusion_table"], "linear").kappa,
        oracle["linear_weighted_kappa"],
    )


def test_cohen_kappa_from_ratings_expanded_from_the_table() -> None:
    oracle = load("cohen_kappa")
    table = np.asarray(oracle["confusion_table"])
    rows, cols = np.nonzero(table)
    counts = table[rows, cols]
    rater_a = np.repeat(rows, counts).astype(float)
    rater_b = np.repeat(cols, counts).astype(float)
    # Rater A never used category 0, so the full scale is passed explicitly.
    result = rel.cohen_kappa(rater_a, rater_b, categories=range(table.shape[0]))
    assert_matches(result.kappa, oracle["kappa"])
    assert result.n == table.sum()


def test_fleiss_kappa_worked_example() -> None:
    oracle = load("fleiss_kappa")
    assert_matches(rel.fleiss_kappa(oracle["counts_subjects_by_category"]), oracle["kappa"])


def test_icc_shrout_fleiss_example() -> None:
    oracle = load("icc")
    result = rel.icc(oracle["judges_by_targets"])
    keys = {
        "ICC1": "ICC1_1",
        "ICC2": "ICC2_1_absolute",
        "ICC3": "ICC3_1_consistency",
        "ICC1k": "ICC1_k",
        "ICC2k": "ICC2_k_absolute",
        "ICC3k": "ICC3_k_consistency",
    }
    for form, key in keys.items():
        assert_matches(result[form].value, oracle[key])
    for form in ("ICC2", "ICC3", "ICC2k", "ICC3k"):
        assert_matches(result[form].f, oracle["F_two_way"])
        assert [result[form].df1, result[form].df2] == oracle["df_two_way"]


def test_icc_available_path_reproduces_the_example() -> None:
    oracle = load("icc")
    listwise = rel.icc(oracle["judges_by_targets"])
    available = rel.icc(oracle["judges_by_targets"], missing="available")
    for form in rel.ICC_FORMS:
        for field in ("value", "f", "df1", "df2", "p_value", "ci_low", "ci_high"):
            assert getattr(available[form], field) == pytest.approx(
                getattr(listwise[form], field), rel=1e-9, abs=1e-12
            )


def test_band_tables_agree_with_the_oracle_file() -> None:
    oracle = load("interpretation_bands")
    assert [list(row) for row in bands.KAPPA_LANDIS_KOCH] == oracle["kappa_landis_koch"]
    assert [list(row) for row in bands.ICC_KOO_LI] == oracle["icc_koo_li"]
    assert oracle["alpha_krippendorff"] == bands.ALPHA_KRIPPENDORFF


def test_interpret_uses_the_oracle_bands() -> None:
    oracle = load("interpretation_bands")
    for upper, label in oracle["kappa_landis_koch"][1:]:
        assert rel.interpret("kappa", upper) == label
        assert rel.interpret("fleiss_kappa", upper - 0.05) == label
    assert rel.interpret("cohen_kappa", -0.01) == oracle["kappa_landis_koch"][0][1]
    lower = 0.0
    for upper, label in oracle["icc_koo_li"]:
        assert rel.interpret("ICC2k", lower) == label
        assert rel.interpret("icc", (lower + upper) / 2) == label
        lower = upper
    alpha = oracle["alpha_krippendorff"]
    assert rel.interpret("krippendorff_alpha", alpha["reliable_at_least"]) == "reliable"
    assert rel.interpret("alpha", alpha["tentative_at_least"]) == "tentative"
    assert rel.interpret("alpha", alpha["tentative_at_least"] - 0.001) == "unreliable"

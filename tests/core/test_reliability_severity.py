"""Rater severity against consensus, many-facet Rasch severity (JMLE), and drift."""

from __future__ import annotations

import numpy as np
import pytest

from proficio.core.reliability import (
    InsufficientDataError,
    rasch_severity,
    rater_drift,
    rater_severity,
)


def simulate_rating_scale(
    severities: np.ndarray,
    n_units: int,
    thresholds: tuple[float, ...],
    missing: float,
    seed: int,
) -> np.ndarray:
    """Scores 1..m+1 drawn from the many-facet rating scale model."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(0.0, 1.2, n_units)
    eta = ability[None, :] - severities[:, None]
    steps = np.concatenate([[0.0], np.cumsum(thresholds)])
    logits = np.arange(steps.size) * eta[..., None] - steps
    probabilities = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    draws = rng.random((*eta.shape, 1))
    scores = (draws > np.cumsum(probabilities, axis=-1)).sum(axis=-1).astype(float) + 1.0
    scores[rng.random(scores.shape) < missing] = np.nan
    return scores


def test_rater_severity_against_given_consensus() -> None:
    data = np.array([[3, 4, 2, np.nan], [2, 3, 1, 2], [3, 3, np.nan, np.nan]])
    consensus = [3, 3, 2, np.nan]
    result = rater_severity(data, consensus)
    assert result.mean_deviation.tolist() == pytest.approx([1 / 3, -2 / 3, 0.0])
    assert result.n.tolist() == [3, 3, 2]
    assert result.se[0] == pytest.approx(np.std([0, 1, 0], ddof=1) / np.sqrt(3))
    assert result.se[1] == pytest.approx(np.std([-1, 0, -1], ddof=1) / np.sqrt(3))
    assert result.se[2] == 0.0


def test_rater_severity_leave_one_out_mean_finds_the_lenient_rater() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(1, 5, 200).astype(float)
    data = np.tile(truth, (5, 1)) + rng.normal(0, 0.3, (5, 200))
    data[3] += 0.8  # lenient
    data[rng.random(data.shape) < 0.3] = np.nan
    result = rater_severity(data)
    assert int(np.argmax(result.mean_deviation)) == 3
    assert result.mean_deviation[3] == pytest.approx(0.8, abs=0.1)  # others exclude rater 3
    assert (result.se > 0).all()


def test_rater_severity_reports_raters_without_comparisons() -> None:
    data = np.array([[1, 2, np.nan], [2, 2, 3], [np.nan, np.nan, 4]])
    result = rater_severity(data)  # unit 2's consensus for rater 1 is rater 2's 4
    assert result.n.tolist() == [2, 3, 1]
    assert np.isnan(result.se[2])
    no_overlap = rater_severity(data, [1, 2, np.nan])
    assert no_overlap.n[2] == 0
    assert np.isnan(no_overlap.mean_deviation[2])


def test_rater_severity_errors() -> None:
    with pytest.raises(InsufficientDataError, match="got 0"):
        rater_severity([[1, np.nan], [np.nan, 2]])
    with pytest.raises(ValueError, match="one score per unit"):
        rater_severity([[1, 2], [2, 3]], [1, 2, 3])
    with pytest.raises(ValueError, match="'mean'"):
        rater_severity([[1, 2], [2, 3]], "median")  # type: ignore[arg-type]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


def test_rasch_recovers_simulated_severities_in_rank_and_magnitude() -> None:
    true = np.linspace(-1.2, 1.2, 10)
    data = simulate_rating_scale(true, 400, (-1.5, -0.5, 0.5, 1.5), missing=0.4, seed=1)
    result = rasch_severity(data)
    assert result.converged
    assert spearman(result.severity, true) > 0.97
    assert np.abs(result.severity - true).max() < 0.3
    assert np.polyfit(true, result.severity, 1)[0] == pytest.approx(1.0, abs=0.15)
    assert (np.abs(result.severity - true) < 3.5 * result.se).all()
    assert result.thresholds.sum() == pytest.approx(0.0, abs=1e-9)
    assert np.all(np.diff(result.thresholds) > 0)
    assert result.categories.tolist() == [1, 2, 3, 4, 5]
    raw = rasch_severity(data, bias_correction=False)
    assert np.abs(raw.severity).max() > np.abs(result.severity).max()  # JMLE spreads out


def test_rasch_dichotomous_case() -> None:
    true = np.array([-1.0, -0.3, 0.2, 1.1])
    data = simulate_rating_scale(true, 600, (0.0,), missing=0.0, seed=2)
    result = rasch_severity(data)
    assert spearman(result.severity, true) == pytest.approx(1.0)
    assert np.abs(result.severity - (true - true.mean())).max() < 0.25


def test_rasch_sets_aside_extreme_units_and_raters() -> None:
    data = np.array(
        [
            [1, 2, 3, 2, 3, 1],
            [2, 2, 3, 3, 2, 1],
            [1, 3, 2, 2, 3, 2],
            [3, 3, 3, np.nan, np.nan, np.nan],  # scores only unit 0..2, unit 2 is all-3
        ]
    )
    data[:, 2] = 3  # unit 2: every rating is the top category -> extreme
    result = rasch_severity(data)
    assert not result.unit_estimated[2]
    assert np.isnan(result.ability[2])
    assert not result.rater_estimated[3]  # all its remaining ratings are top too
    assert np.isnan(result.severity[3])
    assert np.nansum(result.severity) == pytest.approx(0.0, abs=1e-9)


def test_rasch_iteration_cap_is_reported() -> None:
    data = simulate_rating_scale(np.array([-0.5, 0.0, 0.5]), 50, (-1.0, 1.0), 0.0, seed=3)
    result = rasch_severity(data, max_iterations=2)
    assert (result.iterations, result.converged) == (2, False)


def test_rasch_errors() -> None:
    with pytest.raises(InsufficientDataError, match="2 score categories"):
        rasch_severity([[2, 2], [2, 2]])
    with pytest.raises(InsufficientDataError, match="got 0"):
        rasch_severity([[np.nan, np.nan], [np.nan, np.nan]])
    with pytest.raises(InsufficientDataError, match="at least 2 raters"):
        rasch_severity([[1, 2, 1], [np.nan, np.nan, np.nan]])
    with pytest.raises(ValueError, match="whole-number"):
        rasch_severity([[1.5, 2], [2, 1]])
    with pytest.raises(ValueError, match="max_iterations"):
        rasch_severity([[1, 2], [2, 1]], max_iterations=0)


def test_drift_detects_a_trend_and_not_noise() -> None:
    rng = np.random.default_rng(5)
    drifting = [(s, 0.2 * s + rng.normal(0, 0.5, 25)) for s in range(6)]
    result = rater_drift(drifting)
    assert result.significant
    assert result.slope == pytest.approx(0.2, abs=0.06)
    assert result.slope == pytest.approx(result.t * result.se)
    assert (result.n_sessions, result.n_observations, result.df) == (6, 150, 148)
    steady = rater_drift((s, rng.normal(0, 0.5, 25)) for s in range(6))
    assert not steady.significant
    assert steady.p_value > 0.05


def test_drift_matches_least_squares() -> None:
    sessions = [(1, [0.1, -0.2, np.nan]), (2, [0.4]), (4, [0.3, 0.9])]
    x = np.array([1, 1, 2, 4, 4.0])
    y = np.array([0.1, -0.2, 0.4, 0.3, 0.9])
    slope, intercept = np.polyfit(x, y, 1)
    result = rater_drift(sessions)
    assert (result.slope, result.intercept) == pytest.approx((slope, intercept))
    residual = y - (intercept + slope * x)
    se = np.sqrt(residual @ residual / 3 / ((x - x.mean()) @ (x - x.mean())))
    assert result.se == pytest.approx(se)


def test_drift_on_an_exact_line() -> None:
    exact = rater_drift([(0, [0.0, 0.0]), (1, [0.5]), (2, [1.0])])
    assert exact.slope == pytest.approx(0.5)
    assert exact.p_value < 1e-6
    assert exact.significant
    flat = rater_drift([(0, [1.0, 1.0]), (1, [1.0]), (2, [1.0])])
    assert (flat.slope, flat.t, flat.p_value, flat.significant) == (0.0, 0.0, 1.0, False)


def test_drift_errors() -> None:
    with pytest.raises(InsufficientDataError, match="got 1 sessions"):
        rater_drift([(1, [0.1, 0.2, 0.3])])
    with pytest.raises(InsufficientDataError, match="got 0 sessions"):
        rater_drift([])
    with pytest.raises(InsufficientDataError, match="2 deviations"):
        rater_drift([(1, [0.1]), (2, [np.nan, 0.2])])
    with pytest.raises(ValueError, match="alpha"):
        rater_drift([(1, [0.1]), (2, [0.2])], alpha=5)
    with pytest.raises(ValueError, match="finite"):
        rater_drift([(np.nan, [0.1]), (2, [0.2])])

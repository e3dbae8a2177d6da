"""Mastery rules for one student and target: published oracles, edge cases and properties."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proficio.core.mastery import METHODS, POWER_LAW_FLOOR, determine, explain, trend

ORACLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "oracles.json"


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    if not ORACLES.is_file():
        pytest.skip(f"oracle file {ORACLES} is absent (../shared is not beside the checkout)")
    loaded: dict[str, Any] = json.loads(ORACLES.read_text(encoding="utf-8"))["mastery_rules"]
    return loaded


def params_for(method: str) -> dict[str, Any]:
    return {"n": 2, "threshold": 3.0} if method == "n_mastery" else {}


scores_0_to_4 = st.lists(st.floats(0, 4), min_size=1, max_size=30)
grid_scores = st.lists(st.integers(0, 8).map(lambda half_points: half_points / 2), max_size=30)
unit_interval = st.floats(0, 1)


# --- oracles -------------------------------------------------------------------------------


def test_simple_rules_match_oracle(oracle: dict[str, Any]) -> None:
    scores = oracle["scores_oldest_to_newest"]
    assert determine(scores, "mean") == pytest.approx(oracle["mean"])
    assert determine(scores, "highest") == oracle["highest"]
    assert determine(scores, "latest") == oracle["latest"]


def test_weighted_average_matches_oracle(oracle: dict[str, Any]) -> None:
    scores = oracle["scores_oldest_to_newest"]
    expected = oracle["weighted_average_latest_weight_0.65"]
    assert determine(scores, "weighted_average", weight=0.65) == pytest.approx(expected)


def test_decaying_average_matches_oracle_at_every_step(oracle: dict[str, Any]) -> None:
    scores = oracle["scores_oldest_to_newest"]
    steps = oracle["exponential_decaying_average_rate_0.65_steps"]
    for seen, expected in enumerate(steps, start=1):
        assert determine(scores[:seen], "decaying_average", rate=0.65) == pytest.approx(expected)
    final = determine(scores, "decaying_average", rate=0.65)
    assert final == pytest.approx(oracle["exponential_decaying_average_rate_0.65"], abs=5e-5)


def test_n_mastery_matches_oracle(oracle: dict[str, Any]) -> None:
    scores = oracle["scores_oldest_to_newest"]
    assert determine(scores, "n_mastery", n=3, threshold=3) == pytest.approx(
        oracle["n_mastery_n3_threshold3"]
    )
    assert determine(scores, "n_mastery", n=4, threshold=3) is oracle["n_mastery_n4_threshold3"]


def test_power_law_matches_published_examples(oracle: dict[str, Any]) -> None:
    for case in oracle["power_law"]:
        estimate = determine(case["scores"], "power_law")
        assert estimate == pytest.approx(case["estimate"], abs=5e-5), case


# --- rules on hand-made histories ------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_no_scores_no_determination(method: str) -> None:
    assert determine([], method, **params_for(method)) is None
    assert explain([], method, **params_for(method)) == []


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([3, 3, 1], 3.0),
        ([1, 2, 2, 1], 1.0),  # 1 and 2 tie; 1 was seen most recently
        ([2, 1, 1, 2], 2.0),
        ([4.0, 2.5, 2.5, 4.0, 3.0], 4.0),
        ([0.0, -0.0], 0.0),
    ],
)
def test_mode_breaks_ties_towards_the_most_recent(scores: list[float], expected: float) -> None:
    assert determine(scores, "mode") == expected


def test_weighted_average_of_one_score_is_that_score() -> None:
    assert determine([2.5], "weighted_average", weight=0.3) == 2.5
    assert explain([2.5], "weighted_average", weight=0.3) == [1.0]


def test_n_mastery_waits_for_n_scores_at_the_threshold() -> None:
    assert determine([3, 2, 4], "n_mastery", n=3, threshold=3) is None
    assert explain([3, 2, 4], "n_mastery", n=3, threshold=3) == [0.0, 0.0, 0.0]
    assert determine([3, 2, 4, 3.5], "n_mastery", n=3, threshold=3) == pytest.approx(3.5)


def test_power_law_counts_a_zero_as_the_floor() -> None:
    log_floor = math.log(POWER_LAW_FLOOR)
    by_hand = math.exp(np.dot(explain([4, 4, 4, 0], "power_law"), [math.log(4)] * 3 + [log_floor]))
    assert determine([4, 4, 4, 0], "power_law") == pytest.approx(by_hand)
    # A recent zero drags the estimate down; it is not dropped.
    dragged, steady = determine([4, 4, 4, 0], "power_law"), determine([4, 4, 4], "power_law")
    assert dragged is not None
    assert steady is not None
    assert dragged < 0.5 < steady
    # Negative scores are floored the same way.
    assert determine([-1, 2, 3], "power_law") == determine([0, 2, 3], "power_law")
    # Only zeros: the floor itself. A single score is returned as it is, even a zero.
    assert determine([0, 0], "power_law") == pytest.approx(POWER_LAW_FLOOR)
    assert determine([0], "power_law") == 0.0


def test_power_law_estimate_is_not_clamped_to_the_scale() -> None:
    # From nothing to 4 is steep growth: the trend projects past the top of a 0-4 scale.
    steep = determine([0, 4, 4, 4], "power_law")
    assert steep is not None
    assert steep > 4
    assert determine([3.5], "power_law") == 3.5


def test_trend_is_points_per_opportunity() -> None:
    assert trend([1, 2, 3]) == pytest.approx(1.0)
    assert trend([4, 3, 2, 1]) == pytest.approx(-1.0)
    assert trend([2, 2]) == 0.0
    assert trend([3]) is None
    assert trend([]) is None


def test_explain_weights_for_a_known_history() -> None:
    scores = [1, 2, 3, 4, 5]
    assert explain(scores, "latest") == [0, 0, 0, 0, 1]
    assert explain(scores, "mean") == pytest.approx([0.2] * 5)
    assert explain(scores, "weighted_average", weight=0.65) == pytest.approx([0.0875] * 4 + [0.65])
    assert explain(scores, "decaying_average", rate=0.5) == pytest.approx(
        [0.0625, 0.0625, 0.125, 0.25, 0.5]
    )
    assert explain(scores, "n_mastery", n=3, threshold=3) == pytest.approx(
        [0, 0, 1 / 3, 1 / 3, 1 / 3]
    )
    assert explain([3, 4, 1, 4], "highest") == [0, 0.5, 0, 0.5]
    assert explain([2, 1, 1, 2], "mode") == [0.5, 0, 0, 0.5]
    assert explain([2.0], "power_law") == [1.0]


# --- bad input is refused, naming what is wrong ---------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "median"}, "unknown mastery method 'median'"),
        ({"method": "mean", "weight": 1.5}, "weight must be between 0 and 1"),
        ({"method": "mean", "weight": -0.1}, "weight must be between 0 and 1"),
        ({"method": "mean", "weight": math.nan}, "weight must be between 0 and 1"),
        ({"method": "mean", "rate": 2}, "rate must be between 0 and 1"),
        ({"method": "mean", "n": 0}, "n must be a whole number"),
        ({"method": "mean", "n": True}, "n must be a whole number"),
        ({"method": "mean", "n": 1.5}, "n must be a whole number"),
        ({"method": "mean", "threshold": math.inf}, "threshold must be a finite number"),
        ({"method": "n_mastery", "threshold": 3}, "n_mastery needs n"),
        ({"method": "n_mastery", "n": 2}, "n_mastery needs threshold"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        determine([1.0], **kwargs)
    with pytest.raises(ValueError, match=message):
        explain([1.0], **kwargs)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([1.0, math.nan], "position 1 is nan"),
        ([math.inf], "position 0 is inf"),
        ([[1.0, 2.0]], "one-dimensional"),
    ],
)
def test_bad_scores_are_refused(scores: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        determine(scores, "mean")
    with pytest.raises(ValueError, match=message):
        trend(scores)


# --- properties ------------------------------------------------------------------------------


@given(scores_0_to_4)
def test_latest_is_the_last_score(scores: list[float]) -> None:
    assert determine(scores, "latest") == scores[-1]


@given(scores_0_to_4)
def test_highest_is_the_maximum(scores: list[float]) -> None:
    assert determine(scores, "highest") == max(scores)


@given(scores_0_to_4)
def test_mean_lies_between_the_extremes(scores: list[float]) -> None:
    mean = determine(scores, "mean")
    assert mean is not None
    assert min(scores) * (1 - 1e-12) <= mean <= max(scores) * (1 + 1e-12)


@given(st.one_of(scores_0_to_4, grid_scores.filter(bool)))
def test_mode_is_one_of_the_most_frequent_scores(scores: list[float]) -> None:
    mode = determine(scores, "mode")
    assert mode in scores
    assert scores.count(mode) == max(scores.count(s) for s in scores)


@given(scores_0_to_4, unit_interval)
def test_extreme_weights_and_rates(scores: list[float], other: float) -> None:
    assert determine(scores, "weighted_average", weight=1.0) == scores[-1]
    assert determine(scores, "decaying_average", rate=1.0) == scores[-1]
    assert determine(scores, "decaying_average", rate=0.0) == scores[0]
    if len(scores) > 1:
        earlier = determine(scores[:-1], "mean")
        assert determine(scores, "weighted_average", weight=0.0) == pytest.approx(earlier)
    lo, hi = min(scores), max(scores)
    for method in ("weighted_average", "decaying_average"):
        value = determine(scores, method, weight=other, rate=other)
        assert value is not None
        assert lo - 1e-12 <= value <= hi + 1e-12


@given(scores_0_to_4, st.integers(1, 5), st.floats(0, 4))
def test_n_mastery_is_at_or_above_the_threshold(
    scores: list[float], n: int, threshold: float
) -> None:
    value = determine(scores, "n_mastery", n=n, threshold=threshold)
    reached = [s for s in scores if s >= threshold]
    if len(reached) < n:
        assert value is None
    else:
        assert value is not None
        assert value >= threshold * (1 - 1e-12)


@given(
    st.one_of(scores_0_to_4, grid_scores.filter(bool)),
    st.sampled_from(METHODS),
    unit_interval,
    unit_interval,
)
def test_explanation_reproduces_the_determination(
    scores: list[float], method: str, weight: float, rate: float
) -> None:
    params = {"weight": weight, "rate": rate, **params_for(method)}
    value = determine(scores, method, **params)
    weights = explain(scores, method, **params)
    assert len(weights) == len(scores)
    if value is None:
        assert weights == [0.0] * len(scores)
        return
    assert math.fsum(weights) == pytest.approx(1.0)
    if method == "power_law" and len(scores) > 1:
        logs = np.log(np.maximum(scores, POWER_LAW_FLOOR))
        assert math.exp(float(np.dot(weights, logs))) == pytest.approx(value, rel=1e-9)
    else:
        assert min(weights) >= 0.0
        assert float(np.dot(weights, scores)) == pytest.approx(value, rel=1e-9, abs=1e-12)


@given(st.floats(0.1, 4), st.integers(1, 40))
def test_power_law_of_a_steady_score_is_that_score(score: float, size: int) -> None:
    assert determine([score] * size, "power_law") == pytest.approx(score, rel=1e-12)


@given(st.floats(-2, 2), st.floats(0, 4), st.integers(2, 40))
def test_trend_recovers_a_straight_line(slope: float, start: float, size: int) -> None:
    line = [start + slope * k for k in range(size)]
    assert trend(line) == pytest.approx(slope, abs=1e-9)

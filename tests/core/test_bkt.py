"""Bayesian Knowledge Tracing: the published forward pass, EM parameter recovery and AUC."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proficio.core.mastery import bkt
from proficio.core.mastery.bkt import BKTParams

ORACLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "oracles.json"

TRUE = BKTParams(prior=0.3, learn=0.15, guess=0.2, slip=0.1)


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    if not ORACLES.is_file():
        pytest.skip(f"oracle file {ORACLES} is absent (../shared is not beside the checkout)")
    loaded: dict[str, Any] = json.loads(ORACLES.read_text(encoding="utf-8"))["bkt"]
    return loaded


@pytest.fixture(scope="module")
def fitted() -> BKTParams:
    """The recovery-test fit: 2,000 simulated students x 20 opportunities."""
    sequence_ids, responses = bkt.simulate(TRUE, n_students=2000, n_opportunities=20, seed=11)
    return bkt.fit(sequence_ids, responses, restarts=5, seed=0)


@st.composite
def params(draw: st.DrawFn) -> BKTParams:
    guess = draw(st.floats(0, 0.5))
    return BKTParams(
        prior=draw(st.floats(0, 1)),
        learn=draw(st.floats(0, 1)),
        guess=guess,
        slip=draw(st.floats(0, 0.5, exclude_max=True)),
        forget=draw(st.floats(0, 1)),
    )


histories = st.lists(st.lists(st.integers(0, 1), min_size=1, max_size=15), min_size=1, max_size=8)


def as_rows(sequences: list[list[int]]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    ids = np.repeat(np.arange(len(sequences)), [len(s) for s in sequences])
    return ids, np.array([r for s in sequences for r in s])


# --- the forward pass ------------------------------------------------------------------------


def test_forward_matches_oracle(oracle: dict[str, Any]) -> None:
    p = BKTParams(**oracle["params"])
    p_correct, p_known = bkt.forward(p, oracle["responses"])
    assert p_correct == pytest.approx(oracle["p_correct_before_each"], abs=5e-7)
    assert p_known == pytest.approx(oracle["p_known_before_each"], abs=5e-7)
    next_known = bkt.p_known_next(p, oracle["responses"])
    assert next_known == pytest.approx(oracle["p_known_for_next_opportunity"], abs=5e-7)


def test_forgetting_by_hand() -> None:
    p = BKTParams(prior=0.5, learn=0.1, guess=0.2, slip=0.1, forget=0.3)
    posterior = 0.5 * 0.9 / (0.5 * 0.9 + 0.5 * 0.2)  # after a correct answer
    expected = posterior * (1 - 0.3) + (1 - posterior) * 0.1
    _, p_known = bkt.forward(p, [1, 0])
    assert p_known[1] == pytest.approx(expected)
    assert bkt.p_known_next(p, [1]) == pytest.approx(expected)


def test_no_responses() -> None:
    p_correct, p_known = bkt.forward(TRUE, [])
    assert p_correct.size == p_known.size == 0
    assert bkt.p_known_next(TRUE, []) == TRUE.prior


def test_an_impossible_response_leaves_the_estimate_alone() -> None:
    never = BKTParams(prior=0.0, learn=0.0, guess=0.0, slip=0.1)
    p_correct, p_known = bkt.forward(never, [1, 1])
    assert p_correct.tolist() == [0.0, 0.0]
    assert p_known.tolist() == [0.0, 0.0]
    assert bkt.log_likelihood(never, [0, 0], [1, 1]) == -math.inf


@given(params(), histories)
def test_probabilities_stay_probabilities(p: BKTParams, sequences: list[list[int]]) -> None:
    for responses in sequences:
        p_correct, p_known = bkt.forward(p, responses)
        for values in (p_correct, p_known, [bkt.p_known_next(p, responses)]):
            assert np.all((np.asarray(values) >= 0) & (np.asarray(values) <= 1 + 1e-12))


@given(params(), histories)
def test_many_students_at_once_equal_one_at_a_time(
    p: BKTParams, sequences: list[list[int]]
) -> None:
    ids, responses = as_rows(sequences)
    one_at_a_time = [bkt.forward(p, s) for s in sequences]
    expected = np.concatenate([p_correct for p_correct, _ in one_at_a_time])
    assert bkt.predict_correct(p, ids, responses) == pytest.approx(expected, abs=1e-12)
    # P(incorrect) from its own terms: 1 - P(correct) can round to 0 when it is merely tiny.
    known = np.concatenate([p_known for _, p_known in one_at_a_time])
    incorrect = known * p.slip + (1 - known) * (1 - p.guess)
    with np.errstate(divide="ignore"):
        by_hand = float(np.log(np.where(responses == 1, expected, incorrect)).sum())
    assert bkt.log_likelihood(p, ids, responses) == pytest.approx(by_hand, rel=1e-9, abs=1e-9)


# --- parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prior": 1.2}, "prior must be a probability"),
        ({"learn": -0.1}, "learn must be a probability"),
        ({"forget": math.nan}, "forget must be a probability"),
        ({"slip": "0.1"}, "slip must be a probability"),
        ({"guess": 0.6, "slip": 0.4}, "guess \\+ slip must be below 1"),
    ],
)
def test_bad_parameters_are_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(TRUE, **changes)


def test_parameters_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TRUE.prior = 0.5  # type: ignore[misc]


# --- simulation and fitting ------------------------------------------------------------------


def test_simulate_lays_out_rows_student_by_student() -> None:
    ids, responses = bkt.simulate(TRUE, n_students=3, n_opportunities=4, seed=5)
    assert ids.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    assert set(responses.tolist()) <= {0, 1}
    again = bkt.simulate(TRUE, n_students=3, n_opportunities=4, seed=5)
    assert np.array_equal(responses, again[1])


def test_parameters_are_recovered(fitted: BKTParams) -> None:
    print(f"\ntrue {TRUE}\nfitted {fitted}")
    assert fitted.learn == pytest.approx(TRUE.learn, abs=0.03)
    assert fitted.guess == pytest.approx(TRUE.guess, abs=0.03)
    assert fitted.slip == pytest.approx(TRUE.slip, abs=0.03)
    assert fitted.prior == pytest.approx(TRUE.prior, abs=0.05)
    assert fitted.forget == 0.0


def test_fitted_model_predicts_held_out_students(fitted: BKTParams) -> None:
    ids, responses = bkt.simulate(TRUE, n_students=1000, n_opportunities=20, seed=12)
    fitted_auc = bkt.auc(responses, bkt.predict_correct(fitted, ids, responses))
    true_auc = bkt.auc(responses, bkt.predict_correct(TRUE, ids, responses))
    print(f"\nheld-out AUC: fitted {fitted_auc:.4f}, true parameters {true_auc:.4f}")
    assert fitted_auc > 0.7
    assert fitted_auc == pytest.approx(true_auc, abs=0.005)


def test_forgetting_is_recovered() -> None:
    truth = BKTParams(prior=0.3, learn=0.2, guess=0.2, slip=0.1, forget=0.05)
    ids, responses = bkt.simulate(truth, n_students=2000, n_opportunities=30, seed=3)
    fitted = bkt.fit(ids, responses, restarts=3, forgets=True, seed=0)
    for name in ("learn", "guess", "slip", "forget"):
        assert getattr(fitted, name) == pytest.approx(getattr(truth, name), abs=0.03), name
    assert bkt.log_likelihood(fitted, ids, responses) >= bkt.log_likelihood(truth, ids, responses)


def test_many_targets_in_one_call() -> None:
    easy = BKTParams(prior=0.6, learn=0.05, guess=0.3, slip=0.05)
    rows_a = bkt.simulate(TRUE, n_students=1000, n_opportunities=20, seed=4)
    rows_b = bkt.simulate(easy, n_students=1000, n_opportunities=12, seed=5)
    target_ids = np.repeat([3, 8], [rows_a[1].size, rows_b[1].size])
    fitted = bkt.fit_many(
        target_ids, np.concatenate([rows_a[0], rows_b[0]]), np.concatenate([rows_a[1], rows_b[1]])
    )
    assert set(fitted) == {3, 8}
    for truth, got in ((TRUE, fitted[3]), (easy, fitted[8])):
        for name in ("learn", "guess", "slip"):
            assert getattr(got, name) == pytest.approx(getattr(truth, name), abs=0.04), name


def test_one_target_through_fit_many_is_fit() -> None:
    ids, responses = bkt.simulate(TRUE, n_students=200, n_opportunities=10, seed=6)
    alone = bkt.fit(ids, responses, restarts=2, seed=9)
    many = bkt.fit_many(np.zeros_like(ids), ids, responses, restarts=2, seed=9)
    assert many == {0: alone}


def test_dropping_converged_sequences_keeps_rows_in_place() -> None:
    # EM drops the columns of targets that have converged; what stays must still map
    # back to the same response rows.
    ids = np.array([0, 0, 0, 1, 2, 2, 3, 3, 3, 3])
    responses = np.array([1, 0, 1, 1, 0, 0, 1, 1, 0, 1], dtype=np.float64)
    seqs = bkt._Sequences.of(ids, responses)
    keep = np.array([True, False, True, False])  # columns are longest first: ids 3, 0, 2, 1
    subset = seqs.subset(keep)
    assert subset.lengths.tolist() == [4, 2]
    assert subset.active.tolist() == [2, 2, 1, 1]
    assert subset.to_rows(subset.responses).tolist() == [0, 0, 1, 1, 0, 1]


def test_guess_and_slip_stay_below_one_half() -> None:
    # Students who answer almost everything wrongly: the mirror-image model ("known"
    # meaning "wrong") would fit as well, and the bound rules it out.
    mirrored = BKTParams(prior=0.3, learn=0.15, guess=0.2, slip=0.1)
    ids, responses = bkt.simulate(mirrored, n_students=300, n_opportunities=10, seed=8)
    fitted = bkt.fit(ids, 1 - responses, restarts=3)
    assert fitted.guess < 0.5
    assert fitted.slip < 0.5


def test_short_runs_and_single_responses() -> None:
    # One response per student: no transitions to learn from; learn keeps its start.
    ids = np.arange(50)
    responses = np.tile([0, 1], 25)
    fitted = bkt.fit(ids, responses, restarts=1, max_iterations=1)
    assert 0 < fitted.learn < 1
    assert 0 <= fitted.guess < 0.5


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bkt.fit([0, 0], [1, 0], restarts=0), "restarts must be at least 1"),
        (lambda: bkt.fit([], []), "at least one response"),
        (lambda: bkt.fit([1, 0], [1, 0]), "sorted by target_ids, then sequence_ids"),
        (lambda: bkt.fit_many([1, 0], [0, 0], [1, 0]), "sorted by target_ids"),
        (lambda: bkt.fit_many([0], [0, 0], [1, 0]), "target_ids must be integers"),
        (lambda: bkt.fit([0, 0], [1, 2]), "responses must be 0 or 1; position 1 is 2.0"),
        (lambda: bkt.fit([0.5, 1.5], [1, 0]), "sequence_ids must be integers"),
        (lambda: bkt.forward(TRUE, [[1, 0]]), "one-dimensional"),
    ],
)
def test_bad_rows_are_refused(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --- AUC -------------------------------------------------------------------------------------


def pairwise_auc(truth: list[int], scores: list[float]) -> float:
    positives = [s for t, s in zip(truth, scores, strict=True) if t == 1]
    negatives = [s for t, s in zip(truth, scores, strict=True) if t == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 5).map(float) | st.floats(0, 1)),
        min_size=2,
        max_size=40,
    ).filter(lambda rows: len({t for t, _ in rows}) == 2)
)
def test_auc_equals_the_pairwise_count(rows: list[tuple[int, float]]) -> None:
    truth = [t for t, _ in rows]
    scores = [s for _, s in rows]
    assert bkt.auc(truth, scores) == pytest.approx(pairwise_auc(truth, scores), abs=1e-12)


def test_auc_examples() -> None:
    assert bkt.auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert bkt.auc([0, 1], [0.5, 0.5]) == 0.5
    assert bkt.auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == 0.0


@pytest.mark.parametrize(
    ("truth", "scores", "message"),
    [
        ([1, 1], [0.2, 0.3], "at least one positive and one negative"),
        ([0, 1], [0.2], "equal length"),
        ([0, 2], [0.2, 0.3], "only 0 and 1"),
        ([0, 1], [0.2, math.nan], "NaN"),
    ],
)
def test_auc_refuses_what_it_cannot_rank(
    truth: list[int], scores: list[float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bkt.auc(truth, scores)

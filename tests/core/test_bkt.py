"""Bayesian Knowledge Tracing: exact filtering, EM, parameter spaces, variants, bad input.

The forward and backward passes are checked against an exact integer reference and a
brute-force sum over hidden paths (``bkt_reference``), on long streaks and extreme
parameters; EM against its own promises (monotone, exact log-likelihood, best restart).
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bkt_reference import exact, paths
from hypothesis import example, given, settings
from hypothesis import strategies as st

from proficio.core.mastery import _bkt_kernels as kernels
from proficio.core.mastery import bkt
from proficio.core.mastery.bkt import BKTParams, ParameterSpace, SkillModel, Variant

ORACLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "oracles.json"
FREE = ParameterSpace.UNCONSTRAINED
TRUE = BKTParams(prior=0.3, learn=0.15, guess=0.2, slip=0.1)


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    if not ORACLES.is_file():
        pytest.skip(f"oracle file {ORACLES} is absent (../shared is not beside the checkout)")
    loaded: dict[str, Any] = json.loads(ORACLES.read_text(encoding="utf-8"))["bkt"]
    return loaded


@pytest.fixture(scope="module")
def fitted() -> bkt.FitResult:
    """The recovery-test fit: 2,000 simulated students x 20 opportunities."""
    sequence_ids, responses = bkt.simulate(TRUE, n_students=2000, n_opportunities=20, seed=11)
    return bkt.fit(sequence_ids, responses, restarts=5, seed=0)


# Probabilities anywhere in (0, 1), often very near 0 or 1.
probability = st.one_of(
    st.floats(0.001, 0.999),
    st.floats(1e-12, 1e-3),
    st.floats(1e-12, 1e-3).map(lambda x: 1.0 - x),
)
free_params = st.builds(
    BKTParams,
    prior=probability,
    learn=probability,
    guess=probability,
    slip=probability,
    forget=st.one_of(st.just(0.0), probability),
    space=st.just(FREE),
)
# 1 to 500 responses: runs of all-correct and all-wrong answers, or a mix.
runs = st.lists(st.tuples(st.integers(0, 1), st.integers(1, 120)), min_size=1, max_size=6)
streaky = runs.map(lambda rs: [r for r, n in rs for _ in range(n)][:500])
mixed = st.lists(st.integers(0, 1), min_size=1, max_size=500)
responses_strategy = st.one_of(streaky, mixed)


def as_rows(sequences: list[list[int]]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    ids = np.repeat(np.arange(len(sequences)), [len(s) for s in sequences])
    return ids, np.array([r for s in sequences for r in s])


def fields(p: BKTParams) -> tuple[float, float, float, float, float]:
    return p.prior, p.learn, p.guess, p.slip, p.forget


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


def test_no_responses_is_the_prior_only_answer() -> None:
    p_correct, p_known = bkt.forward(TRUE, [])
    assert p_correct.size == p_known.size == 0
    assert bkt.p_known_next(TRUE, []) == TRUE.prior
    nxt = bkt.next_response(TRUE, [])
    assert nxt.p_correct == pytest.approx(TRUE.prior * 0.9 + 0.7 * 0.2)


def test_an_impossible_response_leaves_the_estimate_alone() -> None:
    never = BKTParams(prior=0.0, learn=0.0, guess=0.0, slip=0.1)
    p_correct, p_known = bkt.forward(never, [1, 1])
    assert p_correct.tolist() == [0.0, 0.0]
    assert p_known.tolist() == [0.0, 0.0]
    assert bkt.log_likelihood(never, [0, 0], [1, 1]) == -math.inf


def test_a_long_streak_does_not_saturate() -> None:
    # 60 correct answers then 20 wrong ones. Forming 1 - P(known) would round P(unknown)
    # to 0 after about 40 correct answers, and P(known) could never fall again.
    p = BKTParams(prior=0.3, learn=0.02, guess=0.3, slip=0.01)
    responses = [1] * 60 + [0] * 20
    _, p_known = bkt.forward(p, responses)
    reference = exact(*fields(p), responses)
    assert reference.p_known_before[-1] == pytest.approx(0.0205242, abs=1e-7)
    assert p_known.tolist() == pytest.approx(reference.p_known_before, rel=1e-10, abs=0)


@settings(max_examples=25, deadline=None)
@given(free_params, responses_strategy)
def test_forward_is_exact(p: BKTParams, responses: list[int]) -> None:
    reference = exact(*fields(p), responses)
    p_correct, p_known = bkt.forward(p, responses)
    assert p_known.tolist() == pytest.approx(reference.p_known_before, rel=1e-9, abs=0)
    assert p_correct.tolist() == pytest.approx(reference.p_correct_before, rel=1e-9, abs=0)
    ll = bkt.log_likelihood(p, np.zeros(len(responses), dtype=np.int64), responses)
    assert ll == pytest.approx(reference.log_likelihood, rel=1e-10, abs=1e-10)


def expected_counts(p: BKTParams, responses: list[int], tiny: float) -> tuple[float, np.ndarray]:
    """One sequence's E-step through the kernels; ``tiny=2`` forces the log-space path."""
    n = len(responses)
    resp = np.array(responses, dtype=np.int8)
    zero = np.zeros(n, dtype=np.int32)
    learn, forget = np.array([p.learn]), np.array([p.forget])
    guess, slip = np.array([p.guess]), np.array([p.slip])
    pred_k, pred_u, counts = np.empty(n), np.empty(n), np.zeros((1, 8))
    odds, stay, learns = np.empty((1, 4)), np.empty(1), np.empty(1)
    kernels.log_tables(learn, guess, slip, 0, 1, 0, 1, odds, stay, learns)
    args = (resp, zero, zero, 0, n)
    params = (learn, forget, guess, slip, odds, stay)
    ll, ok = kernels.forward(*args, p.prior, *params, 0, 0, pred_k, pred_u, tiny)
    if ok and math.isnan(kernels.backward(*args, *params, learns, pred_k, pred_u, counts, 0, 0)):
        counts[:] = 0.0  # as em_job does: the sequence again, in log space
        ok = False
    if not ok:
        ll = kernels.forward_log(*args, p.prior, learn, forget, guess, slip, pred_k, pred_u)
        kernels.backward_log(*args, learn, forget, guess, slip, pred_k, pred_u, counts, 0, 0)
    return ll, counts[0]


_OVERTURNED = BKTParams(prior=0.5, learn=0.125, guess=2**-7, slip=2**-7, forget=0.0, space=FREE)
_OVERTURNED_RESPONSES = [1] * 111 + [0] * 215 + [1] * 48
# Overturned so far that a certain row's P(known | all) underflows: only logs can hold it.
_BEYOND = BKTParams(prior=7.875e-05, learn=5.45e-04, guess=7.875e-05, slip=7.875e-05, space=FREE)
_BEYOND_RESPONSES = [1] * 111 + [0] * 113 + [1] * 27 + [0] * 115 + [1] * 28


@settings(max_examples=20, deadline=None)
@given(free_params, responses_strategy)
@example(_OVERTURNED, _OVERTURNED_RESPONSES)
@example(_BEYOND, _BEYOND_RESPONSES)
def test_expected_counts_are_exact_on_both_paths(p: BKTParams, responses: list[int]) -> None:
    reference = exact(*fields(p), responses)
    known = sum(reference.smoothed_known)
    for tiny in (kernels.TINY, 2.0):
        ll, counts = expected_counts(p, responses, tiny)
        assert ll == pytest.approx(reference.log_likelihood, rel=1e-10, abs=1e-10)
        assert counts[0] == pytest.approx(reference.learned, rel=1e-8, abs=1e-12)
        assert counts[2] == pytest.approx(reference.forgot, rel=1e-8, abs=1e-12)
        assert counts[4] == pytest.approx(known, rel=1e-8, abs=1e-12)
        assert counts[4] + counts[6] == pytest.approx(len(responses), rel=1e-10)


@settings(max_examples=15, deadline=None)
@given(free_params, st.lists(st.integers(0, 1), min_size=1, max_size=8))
def test_the_integer_reference_equals_the_sum_over_hidden_paths(
    p: BKTParams, responses: list[int]
) -> None:
    total, known = paths(*fields(p), responses)
    reference = exact(*fields(p), responses)
    assert reference.log_likelihood == pytest.approx(math.log(total), rel=1e-12)
    assert reference.smoothed_known == pytest.approx([float(k) for k in known], rel=1e-12)


histories = st.lists(st.lists(st.integers(0, 1), min_size=1, max_size=15), min_size=1, max_size=8)


@settings(max_examples=30, deadline=None)
@given(free_params, histories)
def test_many_students_at_once_equal_one_at_a_time(
    p: BKTParams, sequences: list[list[int]]
) -> None:
    ids, responses = as_rows(sequences)
    one_at_a_time = [bkt.forward(p, s) for s in sequences]
    expected = np.concatenate([p_correct for p_correct, _ in one_at_a_time])
    assert bkt.predict_correct(p, ids, responses) == pytest.approx(expected, rel=1e-12)
    by_parts = sum(bkt.log_likelihood(p, [0] * len(s), s) for s in sequences)
    assert bkt.log_likelihood(p, ids, responses) == pytest.approx(by_parts, rel=1e-12)


# --- parameters and spaces -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prior": 1.2}, "prior must be a probability"),
        ({"learn": -0.1}, "learn must be a probability"),
        ({"forget": math.nan}, "forget must be a probability"),
        ({"slip": "0.1"}, "slip must be a probability"),
        ({"guess": 0.6}, "guess must be below 0.5 in the identifiable parameter space"),
        ({"slip": 0.5}, "slip must be below 0.5 in the identifiable parameter space"),
        ({"space": "pyBKT"}, "is not a valid ParameterSpace"),
    ],
)
def test_parameters_outside_their_space_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(TRUE, **changes)


def test_the_unconstrained_space_allows_guess_above_one_half() -> None:
    p = BKTParams(prior=0.3, learn=0.1, guess=0.7, slip=0.6, space="unconstrained")
    assert p.space is FREE
    with pytest.raises(ValueError, match=r"guess\[q1\] must be below 0.5"):
        SkillModel(TRUE, frozenset({Variant.MULTIGS}), item_guess={"q1": 0.7})


def test_parameters_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TRUE.prior = 0.5  # type: ignore[misc]


def test_models_round_trip_through_json() -> None:
    model = SkillModel(
        dataclasses.replace(TRUE, forget=0.05, space=FREE),
        frozenset({"forgets", "multigs", "multiprior"}),
        item_guess={"q1": 0.6, "q2": 0.1},
        item_slip={"q1": 0.2, "q2": 0.05},
        cohort_prior={"north": 0.4},
    )
    again = SkillModel.from_dict(json.loads(json.dumps(model.as_dict())))
    assert again == model
    assert model.describe() == (
        "BKT with forgetting and guess and slip per item and prior per cohort"
    )
    assert bkt.as_model(TRUE).describe() == "standard BKT"


def test_parameters_stored_before_spaces_read_as_identifiable() -> None:
    legacy = {"prior": 0.3, "learn": 0.1, "guess": 0.2, "slip": 0.1, "forget": 0.02}
    model = SkillModel.from_dict(legacy)
    assert model.space is ParameterSpace.IDENTIFIABLE
    assert model.variants == {Variant.FORGETS}


# --- simulation and fitting ------------------------------------------------------------------


def test_simulate_lays_out_rows_student_by_student() -> None:
    ids, responses = bkt.simulate(TRUE, n_students=3, n_opportunities=4, seed=5)
    assert ids.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    assert set(responses.tolist()) <= {0, 1}
    again = bkt.simulate(TRUE, n_students=3, n_opportunities=4, seed=5)
    assert np.array_equal(responses, again[1])


def test_parameters_are_recovered(fitted: bkt.FitResult) -> None:
    params = fitted.params
    assert params.learn == pytest.approx(TRUE.learn, abs=0.03)
    assert params.guess == pytest.approx(TRUE.guess, abs=0.03)
    assert params.slip == pytest.approx(TRUE.slip, abs=0.03)
    assert params.prior == pytest.approx(TRUE.prior, abs=0.05)
    assert params.forget == 0.0
    assert params.space is ParameterSpace.IDENTIFIABLE
    assert fitted.converged
    assert fitted.responses == 40_000
    assert fitted.sequences == 2000


def test_the_fit_reports_the_exact_likelihood_of_the_best_restart(fitted: bkt.FitResult) -> None:
    ids, responses = bkt.simulate(TRUE, n_students=2000, n_opportunities=20, seed=11)
    exact_ll = bkt.log_likelihood(fitted.model, ids, responses)
    assert fitted.log_likelihood == pytest.approx(exact_ll, rel=1e-12)
    assert fitted.log_likelihood == max(fitted.restart_log_likelihoods)
    assert fitted.restart_log_likelihoods[fitted.restart] == fitted.log_likelihood
    assert 2 <= len(fitted.history) <= fitted.iterations + 1
    assert fitted.history[-1] == fitted.log_likelihood


def test_fitted_model_predicts_held_out_students(fitted: bkt.FitResult) -> None:
    ids, responses = bkt.simulate(TRUE, n_students=1000, n_opportunities=20, seed=12)
    fitted_auc = bkt.auc(responses, bkt.predict_correct(fitted.model, ids, responses))
    true_auc = bkt.auc(responses, bkt.predict_correct(TRUE, ids, responses))
    assert fitted_auc > 0.7
    assert fitted_auc == pytest.approx(true_auc, abs=0.005)


@settings(max_examples=12, deadline=None)
@given(
    free_params,
    st.sampled_from(list(ParameterSpace)),
    st.booleans(),
    st.integers(0, 2**31),
)
def test_em_never_lowers_the_likelihood(
    truth: BKTParams, space: ParameterSpace, forgets: bool, seed: int
) -> None:
    ids, responses = bkt.simulate(truth, n_students=60, n_opportunities=12, seed=seed % 1000)
    result = bkt.fit(
        ids,
        responses,
        space=space,
        variants=["forgets"] if forgets else [],
        restarts=2,
        seed=seed,
        max_iterations=60,
    )
    steps = np.diff(result.history)
    assert np.all(steps >= -1e-12 * (abs(result.history[-1]) + responses.size))
    assert result.log_likelihood == pytest.approx(
        bkt.log_likelihood(result.model, ids, responses), rel=1e-12
    )


def test_forgetting_is_recovered() -> None:
    truth = BKTParams(prior=0.3, learn=0.2, guess=0.2, slip=0.1, forget=0.05)
    ids, responses = bkt.simulate(truth, n_students=2000, n_opportunities=30, seed=3)
    result = bkt.fit(ids, responses, restarts=3, variants=["forgets"], seed=0)
    for name in ("learn", "guess", "slip", "forget"):
        assert getattr(result.params, name) == pytest.approx(getattr(truth, name), abs=0.03), name
    assert result.model.variants == {Variant.FORGETS}
    assert result.log_likelihood >= bkt.log_likelihood(truth, ids, responses)


def test_skills_fit_together_exactly_as_alone() -> None:
    easy = BKTParams(prior=0.6, learn=0.05, guess=0.3, slip=0.05)
    rows_a = bkt.simulate(TRUE, n_students=300, n_opportunities=20, seed=4)
    rows_b = bkt.simulate(easy, n_students=300, n_opportunities=12, seed=5)
    skill_ids = np.repeat([3, 8], [rows_a[1].size, rows_b[1].size])
    together = bkt.fit_many(
        skill_ids,
        np.concatenate([rows_a[0], rows_b[0]]),
        np.concatenate([rows_a[1], rows_b[1]]),
        restarts=3,
        threads=2,
    )
    alone_b = bkt.fit_many(np.full(rows_b[1].size, 8), *rows_b, restarts=3, threads=1)
    assert set(together) == {3, 8}
    assert together[8] == alone_b[8]
    for truth, got in ((TRUE, together[3]), (easy, together[8])):
        assert got.params.learn == pytest.approx(truth.learn, abs=0.05)


def test_the_identifiable_space_costs_likelihood_where_guessing_is_easy() -> None:
    easy_to_guess = BKTParams(prior=0.2, learn=0.2, guess=0.7, slip=0.05, space=FREE)
    ids, responses = bkt.simulate(easy_to_guess, n_students=1500, n_opportunities=10, seed=2)
    free = bkt.fit(ids, responses, space=FREE, restarts=4)
    capped = bkt.fit(ids, responses, restarts=4)
    assert free.params.guess > 0.6
    assert free.params.space is FREE
    assert capped.params.guess < 0.5
    assert free.log_likelihood > capped.log_likelihood


def test_a_fit_that_did_not_converge_says_so() -> None:
    ids, responses = bkt.simulate(TRUE, n_students=200, n_opportunities=10, seed=6)
    result = bkt.fit(ids, responses, restarts=1, max_iterations=1)
    assert not result.converged
    assert result.iterations == 1
    assert bkt.fit(ids, responses, restarts=1).converged


def test_long_sequences_are_really_fitted() -> None:
    # Students with 1,900 responses each: an overflowing backward pass used to leave
    # learn and guess at their random starting values, silently.
    truth = BKTParams(prior=0.2, learn=0.01, guess=0.25, slip=0.1, forget=0.002)
    ids, responses = bkt.simulate(truth, n_students=12, n_opportunities=1900, seed=1)
    start = BKTParams(prior=0.5, learn=0.3, guess=0.4, slip=0.25)
    result = bkt.fit(ids, responses, restarts=1, start=start, variants=["forgets"])
    assert result.converged
    assert result.params.learn == pytest.approx(truth.learn, abs=0.01)
    assert result.params.guess == pytest.approx(truth.guess, abs=0.05)
    assert result.log_likelihood > bkt.log_likelihood(start, ids, responses) + 1000


def test_single_responses_leave_learning_unidentified() -> None:
    ids = np.arange(50)
    responses = np.tile([0, 1], 25)
    result = bkt.fit(ids, responses, restarts=1)
    assert result.not_identified == ("learn",)
    assert 0 < result.params.learn < 1
    assert result.params.guess < 0.5


def test_fixed_and_starting_parameters() -> None:
    ids, responses = bkt.simulate(TRUE, n_students=400, n_opportunities=10, seed=9)
    result = bkt.fit(ids, responses, fixed={"slip": 0.1, "prior": 0.25}, restarts=2)
    assert result.params.slip == 0.1
    assert result.params.prior == 0.25
    started = bkt.fit(ids, responses, start=TRUE, restarts=1, max_iterations=0)
    assert started.params == TRUE
    assert started.history == pytest.approx([bkt.log_likelihood(TRUE, ids, responses)], rel=1e-12)


# --- variants ----------------------------------------------------------------------------------


def simulate_variants(
    n_students: int, n_opportunities: int, seed: int
) -> dict[str, np.ndarray[Any, Any]]:
    """Students in two cohorts answering three items, practising in two learning classes."""
    rng = np.random.default_rng(seed)
    item_guess = np.array([0.1, 0.3, 0.45])
    item_slip = np.array([0.05, 0.1, 0.2])
    class_learn = np.array([0.05, 0.3])
    cohort_prior = np.array([0.1, 0.6])
    cohort = rng.integers(0, 2, n_students)
    known = rng.random(n_students) < cohort_prior[cohort]
    items = rng.integers(0, 3, (n_students, n_opportunities))
    classes = rng.integers(0, 2, (n_students, n_opportunities))
    responses = np.empty((n_students, n_opportunities), dtype=np.int8)
    for t in range(n_opportunities):
        right = rng.random(n_students)
        i = items[:, t]
        responses[:, t] = np.where(known, right >= item_slip[i], right < item_guess[i])
        known |= rng.random(n_students) < class_learn[classes[:, t]]
    return {
        "ids": np.repeat(np.arange(n_students), n_opportunities),
        "responses": responses.ravel(),
        "items": np.array(["q1", "q2", "q3"])[items.ravel()],
        "classes": np.array(["drill", "tutor"])[classes.ravel()],
        "cohorts": np.repeat(np.array(["east", "west"])[cohort], n_opportunities),
    }


@pytest.fixture(scope="module")
def variant_data() -> dict[str, np.ndarray[Any, Any]]:
    return simulate_variants(2500, 12, seed=7)


def test_every_variant_together_recovers_its_tables(
    variant_data: dict[str, np.ndarray[Any, Any]],
) -> None:
    d = variant_data
    result = bkt.fit(
        d["ids"],
        d["responses"],
        variants=["multigs", "multilearn", "multiprior"],
        items=d["items"],
        learn_classes=d["classes"],
        cohorts=d["cohorts"],
        restarts=3,
    )
    m = result.model
    assert result.converged
    assert [m.item_guess[q] for q in ("q1", "q2", "q3")] == pytest.approx(
        [0.1, 0.3, 0.45], abs=0.04
    )
    assert [m.item_slip[q] for q in ("q1", "q2", "q3")] == pytest.approx([0.05, 0.1, 0.2], abs=0.04)
    assert [m.class_learn[c] for c in ("drill", "tutor")] == pytest.approx([0.05, 0.3], abs=0.05)
    assert [m.cohort_prior[c] for c in ("east", "west")] == pytest.approx([0.1, 0.6], abs=0.06)
    assert m.class_forget == {}
    # Pooled values: the averages weighted by rows (items) and students (cohorts).
    assert m.params.guess == pytest.approx(np.mean([m.item_guess[q] for q in d["items"]]))
    assert m.describe() == (
        "BKT with guess and slip per item and learning rate per learning class and prior per cohort"
    )
    plain = bkt.fit(d["ids"], d["responses"], restarts=3)
    assert result.log_likelihood > plain.log_likelihood + 100
    # Prediction reads the same tables EM fitted: the same exact log-likelihood.
    again = bkt.predict(
        {0: m},
        np.zeros(d["ids"].size, dtype=np.int64),
        d["ids"],
        d["responses"],
        items=d["items"],
        learn_classes=d["classes"],
        cohorts=d["cohorts"],
    )
    assert again.log_likelihood == pytest.approx(result.log_likelihood, rel=1e-12)
    assert np.all((again.p_correct > 0) & (again.p_correct < 1))


def test_predictions_use_the_variant_tables_and_pool_the_unseen(
    variant_data: dict[str, np.ndarray[Any, Any]],
) -> None:
    model = SkillModel(
        TRUE,
        frozenset({Variant.MULTIGS}),
        item_guess={"q1": 0.05, "q2": 0.45},
        item_slip={"q1": 0.05, "q2": 0.3},
    )
    p_correct, _ = bkt.forward(model, [1, 1], items=["q2", "new item"])
    assert p_correct[0] == pytest.approx(0.3 * 0.7 + 0.7 * 0.45)
    known = 0.3 * 0.7 / (0.3 * 0.7 + 0.7 * 0.45)  # after a correct answer to q2
    known += (1 - known) * 0.15
    assert p_correct[1] == pytest.approx(known * 0.9 + (1 - known) * 0.2)  # pooled
    nxt = bkt.next_response(model, [1], items=["q1"], next_item="q2")
    assert nxt.p_correct == pytest.approx(nxt.p_known * 0.7 + (1 - nxt.p_known) * 0.45)
    cohorts = SkillModel(TRUE, frozenset({Variant.MULTIPRIOR}), cohort_prior={"east": 0.9})
    assert bkt.next_response(cohorts, [], cohort="east").p_known == 0.9
    assert bkt.next_response(cohorts, [], cohort="south").p_known == TRUE.prior
    learning = SkillModel(TRUE, frozenset({Variant.MULTILEARN}), class_learn={"tutor": 0.5})
    after = bkt.next_response(learning, [0], learn_classes=["tutor"]).p_known
    posterior = 0.3 * 0.1 / (0.3 * 0.1 + 0.7 * 0.8)
    assert after == pytest.approx(posterior + (1 - posterior) * 0.5)


def test_predict_a_whole_test_set_across_skills() -> None:
    other = BKTParams(prior=0.6, learn=0.05, guess=0.3, slip=0.05)
    skills = np.array([1, 1, 1, 2, 2])
    ids = np.array([5, 5, 6, 5, 5])
    responses = np.array([1, 0, 1, 0, 0])
    result = bkt.predict({1: TRUE, 2: other}, skills, ids, responses)
    expected = np.concatenate(
        [bkt.forward(TRUE, [1, 0])[0], bkt.forward(TRUE, [1])[0], bkt.forward(other, [0, 0])[0]]
    )
    assert result.p_correct == pytest.approx(expected, rel=1e-12)
    assert result.log_space_sequences == 0


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bkt.fit([0, 0], [1, 0], restarts=0), "restarts must be at least 1"),
        (lambda: bkt.fit([0], [1], max_iterations=-1), "max_iterations must be at least 0"),
        (lambda: bkt.fit([0], [1], tolerance=math.nan), "tolerance must be a non-negative"),
        (lambda: bkt.fit([], []), "at least one response"),
        (
            lambda: bkt.fit([1, 2, 1], [1, 0, 1]),
            "student 1 of skill 0 has rows at positions 0 and 2",
        ),
        (lambda: bkt.predict_correct(TRUE, [1, 2, 1], [1, 0, 1]), "rows must be grouped"),
        (lambda: bkt.fit_many([1, 2, 1], [0, 0, 0], [1, 0, 1]), "skill 1 has rows at positions 0"),
        (lambda: bkt.fit_many([0], [0, 0], [1, 0]), "skill ids must be integers"),
        (lambda: bkt.fit([0, 0], [1, 2]), "responses must be 0 or 1; position 1 is 2.0"),
        (lambda: bkt.fit([0, 0], [1, math.nan]), "responses must be 0 or 1; position 1 is nan"),
        (lambda: bkt.fit([0.5, 1.5], [1, 0]), "sequence_ids must be integers"),
        (lambda: bkt.forward(TRUE, [[1, 0]]), "one-dimensional"),
        (lambda: bkt.fit([0], [1], variants=["multigs"]), "the multigs variant needs items"),
        (lambda: bkt.fit([0], [1], items=["q"]), "items need the multigs variant"),
        (lambda: bkt.fit([0], [1], variants=["multigs"], items=["a", "b"]), "one label per"),
        (lambda: bkt.fit([0], [1], variants=["twice"]), "'twice' is not a valid Variant"),
        (
            lambda: bkt.fit([0, 0], [1, 1], variants=["multiprior"], cohorts=["a", "b"]),
            "cohorts must not change within a student's rows",
        ),
        (lambda: bkt.fit([0], [1], fixed={"speed": 0.1}), "fixed parameters are prior"),
        (lambda: bkt.fit([0], [1], fixed={"guess": 0.7}), "guess must be below 0.5"),
        (
            lambda: bkt.fit([0], [1], start=dataclasses.replace(TRUE, guess=0.7, space=FREE)),
            "guess must be below 0.5",
        ),
        (lambda: bkt.predict({1: TRUE}, [2], [0], [1]), "skill 2 has no fitted model"),
    ],
)
def test_bad_input_is_refused_with_a_reason(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_a_single_response_is_a_fit_with_nothing_to_learn_from() -> None:
    result = bkt.fit([0], [1], restarts=2)
    assert result.responses == 1
    assert result.not_identified == ("learn",)
    assert math.isfinite(result.log_likelihood)


# --- compiled code against the interpreted code --------------------------------------------


def test_the_compiled_kernels_agree_with_the_interpreted_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids, responses = bkt.simulate(TRUE, n_students=30, n_opportunities=15, seed=3)
    compiled = bkt.fit(ids, responses, restarts=1, variants=["forgets"], threads=1)
    for name in ("log_add", "safe_log", "log_tables", "forward", "forward_log", "backward"):
        monkeypatch.setattr(kernels, name, getattr(kernels, name).py_func)
    monkeypatch.setattr(kernels, "backward_log", kernels.backward_log.py_func)
    monkeypatch.setattr(kernels, "em_job", kernels.em_job.py_func)
    monkeypatch.setattr(kernels, "forward_all", kernels.forward_all.py_func)
    monkeypatch.setattr(kernels, "TINY", 2.0)  # the log-space path, interpreted
    in_logs = bkt.fit(ids, responses, restarts=1, variants=["forgets"], threads=1)
    assert in_logs.log_likelihood == pytest.approx(compiled.log_likelihood, rel=1e-12)
    assert in_logs.iterations == compiled.iterations
    assert in_logs.log_space_sequences == 30
    prediction = bkt.predict({0: compiled.model}, np.zeros_like(ids), ids, responses)
    assert prediction.log_space_sequences == 30
    never = BKTParams(prior=0.0, learn=0.0, guess=0.0, slip=0.1)
    assert bkt.forward(never, [1, 1])[1].tolist() == [0.0, 0.0]  # impossible, in logs
    ll, counts = expected_counts(never, [1, 1], 2.0)
    assert ll == -math.inf
    assert counts[4] == 0.0
    monkeypatch.setattr(kernels, "TINY", 1e-200)
    interpreted = bkt.fit(ids, responses, restarts=1, variants=["forgets"], threads=1)
    assert interpreted == compiled
    assert not bkt.fit(ids, responses, restarts=1, max_iterations=1, threads=1).converged
    # Near the optimum even the plain EM step can lose by rounding: EM stops, converged,
    # after a last accepted step that still gained.
    few_ids, few = bkt.simulate(TRUE, n_students=20, n_opportunities=10, seed=0)
    exhaustive = bkt.fit(few_ids, few, restarts=1, tolerance=0.0, max_iterations=2000, threads=1)
    assert exhaustive.converged
    assert exhaustive.history[-1] > exhaustive.history[-2]
    # Folding long products into logs; tiny predictive probabilities; a sudden underflow.
    long = [1, 0] * 150
    assert bkt.log_likelihood(TRUE, [0] * 300, long) == pytest.approx(
        exact(*fields(TRUE), long).log_likelihood, rel=1e-12
    )
    unlikely = BKTParams(prior=1e-150, learn=0.1, guess=1e-120, slip=1 - 2**-53, space=FREE)
    assert bkt.log_likelihood(unlikely, [0], [1]) == pytest.approx(
        exact(*fields(unlikely), [1]).log_likelihood, rel=1e-12
    )
    sudden = BKTParams(prior=0.5, learn=0.1, guess=1e-150, slip=0.1, space=FREE)
    assert bkt.forward(sudden, [1, 1])[1].tolist() == pytest.approx(
        exact(*fields(sudden), [1, 1]).p_known_before, rel=1e-12
    )


def test_certain_rows_interpreted_against_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """The log-odds form of certain rows, interpreted, on every way into and out of it."""
    for name in ("log_add", "safe_log", "log_tables", "forward", "forward_log"):
        monkeypatch.setattr(kernels, name, getattr(kernels, name).py_func)
    for name in ("backward", "backward_log", "forward_all"):
        monkeypatch.setattr(kernels, name, getattr(kernels, name).py_func)
    cases = [
        # A streak long enough to leave doubles, then wrong answers bring P(unknown) back.
        (BKTParams(prior=0.3, learn=0.02, guess=0.05, slip=0.01), [1] * 400 + [0] * 300),
        # Certain from the first response on; forgetting ends certainty at each step.
        (BKTParams(0.5, 0.1, 1e-250, 0.1, forget=0.1, space=FREE), [1, 1, 1, 0, 1]),
        # Certain rows with a forgetting too small to end certainty.
        (BKTParams(0.5, 0.3, 1e-120, 0.1, forget=1e-250, space=FREE), [1, 1, 1, 1, 0, 0]),
        # A slip so unlikely that one wrong answer after a streak makes P(unknown) count
        # again, with a backward ratio beyond doubles on the certain row before it.
        (BKTParams(0.5, 1e-9, 0.5, 1e-305, space=FREE), [1] * 960 + [0, 1]),
        # P(unknown) exactly 0 from the start.
        (BKTParams(1.0, 0.1, 0.2, 0.1, space=FREE), [1, 0, 1]),
        # Certain rows whose future (215 wrong answers) outweighs them: the backward ratio
        # leaves doubles while the messages stay normal (found by hypothesis: exp(v) alone
        # overflowed and the counts were NaN).
        (_OVERTURNED, _OVERTURNED_RESPONSES),
        # ... and so far that the certain row's P(known | all) underflows: in logs.
        (_BEYOND, _BEYOND_RESPONSES),
    ]
    for p, responses in cases:
        reference = exact(*fields(p), responses)
        ll, counts = expected_counts(p, responses, kernels.TINY)
        assert ll == pytest.approx(reference.log_likelihood, rel=1e-10)
        assert counts[0] == pytest.approx(reference.learned, rel=1e-8, abs=1e-12)
        assert counts[2] == pytest.approx(reference.forgot, rel=1e-8, abs=1e-12)
        assert counts[4] == pytest.approx(sum(reference.smoothed_known), rel=1e-8, abs=1e-12)
        # Log-odds near -1000 carry an absolute rounding error that grows with the streak.
        assert counts[4] + counts[6] == pytest.approx(len(responses), rel=1e-10)
        p_correct, p_known = bkt.forward(p, responses)
        assert p_known.tolist() == pytest.approx(reference.p_known_before, rel=1e-9, abs=0)
        assert p_correct.tolist() == pytest.approx(reference.p_correct_before, rel=1e-9, abs=0)
    # Where neither form is exact, the whole sequence goes to the log-space path:
    fallbacks = [
        # a slip so unlikely that one wrong answer undoes a certainty below doubles,
        (BKTParams(0.5, 1e-9, 0.5, 1e-300, space=FREE), [1] * 1020 + [0]),
        # a P(unknown) that would be kept below the smallest normal double,
        (BKTParams(0.5, 1.0, 0.2, 0.1, forget=1e-305, space=FREE), [1, 1]),
        # and a P(known | response) below TINY.
        (BKTParams(0.5, 0.1, 0.5, 1e-250, space=FREE), [0, 1]),
    ]
    for p, responses in fallbacks:
        reference = exact(*fields(p), responses)
        rows = np.zeros(len(responses), dtype=np.int64)
        prediction = bkt.predict({0: p}, rows, rows, responses)
        assert prediction.log_space_sequences == 1
        assert prediction.log_likelihood == pytest.approx(reference.log_likelihood, rel=1e-10)
        assert prediction.p_known.tolist() == pytest.approx(
            reference.p_known_before, rel=1e-9, abs=1e-300
        )


# --- AUC and RMSE ----------------------------------------------------------------------------


def pairwise_auc(truth: list[int], scores: list[float]) -> float:
    positives = [s for t, s in zip(truth, scores, strict=True) if t == 1]
    negatives = [s for t, s in zip(truth, scores, strict=True) if t == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


@settings(deadline=None)
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


def test_auc_and_rmse_examples() -> None:
    assert bkt.auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert bkt.auc([0, 1], [0.5, 0.5]) == 0.5
    assert bkt.auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == 0.0
    assert bkt.rmse([0, 1], [0.5, 0.5]) == 0.5
    assert bkt.rmse([1, 0, 1], [1.0, 0.0, 1.0]) == 0.0


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


def test_rmse_needs_a_response() -> None:
    with pytest.raises(ValueError, match="at least one response"):
        bkt.rmse([], [])


def test_times_exp_keeps_a_normal_product_whose_factor_overflows() -> None:
    """``w * exp(v)`` where exp(v) alone is beyond doubles, against exact decimals."""
    from decimal import Decimal, getcontext

    getcontext().prec = 50
    for w, v in [(1e-300, 800.0), (3.5e-200, 700.5), (2.0, -800.0), (0.25, 1.5)]:
        exact_value = float(Decimal(w) * Decimal(v).exp())
        for times_exp in (kernels._times_exp, kernels._times_exp.py_func):
            assert times_exp(w, v) == pytest.approx(exact_value, rel=1e-12)
    assert kernels._times_exp.py_func(0.0, 800.0) == 0.0
    assert kernels._times_exp(0.0, 800.0) == 0.0


def test_em_redoes_an_overturned_certain_sequence_in_log_space(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sequence whose certain rows later responses overturn beyond doubles: the E-step
    restores its counts and redoes it in log space, compiled and interpreted alike, and the
    fit equals the one made entirely in log space."""
    sim_ids, sim = bkt.simulate(TRUE, n_students=10, n_opportunities=12, seed=5)
    ids = np.concatenate([np.full(len(_BEYOND_RESPONSES), 100), sim_ids])
    responses = np.concatenate([np.array(_BEYOND_RESPONSES), sim])
    options: dict[str, Any] = {
        "space": FREE,
        "start": _BEYOND,
        "fixed": {"guess": _BEYOND.guess, "slip": _BEYOND.slip, "learn": _BEYOND.learn},
        "restarts": 1,
        "threads": 1,
    }
    compiled = bkt.fit(ids, responses, **options)
    assert math.isfinite(compiled.log_likelihood)
    assert compiled.log_space_sequences >= 1
    for name in ("log_add", "safe_log", "log_tables", "forward", "forward_log", "backward"):
        monkeypatch.setattr(kernels, name, getattr(kernels, name).py_func)
    for name in ("_times_exp", "backward_log", "em_job", "forward_all"):
        monkeypatch.setattr(kernels, name, getattr(kernels, name).py_func)
    interpreted = bkt.fit(ids, responses, **options)
    assert interpreted.log_likelihood == pytest.approx(compiled.log_likelihood, rel=1e-12)
    monkeypatch.setattr(kernels, "TINY", 2.0)  # every sequence in log space
    in_logs = bkt.fit(ids, responses, **options)
    assert in_logs.log_space_sequences == 11
    assert compiled.log_likelihood == pytest.approx(in_logs.log_likelihood, rel=1e-9)
    for field in ("prior",):
        assert getattr(compiled.model.params, field) == pytest.approx(
            getattr(in_logs.model.params, field), rel=1e-6
        )

"""Bayesian Knowledge Tracing: the probability that a student knows a skill, and how to fit it.

Mastery rules summarise scores. BKT models the learning behind them instead. It is a
two-state hidden Markov model: the skill is unknown or known. A student who knows it
answers correctly unless they *slip*. One who does not may still *guess* right. After
each opportunity an unknown skill becomes known with probability *learn*, and a known
one may be *forgotten*. Proficio uses it for right/wrong evidence (quiz items,
checklists) to say how likely mastery is now and to predict the next response.

Forward filtering (:func:`forward`) follows the standard model and matches pyBKT with
fixed parameters. Before each response ``P(correct) = P(known) (1 - slip) +
(1 - P(known)) guess``. Bayes' rule then conditions ``P(known)`` on the response. The
learning transition ``P(known) <- P(known) (1 - forget) + (1 - P(known)) learn`` follows.

:func:`fit` estimates the parameters by expectation-maximisation (Baum-Welch). A
course has thousands of students with short sequences, so the work is vectorised
*across sequences*: they are padded into a time-major array, longest first, so the
sequences still running at step ``t`` are a prefix of the columns. The loop runs over
time steps, never over students. :func:`fit_many` goes further and fits many learning
targets in the same arrays, each with its own parameters.

EM keeps ``guess`` and ``slip`` below 0.5. Without that bound the model has a mirror
image that fits equally well, in which "known" means "answers wrongly".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "BKTParams",
    "auc",
    "fit",
    "fit_many",
    "forward",
    "log_likelihood",
    "p_known_next",
    "predict_correct",
    "simulate",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_EDGE: Final = 1e-6
"""Fitted probabilities stay this far inside their bounds, so every likelihood stays positive."""

_GUESS_SLIP_CEILING: Final = 0.5 - _EDGE


@dataclass(frozen=True)
class BKTParams:
    """Parameters of the BKT model for one skill (learning target).

    prior
        P(known) before the first opportunity.
    learn
        P(unknown -> known) after an opportunity.
    guess
        P(correct | unknown).
    slip
        P(incorrect | known).
    forget
        P(known -> unknown) after an opportunity. Classic BKT has none (0).
    """

    prior: float
    learn: float
    guess: float
    slip: float
    forget: float = 0.0

    def __post_init__(self) -> None:
        for name in ("prior", "learn", "guess", "slip", "forget"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 1):
                raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")
        if self.guess + self.slip >= 1:
            raise ValueError(
                f"guess + slip must be below 1 (got {self.guess} + {self.slip}): otherwise"
                " a correct answer is no evidence that the skill is known"
            )


def forward(params: BKTParams, responses: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Filter one student's responses (1 correct, 0 incorrect), oldest first.

    Return ``(p_correct_before, p_known_before)``, one entry per response: the predicted
    probability of a correct answer and of the skill being known, just before it.

    A response the parameters call impossible, e.g. a correct answer with
    ``prior = guess = 0``, has no defined posterior. Filtering leaves ``P(known)``
    unchanged for that step rather than divide by zero.
    """
    r = _as_responses(responses)
    seqs = _Sequences.of(np.zeros(r.size, dtype=np.int64), r)
    columns = _columns(params, seqs.n_sequences)
    run = _filter(seqs, *columns)
    return seqs.to_rows(run.p_correct(columns[2], columns[3])), seqs.to_rows(run.known_before)


def p_known_next(params: BKTParams, responses: npt.ArrayLike) -> float:
    """P(known) at the next opportunity: the posterior after the last response, then learning.

    With no responses it is the prior.
    """
    r = _as_responses(responses)
    if r.size == 0:
        return params.prior
    seqs = _Sequences.of(np.zeros(r.size, dtype=np.int64), r)
    run = _filter(seqs, *_columns(params, 1), keep_known_before=False)
    posterior = float(run.posterior[-1, 0])
    return posterior * (1.0 - params.forget) + (1.0 - posterior) * params.learn


def predict_correct(
    params: BKTParams, sequence_ids: npt.ArrayLike, responses: npt.ArrayLike
) -> FloatArray:
    """P(correct) before each response of many students (rows grouped by ``sequence_ids``)."""
    seqs = _Sequences.of(*_as_rows(sequence_ids, responses))
    columns = _columns(params, seqs.n_sequences)
    return seqs.to_rows(_filter(seqs, *columns).p_correct(columns[2], columns[3]))


def log_likelihood(
    params: BKTParams, sequence_ids: npt.ArrayLike, responses: npt.ArrayLike
) -> float:
    """Natural-log likelihood of all the sequences under ``params``; higher fits better."""
    seqs = _Sequences.of(*_as_rows(sequence_ids, responses))
    run = _filter(seqs, *_columns(params, seqs.n_sequences), keep_known_before=False)
    with np.errstate(divide="ignore"):  # an impossible response makes it -inf, which is right
        return float(np.log(run.likelihood[seqs.mask]).sum())


def simulate(
    params: BKTParams, n_students: int, n_opportunities: int, seed: int = 0
) -> tuple[IntArray, npt.NDArray[np.int8]]:
    """Draw responses from the model: ``n_opportunities`` each for ``n_students``.

    Return ``(sequence_ids, responses)`` in the row layout :func:`fit` reads, student by
    student, oldest first.
    """
    rng = np.random.default_rng(seed)
    known = rng.random(n_students) < params.prior
    responses = np.empty((n_students, n_opportunities), dtype=np.int8)
    for t in range(n_opportunities):
        draw = rng.random(n_students)
        responses[:, t] = np.where(known, draw >= params.slip, draw < params.guess)
        change = rng.random(n_students)
        known = np.where(known, change >= params.forget, change < params.learn)
    return np.repeat(np.arange(n_students, dtype=np.int64), n_opportunities), responses.ravel()


def fit(
    sequence_ids: npt.ArrayLike,
    responses: npt.ArrayLike,
    restarts: int = 5,
    forgets: bool = False,
    seed: int = 0,
    *,
    max_iterations: int = 300,
    tolerance: float = 1e-8,
) -> BKTParams:
    """Estimate BKT parameters by EM from many students' responses on one skill.

    ``sequence_ids`` names each row's student (sequence). It is sorted, and each
    sequence's rows are ordered oldest first. ``responses`` are 1 (correct) or 0.
    EM starts from ``restarts`` random points drawn with ``numpy.random.default_rng(seed)``,
    and the fit with the highest log-likelihood wins. With ``forgets`` the forget
    probability is estimated too; otherwise it is 0. A run stops when an iteration gains
    less than ``tolerance`` log-likelihood per response, or after ``max_iterations``.
    """
    ids, r = _as_rows(sequence_ids, responses)
    fitted = fit_many(
        np.zeros(r.size, dtype=np.int64),
        ids,
        r,
        restarts=restarts,
        forgets=forgets,
        seed=seed,
        max_iterations=max_iterations,
        tolerance=tolerance,
    )
    return fitted[0]


def fit_many(
    target_ids: npt.ArrayLike,
    sequence_ids: npt.ArrayLike,
    responses: npt.ArrayLike,
    *,
    restarts: int = 5,
    forgets: bool = False,
    seed: int = 0,
    max_iterations: int = 300,
    tolerance: float = 1e-8,
) -> dict[int, BKTParams]:
    """Fit every learning target's parameters at once, by the same EM as :func:`fit`.

    Rows are sorted by ``target_ids``, then ``sequence_ids``, then time. A sequence is
    one student's rows on one target. All targets share the padded arrays and the time
    loop. Each target keeps its own parameters, its own convergence and its best restart,
    so the result for a target does not depend on which others were fitted with it,
    apart from the random starting points. Return ``{target_id: BKTParams}``.
    """
    if restarts < 1:
        raise ValueError(f"restarts must be at least 1, got {restarts!r}")
    targets = np.asarray(target_ids)
    ids, r = _as_rows(sequence_ids, responses)
    if targets.shape != r.shape or not (r.size == 0 or np.issubdtype(targets.dtype, np.integer)):
        raise ValueError("target_ids must be integers, one per response")
    if r.size == 0:
        raise ValueError("fitting needs at least one response")
    targets = targets.astype(np.int64, copy=False)
    target_step = np.diff(targets)
    if np.any(target_step < 0) or np.any((target_step == 0) & (np.diff(ids) < 0)):
        raise ValueError("rows must be sorted by target_ids, then sequence_ids")
    # A new sequence starts wherever the target or the student changes.
    sequence_index = np.concatenate(([0], np.cumsum((target_step != 0) | (np.diff(ids) != 0))))
    seqs = _Sequences.of(sequence_index, r)
    target_values, target_of_row = np.unique(targets, return_inverse=True)
    target_of_column = target_of_row[seqs.first_row_of_column]
    n_targets = target_values.size

    rng = np.random.default_rng(seed)
    best = np.full((5, n_targets), np.nan)
    best_ll = np.full(n_targets, -np.inf)
    for _ in range(restarts):
        start = np.stack(
            [
                rng.uniform(0.05, 0.95, n_targets),  # prior
                rng.uniform(0.01, 0.40, n_targets),  # learn
                rng.uniform(0.05, 0.45, n_targets),  # guess
                rng.uniform(0.05, 0.45, n_targets),  # slip
                rng.uniform(0.01, 0.20, n_targets) if forgets else np.zeros(n_targets),
            ]
        )
        params, ll = _em(
            seqs, target_of_column, n_targets, start, forgets, max_iterations, tolerance
        )
        better = ll > best_ll
        best[:, better] = params[:, better]
        best_ll[better] = ll[better]
    return {
        int(target): BKTParams(*(float(v) for v in best[:, k]))
        for k, target in enumerate(target_values)
    }


def auc(y_true: npt.ArrayLike, y_score: npt.ArrayLike) -> float:
    """Area under the ROC curve: P(a random positive scores above a random negative).

    It is computed from ranks (the Mann-Whitney U statistic). Tied scores get their mean
    rank, so a tie between a positive and a negative counts one half. ``y_true`` holds 1
    for positives and 0 for negatives. There must be at least one of each.
    """
    truth = np.asarray(y_true)
    score = np.asarray(y_score, dtype=np.float64)
    if truth.shape != score.shape or truth.ndim != 1:
        raise ValueError("y_true and y_score must be one-dimensional and of equal length")
    if not np.all((truth == 0) | (truth == 1)):
        raise ValueError("y_true must hold only 0 and 1")
    if np.isnan(score).any():
        raise ValueError("y_score must not contain NaN")
    positive = truth == 1
    n_positive = int(np.count_nonzero(positive))
    n_negative = truth.size - n_positive
    if n_positive == 0 or n_negative == 0:
        raise ValueError("AUC needs at least one positive and one negative")
    order = np.argsort(score, kind="stable")
    sorted_score = score[order]
    tie_start = np.flatnonzero(np.concatenate(([True], sorted_score[1:] != sorted_score[:-1])))
    tie_size = np.diff(np.append(tie_start, score.size))
    mean_rank = tie_start + (tie_size + 1) / 2.0  # ranks counted from 1
    ranks = np.empty(score.size)
    ranks[order] = np.repeat(mean_rank, tie_size)
    u = ranks[positive].sum() - n_positive * (n_positive + 1) / 2.0
    return float(u / (n_positive * n_negative))


# --- internals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sequences:
    """Responses padded into a time-major array, longest sequence in column 0.

    ``responses[t, c]`` is the ``t``-th response of the sequence in column ``c``. Column
    ``c`` is still running at step ``t`` exactly when ``c < active[t]``.
    """

    responses: FloatArray  # (steps, sequences); padding is 0
    active: IntArray  # (steps,)
    lengths: IntArray  # (sequences,), longest first
    time_of_row: IntArray
    column_of_row: IntArray
    first_row_of_column: IntArray

    @property
    def n_sequences(self) -> int:
        return int(self.responses.shape[1])

    @property
    def mask(self) -> npt.NDArray[np.bool_]:
        return np.arange(self.n_sequences) < self.active[:, None]

    @classmethod
    def of(cls, sequence_index: IntArray, r: FloatArray) -> _Sequences:
        """Pad rows whose sequences are contiguous runs of equal ``sequence_index``."""
        if r.size == 0:
            empty = np.empty(0, dtype=np.int64)
            return cls(np.empty((0, 0)), empty, empty, empty, empty, empty)
        new = np.concatenate(([True], sequence_index[1:] != sequence_index[:-1]))
        starts = np.flatnonzero(new)
        lengths = np.diff(np.append(starts, r.size))
        by_length = np.argsort(-lengths, kind="stable")
        column_of_sequence = np.empty(starts.size, dtype=np.int64)
        column_of_sequence[by_length] = np.arange(starts.size)
        sequence_of_row = np.cumsum(new) - 1
        time_of_row = np.arange(r.size) - starts[sequence_of_row]
        column_of_row = column_of_sequence[sequence_of_row]
        steps = int(lengths.max())
        padded = np.zeros((steps, starts.size))
        padded[time_of_row, column_of_row] = r
        return cls(
            responses=padded,
            active=_active(lengths, steps),
            lengths=lengths[by_length],
            time_of_row=time_of_row,
            column_of_row=column_of_row,
            first_row_of_column=starts[by_length],
        )

    def subset(self, keep: npt.NDArray[np.bool_]) -> _Sequences:
        """The sequences in the columns where ``keep`` holds, still longest first."""
        lengths = self.lengths[keep]
        steps = int(lengths.max())
        kept_rows = keep[self.column_of_row]
        new_column = np.cumsum(keep) - 1
        return _Sequences(
            responses=self.responses[:steps, keep],
            active=_active(lengths, steps),
            lengths=lengths,
            time_of_row=self.time_of_row[kept_rows],
            column_of_row=new_column[self.column_of_row[kept_rows]],
            first_row_of_column=self.first_row_of_column[keep],
        )

    def to_rows(self, padded: FloatArray) -> FloatArray:
        return padded[self.time_of_row, self.column_of_row]


def _active(lengths: IntArray, steps: int) -> IntArray:
    """How many sequences are still running at each step."""
    ended_by: IntArray = np.cumsum(np.bincount(lengths, minlength=steps + 1))[:steps]
    return lengths.size - ended_by


def _columns(params: BKTParams, n_columns: int) -> tuple[FloatArray, ...]:
    """The same parameters for every column."""
    return tuple(
        np.full(n_columns, value)
        for value in (params.prior, params.learn, params.guess, params.slip, params.forget)
    )


class _Run:
    """The arrays of one forward pass (steps x columns).

    EM runs a forward and a backward pass a few hundred times per fit. Allocating these
    arrays once and overwriting them in place saves more time than the arithmetic takes.
    Only the cells of running sequences are ever written, so padding keeps its first value.
    """

    def __init__(self, seqs: _Sequences, *, keep_known_before: bool) -> None:
        shape = seqs.responses.shape
        self.correct = seqs.responses == 1
        # P(known) before each response; kept only for predictions.
        self.known_before = np.zeros(shape) if keep_known_before else np.empty((0, 0))
        self.posterior = np.zeros(shape)  # P(known | responses up to and including this one)
        self.likelihood = np.ones(shape)  # P(this response | earlier ones); 1 in padding
        self.if_known = np.empty(shape)  # P(this response | known)
        self.if_unknown = np.empty(shape)  # P(this response | unknown)
        self.learned = np.empty(shape[1])  # scratch: (1 - posterior) * learn

    def p_correct(self, guess: FloatArray, slip: FloatArray) -> FloatArray:
        """P(correct) before each response (needs ``known_before``)."""
        known = self.known_before
        return known * (1.0 - slip) + (1.0 - known) * guess


def _filter(
    seqs: _Sequences,
    prior: FloatArray,
    learn: FloatArray,
    guess: FloatArray,
    slip: FloatArray,
    forget: FloatArray,
    *,
    keep_known_before: bool = True,
    run: _Run | None = None,
) -> _Run:
    """Forward filtering of every column at once, one time step per loop turn.

    Each step works in place on slices of ``run`` (new arrays unless one is passed in).
    """
    if run is None:
        run = _Run(seqs, keep_known_before=keep_known_before)
    np.copyto(run.if_known, slip)
    np.copyto(run.if_known, 1.0 - slip, where=run.correct)
    np.copyto(run.if_unknown, 1.0 - guess)
    np.copyto(run.if_unknown, guess, where=run.correct)
    known = prior.copy()
    keep = 1.0 - forget
    learned = run.learned
    for t, a in enumerate(seqs.active.tolist()):
        k = known[:a]
        if keep_known_before:
            run.known_before[t, :a] = k
        post = np.multiply(k, run.if_known[t, :a], out=run.posterior[t, :a])  # P(known, response)
        total = np.subtract(1.0, k, out=run.likelihood[t, :a])
        total *= run.if_unknown[t, :a]
        total += post  # P(response): both terms are >= 0, so nothing cancels
        possible = total > 0
        np.divide(post, total, out=post, where=possible)
        if not possible.all():
            post[~possible] = k[~possible]
        np.subtract(1.0, post, out=learned[:a])
        learned[:a] *= learn[:a]
        np.multiply(post, keep[:a], out=k)
        k += learned[:a]
    return run


def _em(
    seqs: _Sequences,
    target_of_column: IntArray,
    n_targets: int,
    start: FloatArray,
    forgets: bool,
    max_iterations: int,
    tolerance: float,
) -> tuple[FloatArray, FloatArray]:
    """Baum-Welch from ``start`` (rows: prior, learn, guess, slip, forget; one column per target).

    Return the fitted parameters and each target's final log-likelihood. A target stops
    once an iteration gains less than ``tolerance`` per response. Its columns then leave
    the arrays, so the targets that converge slowly do not keep the others busy.
    """
    responses_per_target = np.bincount(target_of_column, weights=seqs.lengths, minlength=n_targets)
    sequences_per_target = np.bincount(target_of_column, minlength=n_targets)
    params = start.copy()
    best = start.copy()
    best_ll = np.full(n_targets, -np.inf)
    previous_ll = np.full(n_targets, -np.inf)
    converged = np.zeros(n_targets, dtype=np.bool_)
    live, live_target = seqs, target_of_column  # the columns of targets still running

    def per_target(values: FloatArray) -> FloatArray:
        totals = np.bincount(live_target, weights=values, minlength=n_targets)
        return np.asarray(totals, dtype=np.float64)

    run, backward = _Run(live, keep_known_before=False), _Backward(live)
    for _ in range(max_iterations):
        prior, learn, guess, slip, forget = params[:, live_target]
        _filter(live, prior, learn, guess, slip, forget, keep_known_before=False, run=run)
        ll = per_target(np.log(run.likelihood).sum(axis=0))
        # EM never lowers the likelihood, but the bounds on its steps can; keep the best.
        better = ~converged & (ll > best_ll)
        best[:, better] = params[:, better]
        best_ll[better] = ll[better]
        converged |= ll - previous_ll <= tolerance * responses_per_target
        previous_ll = ll
        if converged.all():
            break

        counts = backward.expected_counts(run, learn, forget if forgets else None)
        new = np.empty_like(params)
        new[0] = per_target(counts.known_first) / sequences_per_target
        new[1] = _ratio(per_target(counts.learned), per_target(counts.unknown_then_more), params[1])
        new[2] = _ratio(per_target(counts.unknown_correct), per_target(counts.unknown), params[2])
        new[3] = _ratio(
            per_target(counts.known - counts.known_correct), per_target(counts.known), params[3]
        )
        new[4] = (
            _ratio(per_target(counts.forgot), per_target(counts.known_then_more), params[4])
            if forgets
            else 0.0
        )
        new[:2] = np.clip(new[:2], _EDGE, 1.0 - _EDGE)
        new[2:4] = np.clip(new[2:4], _EDGE, _GUESS_SLIP_CEILING)
        if forgets:
            new[4] = np.clip(new[4], _EDGE, 1.0 - _EDGE)
        params = np.where(converged, params, new)

        running = ~converged[live_target]
        if np.count_nonzero(running) <= 0.75 * running.size:  # worth new, smaller arrays
            live, live_target = live.subset(running), live_target[running]
            run, backward = _Run(live, keep_known_before=False), _Backward(live)
    return best, best_ll


@dataclass(frozen=True)
class _ExpectedCounts:
    """Expected state counts per column (sequence) given all its responses: EM's E-step."""

    known_first: FloatArray  # P(known at the first opportunity)
    known: FloatArray  # expected opportunities spent known
    known_correct: FloatArray  # ... and answered correctly
    unknown: FloatArray
    unknown_correct: FloatArray
    known_then_more: FloatArray  # expected known opportunities that another one follows
    unknown_then_more: FloatArray
    learned: FloatArray  # expected unknown -> known transitions
    forgot: FloatArray  # expected known -> unknown transitions


class _Backward:
    """The backward pass, with its (steps x columns) arrays allocated once per fit."""

    def __init__(self, seqs: _Sequences) -> None:
        shape = seqs.responses.shape
        self.seqs = seqs
        self.continues = seqs.mask[1:].astype(np.float64)  # another response follows step t
        self.known_ratio = np.empty(shape)
        self.unknown_ratio = np.empty(shape)
        self.unknown_post = np.empty(shape)
        self.known = np.zeros(shape)  # P(known at t | all responses); 0 in padding
        self.unknown = np.zeros(shape)

    def expected_counts(
        self, run: _Run, learn: FloatArray, forget: FloatArray | None
    ) -> _ExpectedCounts:
        """Expected counts given all responses; ``forget`` None means no forgetting.

        ``beta`` is scaled by the forward likelihoods: P(later responses | state now)
        divided by P(later responses | responses so far). Then P(state at t | all
        responses) is the forward posterior times beta.
        """
        steps, columns = self.seqs.responses.shape
        active = self.seqs.active.tolist()
        known_ratio = np.divide(run.if_known, run.likelihood, out=self.known_ratio)
        unknown_ratio = np.divide(run.if_unknown, run.likelihood, out=self.unknown_ratio)
        unknown_post = np.subtract(1.0, run.posterior, out=self.unknown_post)
        known, unknown = self.known, self.unknown
        learned = np.zeros(columns)
        forgot = np.zeros(columns)
        beta_known = np.ones(columns)  # columns that end at t keep beta = 1
        beta_unknown = np.ones(columns)
        for t in range(steps - 1, -1, -1):
            a = active[t]
            more = active[t + 1] if t + 1 < steps else 0  # columns with a response after t
            if more:
                next_known = known_ratio[t + 1, :more] * beta_known[:more]
                next_unknown = unknown_ratio[t + 1, :more] * beta_unknown[:more]
                learned[:more] += unknown_post[t, :more] * learn[:more] * next_known
                np.subtract(next_known, next_unknown, out=beta_unknown[:more])
                beta_unknown[:more] *= learn[:more]
                beta_unknown[:more] += next_unknown
                if forget is None:
                    beta_known[:more] = next_known
                else:
                    forgot[:more] += run.posterior[t, :more] * forget[:more] * next_unknown
                    np.subtract(next_unknown, next_known, out=beta_known[:more])
                    beta_known[:more] *= forget[:more]
                    beta_known[:more] += next_known
            np.multiply(run.posterior[t, :a], beta_known[:a], out=known[t, :a])
            np.multiply(unknown_post[t, :a], beta_unknown[:a], out=unknown[t, :a])
        r = self.seqs.responses
        return _ExpectedCounts(
            known_first=known[0].copy(),
            known=known.sum(axis=0),
            known_correct=np.einsum("tc,tc->c", known, r),
            unknown=unknown.sum(axis=0),
            unknown_correct=np.einsum("tc,tc->c", unknown, r),
            known_then_more=np.einsum("tc,tc->c", known[:-1], self.continues),
            unknown_then_more=np.einsum("tc,tc->c", unknown[:-1], self.continues),
            learned=learned,
            forgot=forgot,
        )


def _ratio(numerator: FloatArray, denominator: FloatArray, fallback: FloatArray) -> FloatArray:
    """``numerator / denominator``, or ``fallback`` where nothing was observed (no transitions)."""
    return np.divide(numerator, denominator, out=fallback.copy(), where=denominator > 0)


def _as_responses(responses: npt.ArrayLike) -> FloatArray:
    r = np.asarray(responses, dtype=np.float64)
    if r.ndim != 1:
        raise ValueError(f"responses must be one-dimensional, got shape {r.shape}")
    if not np.all((r == 0) | (r == 1)):
        bad = int(np.flatnonzero((r != 0) & (r != 1))[0])
        raise ValueError(f"responses must be 0 or 1; position {bad} is {float(r[bad])}")
    return r


def _as_rows(sequence_ids: npt.ArrayLike, responses: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
    r = _as_responses(responses)
    ids = np.asarray(sequence_ids)
    if ids.shape != r.shape or not (r.size == 0 or np.issubdtype(ids.dtype, np.integer)):
        raise ValueError("sequence_ids must be integers, one per response")
    ids = ids.astype(np.int64, copy=False)
    return ids, r

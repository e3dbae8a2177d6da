"""Bayesian Knowledge Tracing: the probability that a student knows a skill, and how to fit it.

Mastery rules summarise scores. BKT models the learning behind them instead. It is a
two-state hidden Markov model: the skill is unknown or known. A student who knows it
answers correctly unless they *slip*. One who does not may still *guess* right. After
each opportunity an unknown skill becomes known with probability *learn*, and a known
one may be *forgotten*. Proficio uses it for right/wrong evidence (quiz items) to say
how likely mastery is now and to predict the next response.

**Exact arithmetic.** Filtering and smoothing keep P(known) and P(unknown) as two
numbers, never one minus the other, and fall back to log space where a probability
would underflow (see :mod:`._bkt_kernels`). After 60 correct answers and then 20 wrong
ones P(known) is what the model says, not a 1.0 stuck by rounding. The log-likelihood
reported, compared between EM iterations and between restarts, is the exact one.

**Parameter space: a policy choice** (:class:`ParameterSpace`).

- ``identifiable`` (the default for mastery decisions) keeps guess and slip below 0.5.
  Then a correct answer is always evidence *for* knowing the skill, and "known" cannot
  turn into its mirror image ("known" meaning "answers wrongly"), so P(known) means what
  a mastery decision needs it to mean. The cost: on a skill whose items are easy to
  guess (guess really above 0.5) the fit is worse than it could be.
- ``unconstrained`` is pyBKT's space: every parameter in [0, 1]. It reaches the highest
  likelihood and predicts best, but on some skills the fitted "known" state is not
  mastery, so it suits prediction and research rather than decisions.

**Variants** (:class:`Variant`), as pyBKT defines them, any combination, fitted by one EM:
``forgets`` (a known skill may be forgotten), ``multigs`` (guess and slip per item: item
difficulty), ``multilearn`` (learn and forget per learning class: the practice that
preceded the transition) and ``multiprior`` (the prior per cohort of students).
Each variant table comes with a pooled value (the response-weighted average), used for
an item, class or cohort not seen in training.

**Speed and memory.** Rows are packed (every response once, no padding). :func:`fit_many`
fits every skill and every restart as independent jobs run by compiled code (Numba) on a
few threads, so the cost of a skill does not depend on how the work is split into calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from proficio.core.machine import usable_cores

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "BKTParams",
    "FitResult",
    "NextResponse",
    "ParameterSpace",
    "Prediction",
    "SkillModel",
    "Variant",
    "auc",
    "fit",
    "fit_many",
    "forward",
    "log_likelihood",
    "next_response",
    "p_known_next",
    "predict",
    "predict_correct",
    "rmse",
    "simulate",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

EDGE: Final = 1e-9
"""Fitted probabilities stay this far inside [0, 1], so every likelihood stays positive."""

IDENTIFIABLE_BOUND: Final = 0.5
"""Guess and slip stay below this in the identifiable space."""


class ParameterSpace(StrEnum):
    """Where parameters may lie. See the module docstring for the reason of each."""

    IDENTIFIABLE = "identifiable"
    UNCONSTRAINED = "unconstrained"


class Variant(StrEnum):
    """pyBKT's model variants; a model may combine them."""

    FORGETS = "forgets"
    MULTIGS = "multigs"
    MULTILEARN = "multilearn"
    MULTIPRIOR = "multiprior"


VARIANT_DESCRIPTIONS: Final[dict[Variant, str]] = {
    Variant.FORGETS: "forgetting",
    Variant.MULTIGS: "guess and slip per item",
    Variant.MULTILEARN: "learning rate per learning class",
    Variant.MULTIPRIOR: "prior per cohort",
}


def _check_probability(name: str, value: object, space: ParameterSpace) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")
    gs = name.split("[")[0] in ("guess", "slip")
    if gs and space is ParameterSpace.IDENTIFIABLE and value >= IDENTIFIABLE_BOUND:
        raise ValueError(
            f"{name} must be below {IDENTIFIABLE_BOUND} in the identifiable parameter space"
            f" (got {value}); fit in the unconstrained space to allow it"
        )


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
    space
        The parameter space they must lie in; values outside are refused, naming the bound.
    """

    prior: float
    learn: float
    guess: float
    slip: float
    forget: float = 0.0
    space: ParameterSpace = ParameterSpace.IDENTIFIABLE

    def __post_init__(self) -> None:
        object.__setattr__(self, "space", ParameterSpace(self.space))
        for name in ("prior", "learn", "guess", "slip", "forget"):
            _check_probability(name, getattr(self, name), self.space)


@dataclass(frozen=True)
class SkillModel:
    """One skill's BKT: pooled parameters plus the tables of its variants.

    ``params`` holds the pooled values, which apply to an item, learning class or cohort
    missing from a table (one not seen in training). Table keys are labels as strings.
    """

    params: BKTParams
    variants: frozenset[Variant] = frozenset()
    item_guess: Mapping[str, float] = field(default_factory=dict)
    item_slip: Mapping[str, float] = field(default_factory=dict)
    class_learn: Mapping[str, float] = field(default_factory=dict)
    class_forget: Mapping[str, float] = field(default_factory=dict)
    cohort_prior: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "variants", frozenset(Variant(v) for v in self.variants))
        tables = {
            "guess": self.item_guess,
            "slip": self.item_slip,
            "learn": self.class_learn,
            "forget": self.class_forget,
            "prior": self.cohort_prior,
        }
        for name, table in tables.items():
            for label, value in table.items():
                _check_probability(f"{name}[{label}]", value, self.space)

    @property
    def space(self) -> ParameterSpace:
        return self.params.space

    def describe(self) -> str:
        """The variant in words, e.g. "BKT with forgetting and guess and slip per item"."""
        parts = [VARIANT_DESCRIPTIONS[v] for v in Variant if v in self.variants]
        if not parts:
            return "standard BKT"
        return "BKT with " + " and ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form; :meth:`from_dict` reads it back."""
        p = self.params
        out: dict[str, Any] = {
            "prior": p.prior,
            "learn": p.learn,
            "guess": p.guess,
            "slip": p.slip,
            "forget": p.forget,
            "space": p.space.value,
            "variants": [v.value for v in Variant if v in self.variants],
        }
        for name in ("item_guess", "item_slip", "class_learn", "class_forget", "cohort_prior"):
            table = getattr(self, name)
            if table:
                out[name] = dict(table)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SkillModel:
        """Read :meth:`as_dict`'s form. Plain ``{prior, learn, guess, slip, forget}`` (as
        stored before spaces existed) reads as the identifiable space, which it was fitted in."""
        space = ParameterSpace(data.get("space", ParameterSpace.IDENTIFIABLE))
        params = BKTParams(
            prior=data["prior"],
            learn=data["learn"],
            guess=data["guess"],
            slip=data["slip"],
            forget=data.get("forget", 0.0),
            space=space,
        )
        variants = frozenset(Variant(v) for v in data.get("variants", ()))
        if not variants and params.forget > 0:
            variants = frozenset({Variant.FORGETS})
        tables = {
            name: {str(k): float(v) for k, v in data.get(name, {}).items()}
            for name in ("item_guess", "item_slip", "class_learn", "class_forget", "cohort_prior")
        }
        return cls(params, variants, **tables)


def as_model(model: BKTParams | SkillModel) -> SkillModel:
    """A :class:`SkillModel` for plain parameters (no variant tables)."""
    if isinstance(model, SkillModel):
        return model
    variants = frozenset({Variant.FORGETS}) if model.forget > 0 else frozenset()
    return SkillModel(model, variants)


@dataclass(frozen=True)
class FitResult:
    """What EM found for one skill, and how.

    ``log_likelihood`` is the exact log-likelihood of the training rows at ``model``.
    ``converged`` is False when EM stopped at the iteration limit: the caller must not
    treat such a fit as final. ``history`` holds the winning restart's log-likelihood at
    each accepted EM step, the last being the returned one (it never falls); ``iterations``
    counts every M-step, accepted or not. ``not_identified`` names the
    parameters the data says nothing about (learn with no student answering twice): they
    keep their starting values.
    """

    model: SkillModel
    log_likelihood: float
    iterations: int
    converged: bool
    restart: int
    responses: int
    sequences: int
    restart_log_likelihoods: tuple[float, ...]
    history: tuple[float, ...]
    log_space_sequences: int
    not_identified: tuple[str, ...] = ()

    @property
    def params(self) -> BKTParams:
        return self.model.params


@dataclass(frozen=True)
class Prediction:
    """One-step-ahead predictions, one per row: before each response, given those before it."""

    p_correct: FloatArray
    p_known: FloatArray
    log_likelihood: float  # exact, of the responses given
    log_space_sequences: int


@dataclass(frozen=True)
class NextResponse:
    """A student's next opportunity: P(known) then, and P(a correct answer)."""

    p_known: float
    p_correct: float


def _kernels() -> ModuleType:
    """The compiled kernels, imported on first use: importing Numba takes a second or two,
    which a process that never runs BKT should not pay."""
    from . import _bkt_kernels

    return _bkt_kernels


# --- rows ----------------------------------------------------------------------------------


def _as_responses(responses: npt.ArrayLike) -> npt.NDArray[np.int8]:
    r = np.asarray(responses, dtype=np.float64)
    if r.ndim != 1:
        raise ValueError(f"responses must be one-dimensional, got shape {r.shape}")
    bad = (r != 0) & (r != 1)  # NaN is neither
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise ValueError(f"responses must be 0 or 1; position {position} is {float(r[position])}")
    return r.astype(np.int8)


def _as_ids(name: str, values: npt.ArrayLike, n: int) -> IntArray:
    ids = np.asarray(values)
    if ids.shape != (n,) or not (n == 0 or np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"{name} must be integers, one per response")
    return ids.astype(np.int64, copy=False)


def _as_labels(name: str, values: npt.ArrayLike | None, n: int) -> npt.NDArray[Any] | None:
    if values is None:
        return None
    labels = np.asarray(values)
    if labels.shape != (n,):
        raise ValueError(f"{name} must give one label per response")
    return labels


@dataclass(frozen=True)
class _Rows:
    """Validated rows: responses, where each sequence starts, and each sequence's skill."""

    resp: npt.NDArray[np.int8]
    seq_start: IntArray  # n_sequences + 1
    seq_skill: IntArray  # index into skills
    skills: IntArray  # skill ids, in row order
    skill_seq: IntArray  # n_skills + 1: each skill's sequences

    @property
    def n_sequences(self) -> int:
        return int(self.seq_skill.size)

    def row_skill(self) -> IntArray:
        return np.repeat(self.seq_skill, np.diff(self.seq_start))


def _group(
    skill_ids: npt.ArrayLike, sequence_ids: npt.ArrayLike, responses: npt.ArrayLike
) -> _Rows:
    """Check that each skill's rows, and each student's rows within it, are together."""
    resp = _as_responses(responses)
    n = resp.size
    skill = _as_ids("skill ids", skill_ids, n)
    ids = _as_ids("sequence_ids", sequence_ids, n)
    if n == 0:
        empty = np.zeros(1, dtype=np.int64)
        return _Rows(resp, empty, empty[:0], empty[:0], empty)
    new_skill = np.empty(n, dtype=np.bool_)
    new_skill[0] = True
    np.not_equal(skill[1:], skill[:-1], out=new_skill[1:])
    new_seq = new_skill.copy()
    new_seq[1:] |= ids[1:] != ids[:-1]
    skill_starts = np.flatnonzero(new_skill)
    seq_starts = np.flatnonzero(new_seq)
    _require_unique(skill[skill_starts], None, skill_starts, "skill")
    _require_unique(skill[seq_starts], ids[seq_starts], seq_starts, "student")
    seq_skill = np.cumsum(new_skill[seq_starts]) - 1
    return _Rows(
        resp=resp,
        seq_start=np.append(seq_starts, n).astype(np.int64),
        seq_skill=seq_skill.astype(np.int64),
        skills=skill[skill_starts],
        skill_seq=np.append(np.flatnonzero(new_skill[seq_starts]), seq_starts.size).astype(
            np.int64
        ),
    )


def _require_unique(first: IntArray, second: IntArray | None, starts: IntArray, what: str) -> None:
    """Refuse a run key seen twice: those rows are split by others (ids [1, 2, 1])."""
    order = np.lexsort((first,) if second is None else (second, first))
    same = first[order][1:] == first[order][:-1]
    if second is not None:
        same &= second[order][1:] == second[order][:-1]
    if same.any():
        i = int(np.flatnonzero(same)[0])
        a, b = sorted((int(starts[order[i]]), int(starts[order[i + 1]])))
        key = (
            f"skill {first[order[i]]}"
            if second is None
            else f"student {second[order[i]]} of skill {first[order[i]]}"
        )
        raise ValueError(
            f"rows must be grouped: {key} has rows at positions {a} and {b} with other rows"
            f" between (sort by skill, then {'student, then ' if second is not None else ''}"
            f"time); a {what}'s rows must be together"
        )


@dataclass(frozen=True)
class _Classes:
    """Per-row (or per-sequence) class codes, global across skills, and their labels."""

    codes: npt.NDArray[np.int32]
    lo: IntArray  # per skill: its first code
    hi: IntArray
    labels: list[str]  # label of each code


def _factorize(labels: npt.NDArray[Any] | None, skill: IntArray, n_skills: int) -> _Classes:
    """Codes for (skill, label) pairs, ordered by skill; one class per skill without labels."""
    if labels is None:
        return _Classes(
            skill.astype(np.int32),
            np.arange(n_skills, dtype=np.int64),
            np.arange(1, n_skills + 1, dtype=np.int64),
            [""] * n_skills,
        )
    values, label_code = np.unique(labels, return_inverse=True)
    key = skill * values.size + label_code.ravel()
    pairs, codes = np.unique(key, return_inverse=True)
    owner = pairs // values.size
    bounds = np.searchsorted(owner, np.arange(n_skills + 1))
    return _Classes(
        codes.astype(np.int32).ravel(),
        bounds[:-1].astype(np.int64),
        bounds[1:].astype(np.int64),
        [str(v) for v in values[pairs % values.size]],
    )


def _cohort_of_sequences(cohorts: npt.NDArray[Any] | None, rows: _Rows) -> npt.NDArray[Any] | None:
    if cohorts is None:
        return None
    firsts = cohorts[rows.seq_start[:-1]]
    changed = cohorts != np.repeat(firsts, np.diff(rows.seq_start))
    if changed.any():
        position = int(np.flatnonzero(changed)[0])
        raise ValueError(f"cohorts must not change within a student's rows (position {position})")
    return firsts


# --- prediction ----------------------------------------------------------------------------


def _table_codes(
    labels: npt.NDArray[Any] | None,
    table: Mapping[str, float],
    pooled: float,
    partner: tuple[Mapping[str, float], float] | None = None,
) -> tuple[npt.NDArray[np.int32], FloatArray, FloatArray]:
    """Codes into ``[pooled, *table values]``: 0 for labels the table lacks.

    ``partner`` is a second table keyed like this one (slip beside guess, forget beside
    learn) with its pooled value; its values come back aligned with the same codes.
    """
    other, other_pooled = partner if partner is not None else ({}, 0.0)
    values = np.array([pooled, *table.values()], dtype=np.float64)
    aligned = np.array([other_pooled, *(other.get(k, other_pooled) for k in table)])
    if labels is None or not table:
        n = 0 if labels is None else labels.size
        return np.zeros(n, dtype=np.int32), values, aligned
    index = {label: i + 1 for i, label in enumerate(table)}
    distinct, inverse = np.unique(labels, return_inverse=True)
    lookup = np.array([index.get(str(v), 0) for v in distinct], dtype=np.int32)
    return lookup[inverse.ravel()], values, aligned


def predict(
    models: Mapping[int, BKTParams | SkillModel],
    skill_ids: npt.ArrayLike,
    sequence_ids: npt.ArrayLike,
    responses: npt.ArrayLike,
    *,
    items: npt.ArrayLike | None = None,
    learn_classes: npt.ArrayLike | None = None,
    cohorts: npt.ArrayLike | None = None,
) -> Prediction:
    """P(correct) and P(known) before every row of a whole test set, one step ahead.

    Rows are grouped like :func:`fit_many`'s (each skill's rows together, each student's
    rows together within it, oldest first); ungrouped rows are refused. ``items``,
    ``learn_classes`` and ``cohorts`` label rows for the models' variants; labels a model
    has not seen get its pooled parameters. A skill without a model is refused: it had
    no training rows, so there is nothing to predict with.
    """
    rows = _group(skill_ids, sequence_ids, responses)
    n = rows.resp.size
    item_labels = _as_labels("items", items, n)
    class_labels = _as_labels("learn_classes", learn_classes, n)
    cohort_labels = _cohort_of_sequences(_as_labels("cohorts", cohorts, n), rows)
    missing = [int(s) for s in rows.skills if int(s) not in models]
    if missing:
        raise ValueError(
            f"skill {missing[0]} has no fitted model (it had no training rows); fit it first"
        )
    gs = np.empty(n, dtype=np.int32)
    lc = np.empty(n, dtype=np.int32)
    cohort = np.empty(rows.n_sequences, dtype=np.int32)
    tables: dict[str, list[FloatArray]] = {k: [] for k in ("prior", "learn", "forget", "gs")}
    guesses: list[FloatArray] = []
    slips: list[FloatArray] = []
    offsets = {"gs": 0, "lc": 0, "prior": 0}
    for k, skill in enumerate(rows.skills):
        model = as_model(models[int(skill)])
        p = model.params
        seqs = slice(rows.skill_seq[k], rows.skill_seq[k + 1])
        span = slice(rows.seq_start[rows.skill_seq[k]], rows.seq_start[rows.skill_seq[k + 1]])
        item_code, guess, slip = _table_codes(
            _sub(item_labels, span), model.item_guess, p.guess, (model.item_slip, p.slip)
        )
        class_code, learn, forget = _table_codes(
            _sub(class_labels, span), model.class_learn, p.learn, (model.class_forget, p.forget)
        )
        cohort_code, prior, _ = _table_codes(_sub(cohort_labels, seqs), model.cohort_prior, p.prior)
        gs[span] = offsets["gs"] + (item_code if item_labels is not None else 0)
        lc[span] = offsets["lc"] + (class_code if class_labels is not None else 0)
        cohort[seqs] = offsets["prior"] + (cohort_code if cohort_labels is not None else 0)
        guesses.append(guess)
        slips.append(slip)
        tables["learn"].append(learn)
        tables["forget"].append(forget)
        tables["prior"].append(prior)
        offsets["gs"] += guess.size
        offsets["lc"] += learn.size
        offsets["prior"] += prior.size
    return _forward_rows(
        rows,
        gs,
        lc,
        cohort,
        _cat(tables["prior"]),
        _cat(tables["learn"]),
        _cat(tables["forget"]),
        _cat(guesses),
        _cat(slips),
    )


def _sub(labels: npt.NDArray[Any] | None, where: slice) -> npt.NDArray[Any] | None:
    return None if labels is None else labels[where]


def _cat(parts: list[FloatArray]) -> FloatArray:
    return np.concatenate(parts) if parts else np.zeros(1)


def _forward_rows(
    rows: _Rows,
    gs: npt.NDArray[np.int32],
    lc: npt.NDArray[np.int32],
    cohort: npt.NDArray[np.int32],
    prior: FloatArray,
    learn: FloatArray,
    forget: FloatArray,
    guess: FloatArray,
    slip: FloatArray,
) -> Prediction:
    n = rows.resp.size
    pred_k = np.empty(n)
    pred_u = np.empty(n)
    seq_ll = np.zeros(rows.n_sequences)
    kernels = _kernels()
    n_log = kernels.forward_all(
        rows.resp,
        gs,
        lc,
        rows.seq_start,
        cohort,
        prior,
        learn,
        forget,
        guess,
        slip,
        pred_k,
        pred_u,
        seq_ll,
        kernels.TINY,
    )
    p_correct = pred_k * (1.0 - slip[gs]) + pred_u * guess[gs]
    return Prediction(p_correct, pred_k, float(seq_ll.sum()), int(n_log))


def forward(
    params: BKTParams | SkillModel,
    responses: npt.ArrayLike,
    *,
    items: npt.ArrayLike | None = None,
    learn_classes: npt.ArrayLike | None = None,
    cohort: str | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Filter one student's responses (1 correct, 0 incorrect), oldest first.

    Return ``(p_correct_before, p_known_before)``, one entry per response: the predicted
    probability of a correct answer and of the skill being known, just before it. With no
    responses both are empty. A response the parameters call impossible (a correct answer
    with ``prior = guess = 0``) leaves P(known) where it was.
    """
    r = _as_responses(responses)
    result = predict(
        {0: params},
        np.zeros(r.size, dtype=np.int64),
        np.zeros(r.size, dtype=np.int64),
        r,
        items=items,
        learn_classes=learn_classes,
        cohorts=None if cohort is None else np.full(r.size, cohort, dtype=object),
    )
    return result.p_correct, result.p_known


def next_response(
    params: BKTParams | SkillModel,
    responses: npt.ArrayLike,
    *,
    items: npt.ArrayLike | None = None,
    learn_classes: npt.ArrayLike | None = None,
    cohort: str | None = None,
    next_item: str | None = None,
) -> NextResponse:
    """P(known) at a student's next opportunity and P(a correct answer to ``next_item``).

    P(known) is the posterior after the last response, then the learning transition
    (with the last row's learning class). With no responses it is the (cohort's) prior.
    ``next_item`` picks the item's guess and slip; without it, or for an unseen item,
    the pooled ones apply.
    """
    model = as_model(params)
    r = _as_responses(responses)
    # One more opportunity, answered either way: its P(known) before does not depend on it.
    labels_items = None if items is None else np.append(np.asarray(items, dtype=object), "")
    labels_classes = (
        None if learn_classes is None else np.append(np.asarray(learn_classes, dtype=object), "")
    )
    _, known = forward(
        model,
        np.append(r, 1),
        items=labels_items,
        learn_classes=labels_classes,
        cohort=cohort,
    )
    p_known = float(known[-1])
    guess = model.item_guess.get(next_item, model.params.guess) if next_item else None
    slip = model.item_slip.get(next_item, model.params.slip) if next_item else None
    g = model.params.guess if guess is None else guess
    s = model.params.slip if slip is None else slip
    return NextResponse(p_known, p_known * (1.0 - s) + (1.0 - p_known) * g)


def p_known_next(params: BKTParams | SkillModel, responses: npt.ArrayLike) -> float:
    """P(known) at the next opportunity: the posterior after the last response, then learning."""
    return next_response(params, responses).p_known


def predict_correct(
    params: BKTParams | SkillModel, sequence_ids: npt.ArrayLike, responses: npt.ArrayLike
) -> FloatArray:
    """P(correct) before each response of many students (each student's rows together)."""
    r = _as_responses(responses)
    return predict({0: params}, np.zeros(r.size, dtype=np.int64), sequence_ids, r).p_correct


def log_likelihood(
    params: BKTParams | SkillModel, sequence_ids: npt.ArrayLike, responses: npt.ArrayLike
) -> float:
    """Exact natural-log likelihood of all the sequences under ``params``; higher fits better."""
    r = _as_responses(responses)
    return predict({0: params}, np.zeros(r.size, dtype=np.int64), sequence_ids, r).log_likelihood


# --- fitting -------------------------------------------------------------------------------


def fit(
    sequence_ids: npt.ArrayLike,
    responses: npt.ArrayLike,
    *,
    space: ParameterSpace = ParameterSpace.IDENTIFIABLE,
    variants: Iterable[Variant | str] = (),
    items: npt.ArrayLike | None = None,
    learn_classes: npt.ArrayLike | None = None,
    cohorts: npt.ArrayLike | None = None,
    restarts: int = 5,
    seed: int = 0,
    max_iterations: int = 500,
    tolerance: float = 1e-7,
    start: BKTParams | None = None,
    fixed: Mapping[str, float] | None = None,
    threads: int | None = None,
) -> FitResult:
    """Fit one skill: :func:`fit_many` with every row on the same skill."""
    r = _as_responses(responses)
    result = fit_many(
        np.zeros(r.size, dtype=np.int64),
        sequence_ids,
        r,
        space=space,
        variants=variants,
        items=items,
        learn_classes=learn_classes,
        cohorts=cohorts,
        restarts=restarts,
        seed=seed,
        max_iterations=max_iterations,
        tolerance=tolerance,
        start=start,
        fixed=fixed,
        threads=threads,
    )
    if not result:
        raise ValueError("fitting needs at least one response")
    return result[0]


_NAMES: Final = ("prior", "learn", "guess", "slip", "forget")


def fit_many(
    skill_ids: npt.ArrayLike,
    sequence_ids: npt.ArrayLike,
    responses: npt.ArrayLike,
    *,
    space: ParameterSpace = ParameterSpace.IDENTIFIABLE,
    variants: Iterable[Variant | str] = (),
    items: npt.ArrayLike | None = None,
    learn_classes: npt.ArrayLike | None = None,
    cohorts: npt.ArrayLike | None = None,
    restarts: int = 5,
    seed: int = 0,
    max_iterations: int = 500,
    tolerance: float = 1e-7,
    start: BKTParams | None = None,
    fixed: Mapping[str, float] | None = None,
    threads: int | None = None,
) -> dict[int, FitResult]:
    """Fit every skill's BKT by EM from many students' responses, all in one pass.

    Rows are grouped: each skill's rows together, each student's rows together within
    the skill (ungrouped rows are refused), oldest first. ``responses`` are 1 (correct)
    or 0. The variants need labels: ``items`` (``multigs``) and ``learn_classes``
    (``multilearn``) per row, ``cohorts`` (``multiprior``) per row and constant within a
    student's rows.

    Each skill runs EM from ``restarts`` starting points: ``start`` first when given,
    the others drawn at random from ``seed`` and the skill id, so a skill's fit does
    not depend on which other skills share the call. ``fixed`` holds parameters EM must
    not change (``{"slip": 0.1}``). A run stops when an iteration gains at most
    ``tolerance`` log-likelihood per response, or after ``max_iterations`` M-steps (then
    ``converged`` is False). The restart with the highest exact log-likelihood wins.
    ``threads`` run the (skill, restart) jobs side by side; the answer does not depend
    on it. Return ``{skill_id: FitResult}`` for every skill in the rows.
    """
    if restarts < 1:
        raise ValueError(f"restarts must be at least 1, got {restarts!r}")
    if max_iterations < 0:
        raise ValueError(f"max_iterations must be at least 0, got {max_iterations!r}")
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance must be a non-negative number, got {tolerance!r}")
    space = ParameterSpace(space)
    chosen = frozenset(Variant(v) for v in variants)
    rows = _group(skill_ids, sequence_ids, responses)
    n = rows.resp.size
    if n == 0:
        return {}
    labels = {
        Variant.MULTIGS: _as_labels("items", items, n),
        Variant.MULTILEARN: _as_labels("learn_classes", learn_classes, n),
        Variant.MULTIPRIOR: _as_labels("cohorts", cohorts, n),
    }
    for variant, given in labels.items():
        arg = {Variant.MULTIGS: "items", Variant.MULTILEARN: "learn_classes"}.get(
            variant, "cohorts"
        )
        if (variant in chosen) != (given is not None):
            raise ValueError(
                f"the {variant.value} variant needs {arg}, and {arg} need the {variant.value}"
                " variant"
            )
    fixed_values = dict(fixed or {})
    for name, value in fixed_values.items():
        if name not in _NAMES:
            raise ValueError(f"fixed parameters are {', '.join(_NAMES)}; got {name!r}")
        _check_probability(name, value, space)
    if start is not None and start.space is not space:
        BKTParams(start.prior, start.learn, start.guess, start.slip, start.forget, space)

    n_skills = rows.skills.size
    row_skill = rows.row_skill()
    item_classes = _factorize(labels[Variant.MULTIGS], row_skill, n_skills)
    learn_class = _factorize(labels[Variant.MULTILEARN], row_skill, n_skills)
    cohort_labels = _cohort_of_sequences(labels[Variant.MULTIPRIOR], rows)
    cohort_class = _factorize(cohort_labels, rows.seq_skill, n_skills)

    forgets = Variant.FORGETS in chosen
    starts = _starting_points(
        rows.skills,
        (cohort_class, learn_class, item_classes),
        restarts,
        seed,
        forgets,
        space,
        start,
        fixed_values,
    )
    prior, learn, forget, guess, slip = starts
    fixed_flags = np.array(
        [name in fixed_values for name in _NAMES[:4]] + ["forget" in fixed_values or not forgets],
        dtype=np.bool_,
    )
    high_gs = IDENTIFIABLE_BOUND - EDGE if space is ParameterSpace.IDENTIFIABLE else 1.0 - EDGE
    bounds = np.array([EDGE, high_gs])
    trace = np.full((restarts, n_skills, max_iterations + 1), np.nan)
    out_ll = np.full((restarts, n_skills), -np.inf)
    out_it = np.zeros((restarts, n_skills), dtype=np.int64)
    out_conv = np.zeros((restarts, n_skills), dtype=np.bool_)
    out_log = np.zeros((restarts, n_skills), dtype=np.int64)

    kernels = _kernels()

    def job(r: int, k: int) -> None:
        ll, iterations, converged, n_log = kernels.em_job(
            rows.resp,
            item_classes.codes,
            learn_class.codes,
            rows.seq_start,
            cohort_class.codes,
            int(rows.skill_seq[k]),
            int(rows.skill_seq[k + 1]),
            int(item_classes.lo[k]),
            int(item_classes.hi[k]),
            int(learn_class.lo[k]),
            int(learn_class.hi[k]),
            int(cohort_class.lo[k]),
            int(cohort_class.hi[k]),
            prior[r],
            learn[r],
            forget[r],
            guess[r],
            slip[r],
            fixed_flags,
            bounds,
            max_iterations,
            tolerance,
            kernels.TINY,
            trace[r, k],
        )
        out_ll[r, k] = ll
        out_it[r, k] = iterations
        out_conv[r, k] = converged
        out_log[r, k] = n_log

    sizes = np.diff(rows.seq_start[rows.skill_seq])
    jobs = sorted(
        ((r, k) for k in range(n_skills) for r in range(restarts)), key=lambda j: -sizes[j[1]]
    )
    workers = max(1, min(threads or usable_cores(), len(jobs)))
    if workers == 1:
        for r, k in jobs:
            job(r, k)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for done in [pool.submit(job, r, k) for r, k in jobs]:
                done.result()

    results: dict[int, FitResult] = {}
    classes = (cohort_class, learn_class, item_classes)
    weights = (_code_weights(cohort_class), _code_weights(learn_class), _code_weights(item_classes))
    responses_per_skill = np.diff(rows.seq_start[rows.skill_seq])
    two_or_more = np.diff(rows.seq_start) > 1
    for k, skill in enumerate(rows.skills):
        scores = out_ll[:, k]
        best = int(np.argmax(scores))  # the first of equals
        model = _model_of(
            k,
            best,
            chosen,
            space,
            (prior, learn, forget, guess, slip),
            classes,
            weights,
        )
        transitions = bool(two_or_more[rows.skill_seq[k] : rows.skill_seq[k + 1]].any())
        accepted = trace[best, k]
        history = accepted[: int(np.argmax(np.isnan(accepted))) or accepted.size]
        results[int(skill)] = FitResult(
            model=model,
            log_likelihood=float(scores[best]),
            iterations=int(out_it[best, k]),
            converged=bool(out_conv[best, k]),
            restart=best,
            responses=int(responses_per_skill[k]),
            sequences=int(rows.skill_seq[k + 1] - rows.skill_seq[k]),
            restart_log_likelihoods=tuple(float(v) for v in scores),
            history=tuple(float(v) for v in history),
            log_space_sequences=int(out_log[best, k]),
            not_identified=() if transitions else (("learn", "forget") if forgets else ("learn",)),
        )
    return results


def _starting_points(
    skills: IntArray,
    classes: tuple[_Classes, _Classes, _Classes],
    restarts: int,
    seed: int,
    forgets: bool,
    space: ParameterSpace,
    start: BKTParams | None,
    fixed: Mapping[str, float],
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Starting parameters, ``(restarts, classes)`` each: prior, learn, forget, guess, slip.

    Drawn like pyBKT's (guess below 0.4, slip below 0.3: a start where knowing helps)
    from a generator seeded by ``seed`` and the skill id. ``start`` is restart 0.
    """
    cohort, learn_class, item = classes
    prior = np.empty((restarts, int(cohort.hi[-1])))
    learn = np.empty((restarts, int(learn_class.hi[-1])))
    forget = np.zeros((restarts, int(learn_class.hi[-1])))
    guess = np.empty((restarts, int(item.hi[-1])))
    slip = np.empty((restarts, int(item.hi[-1])))
    for k, skill in enumerate(skills):
        rng = np.random.default_rng([seed, int(skill) & 0x7FFFFFFFFFFFFFFF, int(skill < 0)])
        c = slice(cohort.lo[k], cohort.hi[k])
        lr = slice(learn_class.lo[k], learn_class.hi[k])
        it = slice(item.lo[k], item.hi[k])
        for r in range(restarts):
            prior[r, c] = rng.uniform(0.05, 0.95, c.stop - c.start)
            learn[r, lr] = rng.uniform(0.01, 0.4, lr.stop - lr.start)
            guess[r, it] = rng.uniform(0.01, 0.4, it.stop - it.start)
            slip[r, it] = rng.uniform(0.01, 0.3, it.stop - it.start)
            forget[r, lr] = rng.uniform(0.01, 0.2, lr.stop - lr.start) if forgets else 0.0
            if r == 0 and start is not None:
                prior[r, c], learn[r, lr], guess[r, it] = start.prior, start.learn, start.guess
                slip[r, it] = start.slip
                forget[r, lr] = start.forget if forgets else 0.0
    for name, array in (
        ("prior", prior),
        ("learn", learn),
        ("guess", guess),
        ("slip", slip),
        ("forget", forget),
    ):
        if name in fixed:
            array[:] = fixed[name]
        elif name != "forget" or forgets:
            high = IDENTIFIABLE_BOUND - EDGE if name in ("guess", "slip") else 1.0
            if space is ParameterSpace.UNCONSTRAINED or name not in ("guess", "slip"):
                high = 1.0 - EDGE
            np.clip(array, EDGE, high, out=array)
    return prior, learn, forget, guess, slip


def _code_weights(cls: _Classes) -> FloatArray:
    """How many rows (sequences, for cohorts) carry each code: counted once for all skills."""
    return np.bincount(cls.codes, minlength=len(cls.labels)).astype(np.float64)


def _model_of(
    k: int,
    r: int,
    variants: frozenset[Variant],
    space: ParameterSpace,
    arrays: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray],
    classes: tuple[_Classes, _Classes, _Classes],
    weights: tuple[FloatArray, FloatArray, FloatArray],
) -> SkillModel:
    """Skill ``k``'s model from restart ``r``: the tables, and pooled values weighted by rows.

    ``weights`` counts the uses of every code of ``classes`` (:func:`_code_weights`).
    """
    prior, learn, forget, guess, slip = (a[r] for a in arrays)
    cohort, learn_class, item = classes

    def table(
        cls: _Classes, used: FloatArray, values: FloatArray
    ) -> tuple[dict[str, float], float]:
        lo, hi = int(cls.lo[k]), int(cls.hi[k])
        pooled = float(np.dot(used[lo:hi], values[lo:hi]) / used[lo:hi].sum())
        return {cls.labels[c]: float(values[c]) for c in range(lo, hi)}, pooled

    item_guess, pooled_guess = table(item, weights[2], guess)
    item_slip, pooled_slip = table(item, weights[2], slip)
    class_learn, pooled_learn = table(learn_class, weights[1], learn)
    class_forget, pooled_forget = table(learn_class, weights[1], forget)
    cohort_prior, pooled_prior = table(cohort, weights[0], prior)
    params = BKTParams(
        prior=pooled_prior,
        learn=pooled_learn,
        guess=pooled_guess,
        slip=pooled_slip,
        forget=pooled_forget,
        space=space,
    )
    return SkillModel(
        params,
        variants,
        item_guess=item_guess if Variant.MULTIGS in variants else {},
        item_slip=item_slip if Variant.MULTIGS in variants else {},
        class_learn=class_learn if Variant.MULTILEARN in variants else {},
        class_forget=class_forget
        if Variant.MULTILEARN in variants and Variant.FORGETS in variants
        else {},
        cohort_prior=cohort_prior if Variant.MULTIPRIOR in variants else {},
    )


# --- simulation and metrics ------------------------------------------------------------------


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


def auc(y_true: npt.ArrayLike, y_score: npt.ArrayLike) -> float:
    """Area under the ROC curve: P(a random positive scores above a random negative).

    It is computed from ranks (the Mann-Whitney U statistic). Tied scores get their mean
    rank, so a tie between a positive and a negative counts one half. ``y_true`` holds 1
    for positives and 0 for negatives. There must be at least one of each.
    """
    truth, score = _metric_inputs(y_true, y_score)
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


def rmse(y_true: npt.ArrayLike, y_score: npt.ArrayLike) -> float:
    """Root mean squared error of predicted probabilities against 0/1 outcomes."""
    truth, score = _metric_inputs(y_true, y_score)
    if truth.size == 0:
        raise ValueError("RMSE needs at least one response")
    return float(np.sqrt(np.mean((truth - score) ** 2)))


def _metric_inputs(y_true: npt.ArrayLike, y_score: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    truth = np.asarray(y_true, dtype=np.float64)
    score = np.asarray(y_score, dtype=np.float64)
    if truth.shape != score.shape or truth.ndim != 1:
        raise ValueError("y_true and y_score must be one-dimensional and of equal length")
    if not np.all((truth == 0) | (truth == 1)):
        raise ValueError("y_true must hold only 0 and 1")
    if np.isnan(score).any():
        raise ValueError("y_score must not contain NaN")
    return truth, score

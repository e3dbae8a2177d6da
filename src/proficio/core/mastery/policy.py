"""A mastery policy applied to one student's evidence on one target, or to millions.

The rules in :mod:`.rules` turn ordered scores into a number. A *policy* adds what a
district decides around them: which evidence counts (self- and peer-assessment or
not, a window of the last N scores or since a date), how much evidence is enough
(a minimum count and a minimum number of distinct kinds), and the scale that turns the
number into a level and a status. Status is never "fail": a student is *not yet*
proficient, or there is *not enough evidence yet*.

:func:`evaluate` is the single-pair path used on every evidence write;
:func:`evaluate_batch` is the vectorized path used to replay a policy over all
evidence. Property tests hold them to the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from proficio.core import arrays

from . import bkt as bkt_model
from .batch import determine_batch
from .rules import METHODS, determine, explain, trend, validate_params


class Status(StrEnum):
    NOT_ASSESSED = "not_assessed"
    INSUFFICIENT = "insufficient"
    NOT_YET = "not_yet"
    PROFICIENT = "proficient"
    ADVANCED = "advanced"


STATUS_CODES: tuple[Status, ...] = tuple(Status)
SELF_AND_PEER = frozenset({"self_assessment", "peer_assessment"})


@dataclass(frozen=True)
class Scale:
    """The numeric values of a proficiency scale's levels, lowest first."""

    values: tuple[float, ...]
    mastery: float  # the lowest value that meets mastery

    def __post_init__(self) -> None:
        if not self.values or list(self.values) != sorted(set(self.values)):
            raise ValueError("scale values must be distinct and rising")
        if self.mastery not in self.values:
            raise ValueError("the mastery value must be one of the scale's values")

    @property
    def advanced(self) -> float | None:
        """The top value, when it lies above mastery (so "advanced" means something)."""
        top = self.values[-1]
        return top if top > self.mastery else None

    def level_index(self, value: float) -> int:
        """The highest level whose value the result reaches (the lowest level at least)."""
        reached = [i for i, v in enumerate(self.values) if value + 1e-9 >= v]
        return reached[-1] if reached else 0

    def contains(self, score: float) -> bool:
        return self.values[0] - 1e-9 <= score <= self.values[-1] + 1e-9


@dataclass(frozen=True)
class Policy:
    method: str = "decaying_average"
    weight: float = 0.65
    rate: float = 0.65
    n: int | None = None
    threshold: float | None = None
    window_last: int | None = None
    window_since: dt.datetime | None = None
    min_evidence: int = 1
    min_kinds: int = 1
    count_self_and_peer: bool = False
    bkt: bkt_model.BKTParams | bkt_model.SkillModel | None = None
    bkt_mastery: float = 0.95
    bkt_cohort: str | None = None  # the student's cohort, for a model with a prior per cohort

    def __post_init__(self) -> None:
        if self.method == "bkt":
            if self.bkt is None:
                raise ValueError("a bkt policy needs fitted BKT parameters")
            if not 0 < self.bkt_mastery < 1:
                raise ValueError("bkt_mastery must be a probability between 0 and 1")
        else:
            validate_params(
                self.method, weight=self.weight, rate=self.rate, n=self.n, threshold=self.threshold
            )
        if self.window_last is not None and self.window_last < 1:
            raise ValueError("window_last must be at least 1")
        if self.min_evidence < 1:
            raise ValueError("min_evidence must be at least 1")
        if self.min_kinds < 1:
            raise ValueError("min_kinds must be at least 1")
        if self.window_since is not None and self.window_since.tzinfo is None:
            raise ValueError("window_since must be timezone-aware")

    def rule_params(self) -> dict[str, Any]:
        return {"weight": self.weight, "rate": self.rate, "n": self.n, "threshold": self.threshold}


ALL_METHODS: tuple[str, ...] = (*METHODS, "bkt")


@dataclass(frozen=True)
class Point:
    """One piece of evidence on the target: its score and when the learning was shown."""

    key: str  # identifies the evidence, for the explanation
    score: float
    assessed_at: dt.datetime
    kind: str
    item: str = ""  # BKT: the quiz item (its guess and slip, for a model with them per item)
    learn_class: str = ""  # BKT: the learning class of the opportunity (learning per class)


@dataclass(frozen=True)
class Used:
    key: str
    score: float
    assessed_at: dt.datetime
    kind: str
    weight: float


@dataclass(frozen=True)
class Excluded:
    key: str
    reason: str


@dataclass(frozen=True)
class Result:
    value: float | None
    level_index: int | None
    status: Status
    evidence_count: int
    kinds_count: int
    last_assessed_at: dt.datetime | None
    trend: float | None
    used: list[Used] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    p_correct_next: float | None = None  # BKT: P(a correct answer at the next opportunity)


def select(points: Sequence[Point], policy: Policy) -> tuple[list[Point], list[Excluded]]:
    """Order by when the learning was shown, then apply what counts and the window."""
    ordered = sorted(points, key=lambda p: (p.assessed_at, p.key))
    excluded: list[Excluded] = []
    kept: list[Point] = []
    for p in ordered:
        if not policy.count_self_and_peer and p.kind in SELF_AND_PEER:
            excluded.append(
                Excluded(p.key, "self- and peer-assessment do not count under this policy")
            )
        elif policy.window_since is not None and p.assessed_at < policy.window_since:
            excluded.append(Excluded(p.key, "shown before the policy's window"))
        else:
            kept.append(p)
    if policy.window_last is not None and len(kept) > policy.window_last:
        for p in kept[: len(kept) - policy.window_last]:
            excluded.append(Excluded(p.key, f"older than the last {policy.window_last} scores"))
        kept = kept[len(kept) - policy.window_last :]
    return kept, excluded


def _status(
    value: float | None, count: int, kinds: int, policy: Policy, scale: Scale
) -> tuple[Status, int | None]:
    if count < policy.min_evidence or kinds < policy.min_kinds:
        return Status.INSUFFICIENT, None
    if value is None:
        return Status.NOT_YET, None
    if policy.method == "bkt":
        # The value is P(known); mastery is a probability, not a scale value.
        if value >= policy.bkt_mastery:
            return Status.PROFICIENT, scale.values.index(scale.mastery)
        return Status.NOT_YET, None
    level = scale.level_index(value)
    advanced = scale.advanced
    if advanced is not None and value + 1e-9 >= advanced:
        return Status.ADVANCED, level
    if value + 1e-9 >= scale.mastery:
        return Status.PROFICIENT, level
    return Status.NOT_YET, level


def evaluate(points: Sequence[Point], policy: Policy, scale: Scale) -> Result:
    """Determine one student's standing on one target under ``policy``."""
    if not points:
        return Result(None, None, Status.NOT_ASSESSED, 0, 0, None, None)
    kept, excluded = select(points, policy)
    scores = [p.score for p in kept]
    kinds = len({p.kind for p in kept})
    p_correct_next = None
    if policy.method == "bkt":
        assert policy.bkt is not None
        value: float | None = None
        if scores:
            nxt = _bkt_next(policy, scores, [p.item for p in kept], [p.learn_class for p in kept])
            value, p_correct_next = nxt.p_known, nxt.p_correct
        weights = [1.0 / len(scores)] * len(scores) if scores else []
    else:
        value = determine(scores, policy.method, **policy.rule_params()) if scores else None
        weights = explain(scores, policy.method, **policy.rule_params()) if scores else []
    status, level = _status(value, len(kept), kinds, policy, scale)
    return Result(
        value=value,
        level_index=level,
        status=status,
        evidence_count=len(kept),
        kinds_count=kinds,
        last_assessed_at=max(p.assessed_at for p in points),
        trend=trend(scores) if len(scores) >= 2 else None,
        used=[
            Used(p.key, p.score, p.assessed_at, p.kind, float(w))
            for p, w in zip(kept, weights, strict=True)
        ],
        excluded=excluded,
        p_correct_next=p_correct_next,
    )


def _bkt_next(
    policy: Policy, scores: Sequence[float], items: Sequence[str], learn_classes: Sequence[str]
) -> bkt_model.NextResponse:
    """The BKT model's next opportunity after these responses, with the labels its variants use."""
    assert policy.bkt is not None
    model = bkt_model.as_model(policy.bkt)
    variants = model.variants
    return bkt_model.next_response(
        model,
        scores,
        items=items if bkt_model.Variant.MULTIGS in variants else None,
        learn_classes=learn_classes if bkt_model.Variant.MULTILEARN in variants else None,
        cohort=policy.bkt_cohort if bkt_model.Variant.MULTIPRIOR in variants else None,
    )


@dataclass(frozen=True)
class BatchResult:
    groups: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]  # NaN where there is no value
    status: npt.NDArray[np.int8]  # index into STATUS_CODES
    level_index: npt.NDArray[np.int16]  # -1 where there is no level
    evidence_count: npt.NDArray[np.int64]


def evaluate_batch(
    group_ids: npt.ArrayLike,
    scores: npt.ArrayLike,
    assessed_at: npt.ArrayLike,
    kinds: npt.ArrayLike,
    policy: Policy,
    scale: Scale,
    *,
    bkt_items: npt.ArrayLike | None = None,
    bkt_learn_classes: npt.ArrayLike | None = None,
    bkt_cohorts: Mapping[int, str] | None = None,
) -> BatchResult:
    """:func:`evaluate` for many (student, target) pairs at once, without a loop per pair.

    Rows must be sorted by group, then by ``assessed_at`` (seconds since the epoch, as
    floats); ``kinds`` are small integers, with :data:`SELF_PEER_KIND_CODES` marking
    self- and peer-assessment. Groups whose every row is excluded come back with status
    "insufficient" (they have evidence, none of which counts). A BKT policy's variants
    read each row's quiz item and learning class, and each group's cohort, from the
    ``bkt_`` arguments (BKT filters each group in turn).
    """
    g = np.asarray(group_ids, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    t = np.asarray(assessed_at, dtype=np.float64)
    k = np.asarray(kinds, dtype=np.int64)
    n_rows = g.size
    # Quiz items and learning classes only matter to BKT: other methods skip the two
    # object columns (a row each) that filtering would otherwise copy.
    bkt = policy.method == "bkt"
    items: npt.NDArray[Any] = np.zeros(n_rows, dtype=bool)
    classes: npt.NDArray[Any] = items
    if bkt:
        items = np.asarray(bkt_items if bkt_items is not None else [""] * n_rows, dtype=object)
        classes = np.asarray(
            bkt_learn_classes if bkt_learn_classes is not None else [""] * n_rows, dtype=object
        )
    all_groups, where = arrays.groups(g)
    keep = np.ones(g.size, dtype=bool)
    if not policy.count_self_and_peer:
        keep &= ~np.isin(k, SELF_PEER_KIND_CODES)
    if policy.window_since is not None:
        keep &= t >= policy.window_since.timestamp()
    g, s, t, k, where = g[keep], s[keep], t[keep], k[keep], where[keep]
    items, classes = items[keep], classes[keep]
    if policy.window_last is not None and g.size:
        # Position of each row counted from the end of its group.
        starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
        ends = np.r_[starts[1:], g.size]
        sizes = ends - starts
        from_end = np.repeat(ends, sizes) - np.arange(g.size) - 1
        tail = from_end < policy.window_last
        g, s, t, k, where = g[tail], s[tail], t[tail], k[tail], where[tail]
        items, classes = items[tail], classes[tail]
    n_groups = all_groups.size
    values = np.full(n_groups, np.nan)
    counts = np.zeros(n_groups, dtype=np.int64)
    kind_counts = np.zeros(n_groups, dtype=np.int64)
    if g.size:
        counts = np.bincount(where, minlength=n_groups).astype(np.int64)
        # Distinct (group, kind) pairs as one integer each: the kind's rank among the
        # kinds present keeps the product below n_rows².
        present_kinds = arrays.distinct(k)
        n_kinds = present_kinds.size
        pairs = arrays.distinct(where * n_kinds + np.searchsorted(present_kinds, k))
        kind_counts = np.bincount(pairs // n_kinds, minlength=n_groups).astype(np.int64)
        if bkt:
            assert policy.bkt is not None
            for gi in np.unique(where):  # BKT is a forward filter; replays are per target
                rows = where == gi
                cohort = (bkt_cohorts or {}).get(int(all_groups[gi]))
                pol = policy if cohort is None else replace(policy, bkt_cohort=cohort)
                values[gi] = _bkt_next(pol, s[rows], items[rows], classes[rows]).p_known
        else:
            present, vals = determine_batch(g, s, policy.method, **policy.rule_params())
            values[np.searchsorted(all_groups, present)] = vals
    status, level = _status_batch(values, counts, kind_counts, policy, scale)
    return BatchResult(all_groups, values, status, level, counts)


def _status_batch(
    values: npt.NDArray[np.float64],
    counts: npt.NDArray[np.int64],
    kind_counts: npt.NDArray[np.int64],
    policy: Policy,
    scale: Scale,
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int16]]:
    """:func:`_status` over arrays."""
    code = {st: np.int8(STATUS_CODES.index(st)) for st in Status}
    has = ~np.isnan(values)
    v = np.where(has, values, -np.inf) + 1e-9
    status = np.full(values.size, code[Status.NOT_YET], dtype=np.int8)
    level = np.full(values.size, -1, dtype=np.int16)
    if policy.method == "bkt":
        proficient = has & (v >= policy.bkt_mastery)
        status[proficient] = code[Status.PROFICIENT]
        level[proficient] = scale.values.index(scale.mastery)
    else:
        index = np.searchsorted(np.asarray(scale.values), v, side="right") - 1
        level[has] = np.maximum(index[has], 0)
        status[has & (v >= scale.mastery)] = code[Status.PROFICIENT]
        if scale.advanced is not None:
            status[has & (v >= scale.advanced)] = code[Status.ADVANCED]
    insufficient = (counts < policy.min_evidence) | (kind_counts < policy.min_kinds)
    status[insufficient] = code[Status.INSUFFICIENT]
    level[insufficient] = -1
    return status, level


# Kind codes used by the batch path; the Django layer maps evidence kinds onto these.
KIND_CODES: dict[str, int] = {
    "performance_task": 0,
    "project": 1,
    "observation": 2,
    "conference": 3,
    "quiz": 4,
    "self_assessment": 5,
    "peer_assessment": 6,
    "extended_learning": 7,
    "prior_learning": 8,
}
SELF_PEER_KIND_CODES: tuple[int, ...] = tuple(KIND_CODES[k] for k in sorted(SELF_AND_PEER))


def kind_codes(kinds: Sequence[str]) -> npt.NDArray[np.int64]:
    """Each evidence kind as its code in :data:`KIND_CODES` (unknown kinds: -1)."""
    if not len(kinds):
        return np.zeros(0, dtype=np.int64)
    distinct, inverse = np.unique(np.asarray(kinds, dtype=object), return_inverse=True)
    table = np.array([KIND_CODES.get(str(k), -1) for k in distinct], dtype=np.int64)
    return table[inverse.reshape(-1)]


def pair_groups(
    key_students: npt.ArrayLike,
    key_targets: npt.ArrayLike,
    row_students: npt.ArrayLike,
    row_targets: npt.ArrayLike,
) -> npt.NDArray[np.int64]:
    """The group of each row: the position of its (student, target) pair among the keys,
    which must be sorted by student, then target; -1 for a row whose pair is not a key.

    The batch path's grouping, without a Python loop over the rows."""
    ks = np.asarray(key_students, dtype=np.int64)
    kt = np.asarray(key_targets, dtype=np.int64)
    rs = np.asarray(row_students, dtype=np.int64)
    rt = np.asarray(row_targets, dtype=np.int64)
    groups = np.full(rs.size, -1, dtype=np.int64)
    if not ks.size or not rs.size:
        return groups
    width = int(max(kt.max(), rt.max())) + 1
    keys = ks * width + kt
    if np.any(np.diff(keys) <= 0):
        raise ValueError("the keys must be distinct and sorted by student, then target")
    codes = rs * width + rt
    where = np.minimum(np.searchsorted(keys, codes), keys.size - 1)
    found = keys[where] == codes
    groups[found] = where[found]
    return groups

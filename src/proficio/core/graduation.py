"""Graduation requirements over the continuum, and a student's progress toward them.

A requirement set (a state's minimum plus a district's additions) is a list of
:class:`Requirement`. Each is one of:

- ``ALL_OF``: every named competency shown at ``level`` or above;
- ``N_OF_M``: at least ``count`` of the named competencies at ``level``;
- ``HABITS``: habits of success, like ``N_OF_M`` (``count`` None means all of them);
- ``RUBRIC``: a capstone or defense of learning, met by a recorded rubric result of at
  least ``minimum_score``.

Any requirement that ``accepts_alternative`` is also met by an accepted outside credential
recorded against it (an alternative pathway), which then stands as its evidence.

:func:`evaluate` reads a student's standings (competency → the highest level position
shown, None when none is; a level not shown counts as position 0) and returns, for each
requirement, met or not yet, the evidence behind it and what is left, and a projected
completion date: each competency still short grows from the level shown today at the
student's rate of growth in it (levels per year, from the pace engine), projected by
:func:`proficio.core.progression.pace.project`, the one projection rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from proficio.core.progression.pace import Growth, project


class Kind(StrEnum):
    ALL_OF = "all_of"
    N_OF_M = "n_of_m"
    HABITS = "habits"
    RUBRIC = "rubric"


CONTINUUM_KINDS = (Kind.ALL_OF, Kind.N_OF_M, Kind.HABITS)


@dataclass(frozen=True)
class Requirement:
    key: str
    kind: Kind
    competencies: tuple[Hashable, ...] = ()
    level: int = 0
    count: int | None = None  # N_OF_M and HABITS; None for HABITS means all
    minimum_score: float | None = None  # RUBRIC
    accepts_alternative: bool = False

    def needed(self) -> int:
        """How many of the competencies must stand at the level."""
        if self.kind == Kind.ALL_OF or self.count is None:
            return len(self.competencies)
        return self.count


@dataclass(frozen=True)
class RubricResult:
    score: float
    judged_on: dt.date
    reference: str = ""  # who judged, or where the scored work is


@dataclass(frozen=True)
class Alternative:
    name: str  # the outside credential, e.g. an industry certification
    accepted_on: dt.date
    reference: str = ""


@dataclass(frozen=True)
class LevelShown:
    competency: Hashable
    level: int


@dataclass(frozen=True)
class Gap:
    competency: Hashable
    have: int | None
    need: int

    @property
    def levels(self) -> int:
        return max(0, self.need - (self.have or 0))


Evidence = LevelShown | RubricResult | Alternative


@dataclass(frozen=True)
class Outcome:
    requirement: Requirement
    met: bool
    evidence: tuple[Evidence, ...]
    # What is left: the cheapest way to meet it (for N of M, the smallest gaps); empty if met.
    gaps: tuple[Gap, ...] = ()
    awaits_rubric: bool = False  # a capstone not judged high enough yet
    via_alternative: bool = False
    projected: dt.date | None = None  # when the continuum part is reached at this pace

    @property
    def levels_left(self) -> int:
        return sum(g.levels for g in self.gaps)


class Projection(StrEnum):
    MET = "met"  # nothing left
    PROJECTED = "projected"  # a date at the student's pace
    NO_PACE = "no_pace"  # some competency short has no growth to project from
    AWAITS_RUBRIC = "awaits_rubric"  # the continuum is projected, a capstone is not


@dataclass(frozen=True)
class Progress:
    outcomes: tuple[Outcome, ...]
    projection: Projection
    completion: dt.date | None  # the projected date (today when met; None when unknown)

    @property
    def met(self) -> bool:
        return all(o.met for o in self.outcomes)

    @property
    def unmet(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.met)

    @property
    def levels_left(self) -> int:
        return sum(o.levels_left for o in self.outcomes)

    @property
    def requirements_left(self) -> int:
        return len(self.unmet)


def problems(
    requirement: Requirement, known: set[Hashable] | frozenset[Hashable]
) -> dict[str, str]:
    """Why a requirement cannot stand, by field (empty when it can)."""
    found: dict[str, str] = {}
    if not requirement.key.strip():
        found["key"] = "A requirement needs a name."
    if requirement.kind in CONTINUUM_KINDS:
        unknown = [c for c in requirement.competencies if c not in known]
        if unknown:
            found["competencies"] = "Unknown competency: " + ", ".join(str(c) for c in unknown)
        elif not requirement.competencies:
            found["competencies"] = "Name at least one competency."
        elif len(set(requirement.competencies)) != len(requirement.competencies):
            found["competencies"] = "A competency is named twice."
        if requirement.level < 1:
            found["level"] = "Name the level the competencies must reach."
        if requirement.kind != Kind.ALL_OF and requirement.count is not None:
            if not 1 <= requirement.count <= len(requirement.competencies):
                found["count"] = "The number required must be between 1 and the number named."
        elif requirement.kind == Kind.N_OF_M:
            found["count"] = "Say how many of the competencies are required."
    elif requirement.minimum_score is None:
        found["minimum_score"] = "A capstone needs the rubric score that meets it."
    return found


def _when(gap: Gap, pace: Mapping[Hashable, Growth], today: dt.date) -> dt.date | None:
    """When the competency reaches the level needed, growing from the level shown today at
    the student's rate of growth in it (None without growth, or with none at all)."""
    if gap.levels == 0:
        return today
    found = pace.get(gap.competency)
    if found is None:
        return None
    from_today = Growth(found.per_year, found.standard_error, float(gap.have or 0), found.n)
    return project(from_today, today, float(gap.need)).date


def _continuum(
    req: Requirement,
    standings: Mapping[Hashable, int | None],
    pace: Mapping[Hashable, Growth],
    today: dt.date,
) -> Outcome:
    gaps = [Gap(c, standings.get(c), req.level) for c in req.competencies]
    shown = tuple(LevelShown(g.competency, g.have) for g in gaps if g.have and g.levels == 0)
    needed = req.needed()
    if len(shown) >= needed:
        return Outcome(req, True, shown, projected=today)
    # The cheapest way: the competencies closest to the level, then the soonest projected.
    when = {g.competency: _when(g, pace, today) for g in gaps}
    ordered = sorted(
        gaps,
        key=lambda g: (g.levels, when[g.competency] is None, when[g.competency] or today),
    )
    chosen = ordered[:needed]
    dates = [when[g.competency] for g in chosen]
    projected = None if any(d is None for d in dates) else max(d for d in dates if d is not None)
    return Outcome(
        req,
        False,
        shown,
        gaps=tuple(g for g in chosen if g.levels > 0),
        projected=projected,
    )


def evaluate(
    requirements: Sequence[Requirement],
    standings: Mapping[Hashable, int | None],
    *,
    today: dt.date,
    rubric: Mapping[str, Sequence[RubricResult]] | None = None,
    alternatives: Mapping[str, Sequence[Alternative]] | None = None,
    pace: Mapping[Hashable, Growth] | None = None,
) -> Progress:
    """Each requirement met or not yet, with its evidence and what is left, and the
    projected completion date (the latest of the requirements' own projections)."""
    rubric = rubric or {}
    alternatives = alternatives or {}
    pace = pace or {}
    outcomes = []
    for req in requirements:
        accepted = tuple(alternatives.get(req.key, ())) if req.accepts_alternative else ()
        if req.kind in CONTINUUM_KINDS:
            outcome = _continuum(req, standings, pace, today)
        else:
            results = tuple(
                r
                for r in rubric.get(req.key, ())
                if req.minimum_score is not None and r.score >= req.minimum_score
            )
            outcome = Outcome(
                req, bool(results), results, awaits_rubric=not results, projected=None
            )
        if not outcome.met and accepted:
            outcome = Outcome(req, True, accepted, via_alternative=True, projected=today)
        outcomes.append(outcome)
    return Progress(tuple(outcomes), *_projection(outcomes, today))


def _projection(outcomes: Sequence[Outcome], today: dt.date) -> tuple[Projection, dt.date | None]:
    unmet = [o for o in outcomes if not o.met]
    if not unmet:
        return Projection.MET, today
    continuum = [o for o in unmet if not o.awaits_rubric]
    if any(o.projected is None for o in continuum):
        return Projection.NO_PACE, None
    date = max((o.projected for o in continuum if o.projected is not None), default=today)
    if len(continuum) < len(unmet):
        return Projection.AWAITS_RUBRIC, date
    return Projection.PROJECTED, date


# A student's standing in their graduating class's published figures: every requirement
# met, on track to finish by June of their year, or neither.
COHORT_STATUSES = ("met", "on", "off")


def on_track(progress: Progress, by: dt.date) -> bool:
    """Met, or projected to finish by ``by`` (a capstone still to judge does not count
    against it: the continuum is what pace can tell)."""
    if progress.projection == Projection.MET:
        return True
    return progress.completion is not None and progress.completion <= by

"""Where a student stands on a competency's continuum: the one definition every page,
export and API answer uses.

A competency's learning targets sit at levels of the continuum (positions 1, 2, …). A
level is *shown* when the competency has targets at it and every one of them is met
(proficient or above, an educator's override counting as the level it gives).

- **Standing** is the highest level shown. When the district infers lower levels (the
  default), every level below the standing is met too, "through Level k evidence", and
  so are its targets; when it does not, a lower level not shown is a gap to fill.
- **Expectation** comes from the district's time-bound targets for the student's grade:
  the level expected now (the whole level reached by the line through the targets, the
  same line pace uses) and the next target ahead (a level and its date).
- **Status** compares the two: *working toward* (below the level expected now), *on
  track*, or *beyond* (above it, and already at the next target's level).
- **Proficient** for a competency means standing at or above the level expected now.
- **Next step** is the lowest level above the standing that the competency describes;
  never a level at or below what has been shown.

:func:`standing` answers for one competency; :func:`highest_shown_batch` and
:func:`status_batch` do the same for many (student, competency) groups with no loop per
group, and are property-tested to agree with it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from proficio.core.progression.pace import expected_level

EPSILON = 1e-9


class StandingStatus(StrEnum):
    NOT_ASSESSED = "not_assessed"  # nothing in the competency assessed yet
    WORKING_TOWARD = "working_toward"
    ON_TRACK = "on_track"
    BEYOND = "beyond"
    NO_EXPECTATION = "no_expectation"  # assessed, but the district sets no expectation


STATUS_CODES = (
    StandingStatus.NOT_ASSESSED,
    StandingStatus.WORKING_TOWARD,
    StandingStatus.ON_TRACK,
    StandingStatus.BEYOND,
    StandingStatus.NO_EXPECTATION,
)


class LevelState(StrEnum):
    SHOWN = "shown"  # every target at the level met
    INFERRED = "inferred"  # met through evidence at a higher level
    GAP = "gap"  # below the standing, not shown, and the district does not infer
    OPEN = "open"  # above the standing: still ahead


@dataclass(frozen=True)
class Target:
    """One learning target of the competency as the student stands on it."""

    key: Hashable
    level: int  # its position on the continuum
    met: bool  # proficient or advanced
    assessed: bool = True  # any determination other than "not assessed"


@dataclass(frozen=True)
class Expectation:
    now: float  # the level expected today, on the line through the district's targets
    level: int  # the whole level that should have been reached by today
    next_level: int  # the next time-bound target ahead (or the last one)
    next_due: dt.date


@dataclass(frozen=True)
class Level:
    position: int
    state: LevelState
    through: int | None = None  # for INFERRED: the level whose evidence meets it


@dataclass(frozen=True)
class Standing:
    level: int | None  # highest level shown; None when none is
    status: StandingStatus
    expectation: Expectation | None
    next_step: int | None  # None at the top of the continuum
    levels: tuple[Level, ...]
    met: frozenset[Hashable]  # targets met, directly or by inference
    inferred: frozenset[Hashable]  # targets met by inference only
    assessed: bool

    @property
    def proficient(self) -> bool | None:
        """At or above the level expected now; None where no level is expected."""
        if self.expectation is None:
            return None
        return self.assessed and is_proficient(self.level, self.expectation.level)


def expectation(points: Sequence[tuple[dt.date, float]], today: dt.date) -> Expectation | None:
    """The level expected today and the next target ahead, from a grade's time-bound
    targets (``(due date, level)``); None when there are none."""
    if not points:
        return None
    ordered = sorted(points)
    now = expected_level(ordered, today)
    ahead = [(day, level) for day, level in ordered if day >= today]
    due, upcoming = ahead[0] if ahead else ordered[-1]
    whole = math.floor(now + EPSILON)
    return Expectation(now, whole, max(round(upcoming), whole), due)


def is_proficient(level: int | None, expected: int) -> bool:
    """The one meaning of "proficient" for a competency: standing at or above the level
    expected now."""
    return (level or 0) >= expected


def status_of(level: int | None, assessed: bool, exp: Expectation | None) -> StandingStatus:
    if not assessed:
        return StandingStatus.NOT_ASSESSED
    if exp is None:
        return StandingStatus.NO_EXPECTATION
    reached = level or 0
    if reached < exp.level:
        return StandingStatus.WORKING_TOWARD
    if reached > exp.level and reached >= exp.next_level:
        return StandingStatus.BEYOND
    return StandingStatus.ON_TRACK


def standing(
    targets: Sequence[Target],
    *,
    steps: Sequence[int] = (),
    expected: Expectation | None = None,
    infer_below: bool = True,
) -> Standing:
    """A student's standing on one competency.

    ``steps`` are the levels the competency describes (a level statement or a target);
    the next step is chosen among them and the targets' levels.
    """
    by_level: dict[int, list[Target]] = {}
    for t in targets:
        by_level.setdefault(t.level, []).append(t)
    shown = {lv for lv, ts in by_level.items() if all(t.met for t in ts)}
    level = max(shown, default=None)
    assessed = any(t.assessed for t in targets)
    described = sorted(set(steps) | set(by_level))
    levels = []
    for position in described:
        if position in shown:
            state, through = LevelState.SHOWN, None
        elif level is not None and position < level:
            state, through = (LevelState.INFERRED, level) if infer_below else (LevelState.GAP, None)
        else:
            state, through = LevelState.OPEN, None
        levels.append(Level(position, state, through))
    direct = {t.key for t in targets if t.met}
    below = (
        {t.key for t in targets if level is not None and t.level < level} if infer_below else set()
    )
    ahead = [p for p in described if level is None or p > level]
    return Standing(
        level=level,
        status=status_of(level, assessed, expected),
        expectation=expected,
        next_step=ahead[0] if ahead else None,
        levels=tuple(levels),
        met=frozenset(direct | below),
        inferred=frozenset(below - direct),
        assessed=assessed,
    )


def proficient_overall(standings: Sequence[Standing]) -> bool | None:
    """A student counts as proficient when at or above expectation in every competency
    with an expectation; None when no competency has one."""
    judged = [s.proficient for s in standings if s.proficient is not None]
    if not judged:
        return None
    return all(judged)


def proficient_from_share(share: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """:func:`proficient_overall` from the share of a student's judged competencies that
    are proficient (NaN where none is judged): proficient only when every one is."""
    values = np.asarray(share, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(values >= 1.0 - EPSILON, dtype=bool)


# --- Many groups at once ------------------------------------------------------------------


def highest_shown_batch(
    group_ids: npt.ArrayLike, levels: npt.ArrayLike, met: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For rows of (group, target level, met), each group's highest level shown (0 when
    none is): ``(sorted unique groups, levels)``. A group is usually a student and
    competency; give every target of the competency a row, met or not."""
    g = np.asarray(group_ids, dtype=np.int64)
    lv = np.asarray(levels, dtype=np.int64)
    ok = np.asarray(met, dtype=bool)
    groups, index = np.unique(g, return_inverse=True)
    if g.size == 0:
        return groups, np.zeros(0, dtype=np.int64)
    width = int(lv.max()) + 1
    cell, cell_index = np.unique(index * width + lv, return_inverse=True)
    total = np.bincount(cell_index)
    done = np.bincount(cell_index, weights=ok.astype(np.float64))
    shown = total == done
    best = np.zeros(groups.size, dtype=np.int64)
    np.maximum.at(best, cell[shown] // width, cell[shown] % width)
    return groups, best


def status_batch(
    level: npt.ArrayLike,
    assessed: npt.ArrayLike,
    expected_level: npt.ArrayLike,
    next_level: npt.ArrayLike,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """:func:`status_of` and :func:`is_proficient` for many groups: status codes (indexes
    of ``STATUS_CODES``) and proficient. Expected levels are NaN where none is set
    (proficient is then False: count it only where an expectation exists)."""
    s = np.asarray(level, dtype=np.float64)
    a = np.asarray(assessed, dtype=bool)
    e = np.asarray(expected_level, dtype=np.float64)
    nxt = np.asarray(next_level, dtype=np.float64)
    known = ~np.isnan(e)
    code = np.full(s.shape, STATUS_CODES.index(StandingStatus.NO_EXPECTATION), dtype=np.int64)
    with np.errstate(invalid="ignore"):
        below = known & (s < e)
        beyond = known & (s > e) & (s >= nxt)
    code[known] = STATUS_CODES.index(StandingStatus.ON_TRACK)
    code[below] = STATUS_CODES.index(StandingStatus.WORKING_TOWARD)
    code[beyond] = STATUS_CODES.index(StandingStatus.BEYOND)
    code[~a] = STATUS_CODES.index(StandingStatus.NOT_ASSESSED)
    proficient = known & a & ~below
    return code, proficient

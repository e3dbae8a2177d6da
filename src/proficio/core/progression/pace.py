"""Pace: where a student is on the continuum against where the district expects them to
be by a date, how fast they are growing, and when they will reach a goal.

Growth is the least-squares slope of level against time, in levels per year, so more
than a year's growth in a year shows as a rate above one. The projected date of
reaching a goal comes with a band from the slope's standard error (about 95%). Time is
measured in years as floats so that the same code serves one student (:func:`pace`)
and a whole district (:func:`growth_batch`, no loop per student).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from proficio.core import arrays

DAYS_PER_YEAR = 365.25
Z95 = 1.96
# How far (in levels) a place may sit from the one expected and still count as on pace.
# The one definition: a competency's status and a student's overall status both use it.
TOLERANCE = 0.25


class PaceStatus(StrEnum):
    AHEAD = "ahead"
    ON = "on"
    BEHIND = "behind"
    UNKNOWN = "unknown"  # not enough evidence of growth yet


@dataclass(frozen=True)
class Growth:
    per_year: float
    standard_error: float
    intercept_level: float  # the fitted level at time 0 (the first observation)
    n: int


@dataclass(frozen=True)
class Projection:
    date: dt.date | None  # None when the goal is never reached at this rate
    earliest: dt.date | None
    latest: dt.date | None


@dataclass(frozen=True)
class PaceResult:
    status: PaceStatus
    level_now: float | None
    expected_now: float | None
    growth: Growth | None
    projection: Projection | None


def status_for_gap(gap: float, tolerance: float = TOLERANCE) -> PaceStatus:
    """Ahead, on or behind pace for a distance ``gap`` (place minus expected, in levels)."""
    if gap > tolerance:
        return PaceStatus.AHEAD
    if gap < -tolerance:
        return PaceStatus.BEHIND
    return PaceStatus.ON


def status_codes_for_gaps(
    gaps: npt.ArrayLike, tolerance: float = TOLERANCE
) -> npt.NDArray[np.int64]:
    """:func:`status_for_gap` for many gaps at once, as indexes into ``STATUS_CODES``;
    a missing gap (NaN) is ``UNKNOWN``."""
    g = np.asarray(gaps, dtype=float)
    codes = np.full(g.shape, STATUS_CODES.index(PaceStatus.UNKNOWN), dtype=np.int64)
    known = np.isfinite(g)
    codes[known] = STATUS_CODES.index(PaceStatus.ON)
    codes[known & (g > tolerance)] = STATUS_CODES.index(PaceStatus.AHEAD)
    codes[known & (g < -tolerance)] = STATUS_CODES.index(PaceStatus.BEHIND)
    return codes


def years_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_YEAR


def growth(observations: Sequence[tuple[dt.date, float]]) -> Growth | None:
    """Least-squares growth in levels per year; None with fewer than two distinct dates."""
    if len(observations) < 2:
        return None
    start = min(d for d, _ in observations)
    t = np.array([years_between(start, d) for d, _ in observations])
    y = np.array([level for _, level in observations], dtype=np.float64)
    if np.ptp(t) == 0:
        return None
    slope, intercept = np.polyfit(t, y, 1)
    residuals = y - (slope * t + intercept)
    dof = len(t) - 2
    sxx = float(((t - t.mean()) ** 2).sum())
    se = math.sqrt(float((residuals**2).sum()) / dof / sxx) if dof > 0 else math.inf
    return Growth(float(slope), se, float(intercept), len(t))


def expected_level(expectations: Sequence[tuple[dt.date, float]], on: dt.date) -> float:
    """The level the district expects on a date, between its time-bound targets (linear)."""
    points = sorted(expectations)
    if not points:
        raise ValueError("no expectations to compare with")
    dates = [years_between(points[0][0], d) for d, _ in points]
    levels = [lv for _, lv in points]
    return float(np.interp(years_between(points[0][0], on), dates, levels))


def check_expectations(
    expectations: Sequence[tuple[dt.date, float]], levels: Sequence[float]
) -> list[str]:
    """Why time-bound targets contradict each other or name missing levels (empty if fine)."""
    problems = []
    known = set(levels)
    for day, level in expectations:
        if level not in known:
            problems.append(f"{day.isoformat()}: level {level:g} is not on the continuum")
    ordered = sorted(expectations)
    for (d1, l1), (d2, l2) in itertools.pairwise(ordered):
        if d1 == d2 and l1 != l2:
            problems.append(f"{d1.isoformat()}: two different levels are expected on the same date")
        elif l2 < l1:
            problems.append(
                f"{d2.isoformat()}: expects level {l2:g}, "
                f"below the {l1:g} expected earlier on {d1.isoformat()}"
            )
    return problems


def project(g: Growth, start: dt.date, goal: float) -> Projection:
    """When the fitted line reaches ``goal``, with a band from the slope's standard error."""

    def when(slope: float) -> dt.date | None:
        if slope <= 0 or not math.isfinite(slope):
            return None
        years = (goal - g.intercept_level) / slope
        if years > 60:  # beyond any school career: say "not at this rate"
            return None
        return start + dt.timedelta(days=max(0.0, years) * DAYS_PER_YEAR)

    fast = g.per_year + Z95 * g.standard_error
    slow = g.per_year - Z95 * g.standard_error
    return Projection(when(g.per_year), when(fast), when(slow))


def pace(
    observations: Sequence[tuple[dt.date, float]],
    expectations: Sequence[tuple[dt.date, float]],
    *,
    today: dt.date,
    goal: float | None = None,
    tolerance: float = TOLERANCE,
    within_standing: bool = False,
    standing: int | None = None,
) -> PaceResult:
    """On, ahead of or behind pace today, with growth and (given a goal) a projection.

    With ``within_standing``, the place today is kept within ``standing`` (the highest
    level shown, None when none is), as :func:`pace_batch` does with its ``standing``."""
    if not observations:
        return PaceResult(PaceStatus.UNKNOWN, None, None, None, None)
    ordered = sorted(observations)
    g = growth(ordered)
    level_now = (
        ordered[-1][1]
        if g is None
        else g.intercept_level + g.per_year * years_between(ordered[0][0], today)
    )
    level_now = max(
        min(level_now, max(lv for _, lv in ordered) + 1), min(lv for _, lv in ordered) - 1
    )
    if within_standing:
        level_now = place_within(level_now, standing)
    expected = expected_level(expectations, today) if expectations else None
    if expected is None:
        status = PaceStatus.UNKNOWN
    else:
        status = status_for_gap(level_now - expected, tolerance)
    projection = project(g, ordered[0][0], goal) if g is not None and goal is not None else None
    return PaceResult(status, level_now, expected, g, projection)


def growth_batch(
    group_ids: npt.ArrayLike, years: npt.ArrayLike, levels: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Growth (levels per year) for many students at once: (groups, slopes, counts).

    Segmented least squares from per-group sums; NaN where a group has fewer than two
    distinct times. Rows need not be sorted.
    """
    g = np.asarray(group_ids, dtype=np.int64)
    t = np.asarray(years, dtype=np.float64)
    y = np.asarray(levels, dtype=np.float64)
    groups, index = arrays.groups(g)
    n = np.bincount(index).astype(np.float64)
    st = np.bincount(index, t)
    sy = np.bincount(index, y)
    stt = np.bincount(index, t * t)
    sty = np.bincount(index, t * y)
    denominator = n * stt - st * st
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = np.where(
            denominator > 1e-12 * np.maximum(n * stt, 1), (n * sty - st * sy) / denominator, np.nan
        )
    return groups, slopes, n.astype(np.int64)


# --- A whole district at once -----------------------------------------------------------

STATUS_CODES = (PaceStatus.AHEAD, PaceStatus.ON, PaceStatus.BEHIND, PaceStatus.UNKNOWN)


@dataclass(frozen=True)
class PaceBatch:
    """:func:`pace` for many groups (e.g. student × competency), as arrays by group.

    Times are in years since a common epoch; ``status`` indexes ``STATUS_CODES``;
    projections are times in the same years (NaN: not reached at this rate).
    """

    groups: npt.NDArray[np.int64]
    status: npt.NDArray[np.int64]
    level_now: npt.NDArray[np.float64]
    per_year: npt.NDArray[np.float64]
    standard_error: npt.NDArray[np.float64]
    projected: npt.NDArray[np.float64]
    earliest: npt.NDArray[np.float64]
    latest: npt.NDArray[np.float64]
    last_progress: npt.NDArray[np.float64]  # the last time the running best rose


def highest_so_far(
    group_ids: npt.ArrayLike, years: npt.ArrayLike, levels: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Sort by group and time and replace each level by the highest shown so far in its
    group: a place on the continuum, once shown, is not lost to a weaker later piece."""
    g = np.asarray(group_ids, dtype=np.int64)
    t = np.asarray(years, dtype=np.float64)
    y = np.asarray(levels, dtype=np.float64)
    order = arrays.lex_order(y, t, g)
    g, t, y = g[order], t[order], y[order]
    if g.size == 0:
        return g, t, y
    # One running maximum over all rows, with each group lifted above the previous ones.
    _, index = arrays.groups(g)
    lift = (np.ptp(y) + 1.0) * index
    best = np.maximum.accumulate(y + lift) - lift
    return g, t, best


def place_within(fitted: float, level: int | None) -> float:
    """A fitted place on the continuum kept within the standing (the highest level shown,
    ``proficio.core.progression.continuum``): at least that level and below the next, so
    pace never says less, or more, than the standing."""
    low = float(level or 0)
    return min(max(fitted, low), low + 1 - 1e-6)


def place_within_batch(fitted: npt.ArrayLike, level: npt.ArrayLike) -> npt.NDArray[np.float64]:
    f = np.asarray(fitted, dtype=np.float64)
    low = np.asarray(level, dtype=np.float64)
    return np.minimum(np.maximum(f, low), low + 1 - 1e-6)


def pace_batch(
    group_ids: npt.ArrayLike,
    years: npt.ArrayLike,
    places: npt.ArrayLike,
    *,
    expected: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]],
    goal: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float64]],
    today: float,
    tolerance: float = TOLERANCE,
    standing: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.int64]] | None = None,
) -> PaceBatch:
    """:func:`pace` for every group at once, with no loop per group.

    ``expected`` and ``goal`` map the sorted unique group ids to the level expected today
    and the goal level (NaN where there is none); ``standing``, when given, maps them to
    the standing, and the place today is kept within it (:func:`place_within`).
    """
    g = np.asarray(group_ids, dtype=np.int64)
    t = np.asarray(years, dtype=np.float64)
    y = np.asarray(places, dtype=np.float64)
    groups, index = arrays.groups(g)
    m = groups.size
    n = np.bincount(index, minlength=m).astype(np.float64)
    first = np.full(m, np.inf)
    np.minimum.at(first, index, t)
    tr = t - first[index]  # time since each group's first observation, as pace() does
    st, sy = np.bincount(index, tr, m), np.bincount(index, y, m)
    stt, sty, syy = (np.bincount(index, w, m) for w in (tr * tr, tr * y, y * y))
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = stt - st * st / n
        sxy = sty - st * sy / n
        syy_c = syy - sy * sy / n
        distinct = sxx > 1e-12 * np.maximum(stt, 1.0)
        slope = np.where(distinct, sxy / sxx, np.nan)
        intercept = np.where(distinct, (sy - slope * st) / n, np.nan)
        residual = np.maximum(syy_c - slope * sxy, 0.0)
        se = np.where(n > 2, np.sqrt(residual / (n - 2) / sxx), np.inf)
        se = np.where(distinct, se, np.nan)
    # The last observation of each group (sorted by time, then level), its min and max.
    order = arrays.lex_order(y, t, index)
    last = np.zeros(m)
    last[index[order]] = y[order]  # later rows overwrite earlier ones
    low, high = np.full(m, np.inf), np.full(m, -np.inf)
    np.minimum.at(low, index, y)
    np.maximum.at(high, index, y)
    fitted = intercept + slope * (today - first)
    level_now = np.where(distinct, np.clip(fitted, low - 1, high + 1), last)
    if standing is not None:
        level_now = place_within_batch(level_now, standing(groups))

    exp = np.asarray(expected(groups), dtype=np.float64)
    status = status_codes_for_gaps(level_now - exp, tolerance)

    target = np.asarray(goal(groups), dtype=np.float64)

    def when(rate: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        with np.errstate(invalid="ignore", divide="ignore"):
            span = (target - intercept) / rate
        ok = (rate > 0) & np.isfinite(rate) & (span <= 60) & distinct & ~np.isnan(target)
        return np.where(ok, first + np.maximum(span, 0.0), np.nan)

    rising = np.ones(t.size, dtype=bool)
    ordered_index, ordered_y, ordered_t = index[order], y[order], t[order]
    same = ordered_index[1:] == ordered_index[:-1]
    lift = (np.ptp(ordered_y) + 1.0 if t.size else 0.0) * ordered_index
    running = np.maximum.accumulate(ordered_y + lift) - lift  # resets at each group's start
    rising[1:] = ~same | (ordered_y[1:] > running[:-1])
    best = np.full(m, np.nan)
    np.fmax.at(best, ordered_index[rising], ordered_t[rising])
    return PaceBatch(
        groups=groups,
        status=status,
        level_now=level_now,
        per_year=slope,
        standard_error=se,
        projected=when(slope),
        earliest=when(slope + Z95 * se),
        latest=when(slope - Z95 * se),
        last_progress=best,
    )

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
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

DAYS_PER_YEAR = 365.25
Z95 = 1.96


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
    tolerance: float = 0.25,
) -> PaceResult:
    """On, ahead of or behind pace today, with growth and (given a goal) a projection."""
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
    expected = expected_level(expectations, today) if expectations else None
    if expected is None:
        status = PaceStatus.UNKNOWN
    elif level_now > expected + tolerance:
        status = PaceStatus.AHEAD
    elif level_now < expected - tolerance:
        status = PaceStatus.BEHIND
    else:
        status = PaceStatus.ON
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
    groups, index = np.unique(g, return_inverse=True)
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

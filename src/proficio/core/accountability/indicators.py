"""The accountability indicators, each defined once as a formula over per-student values.

Every indicator is a *rate* or a *mean* over the students of a unit (a school, or a
school's subgroup): a numerator and a denominator per unit, so that units, subgroups,
years and engines (one process or Spark partitions) all add up the same way. A
student with no value for an indicator (NaN) is left out of its denominator.

=========================  ===============================================================
indicator                  formula (per unit)
=========================  ===============================================================
proficiency                students proficient on the continuum / students with an
                           expectation ("proficient": at or above the level expected now
                           in every competency that has an expectation)
growth                     Σ growth in levels per year / students with a growth value
on_track                   high-school students on or ahead of pace to graduate /
                           high-school students with a pace
english_learner_progress   English learners whose English proficiency rose by at least
                           ``target_gain`` levels since last year, or reached
                           ``proficient_level`` / English learners with both years' levels
graduation_N (N = 4..7)    students of the adjusted cohort who received a regular diploma
                           within N years / the adjusted cohort (students who first entered
                           grade 9 in the cohort year, less those who transferred out,
                           emigrated or died)
chronic_absence            students absent at least ``share`` of the days they were
                           enrolled / students enrolled at least ``min_days`` days
school_quality             students with the state's chosen quality measure / students
opportunity_to_learn       Σ expected targets assessed / Σ expected targets
pilot_calibrated           task results whose calibrated score meets the task's standard /
                           task results with a calibrated score (an innovative-assessment
                           pilot's common performance tasks: a result's calibrated score is
                           the mean, over the rubric's criteria, of the score the state's
                           moderation panel agreed; a result counts only when every
                           criterion has one)
=========================  ===============================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PROFICIENCY = "proficiency"
GROWTH = "growth"
ON_TRACK = "on_track"
EL_PROGRESS = "english_learner_progress"
GRADUATION_YEARS = (4, 5, 6, 7)
GRADUATION = tuple(f"graduation_{n}" for n in GRADUATION_YEARS)
CHRONIC_ABSENCE = "chronic_absence"
SCHOOL_QUALITY = "school_quality"
OPPORTUNITY = "opportunity_to_learn"
PILOT = "pilot_calibrated"

INDICATORS: tuple[str, ...] = (
    PROFICIENCY,
    GROWTH,
    ON_TRACK,
    EL_PROGRESS,
    *GRADUATION,
    CHRONIC_ABSENCE,
    SCHOOL_QUALITY,
    OPPORTUNITY,
    PILOT,
)
# Indicators whose value is a mean (levels per year), not a share of students.
MEANS = frozenset({GROWTH})
# Indicators where less is better: their score for the composite is 1 − rate.
LOWER_IS_BETTER = frozenset({CHRONIC_ABSENCE})
# Indicators whose numerator and denominator are counts of students (suppressed as such).
STUDENT_COUNTS = frozenset(set(INDICATORS) - MEANS - {OPPORTUNITY})


@dataclass(frozen=True)
class Measure:
    """An indicator per unit: ``value = numerator / denominator`` (NaN where the
    denominator is 0). For a rate both are counts of students; for a mean the numerator
    is a sum; for opportunity to learn they count targets."""

    numerator: FloatArray
    denominator: IntArray

    @property
    def value(self) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                self.denominator > 0, self.numerator / np.maximum(self.denominator, 1), np.nan
            )


def _units(unit: npt.ArrayLike, n_units: int) -> IntArray:
    u = np.asarray(unit, dtype=np.int64)
    if u.ndim != 1:
        raise ValueError("unit must be a 1-D array of unit indices")
    if u.size and (u.min() < 0 or u.max() >= n_units):
        raise ValueError(f"unit indices must lie in range({n_units})")
    return u


def _same_length(u: IntArray, *arrays: npt.NDArray[np.generic]) -> None:
    for a in arrays:
        if a.shape != u.shape:
            raise ValueError("every per-student array must have one value per student")


def rate(unit: npt.ArrayLike, flag: npt.ArrayLike, n_units: int) -> Measure:
    """Share of students with ``flag`` 1 among those with a value (NaN: no value).

    The common shape of proficiency, on-track, school quality and the student counts."""
    u = _units(unit, n_units)
    f = np.asarray(flag, dtype=np.float64)
    _same_length(u, f)
    has = ~np.isnan(f)
    num = np.bincount(u[has], weights=(f[has] > 0.5).astype(np.float64), minlength=n_units)
    den = np.bincount(u[has], minlength=n_units).astype(np.int64)
    return Measure(num.astype(np.float64), den)


def mean(unit: npt.ArrayLike, values: npt.ArrayLike, n_units: int) -> Measure:
    """Mean of ``values`` per unit over students with a value (the growth indicator)."""
    u = _units(unit, n_units)
    v = np.asarray(values, dtype=np.float64)
    _same_length(u, v)
    has = ~np.isnan(v)
    num = np.bincount(u[has], weights=v[has], minlength=n_units)
    den = np.bincount(u[has], minlength=n_units).astype(np.int64)
    return Measure(num.astype(np.float64), den)


def proficiency(unit: npt.ArrayLike, proficient: npt.ArrayLike, n_units: int) -> Measure:
    """Students proficient on the continuum / students with an expectation.

    ``proficient`` is 1, 0, or NaN where no level is expected of the student."""
    return rate(unit, proficient, n_units)


def growth(unit: npt.ArrayLike, per_year: npt.ArrayLike, n_units: int) -> Measure:
    """Mean growth in levels per year among students with a growth value."""
    return mean(unit, per_year, n_units)


def on_track(unit: npt.ArrayLike, on_pace: npt.ArrayLike, n_units: int) -> Measure:
    """High-school students on or ahead of pace to graduate / those with a pace (NaN for
    a student outside high school or without one)."""
    return rate(unit, on_pace, n_units)


def english_learner_progress(
    unit: npt.ArrayLike,
    previous_level: npt.ArrayLike,
    current_level: npt.ArrayLike,
    n_units: int,
    *,
    target_gain: float = 1.0,
    proficient_level: float = 5.0,
) -> Measure:
    """English learners making progress toward English proficiency.

    A student counts when both years' levels are known (NaN: not an English learner, or
    not tested); progress is a gain of at least ``target_gain`` levels or reaching
    ``proficient_level``."""
    if target_gain <= 0:
        raise ValueError("target_gain must be positive")
    before = np.asarray(previous_level, dtype=np.float64)
    now = np.asarray(current_level, dtype=np.float64)
    u = _units(unit, n_units)
    _same_length(u, before, now)
    both = ~np.isnan(before) & ~np.isnan(now)
    flag = np.full(u.shape, np.nan)
    eps = 1e-9
    progressed = (now - before >= target_gain - eps) | (now >= proficient_level - eps)
    flag[both] = progressed[both].astype(np.float64)
    return rate(u, flag, n_units)


def school_year_end(year: int) -> int:
    """The last day of school year ``year`` (named by the calendar year it ends in:
    2025 is September 2024 to August 2025), as days since 1970-01-01."""
    return int((np.datetime64(f"{year}-08-31") - np.datetime64("1970-01-01")).astype(np.int64))


def graduation_rate(
    unit: npt.ArrayLike,
    cohort_year: npt.ArrayLike,
    awarded_on: npt.ArrayLike,
    removed: npt.ArrayLike,
    n_units: int,
    *,
    years: int,
    cohort: int,
) -> Measure:
    """The ``years``-year adjusted cohort graduation rate of ``cohort``.

    ``cohort_year`` is the school year (by its ending calendar year) in which the student
    first entered grade 9; the cohort of ``cohort`` graduates "on time" (4 years) by the
    end of school year ``cohort + 3``, and within N years by the end of ``cohort + N - 1``.
    ``awarded_on`` is the day (days since 1970-01-01) of the student's regular diploma, NaN
    for none; ``removed`` marks students who left the cohort (transferred out, emigrated,
    died), who are in neither numerator nor denominator. The unit is the school that
    holds the student in the cohort (the last school attended)."""
    if years not in GRADUATION_YEARS:
        raise ValueError(f"years must be one of {GRADUATION_YEARS}")
    u = _units(unit, n_units)
    c = np.asarray(cohort_year, dtype=np.float64)
    day = np.asarray(awarded_on, dtype=np.float64)
    gone = np.asarray(removed, dtype=bool)
    _same_length(u, c, day)
    if gone.shape != u.shape:
        raise ValueError("every per-student array must have one value per student")
    member = (c == cohort) & ~gone
    deadline = school_year_end(cohort + years - 1)
    flag = np.full(u.shape, np.nan)
    graduated = ~np.isnan(day) & (day <= deadline)
    flag[member] = graduated[member].astype(np.float64)
    return rate(u, flag, n_units)


def chronic_absence(
    unit: npt.ArrayLike,
    days_enrolled: npt.ArrayLike,
    days_absent: npt.ArrayLike,
    n_units: int,
    *,
    share: float = 0.10,
    min_days: int = 10,
) -> Measure:
    """Students absent at least ``share`` of the days they were enrolled, among students
    enrolled at least ``min_days`` days (NaN days: attendance not recorded)."""
    if not 0 < share < 1:
        raise ValueError("share must lie between 0 and 1")
    u = _units(unit, n_units)
    enrolled = np.asarray(days_enrolled, dtype=np.float64)
    absent = np.asarray(days_absent, dtype=np.float64)
    _same_length(u, enrolled, absent)
    if np.any(absent[~np.isnan(absent)] < 0) or np.any(enrolled[~np.isnan(enrolled)] < 0):
        raise ValueError("days cannot be negative")
    counted = ~np.isnan(enrolled) & ~np.isnan(absent) & (enrolled >= min_days)
    flag = np.full(u.shape, np.nan)
    flag[counted] = (absent[counted] >= share * enrolled[counted] - 1e-9).astype(np.float64)
    return rate(u, flag, n_units)


def school_quality(unit: npt.ArrayLike, has_measure: npt.ArrayLike, n_units: int) -> Measure:
    """Share of students with the state's chosen quality measure (e.g. an extended
    learning opportunity this year)."""
    return rate(unit, has_measure, n_units)


def opportunity_to_learn(
    unit: npt.ArrayLike,
    expected_targets: npt.ArrayLike,
    assessed_targets: npt.ArrayLike,
    n_units: int,
) -> Measure:
    """Σ expected targets the students were assessed on / Σ expected targets: whether
    students are given the chance to show what is expected of them."""
    u = _units(unit, n_units)
    expected = np.asarray(expected_targets, dtype=np.int64)
    assessed = np.asarray(assessed_targets, dtype=np.int64)
    _same_length(u, expected, assessed)
    if np.any(assessed > expected) or np.any(assessed < 0):
        raise ValueError("assessed targets must lie between 0 and the expected targets")
    num = np.bincount(u, weights=assessed.astype(np.float64), minlength=n_units)
    den = np.bincount(u, weights=expected.astype(np.float64), minlength=n_units)
    return Measure(num.astype(np.float64), np.rint(den).astype(np.int64))


def calibrated_results(
    unit: npt.ArrayLike,
    consensus: npt.ArrayLike,
    criteria: npt.ArrayLike,
    standard: npt.ArrayLike,
    n_units: int,
) -> Measure:
    """An innovative-assessment pilot's calibrated results on its common performance tasks.

    One row per task result (a de-identified work sample). ``consensus`` holds the score
    the state's moderation panel agreed on each criterion of the task's rubric (rows ×
    columns, NaN where no consensus is recorded); ``criteria`` says how many of a row's
    columns are its rubric's (the rest are ignored, so tasks with rubrics of different
    lengths share one array); ``standard`` is the calibrated score that meets the task's
    standard. A result's calibrated score is the mean of its consensus scores, and it
    counts only when every one of its criteria has one. The measure: counted results at
    or above the standard / counted results."""
    u = _units(unit, n_units)
    c = np.asarray(consensus, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != u.size:
        raise ValueError("consensus is one row of criterion scores per task result")
    k = np.asarray(criteria, dtype=np.int64)
    bar = np.asarray(standard, dtype=np.float64)
    _same_length(u, k, bar)
    if np.any(k < 0) or np.any(k > c.shape[1]):
        raise ValueError("a row's criteria lie between 0 and the number of columns")
    own = np.arange(c.shape[1])[None, :] < k[:, None]
    complete = (k > 0) & ~(np.isnan(c) & own).any(axis=1)
    sums = np.where(own, np.nan_to_num(c), 0.0).sum(axis=1)
    calibrated = sums / np.maximum(k, 1)
    flag = np.full(u.shape, np.nan)
    flag[complete] = (calibrated[complete] >= bar[complete] - 1e-9).astype(np.float64)
    return rate(u, flag, n_units)


def score(indicator: str, value: float, *, growth_target: float = 1.0) -> float:
    """An indicator's value on the composite's 0–1 scale: a rate as it is, a rate where
    less is better as 1 − rate, growth as the share of the target growth (capped at 1)."""
    if indicator not in INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}")
    if np.isnan(value):
        return float("nan")
    if indicator in MEANS:
        if growth_target <= 0:
            raise ValueError("growth_target must be positive")
        return float(min(max(value / growth_target, 0.0), 1.0))
    if indicator in LOWER_IS_BETTER:
        return 1.0 - value
    return value

"""The state's batch, as two pure kernels that any engine can run on any partition.

1. :func:`student_years` takes the evidence of a set of students (every row of each of
   them: the partition is *by student*) and gives one row per student and school year:
   the mastery policy replayed over the evidence up to the year's end
   (:func:`proficio.core.mastery.policy.evaluate_batch`), the standings it leads to, pace
   and growth (:mod:`proficio.core.progression.pace`) and each student's contribution to
   the indicators.
2. :func:`school_figures` takes those rows for a set of schools (the partition is *by
   school*), with the attendance, English-proficiency and cohort rows, and gives every
   indicator's numerator and denominator per school, year and subgroup
   (:func:`proficio.core.equity.disaggregate.disaggregate`), then marks which figures
   may be published (:mod:`proficio.core.equity.suppression`).

Both are exact functions of their partition: a student's rows do not depend on which
other students share the partition, and a school's figures are summed in student order.
So one process running them over everything (``--engine local``) and Spark running them
over its partitions give identical numbers, which the tests check.

Definitions, per student and school year ``y`` (September to August, named by the year
it ends in):

* **Standing** in a competency: the whole level reached, ``floor(max place)``, where a
  learning target's place is ``level − 1 + min(value / mastery, 1)`` for the value the
  policy determined from the evidence up to the year's end (a target met at level L
  places the student at L). The level expected is the district's time-bound target for
  the student's grade on the year's last day (:func:`pace.expected_level`), as a whole
  level. **Proficient**: at or above it in every competency the student was assessed in.
* **Growth**: the mean, over competencies, of the least-squares slope of the highest
  place shown so far against time within the year (levels per year;
  :func:`pace.highest_so_far`, :func:`pace.growth_batch`).
* **On track** (grades 9–12): no competency behind pace on the year's last day
  (:func:`pace.pace_batch`).
* **Opportunity to learn**: targets at or below the expected level of the competencies
  the student was assessed in, and how many of them were assessed.
* **School quality** (the state's chosen measure here): took part in an extended learning
  opportunity during the year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from proficio.core.accountability import indicators as ind
from proficio.core.equity.disaggregate import disaggregate
from proficio.core.equity.suppression import suppress_count, suppress_table
from proficio.core.mastery.policy import KIND_CODES, STATUS_CODES, Policy, Scale, Status
from proficio.core.mastery.policy import evaluate_batch as replay
from proficio.core.progression.pace import (
    DAYS_PER_YEAR,
    PaceStatus,
    expected_level,
    growth_batch,
    highest_so_far,
    pace_batch,
)
from proficio.core.progression.pace import (
    STATUS_CODES as PACE_CODES,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

HIGH_SCHOOL = frozenset({9, 10, 11, 12})
QUALITY_KIND = KIND_CODES["extended_learning"]
EPS = 1e-9
MET = frozenset({STATUS_CODES.index(Status.PROFICIENT), STATUS_CODES.index(Status.ADVANCED)})
UNASSESSED = frozenset(
    {STATUS_CODES.index(Status.NOT_ASSESSED), STATUS_CODES.index(Status.INSUFFICIENT)}
)

# The columns of the per-student-year table, in order.
STUDENT_YEAR_COLUMNS = (
    "student",
    "year",
    "school",
    "district",
    "grade",
    "proficient",
    "growth",
    "on_track",
    "expected_targets",
    "assessed_targets",
    "quality",
    "evidence",
)


@dataclass(frozen=True)
class Continuum:
    """The learning targets the state knows, by index: each one's competency and level
    (its position on the continuum, from 1)."""

    competency: IntArray
    level: IntArray

    def __post_init__(self) -> None:
        if self.competency.shape != self.level.shape:
            raise ValueError("competency and level must give one value per target")
        if self.level.size and self.level.min() < 1:
            raise ValueError("continuum levels start at 1")


@dataclass(frozen=True)
class Expectations:
    """Each district's time-bound targets by grade: rows of (district, grade, day, level)."""

    district: IntArray
    grade: IntArray
    day: IntArray
    level: FloatArray
    # Each (district, grade, day)'s level, once asked for: every partition of a batch asks
    # again for the same few.
    _known: dict[tuple[int, int, int], float] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def expected(self, district: IntArray, grade: IntArray, day: int) -> FloatArray:
        """The level expected on ``day`` of each (district, grade); NaN where none."""
        out = np.full(district.shape, np.nan)
        if self.day.size == 0 or district.size == 0:
            return out
        keys = np.stack([district, grade], axis=1)
        pairs, where = np.unique(keys, axis=0, return_inverse=True)
        levels = np.array([self._expected_one(int(d), int(g), int(day)) for d, g in pairs])
        return levels[where.reshape(-1)]

    def _expected_one(self, district: int, grade: int, day: int) -> float:
        key = (district, grade, day)
        if key not in self._known:
            mine = (self.district == district) & (self.grade == grade)
            level = np.nan
            if mine.any():
                epoch = np.datetime64("1970-01-01")
                points = [
                    ((epoch + np.timedelta64(int(x), "D")).astype(object), float(v))
                    for x, v in zip(self.day[mine], self.level[mine], strict=True)
                ]
                on = (epoch + np.timedelta64(day, "D")).astype(object)
                level = expected_level(points, on)
            self._known[key] = level
        return self._known[key]


@dataclass(frozen=True)
class BatchConfig:
    years: tuple[int, ...]
    policy: Policy
    scale: Scale
    tolerance: float = 0.25  # pace: within this many levels of the expectation is on pace


@dataclass(frozen=True)
class Evidence:
    """Evidence rows: student, target index, day (since 1970-01-01), score, kind code."""

    student: IntArray
    target: IntArray
    day: IntArray
    score: FloatArray
    kind: IntArray

    def __post_init__(self) -> None:
        n = self.student.shape
        if any(a.shape != n for a in (self.target, self.day, self.score, self.kind)):
            raise ValueError("every evidence column must have one value per row")


@dataclass(frozen=True)
class Enrollments:
    """One row per student and school year: where the student was and in which grade."""

    student: IntArray
    year: IntArray
    school: IntArray
    district: IntArray
    grade: IntArray

    def __post_init__(self) -> None:
        n = self.student.shape
        if any(a.shape != n for a in (self.year, self.school, self.district, self.grade)):
            raise ValueError("every enrollment column must have one value per row")


def evidence_order(
    student: IntArray, target: IntArray, day: IntArray, score: FloatArray, n_targets: int
) -> IntArray:
    """``np.lexsort((score, day, target, student))``, for students and targets numbered
    from 0 (targets below ``n_targets``): as one stable sort of the four packed into one
    integer where their ranges allow it, which is several times faster."""
    if student.size == 0:
        return np.zeros(0, np.int64)
    scores, rank = np.unique(score, return_inverse=True)  # NaN last, as in the sort
    first_day = int(day.min())
    spans = (int(student.max()) + 1, n_targets, int(day.max()) - first_day + 1, scores.size)
    if spans[0] * spans[1] * spans[2] * spans[3] >= 1 << 63:
        return np.lexsort((score, day, target, student)).astype(np.int64)
    key = student.astype(np.int64) * spans[1] + target
    key = (key * spans[2] + (day - first_day)) * spans[3] + rank.reshape(-1)
    return np.argsort(key, kind="stable").astype(np.int64)


def _segment_max(group: IntArray, values: FloatArray, n: int) -> FloatArray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, group, values)
    return out


def student_years(
    evidence: Evidence,
    enrollments: Enrollments,
    continuum: Continuum,
    expectations: Expectations,
    config: BatchConfig,
) -> dict[str, npt.NDArray[np.generic]]:
    """One row per (student, year) of ``enrollments`` in ``config.years``, as columns
    named by :data:`STUDENT_YEAR_COLUMNS`, sorted by student then year."""
    keep = np.isin(enrollments.year, np.asarray(config.years, dtype=np.int64))
    order = np.lexsort((enrollments.year[keep], enrollments.student[keep]))
    e_student = enrollments.student[keep][order]
    e_year = enrollments.year[keep][order]
    e_school = enrollments.school[keep][order]
    e_district = enrollments.district[keep][order]
    e_grade = enrollments.grade[keep][order]
    n_out = e_student.size
    out: dict[str, npt.NDArray[np.generic]] = {
        "student": e_student.astype(np.int64),
        "year": e_year.astype(np.int64),
        "school": e_school.astype(np.int64),
        "district": e_district.astype(np.int64),
        "grade": e_grade.astype(np.int64),
        "proficient": np.full(n_out, np.nan),
        "growth": np.full(n_out, np.nan),
        "on_track": np.full(n_out, np.nan),
        "expected_targets": np.zeros(n_out, np.int64),
        "assessed_targets": np.zeros(n_out, np.int64),
        "quality": np.zeros(n_out, np.float64),
        "evidence": np.zeros(n_out, np.int64),
    }
    if n_out == 0:
        return out
    students, s_index = np.unique(e_student, return_inverse=True)
    n_targets = int(continuum.level.size)
    n_comp = int(continuum.competency.max()) + 1 if n_targets else 0
    mastery = float(config.scale.mastery)
    # Targets of each competency at or below each level (for opportunity to learn).
    top = int(continuum.level.max()) if n_targets else 0
    per_level = np.zeros((max(n_comp, 1), top + 2), np.int64)
    if n_targets:
        np.add.at(per_level, (continuum.competency, continuum.level), 1)
    at_or_below = np.cumsum(per_level, axis=1)

    # The evidence of these students only, in a fixed order (student, target, day, score).
    mine = np.isin(evidence.student, students)
    ev_s = np.searchsorted(students, evidence.student[mine])
    ev_t, ev_d = evidence.target[mine].astype(np.int64), evidence.day[mine].astype(np.int64)
    ev_v, ev_k = evidence.score[mine].astype(np.float64), evidence.kind[mine].astype(np.int64)
    if ev_t.size and (ev_t.min() < 0 or ev_t.max() >= n_targets):
        raise ValueError("an evidence row names a target outside the continuum")
    o = evidence_order(ev_s, ev_t, ev_d, ev_v, n_targets)
    ev_s, ev_t, ev_d, ev_v, ev_k = ev_s[o], ev_t[o], ev_d[o], ev_v[o], ev_k[o]
    ev_comp = continuum.competency[ev_t].astype(np.int64) if ev_t.size else ev_t
    ev_level = continuum.level[ev_t].astype(np.float64) if ev_t.size else ev_v
    row_place = ev_level - 1.0 + np.minimum(ev_v / mastery, 1.0)
    # Growth and pace read the rows by (student, competency, day, place): sorted once
    # here, each year's rows come to them in order and they need not sort again.
    by_place = evidence_order(ev_s, ev_comp, ev_d, row_place, max(n_comp, 1))

    for year in sorted(set(config.years)):
        rows = np.flatnonzero(e_year == year)
        if rows.size == 0:
            continue
        end = ind.school_year_end(year)
        start = ind.school_year_end(year - 1) + 1
        who = s_index[rows]  # index into students, for each output row of this year
        slot = np.full(students.size, -1, np.int64)
        slot[who] = rows
        upto = ev_d <= end
        within = upto & (ev_d >= start)
        # Evidence counts and the quality measure, within the year.
        out["evidence"][rows] = np.bincount(ev_s[within], minlength=students.size)[who]
        took = np.bincount(ev_s[within & (ev_k == QUALITY_KIND)], minlength=students.size)
        out["quality"][rows] = (took[who] > 0).astype(np.float64)
        expected = expectations.expected(e_district[rows], e_grade[rows], end)
        exp_of = np.full(students.size, np.nan)
        exp_of[who] = expected

        # Policy replay up to the year's end: a determination per (student, target).
        s_up, t_up = ev_s[upto], ev_t[upto]
        pair = s_up * n_targets + t_up
        result = replay(
            pair, ev_v[upto], ev_d[upto] * 86400.0, ev_k[upto], config.policy, config.scale
        )
        p_student, p_target = result.groups // n_targets, result.groups % n_targets
        p_comp = continuum.competency[p_target].astype(np.int64)
        value = result.values
        assessed = ~np.isin(result.status, list(UNASSESSED))
        raw_place = (
            continuum.level[p_target]
            - 1.0
            + np.minimum(np.nan_to_num(value, nan=0.0) / mastery, 1.0)
        )
        place: FloatArray = np.where(assessed, raw_place, 0.0).astype(np.float64)
        # Standing per (student, competency): the whole level reached.
        sc = p_student * max(n_comp, 1) + p_comp
        sc_keys, sc_index = np.unique(sc, return_inverse=True)
        best = _segment_max(sc_index, place, sc_keys.size)
        judged = (
            np.bincount(sc_index, weights=assessed.astype(np.float64), minlength=sc_keys.size) > 0
        )
        standing = np.floor(best + EPS)
        sc_student = sc_keys // max(n_comp, 1)
        sc_comp = sc_keys % max(n_comp, 1)
        whole = np.floor(exp_of[sc_student] + EPS)
        has_exp = ~np.isnan(whole) & judged
        below = has_exp & (standing < whole)
        n_judged = np.bincount(sc_student[has_exp], minlength=students.size)
        n_below = np.bincount(sc_student[below], minlength=students.size)
        proficient = np.where(n_judged > 0, (n_below == 0).astype(np.float64), np.nan)
        out["proficient"][rows] = proficient[who]
        # Opportunity to learn: expected targets of judged competencies, and those assessed.
        lv = np.clip(np.nan_to_num(whole, nan=0.0), 0, top + 1).astype(np.int64)
        exp_targets = np.where(has_exp, at_or_below[sc_comp, lv], 0)
        out["expected_targets"][rows] = np.bincount(
            sc_student, weights=exp_targets.astype(np.float64), minlength=students.size
        ).astype(np.int64)[who]
        p_whole = np.floor(exp_of[p_student] + EPS)
        counted = assessed & ~np.isnan(p_whole) & (continuum.level[p_target] <= p_whole)
        counted &= judged[sc_index]
        out["assessed_targets"][rows] = np.bincount(
            p_student[counted], minlength=students.size
        ).astype(np.int64)[who]

        # Growth and pace within the year, per (student, competency).
        if within.any():
            ys = by_place[within[by_place]]
            g = ev_s[ys] * max(n_comp, 1) + ev_comp[ys]
            t = (ev_d[ys] - start) / DAYS_PER_YEAR
            gg, tt, yy = highest_so_far(g, t, row_place[ys])
            groups, slopes, _ = growth_batch(gg, tt, yy)
            ok = np.isfinite(slopes)
            owner = groups // max(n_comp, 1)
            n_ok = np.bincount(owner[ok], minlength=students.size)
            total = np.bincount(owner[ok], weights=slopes[ok], minlength=students.size)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean_growth = np.where(n_ok > 0, total / np.maximum(n_ok, 1), np.nan)
            out["growth"][rows] = mean_growth[who]
            today = (end - start) / DAYS_PER_YEAR
            width = max(n_comp, 1)

            def expected_of(grp: IntArray, e: FloatArray = exp_of, w: int = width) -> FloatArray:
                return e[grp // w]

            def no_goal(grp: IntArray) -> FloatArray:
                return np.full(grp.size, np.nan)

            pb = pace_batch(
                gg,
                tt,
                yy,
                expected=expected_of,
                goal=no_goal,
                today=today,
                tolerance=config.tolerance,
            )
            owner = pb.groups // max(n_comp, 1)
            known = pb.status != PACE_CODES.index(PaceStatus.UNKNOWN)
            behind = pb.status == PACE_CODES.index(PaceStatus.BEHIND)
            n_known = np.bincount(owner[known], minlength=students.size)
            n_behind = np.bincount(owner[behind], minlength=students.size)
            track = np.where(n_known > 0, (n_behind == 0).astype(np.float64), np.nan)
            high = np.isin(e_grade[rows], list(HIGH_SCHOOL))
            out["on_track"][rows] = np.where(high, track[who], np.nan)
    return out


# --- Per school: indicators by subgroup, and what may be published --------------------


CODE_PREFIX = "code"  # subgroup code columns: code0, code1, … in the order of the dimensions
SCHOOL_COLUMNS = (
    *STUDENT_YEAR_COLUMNS,
    "enrolled",  # days enrolled in the year (NaN: attendance not recorded)
    "absent",
    "el_level",  # English proficiency level this year and last (NaN: not tested)
    "el_previous",
)
COHORT_COLUMNS = ("student", "school", "cohort_year", "awarded_on", "removed")


@dataclass(frozen=True)
class SchoolInputs:
    """Everything a set of schools' figures are made of (rows may be in any order).

    ``rows`` has one row per student and year with the columns of
    :data:`SCHOOL_COLUMNS` and each student's subgroup codes (``code0``…, in the order
    of ``dimensions``: name → the names of its values); ``cohorts`` has the graduation
    cohort rows of these schools (:data:`COHORT_COLUMNS` and the codes), ``awarded_on``
    NaN or negative where no diploma was awarded."""

    rows: Mapping[str, npt.NDArray[np.generic]]
    cohorts: Mapping[str, npt.NDArray[np.generic]]
    dimensions: Mapping[str, Sequence[str]]


FIGURE_COLUMNS = (
    "school",
    "year",
    "dimension",
    "group",
    "indicator",
    "numerator",
    "denominator",
    "students",
    "published",
    "students_published",
)
EL_TARGET_GAIN = 1.0
EL_PROFICIENT = 5.0
ABSENCE_SHARE = 0.10
ABSENCE_MIN_DAYS = 10


def _codes(table: Mapping[str, npt.NDArray[np.generic]], n_dims: int, order: IntArray) -> IntArray:
    if n_dims == 0:
        return np.zeros((order.size, 0), np.int64)
    return np.column_stack(
        [np.asarray(table[f"{CODE_PREFIX}{d}"], np.int64)[order] for d in range(n_dims)]
    )


def school_figures(
    inputs: SchoolInputs, report_years: Sequence[int], threshold: int
) -> dict[str, npt.NDArray[np.generic]]:
    """Every indicator per (school, year, subgroup), with publication flags.

    Rows come for the whole school (dimension and group "all") and each value of each
    dimension. The per-student values go through the indicator formulas of
    :mod:`proficio.core.accountability.indicators` (chronic absence, English-learner
    progress, the graduation cohorts), then :func:`disaggregate` sums them per school,
    year and subgroup. ``published`` is False where suppression withholds the figure:
    the indicator's yes and no counts per group, with the group sizes as column totals,
    go through :func:`suppress_table`; a mean (growth, opportunity to learn) is
    published only with its count; ``students_published`` likewise for the group size."""
    r = inputs.rows
    n_dims = len(inputs.dimensions)
    student = np.asarray(r["student"], np.int64)
    year = np.asarray(r["year"], np.int64)
    school = np.asarray(r["school"], np.int64)
    order = np.lexsort((student, year, school))
    student, year, school = student[order], year[order], school[order]
    codes = _codes(r, n_dims, order)

    def col(name: str) -> FloatArray:
        return np.asarray(r[name], np.float64)[order]

    absence = ind.chronic_absence(
        np.arange(student.size),
        col("enrolled"),
        col("absent"),
        max(student.size, 1),
        share=ABSENCE_SHARE,
        min_days=ABSENCE_MIN_DAYS,
    )
    absence_flag = np.where(
        absence.denominator[: student.size] > 0, absence.numerator[: student.size], np.nan
    )
    el = ind.english_learner_progress(
        np.arange(student.size),
        col("el_previous"),
        col("el_level"),
        max(student.size, 1),
        target_gain=EL_TARGET_GAIN,
        proficient_level=EL_PROFICIENT,
    )
    el_flag = np.where(el.denominator[: student.size] > 0, el.numerator[: student.size], np.nan)
    metrics: dict[str, FloatArray] = {
        ind.PROFICIENCY: col("proficient"),
        ind.GROWTH: col("growth"),
        ind.ON_TRACK: col("on_track"),
        ind.SCHOOL_QUALITY: col("quality"),
        ind.CHRONIC_ABSENCE: absence_flag.astype(np.float64),
        ind.EL_PROGRESS: el_flag.astype(np.float64),
        "_otl_expected": col("expected_targets"),
        "_otl_assessed": col("assessed_targets"),
    }
    # Graduation: each report year's cohorts, attributed to the school of record.
    grad: dict[str, tuple[IntArray, IntArray, FloatArray, IntArray]] = {}
    c = inputs.cohorts
    if len(c.get("student", ())):
        c_order = np.lexsort(
            (np.asarray(c["student"], np.int64), np.asarray(c["school"], np.int64))
        )
        cschool = np.asarray(c["school"], np.int64)[c_order]
        cyear = np.asarray(c["cohort_year"], np.float64)[c_order]
        cday = np.asarray(c["awarded_on"], np.float64)[c_order]
        cday = np.where(cday < 0, np.nan, cday)
        gone = np.asarray(c["removed"], bool)[c_order]
        ccodes = _codes(c, n_dims, c_order)
        for n_years, name in zip(ind.GRADUATION_YEARS, ind.GRADUATION, strict=True):
            schools, years, flags, rows_codes = [], [], [], []
            for ry in report_years:
                cohort = ry - n_years + 1
                rate = ind.graduation_rate(
                    np.arange(cschool.size),
                    cyear,
                    cday,
                    gone,
                    max(cschool.size, 1),
                    years=n_years,
                    cohort=cohort,
                )
                member = rate.denominator[: cschool.size] > 0
                schools.append(cschool[member])
                years.append(np.full(int(member.sum()), ry, np.int64))
                flags.append(rate.numerator[: cschool.size][member])
                rows_codes.append(ccodes[member])
            grad[name] = (
                np.concatenate(schools),
                np.concatenate(years),
                np.concatenate(flags),
                np.concatenate(rows_codes),
            )
    return _figures(school, year, codes, metrics, grad, inputs, report_years, threshold)


def _figures(
    school: IntArray,
    year: IntArray,
    codes: IntArray,
    metrics: Mapping[str, FloatArray],
    grad: Mapping[str, tuple[IntArray, IntArray, FloatArray, IntArray]],
    inputs: SchoolInputs,
    report_years: Sequence[int],
    threshold: int,
) -> dict[str, npt.NDArray[np.generic]]:
    out: dict[str, list[object]] = {name: [] for name in FIGURE_COLUMNS}
    dims = list(inputs.dimensions.items())
    wanted = np.asarray(list(report_years), np.int64)
    keep = np.isin(year, wanted)
    unit_school = [school[keep]] + [g[0][np.isin(g[1], wanted)] for g in grad.values()]
    unit_year = [year[keep]] + [g[1][np.isin(g[1], wanted)] for g in grad.values()]
    pairs = np.unique(
        np.stack([np.concatenate(unit_school), np.concatenate(unit_year)], axis=1), axis=0
    )
    units = [(int(a), int(b)) for a, b in pairs]
    if not units:
        return _as_arrays(out)
    unit_key = pairs[:, 0] * 100000 + pairs[:, 1]  # sorted, since pairs are

    def unit_of(s: IntArray, y: IntArray) -> IntArray:
        return np.searchsorted(unit_key, s * 100000 + y).astype(np.int64)

    n_levels = [len(labels) for _, labels in dims]
    names = [d for d, _ in dims]
    breakdowns = disaggregate(
        codes[keep],
        n_levels,
        {k: v[keep] for k, v in metrics.items()},
        by=unit_of(school[keep], year[keep]),
        n_by=len(units),
        dimensions=names,
    )
    grad_breakdowns = {}
    for name, (g_school, g_year, g_flag, g_codes) in grad.items():
        ok = np.isin(g_year, wanted)
        grad_breakdowns[name] = disaggregate(
            g_codes[ok],
            n_levels,
            {name: g_flag[ok]},
            by=unit_of(g_school[ok], g_year[ok]),
            n_by=len(units),
            dimensions=names,
        )
    indicator_list = [
        ind.PROFICIENCY,
        ind.GROWTH,
        ind.ON_TRACK,
        ind.EL_PROGRESS,
        *ind.GRADUATION,
        ind.CHRONIC_ABSENCE,
        ind.SCHOOL_QUALITY,
        ind.OPPORTUNITY,
    ]
    for d, breakdown in enumerate(breakdowns):
        dim = names[d]
        for u, (sch, yr) in enumerate(units):
            sizes = breakdown.counts[u]
            size_table = suppress_table([list(map(int, sizes))], threshold)
            labels = dims[d][1]
            groups: list[tuple[str, str, int | None]] = [
                (dim, str(labels[g]), size_table.cells[0][g]) for g in range(sizes.size)
            ]
            total_size = int(sizes.sum())
            whole_published = suppress_count(total_size, threshold) is not None
            for name in indicator_list:
                if name in ind.GRADUATION:
                    gb = grad_breakdowns.get(name)
                    if gb is None:
                        continue
                    num = gb[d].sums[name][u]
                    den = gb[d].valued[name][u]
                elif name == ind.OPPORTUNITY:
                    num = breakdown.sums["_otl_assessed"][u]
                    den = np.rint(breakdown.sums["_otl_expected"][u]).astype(np.int64)
                else:
                    num = breakdown.sums[name][u]
                    den = breakdown.valued[name][u]
                if int(np.sum(den)) == 0:
                    continue
                shown = _published(name, num, den, threshold)
                if d == 0:  # the whole school, once
                    _emit(
                        out,
                        sch,
                        yr,
                        "all",
                        "all",
                        name,
                        float(np.sum(num)),
                        int(np.sum(den)),
                        total_size,
                        # A figure is published only about a group whose size is.
                        bool(shown[1]) and whole_published,
                        whole_published,
                    )
                for g, (dd, code, size) in enumerate(groups):
                    if int(den[g]) == 0:
                        continue
                    _emit(
                        out,
                        sch,
                        yr,
                        dd,
                        code,
                        name,
                        float(num[g]),
                        int(den[g]),
                        int(sizes[g]),
                        bool(shown[0][g]) and size is not None,
                        size is not None,
                    )
    return _as_arrays(out)


def _published(
    name: str, num: FloatArray, den: IntArray, threshold: int
) -> tuple[npt.NDArray[np.bool_], bool]:
    """Which groups' figures of one indicator may be published, and the whole's."""
    den_i = np.asarray(den, np.int64)
    if name in ind.MEANS or name == ind.OPPORTUNITY:
        # A mean (or a share of targets) is shown with its count only.
        sizes = suppress_table([list(map(int, den_i))], threshold)
        groups = np.array([c is not None for c in sizes.cells[0]], bool)
        return groups, sizes.total is not None
    yes = np.rint(np.asarray(num, np.float64)).astype(np.int64)
    table = suppress_table([list(map(int, yes)), list(map(int, den_i - yes))], threshold)
    groups = np.array(
        [
            table.cells[0][g] is not None
            and table.cells[1][g] is not None
            and table.column_totals[g] is not None
            for g in range(den_i.size)
        ],
        bool,
    )
    whole = all(v is not None for v in (table.row_totals[0], table.row_totals[1], table.total))
    return groups, whole


def rate_published(yes: int, denominator: int, students: int, threshold: int) -> bool:
    """Whether a whole school's rate (``yes`` of ``denominator``, in a school of
    ``students``) may be published: the batch's rule for every rate it computes (its yes
    and no counts and its total pass :func:`suppress_table`, and the school's size
    passes :func:`suppress_count`). Indicators computed outside the batch (a pilot's
    calibrated results) are published by this same rule."""
    if not 0 <= yes <= denominator:
        raise ValueError("yes lies between 0 and the denominator")
    whole = _published("", np.array([float(yes)]), np.array([denominator], np.int64), threshold)[1]
    return bool(whole) and suppress_count(students, threshold) is not None


def _emit(
    out: dict[str, list[object]],
    school: int,
    year: int,
    dimension: str,
    group: str,
    indicator: str,
    num: float,
    den: int,
    students: int,
    published: bool,
    size_published: bool,
) -> None:
    for name, value in zip(
        FIGURE_COLUMNS,
        (school, year, dimension, group, indicator, num, den, students, published, size_published),
        strict=True,
    ):
        out[name].append(value)


def _as_arrays(out: dict[str, list[object]]) -> dict[str, npt.NDArray[np.generic]]:
    types = {
        "school": np.int64,
        "year": np.int64,
        "numerator": np.float64,
        "denominator": np.int64,
        "students": np.int64,
        "published": np.bool_,
        "students_published": np.bool_,
    }
    return {name: np.asarray(values, dtype=types.get(name, object)) for name, values in out.items()}


# --- An innovative-assessment pilot's calibrated results ---------------------------------

# One row per (task result, rubric criterion): the pilot and the school the result counts
# for, the result, how many criteria its task's rubric has, the criterion's place among
# them (0, 1, …), the state panel's consensus score on it (NaN: none recorded) and the
# calibrated score that meets the task's standard.
PILOT_COLUMNS = ("pilot", "school", "result", "criteria", "criterion", "score", "standard")
PILOT_COUNT_COLUMNS = ("pilot", "school", "numerator", "denominator")
PILOT_FIGURE_COLUMNS = (*FIGURE_COLUMNS, "pilot")


def pilot_counts(rows: Mapping[str, npt.NDArray[np.generic]]) -> dict[str, npt.NDArray[Any]]:
    """Per pilot and school: its results whose calibrated score meets the standard and
    its results with a calibrated score (:func:`indicators.calibrated_results` over the
    consensus matrix these rows make), for the units with at least one such result.

    A result's pilot, school, criteria and standard are those of its first row; a
    criterion a result does not have (outside ``0 … criteria − 1``) is refused."""
    result = np.asarray(rows["result"], np.int64)
    empty = {
        "pilot": np.zeros(0, np.int64),
        "school": np.zeros(0, np.int64),
        "numerator": np.zeros(0, np.float64),
        "denominator": np.zeros(0, np.int64),
    }
    if result.size == 0:
        return empty
    ids, first, row_of = np.unique(result, return_index=True, return_inverse=True)
    criteria = np.asarray(rows["criteria"], np.int64)[first]
    criterion = np.asarray(rows["criterion"], np.int64)
    if np.any(criterion < 0) or np.any(criterion >= criteria[row_of]):
        raise ValueError("a criterion lies between 0 and its result's criteria - 1")
    consensus = np.full((ids.size, max(int(criteria.max()), 1)), np.nan)
    consensus[row_of, criterion] = np.asarray(rows["score"], np.float64)
    pilot = np.asarray(rows["pilot"], np.int64)[first]
    school = np.asarray(rows["school"], np.int64)[first]
    units, unit_of = np.unique(np.stack([pilot, school], axis=1), axis=0, return_inverse=True)
    measure = ind.calibrated_results(
        unit_of.reshape(-1),
        consensus,
        criteria,
        np.asarray(rows["standard"], np.float64)[first],
        units.shape[0],
    )
    keep = measure.denominator > 0
    return {
        "pilot": units[keep, 0],
        "school": units[keep, 1],
        "numerator": np.rint(measure.numerator[keep]),
        "denominator": measure.denominator[keep].astype(np.int64),
    }


def pilot_figures(
    counts: Mapping[str, npt.NDArray[np.generic]],
    whole: Mapping[str, npt.NDArray[np.generic]],
    year: int,
    threshold: int,
) -> dict[str, npt.NDArray[np.generic]]:
    """The whole-school ``pilot_calibrated`` figures of ``year`` from :func:`pilot_counts`,
    published by :func:`rate_published`. ``whole`` gives each school's size that year
    (``school``, ``students``, ``students_published``: the batch's whole-school row); a
    school without one has nothing to be rated against and gets no figure."""
    size = {
        int(s): (int(n), bool(p))
        for s, n, p in zip(
            whole["school"], whole["students"], whole["students_published"], strict=True
        )
    }
    out: dict[str, list[object]] = {name: [] for name in PILOT_FIGURE_COLUMNS}
    order = np.lexsort((np.asarray(counts["pilot"]), np.asarray(counts["school"])))
    for k in order:
        school = int(counts["school"][k])
        if school not in size:
            continue
        students, size_published = size[school]
        yes, den = int(counts["numerator"][k]), int(counts["denominator"][k])
        _emit(
            out,
            school,
            year,
            "all",
            "all",
            ind.PILOT,
            float(yes),
            den,
            students,
            rate_published(yes, den, students, threshold),
            size_published,
        )
        out["pilot"].append(int(counts["pilot"][k]))
    arrays = _as_arrays({n: out[n] for n in FIGURE_COLUMNS})
    arrays["pilot"] = np.asarray(out["pilot"], np.int64)
    return arrays

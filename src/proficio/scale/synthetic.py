"""A synthetic state in the store's layout, for tests, the benchmark and the demo's
neighbouring districts. Everything is drawn from one seed; nothing is real.

Students have an ability that sets how fast they move along a continuum of
``competencies × levels`` learning targets; evidence lands on targets around each
student's place, scored around mastery when the target is at or below it. Districts
expect a level by grade at the end of each school year. Chunks are made student range by
student range, so a state of millions of students never sits in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from proficio.core.accountability.indicators import school_year_end
from proficio.core.mastery.policy import KIND_CODES

Columns = dict[str, npt.NDArray[Any]]

SUBGROUP_SIZES = (8, 2, 3, 2, 4)  # race, English learner, disability, economic, gender
SUBGROUP_WEIGHTS = (
    (0.27, 0.01, 0.05, 0.15, 0.005, 0.45, 0.05, 0.015),
    (0.9, 0.1),
    (0.85, 0.12, 0.03),
    (0.55, 0.45),
    (0.49, 0.49, 0.01, 0.01),
)
KINDS = np.array(
    [
        KIND_CODES[k]
        for k in (
            "performance_task",
            "project",
            "observation",
            "quiz",
            "conference",
            "self_assessment",
            "extended_learning",
        )
    ],
    dtype=np.int8,
)
KIND_P = np.array([0.3, 0.15, 0.2, 0.2, 0.05, 0.05, 0.05])


@dataclass(frozen=True)
class Shape:
    students: int = 2000
    evidence_per_student: float = 100.0
    years: tuple[int, ...] = (2022, 2023, 2024)
    districts: int = 4
    schools_per_district: int = 5
    competencies: int = 12
    levels: int = 8
    targets_per_level: int = 2
    attendance: bool = True
    english: bool = True
    cohorts: bool = False  # diploma awards: only where a test asks for them
    seed: int = 0
    chunk_students: int = 50_000
    movers: float = 0.02  # share of students who change district in the last year
    school_effect: float = 0.25
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def schools(self) -> int:
        return self.districts * self.schools_per_district


def evidence_per_student_for(rows_per_student: float, years: tuple[int, ...]) -> float:
    """The ``Shape.evidence_per_student`` that gives about ``rows_per_student`` evidence
    rows per student: a student's rows are spread over the years enrolled, and those in
    the first grades (uniform from 0 to 12 in the last year) were not enrolled in all."""
    n = len(years)
    mean_years = sum(min(grade + 1, n) for grade in range(13)) / 13
    return rows_per_student * n / mean_years


def continuum(shape: Shape) -> Columns:
    """The targets: index, competency and level."""
    n = shape.competencies * shape.levels * shape.targets_per_level
    idx = np.arange(n, dtype=np.int64)
    per_comp = shape.levels * shape.targets_per_level
    return {
        "target": idx,
        "competency": (idx // per_comp).astype(np.int64),
        "level": (idx % per_comp // shape.targets_per_level + 1).astype(np.int64),
    }


def expectations(shape: Shape) -> Columns:
    """Every district expects, by the end of each school year, a level by grade."""
    rows = []
    for d in range(shape.districts):
        for grade in range(13):
            for y in (shape.years[0] - 1, *shape.years):
                level = min(1.0 + grade * (shape.levels - 1) / 12.0, float(shape.levels))
                rows.append((d, grade, school_year_end(y) - 300, max(level - 0.6, 1.0)))
                rows.append((d, grade, school_year_end(y), level))
    arr = np.array(rows, dtype=np.float64)
    return {
        "district": arr[:, 0].astype(np.int64),
        "grade": arr[:, 1].astype(np.int64),
        "day": arr[:, 2].astype(np.int64),
        "level": arr[:, 3],
    }


def schools(shape: Shape) -> Columns:
    s = np.arange(shape.schools, dtype=np.int64)
    return {"school": s, "district": s // shape.schools_per_district}


def _students(shape: Shape, lo: int, hi: int) -> tuple[Columns, npt.NDArray[np.float64]]:
    rng = np.random.default_rng([shape.seed, 1, lo])
    n = hi - lo
    school = rng.integers(0, shape.schools, n).astype(np.int64)
    codes = np.column_stack(
        [
            rng.choice(k, n, p=np.asarray(p) / np.sum(p))
            for k, p in zip(SUBGROUP_SIZES, SUBGROUP_WEIGHTS, strict=True)
        ]
    ).astype(np.int64)
    effect = np.random.default_rng([shape.seed, 2]).normal(0, shape.school_effect, shape.schools)
    ability = rng.normal(1.0, 0.3, n) + effect[school] - 0.15 * codes[:, 3] - 0.1 * codes[:, 1]
    grade = rng.integers(0, 13, n).astype(np.int64)  # grade in the last year
    return (
        {
            "student": np.arange(lo, hi, dtype=np.int64),
            "school": school,
            "grade": grade,
            **{f"code{k}": codes[:, k] for k in range(codes.shape[1])},
        },
        np.maximum(ability, 0.2),
    )


def chunks(shape: Shape) -> Iterator[dict[str, Columns]]:
    """The state's tables, one student range at a time: ``students`` (with subgroup
    codes), ``enrollments``, ``evidence`` and, when asked for, ``attendance``,
    ``english`` and ``cohorts``."""
    for lo in range(0, shape.students, shape.chunk_students):
        yield _chunk(shape, lo)


def _chunk(shape: Shape, lo: int) -> dict[str, Columns]:
    """The tables of the students from ``lo`` (at most ``shape.chunk_students`` of them)."""
    years = np.asarray(shape.years, dtype=np.int64)
    last = int(years[-1])
    n_targets = shape.competencies * shape.levels * shape.targets_per_level
    hi = min(lo + shape.chunk_students, shape.students)
    rng = np.random.default_rng([shape.seed, 3, lo])
    st, ability = _students(shape, lo, hi)
    n = hi - lo
    # Enrollments: one row per year the student is in school (grade ≥ 0).
    e_student = np.repeat(st["student"], years.size)
    e_year = np.tile(years, n)
    e_grade = np.repeat(st["grade"], years.size) - (last - e_year)
    e_school = np.repeat(st["school"], years.size)
    movers = rng.random(n) < shape.movers
    moved = np.repeat(movers, years.size) & (e_year < last)
    e_school = np.where(moved, (e_school + shape.schools_per_district) % shape.schools, e_school)
    ok = e_grade >= 0
    enroll = {
        "student": e_student[ok],
        "year": e_year[ok],
        "school": e_school[ok],
        "district": e_school[ok] // shape.schools_per_district,
        "grade": e_grade[ok],
    }
    # Evidence: per student, spread over the years enrolled.
    years_in = np.bincount(np.searchsorted(st["student"], enroll["student"]), minlength=n)
    counts = rng.poisson(shape.evidence_per_student * years_in / years.size)
    ev_student_local = np.repeat(np.arange(n), counts)
    m = ev_student_local.size
    first_year = last - years_in + 1
    span = years_in[ev_student_local] * 365
    start = np.array([school_year_end(int(y) - 1) + 1 for y in range(years[0], last + 1)])
    day = start[first_year[ev_student_local] - years[0]] + (rng.random(m) * span).astype(np.int64)
    # The student's place at that day: grade-based start plus ability × years.
    grade_then = st["grade"][ev_student_local] - (last - _year_of(day))
    t = (day - start[0]) / 365.25
    place = 1.0 + np.maximum(grade_then, 0) * (shape.levels - 1) / 12.0 * 0.9
    place = place + ability[ev_student_local] * (t - np.floor(t)) * 0.8
    comp = rng.integers(0, shape.competencies, m)
    level = np.clip(np.rint(place + rng.normal(0, 0.8, m)), 1, shape.levels).astype(np.int64)
    target = comp * shape.levels * shape.targets_per_level + (level - 1) * shape.targets_per_level
    target = target + rng.integers(0, shape.targets_per_level, m)
    margin = place - level
    score = np.clip(np.rint(3.0 + margin + rng.normal(0, 0.7, m)), 1, 4)
    evidence = {
        "student": st["student"][ev_student_local],
        "target": np.clip(target, 0, n_targets - 1).astype(np.int64),
        "day": day.astype(np.int64),
        "score": score.astype(np.float64),
        "kind": rng.choice(KINDS, m, p=KIND_P).astype(np.int64),
    }
    out: dict[str, Columns] = {"students": st, "enrollments": enroll, "evidence": evidence}
    if shape.attendance:
        days = rng.integers(160, 181, enroll["student"].size)
        absent = np.minimum(
            rng.poisson(8 + 6 * (ability[np.searchsorted(st["student"], enroll["student"])] < 0.8)),
            days,
        )
        out["attendance"] = {
            "student": enroll["student"],
            "year": enroll["year"],
            "enrolled": days.astype(np.int64),
            "absent": absent.astype(np.int64),
        }
    if shape.english:
        el = st["code1"] == 1
        ell_rows = np.isin(enroll["student"], st["student"][el])
        idx = np.searchsorted(st["student"], enroll["student"][ell_rows])
        base = 1.0 + rng.random(idx.size) * 2
        level = np.clip(base + (enroll["year"][ell_rows] - years[0]) * ability[idx], 1, 6)
        out["english"] = {
            "student": enroll["student"][ell_rows],
            "year": enroll["year"][ell_rows],
            "level": np.round(level, 1),
        }
    if shape.cohorts:
        high = st["grade"] >= 9
        cohort = last - (st["grade"] - 9)
        graduated = high & (st["grade"] == 12) & (rng.random(n) < 0.85)
        award = np.where(graduated, school_year_end(last) - 70, -1)
        out["cohorts"] = {
            "student": st["student"][high],
            "school": st["school"][high],
            "cohort_year": cohort[high].astype(np.int64),
            "awarded_on": award[high].astype(np.int64),
            "removed": (rng.random(int(high.sum())) < 0.03),
        }
    return out


def _year_of(day: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The school year (by its ending calendar year) of each day: the first year whose
    last day (:func:`school_year_end`) is not before it."""
    first, last = _year_of_day(int(day.min())), _year_of_day(int(day.max()))
    ends = np.array([school_year_end(y) for y in range(first, last + 1)], dtype=np.int64)
    return first + np.searchsorted(ends, day, side="left").astype(np.int64)


def _year_of_day(day: int) -> int:
    date = np.datetime64("1970-01-01") + np.timedelta64(day, "D")
    year = int(date.astype("datetime64[Y]").astype(np.int64)) + 1970
    return year + 1 if day > school_year_end(year) else year


def whole(shape: Shape) -> dict[str, Columns]:
    """Every chunk joined: only for small states (tests, the demo)."""
    parts: dict[str, list[Columns]] = {}
    for chunk in chunks(shape):
        for name, table in chunk.items():
            parts.setdefault(name, []).append(table)
    return {
        name: {col: np.concatenate([t[col] for t in tables]) for col in tables[0]}
        for name, tables in parts.items()
    }


def write_store(shape: Shape, store: Any, workers: int = 1) -> dict[str, int]:
    """Write a synthetic state into a store folder (see :mod:`proficio.scale.job`), one
    file per chunk and table; returns the rows written per table.

    Each chunk is drawn from its own seed (the shape's and its first student), so
    ``workers`` processes writing chunks side by side write the very same files as one
    process does, only sooner."""
    from pathlib import Path

    from proficio.scale import job

    root = Path(store)
    job.write_table(root, "continuum", "state", continuum(shape))
    job.write_table(root, "expectations", "state", expectations(shape))
    starts = range(0, shape.students, shape.chunk_students)
    if workers > 1 and len(starts) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(starts)), mp_context=context) as pool:
            written = list(pool.map(_write_chunk, [(shape, root, lo) for lo in starts]))
    else:
        written = [_write_chunk((shape, root, lo)) for lo in starts]
    rows: dict[str, int] = {}
    for counts in written:
        for name, n in counts.items():
            rows[name] = rows.get(name, 0) + n
    return rows


def _write_chunk(task: tuple[Shape, Any, int]) -> dict[str, int]:
    """Draw and write the chunk of students from ``lo`` (a process pool's task)."""
    from proficio.scale import job

    shape, root, lo = task
    tables = dict(_chunk(shape, lo))
    st = tables.pop("students")
    tables["students"] = {
        "student": st["student"],
        **{f"code{d}": st[f"code{d}"] for d in range(5)},
    }
    part = f"part-{lo // shape.chunk_students:05d}"
    for name, columns in tables.items():
        job.write_table(root, name, part, columns)
    return {name: len(columns["student"]) for name, columns in tables.items()}


DIMENSIONS: dict[str, list[str]] = {
    "race_ethnicity": [f"r{k}" for k in range(SUBGROUP_SIZES[0])],
    "english_learner": ["no", "yes"],
    "disability": ["none", "iep", "504"],
    "economically_disadvantaged": ["no", "yes"],
    "gender": ["female", "male", "nonbinary", "not_reported"],
}

"""The state batch job: the store it reads, the two kernels as pandas functions, and the
figures it writes. ``local.py`` runs it in one process and ``spark.py`` on Spark; both
call exactly the functions below, so they cannot differ.

The store is a folder of Parquet tables, one sub-folder per table, each holding any
number of files (the state's import writes one file per district; the benchmark's
generator one per chunk):

==============  ==========================================================================
table           columns
==============  ==========================================================================
continuum       target, competency, level (one row per learning target the state knows)
expectations    district, grade, day, level (each district's time-bound targets)
evidence        student, target, day, score, kind
enrollments     student, year, school, district, grade
students        student, code0 … code4 (subgroup codes)
attendance      student, year, enrolled, absent               (may be empty)
english         student, year, level                          (may be empty)
cohorts         student, school, cohort_year, awarded_on, removed   (may be empty)
pilot_results   pilot, school, result, criteria, criterion, score, standard: a counted
                innovative-assessment pilot's consensus scores, one row per task result
                and rubric criterion (may be empty; the state writes it before each run)
==============  ==========================================================================

Days count from 1970-01-01; ``awarded_on`` is -1 where no diploma was awarded.

Besides the figures, a run gives the ``pilot_calibrated`` figures of the latest year
(:func:`pilot_kernel`), with the pilot each comes from.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from proficio.core.accountability import batch as kernels
from proficio.core.mastery.policy import Policy, Scale

SCHEMAS: dict[str, pa.Schema] = {
    "continuum": pa.schema(
        [("target", pa.int64()), ("competency", pa.int64()), ("level", pa.int64())]
    ),
    "expectations": pa.schema(
        [
            ("district", pa.int64()),
            ("grade", pa.int64()),
            ("day", pa.int64()),
            ("level", pa.float64()),
        ]
    ),
    "evidence": pa.schema(
        [
            ("student", pa.int64()),
            ("target", pa.int64()),
            ("day", pa.int64()),
            ("score", pa.float64()),
            ("kind", pa.int64()),
        ]
    ),
    "enrollments": pa.schema(
        [
            ("student", pa.int64()),
            ("year", pa.int64()),
            ("school", pa.int64()),
            ("district", pa.int64()),
            ("grade", pa.int64()),
        ]
    ),
    "students": pa.schema([("student", pa.int64())] + [(f"code{k}", pa.int64()) for k in range(5)]),
    "attendance": pa.schema(
        [
            ("student", pa.int64()),
            ("year", pa.int64()),
            ("enrolled", pa.int64()),
            ("absent", pa.int64()),
        ]
    ),
    "english": pa.schema([("student", pa.int64()), ("year", pa.int64()), ("level", pa.float64())]),
    "cohorts": pa.schema(
        [
            ("student", pa.int64()),
            ("school", pa.int64()),
            ("cohort_year", pa.int64()),
            ("awarded_on", pa.int64()),
            ("removed", pa.bool_()),
        ]
    ),
    "pilot_results": pa.schema(
        [
            ("pilot", pa.int64()),
            ("school", pa.int64()),
            ("result", pa.int64()),
            ("criteria", pa.int64()),
            ("criterion", pa.int64()),
            ("score", pa.float64()),
            ("standard", pa.float64()),
        ]
    ),
}
FIGURES_SCHEMA = pa.schema(
    [
        ("school", pa.int64()),
        ("year", pa.int64()),
        ("dimension", pa.string()),
        ("group", pa.string()),
        ("indicator", pa.string()),
        ("numerator", pa.float64()),
        ("denominator", pa.int64()),
        ("students", pa.int64()),
        ("published", pa.bool_()),
        ("students_published", pa.bool_()),
    ]
)
PILOT_FIGURES_SCHEMA = pa.schema([*FIGURES_SCHEMA, pa.field("pilot", pa.int64())])
WHOLE_COLUMNS = ("school", "students", "students_published")
STUDENT_YEAR_SCHEMA = pa.schema(
    [
        ("student", pa.int64()),
        ("year", pa.int64()),
        ("school", pa.int64()),
        ("district", pa.int64()),
        ("grade", pa.int64()),
        ("proficient", pa.float64()),
        ("growth", pa.float64()),
        ("on_track", pa.float64()),
        ("expected_targets", pa.int64()),
        ("assessed_targets", pa.int64()),
        ("quality", pa.float64()),
        ("evidence", pa.int64()),
    ]
)
FIGURE_ORDER = ["school", "year", "dimension", "group", "indicator"]
FIGURE_TYPES: dict[str, Any] = {
    "school": "int64",
    "year": "int64",
    "dimension": "object",
    "group": "object",
    "indicator": "object",
    "numerator": "float64",
    "denominator": "int64",
    "students": "int64",
    "published": "bool",
    "students_published": "bool",
}


@dataclass(frozen=True)
class JobSpec:
    """What the batch needs to know besides the store."""

    store: Path
    years: tuple[int, ...]
    dimensions: Mapping[str, Sequence[str]]
    threshold: int = 10
    policy: Mapping[str, Any] = field(default_factory=dict)  # core Policy fields
    scale_values: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0)
    mastery: float = 3.0
    buckets: int = 64  # student partitions

    def config(self) -> kernels.BatchConfig:
        return kernels.BatchConfig(
            years=self.years,
            policy=Policy(**dict(self.policy)),
            scale=Scale(tuple(self.scale_values), self.mastery),
        )


@dataclass
class RunResult:
    figures: pd.DataFrame
    evidence_rows: int
    students: int
    seconds: float
    engine: str
    stages: dict[str, float] = field(default_factory=dict)
    pilot_figures: pd.DataFrame = field(
        default_factory=lambda: PILOT_FIGURES_SCHEMA.empty_table().to_pandas()
    )


def table_path(store: Path, name: str) -> Path:
    return Path(store) / name


def read_table(store: Path, name: str, columns: Sequence[str] | None = None) -> pa.Table:
    """A whole table of the store (an empty one, with its schema, where it has no file)."""
    folder = table_path(store, name)
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    schema = SCHEMAS[name]
    if not files:
        empty = schema.empty_table()
        return empty.select(list(columns)) if columns else empty
    table = pq.read_table(files, schema=schema, columns=list(columns) if columns else None)
    return table


def write_table(store: Path, name: str, part: str, columns: Mapping[str, Any]) -> Path:
    """Write one file of a table (``part`` names it, e.g. a district's code)."""
    folder = table_path(store, name)
    folder.mkdir(parents=True, exist_ok=True)
    schema = SCHEMAS[name]
    table = pa.table(
        {f.name: pa.array(np.asarray(columns[f.name]), type=f.type) for f in schema}, schema=schema
    )
    path = folder / f"{part}.parquet"
    pq.write_table(table, path, compression="zstd")
    return path


def as_frame(name: str, columns: Mapping[str, Any]) -> pd.DataFrame:
    """Columns of one of the store's tables as a data frame with the table's types."""
    schema = SCHEMAS[name]
    arrays = {f.name: pa.array(np.asarray(columns[f.name]), type=f.type) for f in schema}
    return pa.table(arrays, schema=schema).to_pandas()


def _arrays(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, np.ndarray]:
    return {n: frame[n].to_numpy() for n in names}


def student_kernel(
    spec: JobSpec, continuum: pa.Table, expectations: pa.Table
) -> Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]:
    """Evidence and enrollments of a set of students → their student-year rows."""
    order = np.argsort(continuum.column("target").to_numpy())
    targets = continuum.column("target").to_numpy()[order]
    if targets.size and np.any(np.diff(targets) <= 0):
        raise ValueError("continuum: a target is listed twice")
    cont = kernels.Continuum(
        continuum.column("competency").to_numpy()[order].astype(np.int64),
        continuum.column("level").to_numpy()[order].astype(np.int64),
    )
    exp = kernels.Expectations(
        **{n: expectations.column(n).to_numpy() for n in ("district", "grade", "day", "level")}
    )
    config = spec.config()

    def run(evidence: pd.DataFrame, enrollments: pd.DataFrame) -> pd.DataFrame:
        columns = {
            n: evidence[n].to_numpy().astype(np.float64 if n == "score" else np.int64)
            for n in ("student", "target", "day", "score", "kind")
        }
        # The store numbers targets as it likes; the kernel wants 0, 1, … in order.
        index = np.searchsorted(targets, columns["target"])
        found = index < targets.size
        found[found] = targets[index[found]] == columns["target"][found]
        if not found.all():
            raise ValueError("evidence names a target that is not in the continuum")
        columns["target"] = index.astype(np.int64)
        ev = kernels.Evidence(**columns)
        en = kernels.Enrollments(
            **{
                n: enrollments[n].to_numpy().astype(np.int64)
                for n in ("student", "year", "school", "district", "grade")
            }
        )
        out = kernels.student_years(ev, en, cont, exp, config)
        return pd.DataFrame({n: out[n] for n in kernels.STUDENT_YEAR_COLUMNS})

    return run


def school_kernel(spec: JobSpec) -> Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]:
    """Student-year rows (joined with codes, attendance and English levels) and cohort
    rows of a set of schools → their figures."""
    n_dims = len(spec.dimensions)

    def run(rows: pd.DataFrame, cohorts: pd.DataFrame) -> pd.DataFrame:
        codes = [f"{kernels.CODE_PREFIX}{d}" for d in range(n_dims)]
        inputs = kernels.SchoolInputs(
            rows=_arrays(rows, [*kernels.SCHOOL_COLUMNS, *codes]),
            cohorts=_arrays(cohorts, [*kernels.COHORT_COLUMNS, *codes]),
            dimensions=spec.dimensions,
        )
        out = kernels.school_figures(inputs, spec.years, spec.threshold)
        return pd.DataFrame({n: out[n] for n in kernels.FIGURE_COLUMNS}).astype(FIGURE_TYPES)

    return run


def pilot_kernel(spec: JobSpec) -> Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]:
    """Pilot rows of a set of schools, and those schools' whole-school sizes in the latest
    year (:data:`WHOLE_COLUMNS`) → their ``pilot_calibrated`` figures of that year
    (:func:`proficio.core.accountability.batch.pilot_figures`)."""
    year = max(spec.years)

    def run(rows: pd.DataFrame, whole: pd.DataFrame) -> pd.DataFrame:
        counts = kernels.pilot_counts(_arrays(rows, kernels.PILOT_COLUMNS))
        out = kernels.pilot_figures(counts, _arrays(whole, WHOLE_COLUMNS), year, spec.threshold)
        return pd.DataFrame({n: out[n] for n in kernels.PILOT_FIGURE_COLUMNS}).astype(
            {**FIGURE_TYPES, "pilot": "int64"}
        )

    return run


def whole_schools(figures: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each school's whole-school size in ``year``, from its figures (the same on every
    indicator's row)."""
    rows = figures[(figures["dimension"] == "all") & (figures["year"] == year)]
    return rows.drop_duplicates("school")[list(WHOLE_COLUMNS)].reset_index(drop=True)


def join_school_rows(
    student_years: pd.DataFrame,
    students: pd.DataFrame,
    attendance: pd.DataFrame,
    english: pd.DataFrame,
) -> pd.DataFrame:
    """The local engine's join (Spark does the same with its own joins)."""
    out = student_years.merge(students, on="student", how="left")
    out = out.merge(
        attendance.astype({"enrolled": "float64", "absent": "float64"}),
        on=["student", "year"],
        how="left",
    )
    out = out.merge(
        english.rename(columns={"level": "el_level"}), on=["student", "year"], how="left"
    )
    previous = english.assign(year=english["year"] + 1).rename(columns={"level": "el_previous"})
    return out.merge(previous, on=["student", "year"], how="left")


def finish(figures: pd.DataFrame) -> pd.DataFrame:
    """The figures in one order, whatever order the engine produced them in."""
    types: dict[str, Any] = {**FIGURE_TYPES, "published": bool, "students_published": bool}
    if "pilot" in figures.columns:
        types["pilot"] = "int64"
    out = figures.astype(types)
    for name in ("dimension", "group", "indicator"):
        out[name] = out[name].map(str).astype(object)
    return out.sort_values(FIGURE_ORDER, kind="stable").reset_index(drop=True)


def timed(stages: dict[str, float], name: str, started: float) -> float:
    now = time.perf_counter()
    stages[name] = round(now - started, 3)
    return now

"""``--engine local``: the state batch in one process, partition by partition.

It runs the same two kernels as Spark on the same partitions (students by ``student %
buckets``, then schools), so its figures are identical to Spark's; it only holds the
whole store in memory, which bounds the size of state it can take."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from proficio.scale import job
from proficio.scale.job import JobSpec, RunResult


def run(spec: JobSpec) -> RunResult:
    started = time.perf_counter()
    stages: dict[str, float] = {}
    store = spec.store
    continuum = job.read_table(store, "continuum")
    expectations = job.read_table(store, "expectations")
    evidence = job.read_table(store, "evidence").to_pandas()
    enrollments = job.read_table(store, "enrollments").to_pandas()
    t = job.timed(stages, "read", started)
    kernel = job.student_kernel(spec, continuum, expectations)
    ev_bucket = evidence["student"].to_numpy() % spec.buckets
    en_bucket = enrollments["student"].to_numpy() % spec.buckets
    ev_groups = _positions(ev_bucket, spec.buckets)
    en_groups = _positions(en_bucket, spec.buckets)
    parts = []
    for b in range(spec.buckets):
        if en_groups[b].size == 0:
            continue
        parts.append(kernel(evidence.iloc[ev_groups[b]], enrollments.iloc[en_groups[b]]))
    empty = job.STUDENT_YEAR_SCHEMA.empty_table().to_pandas()
    years = pd.concat(parts, ignore_index=True) if parts else empty
    t = job.timed(stages, "students", t)

    students = job.read_table(store, "students").to_pandas()
    rows = job.join_school_rows(
        years,
        students,
        job.read_table(store, "attendance").to_pandas(),
        job.read_table(store, "english").to_pandas(),
    )
    cohorts = job.read_table(store, "cohorts").to_pandas().merge(students, on="student", how="left")
    school_run = job.school_kernel(spec)
    figures = []
    row_groups = _by_value(rows["school"].to_numpy())
    cohort_groups = _by_value(cohorts["school"].to_numpy())
    for school in sorted(set(row_groups) | set(cohort_groups)):
        r = rows.iloc[row_groups.get(school, np.zeros(0, np.int64))]
        c = cohorts.iloc[cohort_groups.get(school, np.zeros(0, np.int64))]
        figures.append(school_run(r, c))
    out = (
        pd.concat(figures, ignore_index=True)
        if figures
        else job.FIGURES_SCHEMA.empty_table().to_pandas()
    )
    t = job.timed(stages, "schools", t)
    pilots = _pilot_figures(spec, out)
    job.timed(stages, "pilots", t)
    return RunResult(
        figures=job.finish(out),
        pilot_figures=pilots,
        evidence_rows=len(evidence),
        students=int(enrollments["student"].nunique()),
        seconds=time.perf_counter() - started,
        engine="local",
        stages=stages,
    )


def _pilot_figures(spec: JobSpec, figures: pd.DataFrame) -> pd.DataFrame:
    """The pilot kernel, school by school, as Spark runs it."""
    rows = job.read_table(spec.store, "pilot_results").to_pandas()
    whole = job.whole_schools(figures, max(spec.years))
    kernel = job.pilot_kernel(spec)
    row_groups = _by_value(rows["school"].to_numpy())
    whole_groups = _by_value(whole["school"].to_numpy())
    parts = [
        kernel(
            rows.iloc[row_groups[school]],
            whole.iloc[whole_groups.get(school, np.zeros(0, np.int64))],
        )
        for school in sorted(row_groups)
    ]
    if not parts:
        return job.PILOT_FIGURES_SCHEMA.empty_table().to_pandas()
    return job.finish(pd.concat(parts, ignore_index=True))


def _positions(bucket: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(n + 1))
    return [order[bounds[b] : bounds[b + 1]] for b in range(n)]


def _by_value(values: np.ndarray) -> dict[int, np.ndarray]:
    if values.size == 0:
        return {}
    order = np.argsort(values, kind="stable")
    keys, starts = np.unique(values[order], return_index=True)
    ends = [*starts[1:], values.size]
    return {int(k): order[s:e] for k, s, e in zip(keys, starts, ends, strict=True)}

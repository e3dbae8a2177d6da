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
    job.timed(stages, "schools", t)
    return RunResult(
        figures=job.finish(out),
        evidence_rows=len(evidence),
        students=int(enrollments["student"].nunique()),
        seconds=time.perf_counter() - started,
        engine="local",
        stages=stages,
    )


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

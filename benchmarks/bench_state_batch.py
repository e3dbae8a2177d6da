"""Benchmark: the state's batch on Apache Spark, against the one-process engine and against
one equivalent aggregate in PostgreSQL SQL.

A synthetic state is generated into a Parquet store (``proficio.scale.synthetic``), then:

1. the Spark batch in ``local[1]`` and ``local[2]`` over the whole store: evidence rows per
   second, and the scaling ratio (``local[2]`` over ``local[1]``);
2. the one-process engine (``--engine local``) on the largest slice asked for
   (``--local-students``), scaled to rows per second, and its ratio to ``local[1]``;
3. with ``DATABASE_URL`` pointing at PostgreSQL (``tools/with_postgres.py``), one aggregate
   the batch also makes (evidence rows per school and year) in SQL on the local slice,
   against the same aggregate in pandas on the same rows;
4. peak memory (the process's maximum resident set, and Spark's JVM is outside it: see the
   note printed);
5. a PROJECTION, by linear extrapolation from ``local[1]``'s rate and the measured scaling
   efficiency, of a 5,000,000-student state on 16 executors. It is marked as a projection.

    python benchmarks/bench_state_batch.py                      # the issue's size
    python benchmarks/bench_state_batch.py --students 100000    # 1/10 of it
    python benchmarks/bench_state_batch.py --students 20000 --evidence 100
    python tools/with_postgres.py -- python benchmarks/bench_state_batch.py --students 20000
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from proficio.core.accountability import indicators as ind
from proficio.scale import job, local, spark
from proficio.scale import synthetic as S

LOCAL_SLICE = 200_000  # students (about 20M evidence rows): the one-process engine holds it all
WARM_STUDENTS = 2_000


def spec_for(store: Path, shape: S.Shape, buckets: int) -> job.JobSpec:
    return job.JobSpec(
        store=store, years=shape.years, dimensions=S.DIMENSIONS, threshold=10, buckets=buckets
    )


def timed_spark(spec: job.JobSpec, master: str, warm: job.JobSpec) -> tuple[float, job.RunResult]:
    spark.stop()
    spark.session(master, {"spark.driver.memory": "4g", "spark.sql.shuffle.partitions": "8"})
    # Warm on a small store (the JVM, the Python workers, the kernels' first call): at the
    # issue's size a warm run over the whole store would double the benchmark's time.
    spark.run(warm, master)
    started = time.perf_counter()
    result = spark.run(spec, master)
    return time.perf_counter() - started, result


def postgres_aggregate(store: Path, students: int) -> tuple[float, float] | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    ev = job.read_table(store, "evidence").to_pandas()
    en = job.read_table(store, "enrollments").to_pandas()
    ev = ev[ev.student < students]
    en = en[en.student < students]
    # The school year of each day, by the kernels' one definition of a school year's end.
    years = np.arange(1969, 2200)
    ends = np.array([ind.school_year_end(int(y)) for y in years])
    ev = ev.assign(year=years[np.searchsorted(ends, ev.day.to_numpy())])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE ev (student bigint, year int)")
        conn.execute("CREATE TEMP TABLE en (student bigint, year int, school bigint)")
        with conn.cursor().copy("COPY ev (student, year) FROM STDIN") as cp:
            for row in ev[["student", "year"]].itertuples(index=False):
                cp.write_row((int(row.student), int(row.year)))
        with conn.cursor().copy("COPY en (student, year, school) FROM STDIN") as cp:
            for row in en[["student", "year", "school"]].itertuples(index=False):
                cp.write_row((int(row.student), int(row.year), int(row.school)))
        conn.execute("ANALYZE ev; ANALYZE en")
        started = time.perf_counter()
        rows = conn.execute(
            "SELECT en.school, en.year, count(*) FROM ev JOIN en USING (student, year) "
            "GROUP BY en.school, en.year"
        ).fetchall()
        sql = time.perf_counter() - started
    started = time.perf_counter()
    frame = ev.merge(en, on=["student", "year"]).groupby(["school", "year"]).size()
    pandas_s = time.perf_counter() - started
    assert sorted((int(s), int(y), int(c)) for s, y, c in rows) == sorted(
        (int(s), int(y), int(c)) for (s, y), c in frame.items()
    ), "SQL and pandas disagree"
    return sql, pandas_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--evidence", type=float, default=100.0, help="evidence rows per student")
    parser.add_argument(
        "--local-students",
        type=int,
        default=LOCAL_SLICE,
        help="the one-process slice (it holds its whole store in memory)",
    )
    parser.add_argument("--buckets", type=int, default=64)
    opts = parser.parse_args()
    local_students = min(opts.local_students or opts.students, opts.students)
    shape = S.Shape(
        students=opts.students,
        evidence_per_student=opts.evidence,
        cohorts=True,
        chunk_students=50_000,
    )
    with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
        store = Path(tmp) / "store"
        started = time.perf_counter()
        written = S.write_store(shape, store)
        generate = time.perf_counter() - started
        rows = written["evidence"]
        print(
            f"synthetic state: {opts.students:,} students, {rows:,} evidence rows over "
            f"{len(shape.years)} years, generated in Parquet in {generate:.1f} s"
        )
        spec = spec_for(store, shape, opts.buckets)
        warm_shape = S.Shape(
            students=min(WARM_STUDENTS, opts.students),
            evidence_per_student=opts.evidence,
            cohorts=True,
        )
        S.write_store(warm_shape, Path(tmp) / "warm")
        warm = spec_for(Path(tmp) / "warm", warm_shape, opts.buckets)
        one_s, one = timed_spark(spec, "local[1]", warm)
        two_s, two = timed_spark(spec, "local[2]", warm)
        spark.stop()
        pd.testing.assert_frame_equal(one.figures, two.figures, check_exact=True)
        r1, r2 = rows / one_s, rows / two_s
        print(f"spark local[1]: {one_s:.1f} s, {r1:,.0f} evidence rows/s")
        print(f"spark local[2]: {two_s:.1f} s, {r2:,.0f} evidence rows/s")
        print(f"scaling local[2] / local[1]: {r2 / r1:.2f}x (2.00x would be linear)")

        if local_students < opts.students:
            slice_store = Path(tmp) / "slice"
            S.write_store(
                S.Shape(
                    students=local_students,
                    evidence_per_student=opts.evidence,
                    cohorts=True,
                    chunk_students=50_000,
                ),
                slice_store,
            )
        else:
            slice_store = store
        slice_rows = int(job.read_table(slice_store, "evidence", ["student"]).num_rows)
        started = time.perf_counter()
        mine = local.run(spec_for(slice_store, shape, opts.buckets))
        local_s = time.perf_counter() - started
        rl = slice_rows / local_s
        print(
            f"one process (--engine local), {local_students:,} students, {slice_rows:,} rows: "
            f"{local_s:.1f} s, {rl:,.0f} evidence rows/s; ratio to spark local[1]: {rl / r1:.2f}x"
        )
        if slice_store == store:
            pd.testing.assert_frame_equal(mine.figures, one.figures, check_exact=True)
            print("the one-process figures equal Spark's: yes")

        pg = postgres_aggregate(slice_store, local_students)
        if pg is None:
            print("PostgreSQL aggregate: skipped (DATABASE_URL is not PostgreSQL)")
        else:
            sql, pandas_s = pg
            print(
                f"PostgreSQL aggregate (evidence rows per school and year, {slice_rows:,} rows): "
                f"{sql * 1000:.0f} ms; pandas on the same rows {pandas_s * 1000:.0f} ms; "
                f"ratio SQL / pandas {sql / pandas_s:.2f}x"
            )

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        print(
            f"peak memory: {peak:.2f} GiB in this process; the Spark JVM is not measured here "
            "(its heap is capped by spark.driver.memory=4g); the machine has 24 GiB"
        )
        per_student = one_s / opts.students
        efficiency = (r2 / r1) / 2
        projected = per_student * 5_000_000 / (16 * efficiency)
        print(
            f"PROJECTION (linear extrapolation, not a measurement): 5,000,000 students on 16 "
            f"executors at local[1]'s rate and the measured {efficiency:.0%} scaling "
            f"efficiency: {projected / 60:.1f} min"
        )


if __name__ == "__main__":
    main()

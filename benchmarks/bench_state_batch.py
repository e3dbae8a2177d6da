"""Benchmark: the state's batch on Apache Spark, against the one-process engine and against
one equivalent aggregate in PostgreSQL SQL.

A synthetic state is generated into a Parquet store (``proficio.scale.synthetic``, its
chunks drawn side by side by ``--workers`` processes; the same seed writes the same
files whatever their number), then:

1. the Spark batch in ``local[1]`` and ``local[2]`` over the whole store: evidence rows per
   second, and the scaling ratio (``local[2]`` over ``local[1]``);
2. the one-process engine (``--engine local``) on the largest slice asked for
   (``--local-students``: the store's first chunks, the same rows Spark read), in rows
   per second, and its ratio to ``local[1]``;
3. one aggregate the batch also makes (evidence rows per school and school year: each
   row joined with its student's enrolment that year) on that slice, three ways: in
   PostgreSQL SQL (a throwaway cluster the benchmark starts and removes, as
   ``tools/with_postgres.py`` does, the slice loaded with ``COPY``), in Spark
   (``local[2]``) and in one process (pandas); the three results must be equal, and
   the ratios are printed. The school year of a day comes from the kernels' one
   definition (``indicators.school_year_end``), handed to each engine as a table;
4. peak memory of each stage: this process and all its children (the generator's
   workers, Spark's JVM and its Python workers), sampled every half second;
5. a PROJECTION, by linear extrapolation from ``local[1]``'s rate and the measured scaling
   efficiency, of a 5,000,000-student state on 16 executors. It is marked as a projection.

    python benchmarks/bench_state_batch.py                                 # the issue's size
    python benchmarks/bench_state_batch.py --students 100000 --rows 10000000   # 1/10
    python benchmarks/bench_state_batch.py --students 10000 --rows 1000000     # 1/100
    python benchmarks/bench_state_batch.py --skip local,postgres --store /big/disk/state

``--store`` keeps the generated store in that folder and reuses it when it holds the
same shape, so the parts can be run one at a time (``--skip``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.csv as pacsv
from _serving import postgres_tools

from proficio.core.accountability import indicators as ind
from proficio.core.machine import usable_cores
from proficio.scale import job, local, spark
from proficio.scale import synthetic as S

ROOT = Path(__file__).resolve().parents[1]
LOCAL_SLICE = 200_000  # students (about 20M evidence rows): the one-process engine holds it all
WARM_STUDENTS = 2_000
CHUNK = 50_000  # students per generated file
PARTS = ("spark1", "spark2", "local", "postgres")
SPARK_CONF = {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": "8"}


class PeakMemory:
    """The largest resident set of this process plus all its descendants, sampled."""

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        me = psutil.Process()
        total = 0
        for p in [me, *me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


PEAKS: dict[str, float] = {}


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    with PeakMemory() as mem:
        yield
    PEAKS[name] = mem.peak / 2**30


def spec_for(store: Path, shape: S.Shape, buckets: int) -> job.JobSpec:
    return job.JobSpec(
        store=store, years=shape.years, dimensions=S.DIMENSIONS, threshold=10, buckets=buckets
    )


def generate(shape: S.Shape, store: Path, workers: int) -> tuple[dict[str, int], float | None]:
    """The store, generated (with the seconds it took) or, when ``store`` holds this
    shape already, reused (None)."""
    stamp = store / "shape.json"
    wanted = json.dumps(repr(shape))
    if stamp.exists() and stamp.read_text() == wanted:
        return json.loads((store / "rows.json").read_text()), None
    shutil.rmtree(store, ignore_errors=True)
    store.mkdir(parents=True)
    started = time.perf_counter()
    rows = S.write_store(shape, store, workers=workers)
    seconds = time.perf_counter() - started
    (store / "rows.json").write_text(json.dumps(rows))
    stamp.write_text(wanted)
    return rows, seconds


def slice_of(store: Path, chunks: int, into: Path) -> Path:
    """The store's first ``chunks`` student chunks (links, not copies)."""
    for table in job.SCHEMAS:
        folder = job.table_path(store, table)
        if not folder.is_dir():
            continue
        (into / table).mkdir(parents=True, exist_ok=True)
        for f in sorted(folder.glob("*.parquet")):
            if not f.stem.startswith("part-") or int(f.stem.split("-")[1]) < chunks:
                (into / table / f.name).symlink_to(f)
    return into


def timed_spark(spec: job.JobSpec, master: str, warm: job.JobSpec) -> tuple[float, job.RunResult]:
    spark.stop()
    spark.session(master, SPARK_CONF)
    # Warm on a small store (the JVM, the Python workers, the kernels' first call): at the
    # issue's size a warm run over the whole store would double the benchmark's time.
    spark.run(warm, master)
    started = time.perf_counter()
    result = spark.run(spec, master)
    return time.perf_counter() - started, result


# --- One aggregate, three engines ---------------------------------------------------------

AGGREGATE = "evidence rows per school and school year"


def school_years(years: range) -> pd.DataFrame:
    """Each school year's first and last day, from the kernels' one definition."""
    ys = np.asarray(list(years), np.int64)
    ends = np.array([ind.school_year_end(int(y)) for y in ys], np.int64)
    starts = np.array([ind.school_year_end(int(y) - 1) + 1 for y in ys], np.int64)
    return pd.DataFrame({"year": ys, "first_day": starts, "last_day": ends})


def aggregate_pandas(ev: pd.DataFrame, en: pd.DataFrame, sy: pd.DataFrame) -> pd.DataFrame:
    where = np.searchsorted(sy.last_day.to_numpy(), ev.day.to_numpy())
    inside = where < len(sy)
    inside[inside] = sy.first_day.to_numpy()[where[inside]] <= ev.day.to_numpy()[inside]
    rows = pd.DataFrame(
        {"student": ev.student.to_numpy()[inside], "year": sy.year.to_numpy()[where[inside]]}
    )
    joined = rows.merge(en[["student", "year", "school"]], on=["student", "year"])
    return joined.groupby(["school", "year"]).size().rename("rows").reset_index()


def aggregate_spark(store: Path, sy: pd.DataFrame) -> pd.DataFrame:
    from pyspark.sql import functions as F

    session = spark.session()
    spec = job.JobSpec(store=store, years=(), dimensions={})
    ev = spark._frame(session, spec, "evidence").select("student", "day")
    en = spark._frame(session, spec, "enrollments").select("student", "year", "school")
    years = F.broadcast(session.createDataFrame(sy))
    rows = ev.join(years, (ev.day >= years.first_day) & (ev.day <= years.last_day)).select(
        "student", "year"
    )
    out = rows.join(en, ["student", "year"]).groupBy("school", "year").agg(F.count("*"))
    return out.toDF("school", "year", "rows").toPandas()


def _copy(conn: Any, table: str, frame: pd.DataFrame, block: int = 1_000_000) -> None:
    """``COPY table FROM STDIN`` in CSV, a block of rows at a time."""
    columns = ", ".join(frame.columns)
    options = pacsv.WriteOptions(include_header=False)
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as cp:
        for lo in range(0, len(frame), block):
            buffer = io.BytesIO()
            part = pa.Table.from_pandas(frame.iloc[lo : lo + block], preserve_index=False)
            pacsv.write_csv(part, buffer, options)
            cp.write(buffer.getvalue())


def aggregate_postgres(
    ev: pd.DataFrame, en: pd.DataFrame, sy: pd.DataFrame
) -> tuple[pd.DataFrame, float, float] | None:
    """The aggregate in SQL on a throwaway cluster: (result, load seconds, query seconds);
    None without PostgreSQL's server binaries."""
    import psycopg

    tools = postgres_tools()
    bindir = tools.find_bindir()
    if bindir is None:
        return None
    cluster = tools.Cluster(bindir)
    try:
        cluster.start()
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute("CREATE UNLOGGED TABLE ev (student bigint, day bigint)")
            conn.execute("CREATE UNLOGGED TABLE en (student bigint, year bigint, school bigint)")
            conn.execute("CREATE TABLE sy (year bigint, first_day bigint, last_day bigint)")
            started = time.perf_counter()
            _copy(conn, "ev", ev[["student", "day"]])
            _copy(conn, "en", en[["student", "year", "school"]])
            _copy(conn, "sy", sy)
            conn.execute("ANALYZE ev")
            conn.execute("ANALYZE en")
            conn.execute("ANALYZE sy")
            load = time.perf_counter() - started
            started = time.perf_counter()
            rows = conn.execute(
                "SELECT en.school, en.year, count(*) FROM ev "
                "JOIN sy ON ev.day BETWEEN sy.first_day AND sy.last_day "
                "JOIN en ON en.student = ev.student AND en.year = sy.year "
                "GROUP BY en.school, en.year"
            ).fetchall()
            query = time.perf_counter() - started
    finally:
        cluster.remove()
    return pd.DataFrame(rows, columns=["school", "year", "rows"]), load, query


def _same(*frames: pd.DataFrame) -> bool:
    def norm(f: pd.DataFrame) -> list[tuple[int, int, int]]:
        return sorted((int(a), int(b), int(c)) for a, b, c in f[["school", "year", "rows"]].values)

    first = norm(frames[0])
    return all(norm(f) == first for f in frames[1:])


# --- The run -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument(
        "--rows", type=int, default=100_000_000, help="evidence rows wanted (about)"
    )
    parser.add_argument(
        "--local-students",
        type=int,
        default=LOCAL_SLICE,
        help="the one-process and PostgreSQL slice (whole chunks of 50,000 students)",
    )
    parser.add_argument("--buckets", type=int, default=64)
    parser.add_argument("--workers", type=int, default=usable_cores())
    parser.add_argument("--store", type=Path, help="keep the store here (and reuse it)")
    parser.add_argument("--skip", default="", help=f"comma-separated, of {', '.join(PARTS)}")
    opts = parser.parse_args()
    skip = {s for s in opts.skip.split(",") if s}
    if skip - set(PARTS):
        parser.error(f"--skip takes {', '.join(PARTS)}")
    chunk = min(CHUNK, opts.students)
    years = S.Shape().years
    shape = S.Shape(
        students=opts.students,
        evidence_per_student=S.evidence_per_student_for(opts.rows / opts.students, years),
        cohorts=True,
        chunk_students=chunk,
    )
    with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
        store = opts.store or Path(tmp) / "store"
        with stage("generate"):
            written, seconds = generate(shape, store, opts.workers)
        rows = written["evidence"]
        made = (
            f"generated in Parquet in {seconds:.1f} s with {opts.workers} processes, "
            f"{rows / seconds:,.0f} rows/s"
            if seconds is not None
            else f"reused from {store}"
        )
        print(
            f"synthetic state: {opts.students:,} students, {rows:,} evidence rows over "
            f"{len(shape.years)} years, {made}",
            flush=True,
        )
        spec = spec_for(store, shape, opts.buckets)
        warm_shape = S.Shape(
            students=min(WARM_STUDENTS, opts.students),
            evidence_per_student=shape.evidence_per_student,
            cohorts=True,
        )
        S.write_store(warm_shape, Path(tmp) / "warm")
        warm = spec_for(Path(tmp) / "warm", warm_shape, opts.buckets)
        rates: dict[str, float] = {}
        results: dict[str, job.RunResult] = {}
        for part, master in (("spark1", "local[1]"), ("spark2", "local[2]")):
            if part in skip:
                continue
            with stage(master):
                took, results[master] = timed_spark(spec, master, warm)
            rates[master] = rows / took
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in results[master].stages.items())
            print(
                f"spark {master}: {took:.1f} s, {rates[master]:,.0f} evidence rows/s ({stages})",
                flush=True,
            )
        if len(results) == 2:
            pd.testing.assert_frame_equal(
                results["local[1]"].figures, results["local[2]"].figures, check_exact=True
            )
            print(
                f"scaling local[2] / local[1]: {rates['local[2]'] / rates['local[1]']:.2f}x "
                "(2.00x would be linear); their figures are equal: yes"
            )

        spark.stop()  # its JVM would count in the next stages' memory
        chunks = max(1, min(opts.local_students, opts.students) // chunk)
        slice_students = min(chunks * chunk, opts.students)
        slice_store = (
            store
            if slice_students == opts.students
            else slice_of(store, chunks, Path(tmp) / "slice")
        )
        if "local" not in skip:
            with stage("one process"):
                started = time.perf_counter()
                mine = local.run(spec_for(slice_store, shape, opts.buckets))
                local_s = time.perf_counter() - started
            rl = mine.evidence_rows / local_s
            ratio = f"; ratio to spark local[1]: {rl / rates['local[1]']:.2f}x" if rates else ""
            print(
                f"one process (--engine local), {slice_students:,} students, "
                f"{mine.evidence_rows:,} rows: {local_s:.1f} s, {rl:,.0f} evidence rows/s{ratio}",
                flush=True,
            )
            if slice_store == store and "local[1]" in results:
                pd.testing.assert_frame_equal(
                    mine.figures, results["local[1]"].figures, check_exact=True
                )
                print("the one-process figures equal Spark's: yes")

        if "postgres" not in skip:
            sy = school_years(range(min(shape.years) - 1, max(shape.years) + 2))
            ev = job.read_table(slice_store, "evidence", ["student", "day"]).to_pandas()
            en = job.read_table(slice_store, "enrollments").to_pandas()
            with stage("aggregate"):
                started = time.perf_counter()
                by_pandas = aggregate_pandas(ev, en, sy)
                pandas_s = time.perf_counter() - started
                spark.stop()
                spark.session("local[2]", SPARK_CONF)
                aggregate_spark(warm.store, sy)  # warm
                started = time.perf_counter()
                by_spark = aggregate_spark(slice_store, sy)
                spark_s = time.perf_counter() - started
                spark.stop()
                pg = aggregate_postgres(ev, en, sy)
            if pg is None:
                print("PostgreSQL aggregate: skipped (no PostgreSQL server binaries found)")
            else:
                by_sql, load_s, sql_s = pg
                assert _same(by_sql, by_spark, by_pandas), "SQL, Spark and pandas disagree"
                print(
                    f"{AGGREGATE}, {len(ev):,} rows ({slice_students:,} students): "
                    f"PostgreSQL SQL {sql_s:.2f} s (after COPY and ANALYZE in {load_s:.1f} s); "
                    f"Spark local[2] {spark_s:.2f} s; one process (pandas) {pandas_s:.2f} s; "
                    f"ratios SQL / one process {sql_s / pandas_s:.2f}x, "
                    f"SQL / Spark {sql_s / spark_s:.2f}x; the three results are equal: yes",
                    flush=True,
                )
        spark.stop()

    print(
        "peak memory (this process, its generator workers, Spark's JVM and Python workers; "
        "sampled every 0.5 s; the machine has 24 GiB): "
        + ", ".join(f"{k} {v:.2f} GiB" for k, v in PEAKS.items())
    )
    if "local[1]" in rates:
        per_student = rows / rates["local[1]"] / opts.students
        efficiency = rates["local[2]"] / rates["local[1]"] / 2 if "local[2]" in rates else 1.0
        projected = per_student * 5_000_000 / (16 * efficiency)
        print(
            f"PROJECTION (linear extrapolation, not a measurement): 5,000,000 students on 16 "
            f"executors at local[1]'s rate and the measured {efficiency:.0%} scaling "
            f"efficiency: {projected / 60:.1f} min"
        )


if __name__ == "__main__":
    main()

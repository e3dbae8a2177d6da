"""``--engine spark``: the state batch on Apache Spark, through PySpark's ``applyInPandas``.

1. Evidence and enrollments are partitioned by student (``student % buckets``) and
   co-grouped; each group goes through :func:`proficio.scale.job.student_kernel` (policy
   replay, standings, pace and growth, each student's indicator values).
2. The student-year rows are joined with subgroup codes, attendance and English levels,
   grouped by school, co-grouped with the graduation cohorts, and go through
   :func:`proficio.scale.job.school_kernel` (the indicators by subgroup, and suppression).
3. Where the state counts a pilot, its task results, grouped by school and co-grouped
   with each school's whole-school size in the latest year, go through
   :func:`proficio.scale.job.pilot_kernel` (the calibrated results and their
   publication).

``master`` is any Spark master URL (``local[*]``, ``spark://…``, ``yarn``,
``k8s://…``); everything else comes from the usual Spark configuration
(``spark-defaults.conf``, ``SPARK_CONF_DIR``, ``--conf`` pairs). One session is made per
process and reused (:func:`session`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from proficio.scale import job
from proficio.scale.job import JobSpec, RunResult

DEFAULT_MASTER = "local[*]"
_SESSION: Any = None


def session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """The process's SparkSession (made on first use; later calls reuse it)."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    # Workers run this interpreter, so they import the same proficio and numpy.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.appName("proficio-state-batch")
        .master(master or DEFAULT_MASTER)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        # Fewer, larger Arrow batches to the Python workers: a partition's rows cross in
        # 100,000-row batches rather than 10,000 (about 5 MB each here).
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
    )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def stop() -> None:
    global _SESSION
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    kinds = {
        pa.int64(): T.LongType(),
        pa.float64(): T.DoubleType(),
        pa.string(): T.StringType(),
        pa.bool_(): T.BooleanType(),
    }
    return T.StructType([T.StructField(f.name, kinds[f.type], True) for f in schema])


def _frame(spark: Any, spec: JobSpec, name: str) -> Any:
    folder = job.table_path(spec.store, name)
    schema = _spark_schema(job.SCHEMAS[name])
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        return spark.createDataFrame([], schema)
    return spark.read.schema(schema).parquet(str(folder))


def run(
    spec: JobSpec, master: str | None = None, conf: Mapping[str, str] | None = None
) -> RunResult:
    from pyspark.sql import functions as F

    started = time.perf_counter()
    stages: dict[str, float] = {}
    spark = session(master, conf)
    continuum = job.read_table(spec.store, "continuum")
    expectations = job.read_table(spec.store, "expectations")
    student_run = job.student_kernel(spec, continuum, expectations)
    school_run = job.school_kernel(spec)
    buckets = spec.buckets

    evidence = _frame(spark, spec, "evidence").withColumn(
        "bucket", F.pmod("student", F.lit(buckets))
    )
    enrollments = _frame(spark, spec, "enrollments").withColumn(
        "bucket", F.pmod("student", F.lit(buckets))
    )

    def per_students(ev: Any, en: Any) -> Any:
        return student_run(ev, en)

    years = (
        evidence.groupBy("bucket")
        .cogroup(enrollments.groupBy("bucket"))
        .applyInPandas(per_students, schema=_spark_schema(job.STUDENT_YEAR_SCHEMA))
    )
    students = _frame(spark, spec, "students")
    attendance = _frame(spark, spec, "attendance").select(
        "student", "year", F.col("enrolled").cast("double"), F.col("absent").cast("double")
    )
    english = _frame(spark, spec, "english")
    now = english.withColumnRenamed("level", "el_level")
    before = english.withColumn("year", F.col("year") + 1).withColumnRenamed("level", "el_previous")
    rows = (
        years.join(students, "student", "left")
        .join(attendance, ["student", "year"], "left")
        .join(now, ["student", "year"], "left")
        .join(before, ["student", "year"], "left")
    )
    cohorts = _frame(spark, spec, "cohorts").join(
        _frame(spark, spec, "students"), "student", "left"
    )

    def per_schools(r: Any, c: Any) -> Any:
        return school_run(r, c)

    figures = (
        rows.groupBy("school")
        .cogroup(cohorts.groupBy("school"))
        .applyInPandas(per_schools, schema=_spark_schema(job.FIGURES_SCHEMA))
    )
    pilot_rows = _frame(spark, spec, "pilot_results")
    has_pilots = bool(pilot_rows.take(1))
    if has_pilots:  # the figures feed the pilot's step too: keep them
        figures = figures.cache()
    out = figures.toPandas()
    t = job.timed(stages, "batch", started)
    pilots = job.PILOT_FIGURES_SCHEMA.empty_table().to_pandas()
    if has_pilots:
        pilot_run = job.pilot_kernel(spec)

        def per_pilot_schools(r: Any, w: Any) -> Any:
            return pilot_run(r, w)

        whole = (
            figures.filter((F.col("dimension") == "all") & (F.col("year") == max(spec.years)))
            .select(*job.WHOLE_COLUMNS)
            .dropDuplicates(["school"])
            .join(pilot_rows.select("school").distinct(), "school", "left_semi")
        )
        pilots = (
            pilot_rows.groupBy("school")
            .cogroup(whole.groupBy("school"))
            .applyInPandas(per_pilot_schools, schema=_spark_schema(job.PILOT_FIGURES_SCHEMA))
            .toPandas()
        )
        pilots = job.finish(pilots.astype({"published": bool, "students_published": bool}))
        figures.unpersist()
        t = job.timed(stages, "pilots", t)
    counts = evidence.agg(F.count("*").alias("rows")).collect()[0]["rows"]
    n_students = enrollments.select("student").distinct().count()
    job.timed(stages, "counts", t)
    return RunResult(
        figures=job.finish(out.astype({"published": bool, "students_published": bool})),
        evidence_rows=int(counts),
        students=int(n_students),
        seconds=stages["batch"],
        engine=f"spark {spark.sparkContext.master}",
        stages=stages,
        pilot_figures=pilots,
    )

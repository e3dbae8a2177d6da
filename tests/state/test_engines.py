"""The state batch on Apache Spark (``local[2]``, a real JVM) and in one process give the
same figures: on random synthetic states (hypothesis) and on the test world's store, through
``run_batch`` (what ``proficio state batch --engine spark|local`` calls)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.scale import job, local, spark
from proficio.scale import synthetic as S

pytestmark = pytest.mark.slow
MASTER = "local[2]"


@pytest.fixture(scope="module", autouse=True)
def spark_session():
    spark.session(MASTER)
    yield
    spark.stop()


def agree(spec: job.JobSpec) -> pd.DataFrame:
    one = local.run(spec)
    many = spark.run(spec, MASTER)
    assert many.engine.startswith("spark local[2]")
    assert one.engine == "local"
    pd.testing.assert_frame_equal(
        one.figures.reset_index(drop=True), many.figures.reset_index(drop=True), check_exact=True
    )
    assert (one.evidence_rows, one.students) == (many.evidence_rows, many.students)
    return one.figures


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    students=st.integers(30, 120),
    buckets=st.integers(1, 5),
    cohorts=st.booleans(),
)
def test_both_engines_agree_on_random_states(seed, students, buckets, cohorts):
    shape = S.Shape(
        students=students,
        evidence_per_student=15,
        districts=2,
        schools_per_district=2,
        competencies=3,
        levels=4,
        cohorts=cohorts,
        seed=seed,
        chunk_students=40,
    )
    with tempfile.TemporaryDirectory() as tmp:
        written = S.write_store(shape, tmp)
        spec = job.JobSpec(
            store=Path(tmp),
            years=shape.years,
            dimensions=S.DIMENSIONS,
            threshold=5,
            buckets=buckets,
        )
        figures = agree(spec)
    assert len(figures) > 0
    assert set(figures.year) <= set(shape.years)
    assert written["evidence"] > 0
    if cohorts:
        assert figures.indicator.str.startswith("graduation_").any()


def test_both_engines_agree_on_the_world(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The world's Riverbend submission, taken into a fresh store, then the batch run by
    each engine through the action: the kept figures are the same rows."""
    from proficio.orgs.models import Organization
    from proficio.policy import SYSTEM
    from proficio.state import actions
    from proficio.state.models import SchoolFigure, Submission
    from tests.world_state import TODAY

    settings.PROFICIO_STATE_STORE = tmp_path / "store"
    riverbend = Organization.objects.get(code="riverbend")
    columbia = Organization.objects.get(code="columbia")
    folder = tmp_path / "package"
    actions.export_submission(SYSTEM, riverbend, TODAY, actions.state_key(), folder)
    Submission.objects.filter(district=riverbend).delete()  # the world's, in another store
    with django_capture_on_commit_callbacks(execute=True):
        actions.import_submission(SYSTEM, folder)
    assert any((tmp_path / "store" / "evidence").glob("*.parquet"))

    def kept(engine: str, master: str | None) -> pd.DataFrame:
        run = actions.run_batch(SYSTEM, columbia, engine=engine, master=master, today=TODAY)
        rows = SchoolFigure.objects.filter(run=run).values(
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
        frame = pd.DataFrame(list(rows))
        return frame.sort_values(job.FIGURE_ORDER).reset_index(drop=True)

    one, many = kept("local", None), kept("spark", MASTER)
    assert len(one) > 0
    pd.testing.assert_frame_equal(one, many, check_exact=True)

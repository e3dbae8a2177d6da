"""The state batch on Apache Spark (``local[2]``, a real JVM) and in one process give the
same figures: on random synthetic states (hypothesis) and on the test world's store, through
``run_batch`` (what ``proficio state batch --engine spark|local`` calls)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.scale import job, local, spark
from proficio.scale import synthetic as S
from tests.state.test_pages import demo_state  # noqa: F401 - the fixture
from tests.state.test_pilot_accountability import pilot_task  # noqa: F401 - the fixture

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
    pd.testing.assert_frame_equal(
        one.pilot_figures.reset_index(drop=True),
        many.pilot_figures.reset_index(drop=True),
        check_exact=True,
    )
    return one.figures


def write_pilot(store: Path, seed: int) -> dict[tuple[int, int], tuple[int, int]]:
    """A random pilot's task results over the store's schools (a few criteria each, some
    without a consensus); returns, by an independent loop, each (pilot, school)'s
    results meeting the standard (3) and results with a calibrated score."""
    rng = np.random.default_rng(seed)
    schools = np.unique(job.read_table(store, "enrollments").column("school").to_numpy())
    rows: dict[str, list] = {name: [] for name in job.SCHEMAS["pilot_results"].names}
    want: dict[tuple[int, int], list[int]] = {}
    for result in range(int(rng.integers(20, 60))):
        pilot, school = int(rng.integers(1, 3)), int(rng.choice(schools))
        k = int(rng.integers(1, 4))
        scores = rng.choice([1.0, 2.0, 3.0, 4.0, np.nan], size=k, p=[0.2, 0.2, 0.25, 0.3, 0.05])
        for place, score in enumerate(scores):
            for name, value in zip(
                rows, (pilot, school, result, k, place, score, 3.0), strict=True
            ):
                rows[name].append(value)
        if not np.isnan(scores).any():
            tally = want.setdefault((pilot, school), [0, 0])
            tally[0] += int(scores.mean() >= 3.0)
            tally[1] += 1
    job.write_table(store, "pilot_results", "state", rows)
    return {key: (a, b) for key, (a, b) in want.items()}


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    students=st.integers(30, 120),
    buckets=st.integers(1, 5),
    cohorts=st.booleans(),
    pilots=st.booleans(),
)
def test_both_engines_agree_on_random_states(seed, students, buckets, cohorts, pilots):
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
        counted = write_pilot(Path(tmp), seed) if pilots else {}
        spec = job.JobSpec(
            store=Path(tmp),
            years=shape.years,
            dimensions=S.DIMENSIONS,
            threshold=5,
            buckets=buckets,
        )
        figures = agree(spec)
        pilot_figures = local.run(spec).pilot_figures
    assert len(figures) > 0
    # The pilot's figures (Spark's, equal to these) are the loop's counts, for every
    # school with a size in the latest year.
    whole = job.whole_schools(figures, max(shape.years))
    assert {
        (int(r.pilot), int(r.school)): (int(r.numerator), int(r.denominator))
        for r in pilot_figures.itertuples()
    } == {k: v for k, v in counted.items() if k[1] in set(whole.school)}
    if pilots:
        assert len(pilot_figures) > 0
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
            "pilot",
        )
        frame = pd.DataFrame(list(rows))
        return frame.sort_values(job.FIGURE_ORDER).reset_index(drop=True)

    one, many = kept("local", None), kept("spark", MASTER)
    assert len(one) > 0
    pd.testing.assert_frame_equal(one, many, check_exact=True)


def test_both_engines_agree_on_a_counted_pilot(pilot_task):  # noqa: F811
    """The world's pilot counted in accountability: each engine's batch brings its
    ``pilot_calibrated`` figures (from the moderation records, through the store), the
    same rows, and the same as counting the pilot recomputes without a batch."""
    from proficio.orgs.models import Organization
    from proficio.policy import SYSTEM
    from proficio.state import actions
    from proficio.state.models import SchoolFigure
    from tests.state.test_pilot_accountability import CEDAR, MAPLE, _meets, _session_with
    from tests.world_state import TODAY

    pilot, task, criteria = pilot_task
    maple = Organization.objects.get(code="maple-ms")
    cedar = Organization.objects.get(code="cedar-es")
    _session_with(task, criteria, {maple: MAPLE, cedar: CEDAR})
    actions.set_pilot_in_accountability(SYSTEM, pilot, True)
    columbia = Organization.objects.get(code="columbia")
    columns = ["school", "year", "numerator", "denominator", "students", "published", "pilot"]

    def pilot_rows(run) -> pd.DataFrame:
        rows = SchoolFigure.objects.filter(run=run, indicator="pilot_calibrated").values(*columns)
        return (
            pd.DataFrame(list(rows), columns=columns).sort_values("school").reset_index(drop=True)
        )

    recomputed = pilot_rows(actions.figures_read.latest_run(columbia))
    one = pilot_rows(actions.run_batch(SYSTEM, columbia, engine="local", today=TODAY))
    many = pilot_rows(
        actions.run_batch(SYSTEM, columbia, engine="spark", master=MASTER, today=TODAY)
    )
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    pd.testing.assert_frame_equal(one, recomputed, check_exact=True)
    got = {(r.school, r.numerator, r.denominator) for r in one.itertuples()}
    assert got == {(maple.pk, *_meets(MAPLE)), (cedar.pk, *_meets(CEDAR))}
    assert set(one.pilot) == {pilot.pk}

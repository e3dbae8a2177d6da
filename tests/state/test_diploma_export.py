"""Diploma awards in the district's package: the graduation app's cohorts and diplomas go
out as ``diploma_awards.parquet`` in the package's own schema, are checked on import like
every other file, and reach the state batch's graduation rates."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from proficio.core.accountability import pseudonym
from proficio.graduation import actions as graduation
from proficio.graduation.models import Diploma, GraduationRecord
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM
from proficio.scale import job
from proficio.state import actions, package
from proficio.state.models import SchoolFigure, Submission
from tests.state.test_package import export, refused, rewrite_manifest

DA = "diploma_awards.parquet"


@pytest.fixture
def fresh(world, settings, tmp_path):
    settings.PROFICIO_STATE_STORE = tmp_path / "store"
    riverbend = Organization.objects.get(code="riverbend")
    Submission.objects.filter(district=riverbend).delete()
    return riverbend


def expected_rows(district) -> list[dict]:
    """Independently of the export: every graduation record of the district's students
    with a state id, with their diploma in force (if any)."""
    key = actions.state_key()
    rows = []
    for record in GraduationRecord.objects.filter(student__school__parent=district).exclude(
        student__state_id=""
    ):
        live = Diploma.objects.filter(student=record.student, rescinded_at__isnull=True).first()
        rows.append(
            {
                "student_key": pseudonym.student_key(key, record.student.state_id),
                "cohort_year": record.cohort - 3,
                "school_code": record.student.school.code,
                "awarded_on": timezone.localdate(live.awarded_at) if live else None,
                "removed": False,
            }
        )
    return sorted(rows, key=lambda r: r["student_key"])


def test_the_export_carries_the_districts_cohorts_and_diplomas(fresh, tmp_path):
    counts = export(fresh, tmp_path / "p")
    table = pq.read_table(tmp_path / "p" / DA)
    assert table.schema.equals(package.files()[DA])
    rows = sorted(table.to_pylist(), key=lambda r: r["student_key"])
    assert rows == expected_rows(fresh)
    assert counts["cohort"] == len(rows)
    # The world: Ben (Maple) and a Cedar student hold diplomas, Ana is in the class
    # without one, and Lia (Lakeside, another district) is not Riverbend's to send.
    awarded = [r for r in rows if r["awarded_on"] is not None]
    assert len(awarded) == 2
    assert len(rows) == 3
    lia = Organization.objects.get(code="lakeside")
    assert GraduationRecord.objects.filter(student__school__parent=lia).exists()
    others = GraduationRecord.objects.exclude(student__school__parent=fresh)
    assert others.filter(student__school__parent=lia).exists()
    assert GraduationRecord.objects.count() == len(rows) + others.count()
    assert "cedar-es" in {r["school_code"] for r in awarded}


def test_the_package_with_diplomas_passes_the_import_checks(
    fresh, tmp_path, django_capture_on_commit_callbacks
):
    export(fresh, tmp_path / "p")
    with django_capture_on_commit_callbacks(execute=True):
        submission, created = actions.import_submission(SYSTEM, tmp_path / "p")
    assert created
    assert submission.counts[DA] == 3
    store = job.read_table(tmp_path / "store", "cohorts").to_pylist()
    assert len(store) == 3
    epoch = dt.date(1970, 1, 1)
    days = sorted(r["awarded_on"] for r in store)
    wanted = sorted(
        -1 if r["awarded_on"] is None else (r["awarded_on"] - epoch).days
        for r in expected_rows(fresh)
    )
    assert days == wanted
    assert days[0] == -1


def test_a_rescinded_diploma_goes_out_as_no_diploma(fresh, tmp_path):
    ben = Diploma.objects.get(student__user__username="ben", rescinded_at__isnull=True)
    graduation.rescind_diploma(SYSTEM, ben, reason="Awarded in error")
    export(fresh, tmp_path / "p")
    key = pseudonym.student_key(actions.state_key(), ben.student.state_id)
    rows = {r["student_key"]: r for r in pq.read_table(tmp_path / "p" / DA).to_pylist()}
    assert rows[key]["awarded_on"] is None
    assert sum(r["awarded_on"] is not None for r in rows.values()) == 1


def test_a_diploma_row_with_an_unknown_school_is_refused_with_its_row(fresh, tmp_path):
    export(fresh, tmp_path / "p")
    path = tmp_path / "p" / DA
    table = pq.read_table(path)
    codes = table.column("school_code").to_pylist()
    codes[2] = "nowhere"
    pq.write_table(table.set_column(2, "school_code", pa.array(codes, pa.string())), path)
    rewrite_manifest(tmp_path / "p", DA)
    problems = refused(tmp_path / "p")
    assert problems == [f"{DA}, row 3, column school_code: a school not in schools.parquet"]
    assert not Submission.objects.filter(district=fresh).exists()


def test_a_diploma_file_of_another_schema_is_refused_with_its_column(fresh, tmp_path):
    export(fresh, tmp_path / "p")
    path = tmp_path / "p" / DA
    table = pq.read_table(path)
    years = pa.array([str(v) for v in table.column("cohort_year").to_pylist()], pa.string())
    pq.write_table(table.set_column(1, "cohort_year", years), path)
    rewrite_manifest(tmp_path / "p", DA)
    assert refused(tmp_path / "p") == [
        f"{DA}, column cohort_year: expected type int32, found string"
    ]


def test_diplomas_reach_the_batchs_graduation_rates(
    fresh, tmp_path, django_capture_on_commit_callbacks
):
    export(fresh, tmp_path / "p")
    with django_capture_on_commit_callbacks(execute=True):
        actions.import_submission(SYSTEM, tmp_path / "p")
    # The world's class of 2027 (cohort year 2024) is rated on time in school year 2027.
    columbia = Organization.objects.get(code="columbia")
    run = actions.run_batch(SYSTEM, columbia, engine="local", today=dt.date(2027, 6, 1))
    got = {
        f.school.code: (f.numerator, f.denominator)
        for f in SchoolFigure.objects.filter(
            run=run, year=2027, indicator="graduation_4", dimension="all"
        ).select_related("school")
    }
    deadline = dt.date(2027, 8, 31)
    want: dict[str, tuple[float, int]] = {}
    for r in expected_rows(fresh):
        if r["cohort_year"] != 2024:
            continue
        num, den = want.get(r["school_code"], (0.0, 0))
        on_time = r["awarded_on"] is not None and r["awarded_on"] <= deadline
        want[r["school_code"]] = (num + on_time, den + 1)
    assert got == want
    assert sum(d for _n, d in got.values()) == 3
    # Below the threshold: kept for the state, never published.
    assert not SchoolFigure.objects.filter(
        run=run, indicator="graduation_4", published=True
    ).exists()

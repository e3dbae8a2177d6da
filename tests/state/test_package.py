"""The district → state submission package: export then import, idempotent per district
and date, all or nothing, and refused with the file, row and column for a wrong schema,
a bad value, another key (the HMAC test vector) or a second, different submission."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from proficio.core.accountability import pseudonym
from proficio.orgs.models import Organization, Student
from proficio.policy import SYSTEM
from proficio.state import actions, package
from proficio.state.models import StudentKey, Submission
from tests.world_state import TODAY


@pytest.fixture
def fresh(world, settings, tmp_path):
    """A fresh store, and Riverbend's world submission forgotten, so imports start anew."""
    settings.PROFICIO_STATE_STORE = tmp_path / "store"
    riverbend = Organization.objects.get(code="riverbend")
    Submission.objects.filter(district=riverbend).delete()
    return riverbend


def export(district, folder, key=None, day=TODAY):
    return actions.export_submission(SYSTEM, district, day, key or actions.state_key(), folder)


def store_files(root: Path) -> list[str]:
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet")) if root.exists() else []
    )


def refused(folder) -> list[str]:
    with pytest.raises(package.PackageError) as caught:
        actions.import_submission(SYSTEM, folder)
    return [str(p) for p in caught.value.problems]


def rewrite_manifest(folder: Path, name: str) -> None:
    manifest = json.loads((folder / package.MANIFEST).read_text())
    manifest["files"][name]["sha256"] = package.sha256(folder / name)
    (folder / package.MANIFEST).write_text(json.dumps(manifest))


def test_export_names_students_only_by_their_key(fresh, tmp_path):
    counts = export(fresh, tmp_path / "p")
    students = pq.read_table(tmp_path / "p" / "students.parquet").to_pylist()
    assert counts["students"] == len(students) > 0
    with_ids = Student.objects.filter(school__parent=fresh).exclude(state_id="")
    keys = {pseudonym.student_key(actions.state_key(), s.state_id) for s in with_ids}
    assert {r["student_key"] for r in students} == keys
    raw = b"".join(p.read_bytes() for p in (tmp_path / "p").iterdir())
    for s in with_ids:
        assert s.state_id.encode() not in raw
        assert s.legal_family_name.encode() not in raw
        assert s.local_id.encode() not in raw


def test_import_is_idempotent_and_a_mover_stays_one_student(
    fresh, tmp_path, django_capture_on_commit_callbacks
):
    export(fresh, tmp_path / "p")
    with django_capture_on_commit_callbacks(execute=True):
        submission, created = actions.import_submission(SYSTEM, tmp_path / "p")
    assert created
    keys_in = set(
        pq.read_table(tmp_path / "p" / "students.parquet").column("student_key").to_pylist()
    )
    assert keys_in <= set(StudentKey.objects.values_list("key", flat=True))
    files = store_files(tmp_path / "store")
    assert any(f.startswith("evidence/") for f in files)
    keys = StudentKey.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again, created = actions.import_submission(SYSTEM, tmp_path / "p")
    assert (again.pk, created) == (submission.pk, False)
    assert store_files(tmp_path / "store") == files
    assert StudentKey.objects.count() == keys


def test_a_different_submission_for_the_same_day_is_refused(fresh, tmp_path):
    export(fresh, tmp_path / "p")
    actions.import_submission(SYSTEM, tmp_path / "p")
    export(fresh, tmp_path / "q")
    table = pq.read_table(tmp_path / "q" / "schools.parquet")
    names = [f"{n} (renamed)" for n in table.column("school_name").to_pylist()]
    pq.write_table(
        table.set_column(1, "school_name", pa.array(names)), tmp_path / "q" / "schools.parquet"
    )
    rewrite_manifest(tmp_path / "q", "schools.parquet")
    problems = refused(tmp_path / "q")
    assert problems == [
        "manifest.json, column submitted_on: a different submission for this district and "
        "date was already imported"
    ]
    assert Submission.objects.filter(district=fresh).count() == 1


def test_a_wrong_schema_is_refused_with_the_file_and_column(fresh, tmp_path):
    export(fresh, tmp_path / "p")
    path = tmp_path / "p" / "evidence.parquet"
    table = pq.read_table(path)
    score = pa.array([str(v) for v in table.column("score").to_pylist()], pa.string())
    pq.write_table(table.set_column(3, "score", score).append_column("teacher", score), path)
    rewrite_manifest(tmp_path / "p", "evidence.parquet")
    problems = refused(tmp_path / "p")
    assert "evidence.parquet, column score: expected type double, found string" in problems
    assert "evidence.parquet, column teacher: column not in the format" in problems
    assert not Submission.objects.filter(district=fresh).exists()
    assert store_files(tmp_path / "store") == []


def test_a_bad_value_is_refused_with_its_row(fresh, tmp_path):
    export(fresh, tmp_path / "p")
    keys = StudentKey.objects.count()
    path = tmp_path / "p" / "enrollments.parquet"
    table = pq.read_table(path)
    codes = table.column("school_code").to_pylist()
    codes[1] = "nowhere"
    pq.write_table(table.set_column(2, "school_code", pa.array(codes)), path)
    rewrite_manifest(tmp_path / "p", "enrollments.parquet")
    problems = refused(tmp_path / "p")
    assert any(p.startswith("enrollments.parquet, row 2, column school_code:") for p in problems)
    assert not Submission.objects.filter(district=fresh).exists()
    assert StudentKey.objects.count() == keys
    assert store_files(tmp_path / "store") == []


def test_a_changed_file_fails_its_checksum(fresh, tmp_path):
    export(fresh, tmp_path / "p")
    with (tmp_path / "p" / "students.parquet").open("ab") as f:
        f.write(b"x")
    assert refused(tmp_path / "p") == ["students.parquet: its SHA-256 does not match the manifest"]


def test_a_package_made_with_another_key_is_refused(fresh, tmp_path):
    export(fresh, tmp_path / "p", key=bytes(range(100, 132)))
    problems = refused(tmp_path / "p")
    assert len(problems) == 1
    assert problems[0].startswith("manifest.json, column key_check: the HMAC does not match")
    assert not Submission.objects.filter(district=fresh).exists()


def test_the_command_exports_and_imports(fresh, tmp_path, capsys):
    call_command(
        "state",
        "export",
        "--district",
        "riverbend",
        "--date",
        str(TODAY),
        "-o",
        str(tmp_path / "p"),
    )
    out = capsys.readouterr().out
    assert out.startswith(f"Wrote {tmp_path / 'p'}: ")
    call_command("state", "import", str(tmp_path / "p"))
    assert capsys.readouterr().out.startswith(f"Imported riverbend {TODAY}: ")
    call_command("state", "import", str(tmp_path / "p"))
    assert "Already imported" in capsys.readouterr().out
    (tmp_path / "p" / package.MANIFEST).write_text("{")
    with pytest.raises(CommandError, match="refused"):
        call_command("state", "import", str(tmp_path / "p"))
    assert "manifest.json" in capsys.readouterr().err

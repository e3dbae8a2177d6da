"""``proficio import oneroster`` from a folder and from a zip."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from proficio.orgs.models import Student
from tests.roster import files


def test_import_a_folder_then_a_zip(oak_valley, tmp_path, capsys):
    folder = tmp_path / "export"
    folder.mkdir()
    for name, data in files.district("1.2").items():
        (folder / name).write_bytes(data)
    call_command("import", "oneroster", str(folder), district="oak-valley", dry_run=True)
    out = capsys.readouterr().out
    assert "Would import OneRoster 1.2 into Oak Valley Unified:" in out
    assert "  users.csv: created 10, updated 0, unchanged 0, ended 0, skipped 0" in out
    assert not Student.objects.filter(school__parent=oak_valley).exists()
    archive = tmp_path / "export.zip"
    archive.write_bytes(files.zipped(files.district("1.2"), folder="oneroster/"))
    call_command("import", "oneroster", str(archive), district="oak-valley")
    assert "Imported OneRoster 1.2" in capsys.readouterr().out
    assert Student.objects.filter(school__parent=oak_valley).count() == 5


def test_problems_are_listed_and_nothing_is_imported(oak_valley, tmp_path):
    archive = tmp_path / "bad.zip"
    data = files.replace(files.district("1.1"), "enrollments.csv", "e-5,,,cl-alg-2", "e-5,,,cl-x")
    archive.write_bytes(files.zipped(data))
    with pytest.raises(CommandError) as caught:
        call_command("import", "oneroster", str(archive), district="oak-valley")
    assert "enrollments.csv, row 6, column classSourcedId: No class has sourcedId 'cl-x'." in str(
        caught.value
    )
    assert not Student.objects.filter(school__parent=oak_valley).exists()


def test_command_needs_a_district(oak_valley, tmp_path):
    with pytest.raises(CommandError, match="--district"):
        call_command("import", "oneroster", str(tmp_path))
    with pytest.raises(CommandError, match="no district has the code 'maple-ms'"):
        call_command("import", "oneroster", str(tmp_path), district="maple-ms")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", "oneroster", str(tmp_path / "nope.zip"), district="oak-valley")
    not_zip = tmp_path / "roster.zip"
    not_zip.write_bytes(b"sourcedId\n")
    with pytest.raises(CommandError, match="not a zip archive"):
        call_command("import", "oneroster", str(not_zip), district="oak-valley")

"""The OneRoster 1.2 gradebook export: a class's (and a school's) learning targets and levels,
with CASE identifiers, as the CSV binding's files; checked against the binding's column rules
(``tests.oneroster_csv_rules``), for who may download it, and for its audit trail."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from proficio.audit.context import acting
from proficio.audit.models import AuditEntry
from proficio.classroom import actions, grid
from proficio.classroom.gradebook import sourced_id
from proficio.core.standards import oneroster_gradebook as og
from proficio.evidence import actions as evidence
from proficio.mastery import actions as mastery
from tests.oneroster_csv_rules import check, read_zip


def _record(world, student, code, *scores):
    rivera = world.user("rivera")
    with acting(rivera, route="tests"):
        for n, score in enumerate(scores):
            evidence.record_evidence(
                rivera,
                student=student,
                kind="performance_task",
                title=f"Task {code} {n}",
                assessed_at=timezone.now() - timezone.timedelta(days=10 - n),
                scores=[evidence.ScoreInput(world.target(code), score)],
            )


def _table(files, name):
    return list(csv.DictReader(io.StringIO(files[f"{name}.csv"], newline="")))


@pytest.fixture
def levels(world):
    """Ben proficient on MATH.1.3, not enough evidence on MATH.1.4; Ana overridden on MATH.1.2."""
    _record(world, world.ben, "MATH.1.3", 3, 4)
    _record(world, world.ben, "MATH.1.4", 2)
    _record(world, world.ana, "MATH.1.2", 2, 2)
    with acting(world.user("rivera"), route="tests"):
        mastery.override_determination(
            world.user("rivera"),
            world.ana,
            world.target("MATH.1.2"),
            level_value=3,
            rationale="Showed it in class discussion twice this week.",
        )


def _export(world, username, **where):
    user = world.user(username)
    with acting(user, route="tests", purpose=actions.GRADEBOOK_PURPOSE):
        return actions.export_gradebook(user, **where)


def test_a_class_gradebook_follows_the_binding(world, levels):
    section = world.rivera_section
    export = _export(world, "rivera", section_id=section.pk)
    files = read_zip(export.content)
    assert check(files) == []
    assert set(files) == {"manifest.csv", *(f"{n}.csv" for n in og.GRADEBOOK_COLUMNS)}
    manifest = dict(csv.reader(io.StringIO(files["manifest.csv"])))
    assert manifest["file.lineItems"] == "bulk"
    assert manifest["file.users"] == "absent"
    # One line item per target of the class grid, each aligned to the target's CASE id.
    columns = grid.section_columns(section)
    items = _table(files, "lineItems")
    assert len(items) == len(columns)
    objectives = {r["lineItemSourcedId"]: r for r in _table(files, "lineItemLearningObjectiveIds")}
    math13 = world.target("MATH.1.3")
    item = next(r for r in items if r["title"].startswith("MATH.1.3 "))
    assert objectives[item["sourcedId"]]["source"] == "case"
    assert objectives[item["sourcedId"]]["learningObjectiveId"] == str(math13.identifier)
    assert item["classSourcedId"] == str(section.uuid)
    assert item["schoolSourcedId"] == str(section.school.uuid)
    assert item["assignDate"] == section.term.start_date.isoformat()
    assert item["dueDate"] == section.term.end_date.isoformat()
    assert (item["resultValueMin"], item["resultValueMax"]) == ("1.0", "4.0")
    categories = {r["sourcedId"]: r["title"] for r in _table(files, "categories")}
    assert categories[item["categorySourcedId"]].startswith("MATH.1 ")
    # Results: one per student and target with a determination, at the grid's level.
    results = _table(files, "results")
    ben = str(world.ben.uuid)
    by_item = {(r["lineItemSourcedId"], r["studentSourcedId"]): r for r in results}
    proficient = by_item[(item["sourcedId"], ben)]
    grid_cell = grid.build_rows([world.ben], columns)[0].cells[
        columns.index(next(c for c in columns if c.target.pk == math13.pk))
    ]
    assert proficient["scoreStatus"] == "fully graded"
    assert float(proficient["score"]) == grid_cell.value
    assert proficient["textScore"] == grid_cell.level.label
    outcome = {r["resultSourcedId"]: r for r in _table(files, "resultLearningObjectiveIds")}[
        proficient["sourcedId"]
    ]
    assert outcome["learningObjectiveId"] == str(math13.identifier)
    assert (outcome["score"], outcome["textScore"]) == (
        proficient["score"],
        proficient["textScore"],
    )
    item14 = next(r for r in items if r["title"].startswith("MATH.1.4 "))
    thin = by_item[(item14["sourcedId"], ben)]
    assert (thin["scoreStatus"], thin["score"]) == ("partially graded", "")
    assert thin["textScore"] == "Not enough evidence yet"
    item12 = next(r for r in items if r["title"].startswith("MATH.1.2 "))
    judged = by_item[(item12["sourcedId"], str(world.ana.uuid))]
    assert (judged["score"], judged["comment"]) == ("3.0", "Educator judgment")
    # Students never assessed have no result; every result is for a student of the class.
    roster = {str(s.uuid) for s in actions.roster(section)}
    assert {r["studentSourcedId"] for r in results} <= roster
    assert export.results == len(results) == 3
    # The score scale says what each score means.
    scales = {r["sourcedId"]: r for r in _table(files, "scoreScales")}
    scale_of = {
        r["lineItemSourcedId"]: r["scoreScaleSourcedId"]
        for r in _table(files, "lineItemScoreScales")
    }
    assert "{3:" in scales[scale_of[item["sourcedId"]]]["scoreScaleValue"]


def test_each_named_student_is_one_audited_read(world, levels):
    before = AuditEntry.objects.filter(purpose=actions.GRADEBOOK_PURPOSE).count()
    export = _export(world, "rivera", section_id=world.rivera_section.pk)
    reads = AuditEntry.objects.filter(purpose=actions.GRADEBOOK_PURPOSE).order_by("pk")[before:]
    assert sorted(e.student_id for e in reads) == sorted([world.ana.pk, world.ben.pk])
    assert export.students == 2
    assert {e.actor_name for e in reads} == {"rivera"}


def test_the_same_export_twice_names_everything_the_same(world, levels):
    first = read_zip(_export(world, "rivera", section_id=world.rivera_section.pk).content)
    second = read_zip(_export(world, "rivera", section_id=world.rivera_section.pk).content)
    assert first == second


def test_a_delta_export_marks_rows_active_with_their_time(world, levels):
    export = _export(world, "rivera", section_id=world.rivera_section.pk, mode="delta")
    files = read_zip(export.content)
    assert check(files) == []
    results = _table(files, "results")
    assert {r["status"] for r in results} == {"active"}
    assert all(r["dateLastModified"].endswith("Z") for r in results)
    manifest = dict(csv.reader(io.StringIO(files["manifest.csv"])))
    assert manifest["file.results"] == "delta"


def test_a_school_gradebook_holds_what_the_person_may_export(world, levels):
    maple = world.org("maple-ms")
    principal = read_zip(_export(world, "principal", organization_id=maple.pk).content)
    assert check(principal) == []
    classes = {r["classSourcedId"] for r in _table(principal, "lineItems")}
    assert str(world.rivera_section.uuid) in classes
    assert len(classes) > 1  # the school's other current classes too
    teacher = read_zip(_export(world, "rivera", organization_id=maple.pk).content)
    mine = {r["classSourcedId"] for r in _table(teacher, "lineItems")}
    assert str(world.rivera_section.uuid) in mine
    assert mine < classes  # only the classes Ms. Rivera teaches


def test_downloads_for_the_class_and_the_school(world, levels, client):
    client.force_login(world.user("rivera"))
    response = client.get(reverse("classroom:gradebook_section", args=[world.rivera_section.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "oneroster-gradebook-section-" in response["Content-Disposition"]
    assert check(read_zip(response.content)) == []
    grid_page = client.get(reverse("classroom:grid", args=[world.rivera_section.pk]))
    assert reverse("classroom:gradebook_section", args=[world.rivera_section.pk]) in (
        grid_page.content.decode()
    )
    bad = client.get(
        reverse("classroom:gradebook_section", args=[world.rivera_section.pk]), {"mode": "x"}
    )
    assert bad.status_code == 400
    assert "bulk or delta" in bad.content.decode()
    client.force_login(world.user("principal"))
    maple = world.org("maple-ms")
    page = client.get(reverse("web:organization_detail", args=[maple.pk])).content.decode()
    assert reverse("classroom:gradebook_organization", args=[maple.pk]) in page
    response = client.get(reverse("classroom:gradebook_organization", args=[maple.pk]))
    assert response.status_code == 200
    assert check(read_zip(response.content)) == []


def test_another_school_and_district_get_404_without_names(world, levels, client):
    client.force_login(world.user("lake.teacher"))
    response = client.get(reverse("classroom:gradebook_section", args=[world.rivera_section.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    for name in ("Ana", "García", "Ben", "Rivera", world.rivera_section.name):
        assert name not in body
    client.force_login(world.user("lake.admin"))
    response = client.get(
        reverse("classroom:gradebook_organization", args=[world.org("maple-ms").pk])
    )
    assert response.status_code == 404
    assert "Maple" not in response.content.decode()
    client.force_login(world.user("principal"))  # a leader of another school in the district
    assert (
        client.get(
            reverse("classroom:gradebook_section", args=[world.cedar_section.pk])
        ).status_code
        == 404
    )


def test_the_command_writes_the_zip(world, levels, tmp_path):
    out = io.StringIO()
    path = tmp_path / "gradebook.zip"
    call_command(
        "export",
        "gradebook",
        "--section",
        str(world.rivera_section.pk),
        "--user",
        "rivera",
        "-o",
        str(path),
        stdout=out,
    )
    assert check(read_zip(path.read_bytes())) == []
    assert "3 results for 2 students" in out.getvalue()
    entry = AuditEntry.objects.filter(purpose=actions.GRADEBOOK_PURPOSE).latest("pk")
    assert entry.route.startswith("cli: proficio export gradebook")
    with pytest.raises(CommandError, match="may not export"):
        call_command(
            "export",
            "gradebook",
            "--section",
            str(world.lake_section.pk),
            "--user",
            "rivera",
            "-o",
            str(path),
        )
    with pytest.raises(CommandError, match="no organization"):
        call_command("export", "gradebook", "--organization", "nope", "--user", "rivera")


def test_the_command_acts_as_the_system_by_default(world, levels, tmp_path):
    path = tmp_path / "district.zip"
    out = io.StringIO()
    call_command("export", "gradebook", "--organization", "riverbend", "-o", str(path), stdout=out)
    files = read_zip(path.read_bytes())
    assert check(files) == []
    classes = {r["classSourcedId"] for r in _table(files, "lineItems")}
    assert str(world.cedar_section.uuid) in classes  # every school of the district
    assert str(world.lake_section.uuid) not in classes  # and nothing of another
    entry = AuditEntry.objects.filter(purpose=actions.GRADEBOOK_PURPOSE).latest("pk")
    assert entry.actor is None
    assert entry.actor_name == "system"


def test_sourced_ids_are_uuids_or_derived_from_the_row(world):
    section = world.rivera_section
    assert sourced_id(section) == str(section.uuid)
    term = sourced_id(section.term)
    assert uuid.UUID(term).version == 5
    assert term == sourced_id(section.term)
    assert term != sourced_id(section.course)


def test_the_rules_catch_a_broken_gradebook(world, levels):
    """The checker fails what the binding forbids (so a pass above means something)."""
    files = read_zip(_export(world, "rivera", section_id=world.rivera_section.pk).content)
    broken = dict(files)
    lines = broken["results.csv"].split("\r\n")
    row = next(csv.reader([lines[1]]))
    row[4] = "no-such-student-is-fine"  # a users.csv reference: absent file, not checked
    row[3] = "no-such-line-item"
    row[5] = "graded"
    row[7] = "2024-02-30"
    lines[1] = ",".join(row)
    broken["results.csv"] = "\r\n".join(lines)
    broken["lineItems.csv"] = broken["lineItems.csv"].replace("sourcedId,", "id,", 1)
    del broken["categories.csv"]
    problems = check(broken)
    assert "results.csv, row 2, lineItemSourcedId: no-such-line-item is not in lineItems.csv" in (
        problems
    )
    assert any("row 2, scoreStatus: 'graded' is not one of" in p for p in problems)
    assert "results.csv, row 2, scoreDate: '2024-02-30' is not a day of the calendar" in problems
    assert any(p.startswith("lineItems.csv, row 1: the header must be") for p in problems)
    assert any(p.startswith("categories.csv: the manifest says bulk") for p in problems)
    assert not any("users" in p for p in problems)
    bulk_with_status = dict(files)
    bulk_with_status["categories.csv"] = bulk_with_status["categories.csv"].replace(
        "\r\n", "\r\n", 1
    )
    lines = bulk_with_status["categories.csv"].split("\r\n")
    row = next(csv.reader([lines[1]]))
    row[1] = "active"
    lines[1] = ",".join(f'"{v}"' for v in row)
    bulk_with_status["categories.csv"] = "\r\n".join(lines)
    assert check(bulk_with_status) == [
        "categories.csv, row 2, status: must be blank in a bulk file"
    ]

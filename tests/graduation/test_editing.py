"""Writing graduation requirements and keeping the graduation record through the pages
and the API: a new version starts from the latest and is saved whole or not at all, a bad
requirement is named on its field (its form row, or its JSON path), capstone results and
alternatives are recorded for the requirements the student is held to, and the student
opts into a newer version. Guardians reach their child's transcript from the navigation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from proficio import policy
from proficio.audit.context import acting
from proficio.graduation import actions
from proficio.graduation.models import (
    AcceptedAlternative,
    GraduationRecord,
    Requirement,
    RequirementSet,
    RubricResult,
)

pytestmark = [pytest.mark.django_db]


def _rows(prefix: str, rows: list[dict]) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for n, row in enumerate(rows):
        for key, value in row.items():
            if key == "accepts_alternative":
                if value:
                    data[f"{prefix}-{n}-{key}"] = "on"
            else:
                data[f"{prefix}-{n}-{key}"] = str(value)
    return data


def _level_code(world) -> str:
    return world.district_framework.levels.order_by("position").first().code


def test_a_new_version_starts_from_the_latest_and_saves_whole_or_not_at_all(world, client):
    admin = world.user("district.admin")
    client.force_login(admin)
    riverbend = world.org("riverbend")
    url = reverse("graduation:requirement_set_new", args=[riverbend.pk])
    form = client.get(url).content.decode()
    # The form starts from version 1: its capstone, and two blank rows to add more.
    assert "The form starts from version 1." in form
    assert 'value="riverbend-capstone"' in form
    assert 'name="req-TOTAL_FORMS" value="3"' in form

    capstone = {
        "key": "riverbend-capstone",
        "title": "Defense of learning",
        "kind": "rubric",
        "minimum_score": "3",
        "accepts_alternative": True,
    }
    math = {
        "key": "math",
        "title": "Mathematics",
        "kind": "all_of",
        "competencies": "MATH.1, NOPE.9",
        "level": _level_code(world),
    }
    blank = {"key": "", "title": "", "kind": "", "competencies": ""}
    head = {
        "title": "Riverbend requirements",
        "first_cohort": "2030",
        "in_force_from": "2025-01-01",
    }
    before = (RequirementSet.objects.count(), Requirement.objects.count())
    refused = client.post(url, {**head, **_rows("req", [capstone, blank, math])})
    assert refused.status_code == 400
    page = refused.content.decode()
    # The error sits on the third row's competencies field (the blank row is skipped,
    # yet the message lands on the row the person typed it in), and nothing was saved.
    third = page.split("Requirement 3</legend>")[1]
    assert "Unknown competency: NOPE.9" in third.split("Competencies")[1]
    assert "Unknown competency" not in page.split("Requirement 3</legend>")[0]
    assert (RequirementSet.objects.count(), Requirement.objects.count()) == before

    math["competencies"] = "MATH.1"
    saved = client.post(url, {**head, **_rows("req", [capstone, blank, math])})
    assert saved.status_code == 302
    made = RequirementSet.objects.get(owner=riverbend, version=2)
    assert saved["Location"] == reverse("graduation:requirement_set", args=[made.pk])
    assert [(r.key, r.kind) for r in made.requirements.all()] == [
        ("riverbend-capstone", "rubric"),
        ("math", "all_of"),
    ]
    assert made.created_by == admin
    # Version 1 is as it was: students are held to it.
    first = RequirementSet.objects.get(owner=riverbend, version=1)
    assert [r.key for r in first.requirements.all()] == ["riverbend-capstone"]
    shown = client.get(reverse("graduation:requirement_set", args=[made.pk])).content.decode()
    assert "MATH.1" in shown
    assert "Mathematics" in shown


def test_a_bad_head_is_named_and_spanish_reads(world, client):
    client.force_login(world.user("district.admin"))
    client.cookies["django_language"] = "es"
    url = reverse("graduation:requirement_set_new", args=[world.org("riverbend").pk])
    refused = client.post(
        url,
        {"title": "", "first_cohort": "2030", "in_force_from": "2025-01-01", **_rows("req", [])},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert refused.status_code == 400
    assert "Dé un título a los requisitos." in refused.content.decode()
    listing = client.get(reverse("graduation:requirement_sets"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Requisitos de graduación" in listing.content.decode()


def test_the_api_names_the_json_path_and_writes_nothing_on_refusal(world, client):
    client.force_login(world.user("district.admin"))
    riverbend = world.org("riverbend")
    body = {
        "owner_id": riverbend.pk,
        "title": "Riverbend requirements",
        "first_cohort": 2030,
        "in_force_from": "2025-01-01",
        "requirements": [
            {"key": "capstone", "title": "Defense", "kind": "rubric", "minimum_score": 3},
            {
                "key": "math",
                "title": "Mathematics",
                "kind": "n_of_m",
                "competencies": ["MATH.1"],
                "level": "NO-SUCH-LEVEL",
                "count": 2,
            },
        ],
    }
    url = reverse("api:define_requirement_set")
    before = RequirementSet.objects.count()
    refused = client.post(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 400
    errors = {e["path"]: e for e in refused.json()["errors"]}
    assert set(errors) == {"$.requirements[1].level", "$.requirements[1].count"}
    assert errors["$.requirements[1].level"]["label"] == "Level (its code)"
    assert RequirementSet.objects.count() == before

    body["requirements"][1].update(level=_level_code(world), count=1)
    made = client.post(url, json.dumps(body), content_type="application/json")
    assert made.status_code == 201
    answer = made.json()
    assert answer["version"] == 2
    assert [r["key"] for r in answer["requirements"]] == ["capstone", "math"]
    assert answer["requirements"][1]["competencies"] == ["MATH.1"]
    read = client.get(reverse("api:get_requirement_set", args=[answer["id"]])).json()
    assert read == answer
    # Another district's organization is as unknown as none.
    body["owner_id"] = world.org("lakeside").pk
    foreign = client.post(url, json.dumps(body), content_type="application/json")
    assert foreign.status_code == 404
    assert "Lakeside" not in foreign.content.decode()


def test_capstone_results_and_alternatives_are_kept_on_the_students_page(world, client):
    client.force_login(world.user("counselor"))
    ana = world.ana
    page = client.get(reverse("graduation:student", args=[ana.pk])).content.decode()
    assert "Record a capstone result" in page
    assert "Accept an alternative pathway" in page
    assert "Record entry to high school" not in page  # Ana's entry is recorded
    record = GraduationRecord.objects.get(student=ana)
    capstones = list(Requirement.objects.filter(requirement_set__in=record.held_to.all()))
    district_capstone = next(r for r in capstones if r.requirement_set.owner.code == "riverbend")
    url = reverse("graduation:rubric", args=[ana.pk])
    before = RubricResult.objects.count()
    bad = client.post(
        url,
        {"requirement": district_capstone.pk, "score": "-1", "judged_on": "2025-05-01"},
        follow=True,
    )
    assert "Rubric score: A score cannot be negative." in bad.content.decode()
    assert RubricResult.objects.count() == before
    # A requirement of another district is not among the choices: refused, nothing saved.
    lakeside = Requirement.objects.get(requirement_set__owner__code="lakeside")
    foreign = client.post(
        url, {"requirement": lakeside.pk, "score": "4", "judged_on": "2025-05-01"}, follow=True
    )
    assert "Capstone:" in foreign.content.decode()
    assert RubricResult.objects.count() == before
    client.post(
        url, {"requirement": district_capstone.pk, "score": "3.5", "judged_on": "2025-05-01"}
    )
    assert RubricResult.objects.get(student=ana, requirement=district_capstone).score == 3.5

    state_capstone = next(r for r in capstones if r.requirement_set.owner.code == "columbia")
    client.post(
        reverse("graduation:alternative", args=[ana.pk]),
        {"requirement": state_capstone.pk, "name": "IB Extended Essay", "reference": "IB-1"},
    )
    assert AcceptedAlternative.objects.get(student=ana).name == "IB Extended Essay"
    with acting(world.user("counselor"), route="tests"):
        path = actions.path_to_graduation(world.user("counselor"), ana)
    assert path.progress.met  # both capstones: one judged, one by an outside credential


def test_the_api_keeps_the_record(world, client):
    client.force_login(world.user("district.admin"))
    ana = world.ana
    record = GraduationRecord.objects.get(student=ana)
    capstone = Requirement.objects.filter(requirement_set__in=record.held_to.all()).first()
    made = client.post(
        reverse("api:record_rubric_result", args=[ana.pk]),
        json.dumps({"requirement_id": capstone.pk, "score": 4, "judged_on": "2025-05-01"}),
        content_type="application/json",
    )
    assert made.status_code == 201
    assert RubricResult.objects.get(pk=made.json()["id"]).requirement == capstone
    again = client.post(
        reverse("api:enter_high_school", args=[ana.pk]),
        json.dumps({"entered_on": "2023-08-20"}),
        content_type="application/json",
    )
    assert again.status_code == 400
    assert "entry to high school is recorded" in again.json()["detail"]
    lakeside = Requirement.objects.get(requirement_set__owner__code="lakeside")
    foreign = client.post(
        reverse("api:accept_alternative", args=[ana.pk]),
        json.dumps({"requirement_id": lakeside.pk, "name": "Badge"}),
        content_type="application/json",
    )
    assert foreign.status_code == 400
    assert foreign.json()["errors"][0]["path"] == "$.requirement_id"
    assert not AcceptedAlternative.objects.filter(student=ana).exists()


def test_the_student_opts_into_a_newer_version_and_the_family_may_not(world, client):
    riverbend = world.org("riverbend")
    with acting(None, route="tests"):
        newer = actions.define_requirement_set(
            policy.SYSTEM,
            riverbend,
            title="Riverbend requirements, second version",
            first_cohort=2028,
            in_force_from=dt.date(2024, 1, 1),
            requirements=[{"key": "c", "title": "Defense", "kind": "rubric", "minimum_score": 2}],
        )
    client.force_login(world.user("garcia.family"))
    family = client.get(reverse("graduation:mine")).content.decode()
    assert "Opt into the newer requirements" not in family
    client.post(reverse("graduation:opt_in", args=[world.ana.pk]), {"requirement_set": newer.pk})
    assert newer not in GraduationRecord.objects.get(student=world.ana).held_to.all()

    client.force_login(world.user("ana"))
    mine = client.get(reverse("graduation:mine")).content.decode()
    assert "Opt into the newer requirements" in mine
    assert "Riverbend requirements, second version (v2)" in mine
    done = client.post(
        reverse("graduation:opt_in", args=[world.ana.pk]),
        {"requirement_set": newer.pk, "next": "mine"},
    )
    assert done["Location"] == reverse("graduation:mine")
    held = GraduationRecord.objects.get(student=world.ana).held_to.all()
    assert newer in held
    assert not held.filter(owner=riverbend, version=1).exists()


def test_a_guardian_reaches_the_childs_transcript_from_the_navigation(world, client):
    client.force_login(world.user("garcia.family"))
    home = client.get(reverse("graduation:mine")).content.decode()
    assert "My child&#x27;s transcript" in home or "My child's transcript" in home
    assert reverse("transcripts:mine") in home
    answer = client.get(reverse("transcripts:mine"))
    assert answer["Location"] == reverse("transcripts:student", args=[world.ana.pk])
    # A teacher has no such link, and the route has no transcript for them.
    client.force_login(world.user("rivera"))
    assert "My child" not in client.get(reverse("graduation:caseload")).content.decode()
    assert client.get(reverse("transcripts:mine")).status_code == 404

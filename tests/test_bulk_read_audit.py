"""Reads of many students at once are audited per student, with the purpose.

Each page, export or API call that shows named students to someone else writes one access
entry per student shown, and that entry is what the student's and the guardian's "who
viewed my record" page lists.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from proficio import policy
from proficio.audit.models import AuditEntry
from proficio.classroom.models import GroupSet, ScoringTask
from proficio.orgs.models import Student, active_on


def _readers(student, purpose):
    return set(
        AuditEntry.objects.filter(student_id=student.pk, action="read", purpose=purpose)
        .values_list("actor_name", flat=True)
        .distinct()
    )


def _roster(section):
    from django.utils import timezone

    return list(
        Student.objects.filter(enrollments__section=section)
        .filter(active_on(timezone.localdate(), "enrollments__"))
        .distinct()
    )


def _section_url(name, world, *more):
    return reverse(name, args=[world.rivera_section.pk, *more])


CLASS_PAGES = [
    ("classroom:grid", "class grid", lambda w: []),
    ("classroom:grid_csv", "class grid export", lambda w: []),
    (
        "classroom:scoring",
        "scoring sheet",
        lambda w: [ScoringTask.objects.get(title="World task").pk],
    ),
    (
        "classroom:group_set",
        "saved groups",
        lambda w: [GroupSet.objects.get(title="World groups").pk],
    ),
    ("web:section_detail", "class roster", lambda w: []),
]


@pytest.mark.parametrize(("route", "purpose", "more"), CLASS_PAGES)
def test_each_class_page_audits_every_student_it_shows(world, client, route, purpose, more):
    client.force_login(world.user("rivera"))
    if route == "web:section_detail":
        url = reverse(route, args=[world.rivera_section.pk])
    else:
        url = _section_url(route, world, *more(world))
    before = AuditEntry.objects.filter(purpose=purpose).count()
    response = client.get(url)
    assert response.status_code == 200
    shown = _roster(world.rivera_section)
    if route == "classroom:group_set":
        shown = [m.student for m in GroupSet.objects.get(title="World groups").members.all()]
    written = AuditEntry.objects.filter(purpose=purpose).count() - before
    assert written == len({s.pk for s in shown}) > 0
    for student in shown:
        assert "rivera" in _readers(student, purpose)
    body = response.content.decode()
    assert world.ana.legal_family_name in body


def test_the_flexible_groups_read_is_audited_per_student(world, client):
    client.force_login(world.user("rivera"))
    target = world.target("MATH.1.2")
    response = client.get(
        reverse("classroom:groups", args=[world.rivera_section.pk]), {"target": target.pk}
    )
    assert response.status_code == 200
    for student in _roster(world.rivera_section):
        assert "rivera" in _readers(student, "flexible groups")


def test_a_section_roster_lists_each_student_once(world, client):
    client.force_login(world.user("rivera"))
    response = client.get(reverse("web:section_detail", args=[world.rivera_section.pk]))
    roster = response.context["roster"]
    assert len(roster) == len({s.pk for s in roster}) == len(_roster(world.rivera_section))


def test_student_search_and_list_are_audited(world, client):
    client.force_login(world.user("principal"))
    client.get(reverse("web:student_list"), {"q": world.ana.legal_family_name})
    assert "principal" in _readers(world.ana, "student search")
    client.get(reverse("web:student_list"))
    assert AuditEntry.objects.filter(actor_name="principal", purpose="student list").count() == min(
        50, policy.visible(world.user("principal"), policy.Subject.STUDENT).count()
    )


def test_the_caseload_is_audited(world, client):
    client.force_login(world.user("counselor"))
    response = client.get(reverse("web:role_home", args=["advisor"]))
    caseload = response.context["caseload"]
    assert caseload
    assert len(caseload) == len({s.pk for s in caseload})
    for student in caseload:
        assert "counselor" in _readers(student, "caseload")


def test_the_api_student_list_is_audited(world, client):
    client.force_login(world.user("principal"))
    response = client.get("/api/v1/students", {"limit": 5})
    ids = [row["id"] for row in response.json()]
    assert len(ids) == 5
    audited = set(
        AuditEntry.objects.filter(purpose="api: student list", actor_name="principal").values_list(
            "student_id", flat=True
        )
    )
    assert audited == set(ids)


def test_the_off_pace_and_support_lists_are_audited(world, client):
    from tests.world_pace import add_pace_evidence

    add_pace_evidence()
    client.force_login(world.user("district.admin"))
    response = client.get(reverse("insights:dashboard", args=[world.org("riverbend").pk]))
    behind = [row.student for row in response.context["off_pace"]]
    assert behind
    for student in behind:
        assert "district.admin" in _readers(student, "off-pace list")
    client.force_login(world.user("counselor"))
    response = client.get(reverse("pace:supports"))
    flagged = {row["flag"].student_id for row in response.context["rows"]}
    assert flagged
    audited = set(
        AuditEntry.objects.filter(purpose="support list", actor_name="counselor").values_list(
            "student_id", flat=True
        )
    )
    assert flagged <= audited


def test_the_student_and_guardian_see_the_class_grid_read(world, client):
    client.force_login(world.user("rivera"))
    client.get(reverse("classroom:grid", args=[world.rivera_section.pk]))
    for viewer in ("ana", "garcia.family"):
        client.force_login(world.user(viewer))
        page = client.get(reverse("web:student_access", args=[world.ana.pk]))
        assert page.status_code == 200
        body = page.content.decode()
        assert "class grid" in body
        assert "rivera" in body or "Rivera" in body


def test_the_students_own_reads_are_not_listed(world, client):
    client.force_login(world.user("ana"))
    before = AuditEntry.objects.filter(student_id=world.ana.pk).count()
    client.get(reverse("web:student_list"))
    assert AuditEntry.objects.filter(student_id=world.ana.pk).count() == before

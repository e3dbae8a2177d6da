"""A student who is not on the class roster: the scoring autosave answers 404, names no
one, saves nothing and audits no read, whoever the student is (the same school, another
school, another district) and whatever the id is (no student at all, not a number)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from proficio import policy
from proficio.audit.models import AuditEntry
from proficio.classroom.models import ScoringTask
from proficio.orgs.models import Student, active_on
from proficio.policy import Subject
from tests import leaks

SAVED = (
    "classroom.TaskScore",
    "classroom.TaskStudent",
    "evidence.Evidence",
    "evidence.EvidenceScore",
    "mastery.Determination",
)


def _counts() -> dict[str, int]:
    return {label: apps.get_model(label)._default_manager.count() for label in SAVED}


def _outsiders(world) -> dict[str, Student]:
    """Maple students off Ms. Rivera's roster: one she may see (in another class of hers,
    if any) and one she may not; and the other school's and district's students."""
    section = world.rivera_section
    on_roster = Student.objects.filter(enrollments__section=section).filter(
        active_on(timezone.localdate(), "enrollments__")
    )
    off = Student.objects.filter(school=section.school).exclude(pk__in=on_roster.values("pk"))
    seen = policy.visible(world.user("rivera"), Subject.STUDENT).values("pk")
    found = {
        "Maple, hidden from her": off.exclude(pk__in=seen).order_by("pk").first(),
        "Maple, one she sees": off.filter(pk__in=seen).order_by("pk").first(),
        "Cedar": world.cedar_kid,
        "Lakeside": world.lake_kid,
    }
    return {label: s for label, s in found.items() if s is not None}


def test_the_world_has_a_maple_student_off_the_roster_she_may_not_see(world):
    assert "Maple, hidden from her" in _outsiders(world)


@pytest.mark.parametrize("route", ["classroom:score", "classroom:task_student"])
def test_a_student_off_the_roster_is_not_found_and_not_named(world, client, route):
    section = world.rivera_section
    task = ScoringTask.objects.get(title="World task")
    criterion = task.rubric.criteria.order_by("position", "pk").first()
    client.force_login(world.user("rivera"))
    url = reverse(route, args=[section.pk, task.pk])
    every_name = {n for s in Student.objects.all() for n in leaks.student_names(s)}
    anyone = leaks.Forbidden(frozenset(every_name))
    ids: dict[str, object] = {label: s.pk for label, s in _outsiders(world).items()}
    ids |= {"no such student": 99_999_999, "not a number": "Ana", "empty": ""}
    for label, student_id in ids.items():
        before, reads = _counts(), AuditEntry.objects.filter(action="read").count()
        response = client.post(
            url,
            {
                "student": student_id,
                "criterion": criterion.pk,
                "score": "3",
                "attendance": "absent",
                "comment": "Away",
                "version": "0",
            },
        )
        assert response.status_code == 404, label
        text = leaks.response_text(response)
        assert anyone.found_in(text) == [], f"{label}: {anyone.found_in(text)}"
        assert _counts() == before, label
        assert AuditEntry.objects.filter(action="read").count() == reads, label


def test_a_student_on_the_roster_is_saved_and_named(world, client):
    """The same request for a student of the class: saved, and the answer names her (so
    the refusals above are not vacuous)."""
    section = world.rivera_section
    task = ScoringTask.objects.get(title="World task")
    criterion = task.rubric.criteria.order_by("position", "pk").first()
    client.force_login(world.user("rivera"))
    before = _counts()
    response = client.post(
        reverse("classroom:score", args=[section.pk, task.pk]),
        {"student": world.ben.pk, "criterion": criterion.pk, "score": "3", "version": "0"},
    )
    assert response.status_code == 200
    assert world.ben.display_name in response.content.decode()
    assert _counts()["classroom.TaskScore"] == before["classroom.TaskScore"] + 1

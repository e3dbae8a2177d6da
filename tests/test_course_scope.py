"""Courses scope the work: a course names its competencies by CASE identifier; a class
shows only that scope (mathematics in Ms. Rivera's grid, science in a science class),
with a deliberate way to widen; bad identifiers are refused on the field."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from proficio.classroom import grid
from proficio.frameworks.models import Item, ItemKind
from proficio.orgs import actions as orgs
from proficio.orgs.models import Enrollment, Section, active_on
from proficio.policy import SYSTEM


def _codes(section: Section, **kw) -> set[str]:
    return {c.competency.human_coding_scheme for c in grid.section_columns(section, **kw)}


def test_the_mathematics_class_shows_only_mathematics(world, client):
    section = world.rivera_section
    assert section.course.competencies  # the demo names the course's competencies
    codes = _codes(section)
    assert codes == {"MATH.1", "MATH.2", "MATH.3", "MATH.4"}
    widened = _codes(section, widen=True)
    assert {"WRIT.1", "HAB.1", "SCI.PS.1"} <= widened


def test_a_science_class_shows_science_targets(world, client):
    science = Section.objects.filter(
        school=world.rivera_section.school, course__code="SCI-7"
    ).first()
    assert science is not None
    codes = _codes(science)
    assert codes
    assert all(code.startswith("SCI.") for code in codes)
    # The three dimensions: a practice, a crosscutting concept and core ideas.
    assert {"SCI.SEP.1", "SCI.CCC.1", "SCI.PS.1", "SCI.LS.1", "SCI.ESS.1"} <= codes
    teacher = science.staff.first().user
    client.force_login(teacher)
    page = client.get(reverse("classroom:grid", args=[science.pk])).content.decode()
    headers = re.findall(r'<th scope="col" class="tcode"><abbr[^>]*>([^<]+)</abbr>', page)
    assert headers
    assert all(h.startswith("SCI.") for h in headers)


def test_an_unknown_case_identifier_is_refused_on_its_field(world):
    course = world.rivera_section.course
    before = list(course.competencies)
    math1 = Item.objects.get(
        human_coding_scheme="MATH.1", kind=ItemKind.COMPETENCY, framework__owner__code="riverbend"
    )
    unknown = str(uuid.uuid4())
    with pytest.raises(ValidationError) as exc:
        orgs.set_course_scope(SYSTEM, course, [str(math1.identifier), unknown, "MATH.2"])
    messages = exc.value.message_dict["competencies"]
    assert any(unknown in m and "Line 2" in m for m in messages)
    assert any("MATH.2" in m and "Line 3" in m and "not a CASE identifier" in m for m in messages)
    course.refresh_from_db()
    assert course.competencies == before  # nothing half-saved
    # A learning target is not a competency either.
    target = Item.objects.filter(kind=ItemKind.TARGET).first()
    with pytest.raises(ValidationError):
        orgs.set_course_scope(SYSTEM, course, [str(target.identifier)])


def test_a_teacher_cannot_change_a_course_scope(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        orgs.set_course_scope(world.user("rivera"), world.rivera_section.course, [])


def test_the_section_roster_lists_each_student_once(world, client):
    section = world.rivera_section
    today = timezone.localdate()
    enrolled = (
        Enrollment.objects.filter(section=section)
        .filter(active_on(today))
        .values("student")
        .distinct()
        .count()
    )
    assert enrolled > 1
    client.force_login(world.user("rivera"))
    page = client.get(reverse("web:section_detail", args=[section.pk])).content.decode()
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r'<tr><th scope="row"><a href="/students/(\d+)/">', table)
    assert len(rows) == enrolled
    assert len(set(rows)) == len(rows)

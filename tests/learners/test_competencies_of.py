"""The batched standings read (``learners.reports.competencies_of``) says, for each student,
exactly what the single read (``competencies``) says, and what the implementation before
either (``tests/learners/reference_competencies.py``) said; and it reads the database a
fixed number of times however many students it is given."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.audit.context import acting
from proficio.evidence import actions as evidence_actions
from proficio.evidence.models import EvidenceKind
from proficio.frameworks import definitions
from proficio.learners import reports
from proficio.mastery import actions as mastery_actions
from proficio.orgs import actions as orgs
from proficio.orgs.models import Student
from proficio.policy import SYSTEM
from tests.learners.reference_competencies import competencies as reference
from tests.learners.test_competencies_reference import _picture
from tests.test_continuum_consistency import history

__all__ = ["history"]

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def _new_student(school: Any, *, grade: str = "7") -> Student:
    n = next(_serial)
    return orgs.add_student(
        SYSTEM,
        school=school,
        local_id=f"CO{n}",
        legal_given_name=f"Batch{n}",
        legal_family_name="Student",
        grade_level=grade,
        birth_date=dt.date(2013, 1, 1),
    )


def _varied(world: Any, students: list[Student]) -> list[Student]:
    """The history's students, with what makes one record unlike another: overrides (one
    withdrawn, one replaced by a newer one), self-assessments, a student in no class
    today, a student of another school, and one of another district."""
    leader = world.user("district.admin")
    with acting(None, route="tests: batched competencies"):
        for k, student in enumerate(students[:6]):
            target = world.target(("MATH.1.1", "MATH.1.2", "MATH.1.3")[k % 3])
            if student.school_id != world.ana.school_id:
                continue
            first = mastery_actions.override_determination(
                leader,
                student,
                target,
                level_value=float(1 + k % 4),
                rationale="Shown in a conference the record does not hold.",
            )
            if k % 2:
                mastery_actions.withdraw_override(leader, first)
            else:
                mastery_actions.override_determination(
                    leader,
                    student,
                    target,
                    level_value=float(4 - k % 4),
                    rationale="A second conference, later, showed more than the first.",
                )
            evidence_actions.record_evidence(
                leader,
                student=student,
                kind=EvidenceKind.SELF_ASSESSMENT,
                title="How I think I am doing",
                assessed_at=timezone.now() - dt.timedelta(days=k + 1),
                scores=[evidence_actions.ScoreInput(world.target("MATH.1.2"), float(1 + k % 4))],
            )
        unenrolled = _new_student(world.ana.school)
    return [
        *students,
        world.ana,
        world.ben,
        world.cedar_kid,
        world.lake_kid,
        Student.objects.select_related("school").get(pk=unenrolled.pk),
    ]


def test_the_batched_read_says_what_each_single_read_says(history, world):
    _district, students = history
    students = _varied(world, students[:16])
    since = timezone.now() - dt.timedelta(days=60)
    compared = 0
    for language in ("en", "es"):
        with translation.override(language):
            for moment in (None, since):
                with definitions.request_scope():
                    batched = reports.competencies_of(students, since=moment)
                assert set(batched) == {s.pk for s in students}
                for student in students:
                    with definitions.request_scope():
                        single = reports.competencies(student, since=moment)
                    with definitions.request_scope():
                        before = reference(student, since=moment)
                    assert _picture(*batched[student.pk]) == _picture(*single), student.pk
                    assert _picture(*batched[student.pk]) == _picture(*before), student.pk
                    compared += 1
    assert compared == 4 * len(students)
    # The comparison is not empty: standings, overrides, self-assessments, changes since
    # the moment, a student in no class (nothing to suggest) and one in another district.
    with definitions.request_scope():
        found = reports.competencies_of(students, since=since)
    rows = [r for rows, _ in found.values() for r in rows]
    assert any(r.level_now is not None for r in rows)
    assert any(t.self_label for r in rows for t in r.targets)
    assert any(r.changed for r in rows)
    assert any(not suggested for _, suggested in found.values())
    assert any(suggested for _, suggested in found.values())
    frameworks = {r.competency.framework_id for r in rows}
    assert len(frameworks) >= 2


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(picks=st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=10))
def test_any_batch_in_any_order_gives_each_student_their_own_read(history, world, picks):
    """Which students share a batch, and in which order (a student twice included), does
    not change what any one of them is told."""
    _district, students = history
    pool = [*students[:8], world.ana, world.lake_kid]
    chosen = [pool[i] for i in picks]
    with definitions.request_scope():
        batched = reports.competencies_of(chosen)
    for student in chosen:
        with definitions.request_scope():
            single = reports.competencies(student)
        assert _picture(*batched[student.pk]) == _picture(*single), student.pk


def _queries(students: list[Student]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        reports.competencies_of(students)
    return len(ctx.captured_queries)


def test_the_batched_read_takes_the_same_queries_for_one_student_or_many(world):
    """Students of one school in the same class, each with evidence: the read for one of
    them, three or twelve takes the same number of queries (a student of another school or
    in other classes adds one read of their targets; tested apart)."""
    section = world.rivera_section
    targets = [world.target("MATH.1.1"), world.target("MATH.1.2")]
    made = []
    with acting(None, route="tests: batched competencies"):
        for k in range(12):
            student = _new_student(section.school)
            orgs.enroll(
                SYSTEM, student=student, section=section, start_date=section.term.start_date
            )
            evidence_actions.record_evidence(
                SYSTEM,
                student=student,
                kind="quiz",
                title=f"Batch quiz {k}",
                assessed_at=timezone.now() - dt.timedelta(days=1),
                scores=[evidence_actions.ScoreInput(t, 2 + k % 3) for t in targets],
            )
            if k % 3 == 0:
                evidence_actions.record_evidence(
                    SYSTEM,
                    student=student,
                    kind=EvidenceKind.SELF_ASSESSMENT,
                    title="How I think I am doing",
                    assessed_at=timezone.now() - dt.timedelta(hours=2),
                    scores=[evidence_actions.ScoreInput(targets[0], 3.0)],
                )
            made.append(student)
    students = list(Student.objects.filter(pk__in=[s.pk for s in made]).select_related("school"))
    with definitions.request_scope():
        reports.competencies_of(students)  # the definitions, read once for the request
        one, three, twelve = _queries(students[:1]), _queries(students[:3]), _queries(students)
    assert one == three == twelve
    # Each student's own record is in the read (not an empty answer).
    with definitions.request_scope():
        found = reports.competencies_of(students)
    assert all(
        any(t.status != "not_assessed" for r in rows for t in r.targets)
        for rows, _ in found.values()
    )
    # Another school's student adds the read of their school's targets, and only that.
    with definitions.request_scope():
        reports.competencies_of([*students, world.cedar_kid])
        mixed = _queries([*students, world.cedar_kid])
    assert mixed <= twelve + 1

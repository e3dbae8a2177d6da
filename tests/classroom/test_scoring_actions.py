"""Whole-class scoring actions: scores become evidence and determinations; bad input and
stale pages are refused with a clear message and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from proficio.audit.context import acting
from proficio.classroom import actions
from proficio.classroom.models import ScoringTask, TaskScore, TaskStudent
from proficio.evidence.models import Evidence, EvidenceScore
from proficio.frameworks.models import Rubric
from proficio.mastery.models import Determination
from proficio.policy import SYSTEM


@pytest.fixture
def task(world):
    return ScoringTask.objects.get(title="World task")


@pytest.fixture
def rivera(world):
    user = world.user("rivera")
    with acting(user, route="tests"):
        yield user


def _criteria(task):
    return list(task.rubric.criteria.order_by("position", "pk"))


def test_first_score_records_evidence_and_updates_the_determination(world, task, rivera):
    c1, c2 = _criteria(task)[:2]
    actions.set_task_score(rivera, task, student=world.ben, criterion=c1, score=3, version=0)
    actions.set_task_score(rivera, task, student=world.ben, criterion=c2, score=2, version=0)
    evidence = Evidence.objects.get(student=world.ben, title="World task")
    assert evidence.rubric_id == task.rubric_id
    assert sorted(evidence.scores.values_list("criterion_id", "score")) == sorted(
        [(c1.pk, 3.0), (c2.pk, 2.0)]
    )
    det = Determination.objects.get(student=world.ben, target=c1.item)
    assert det.evidence_count == 1
    # A change replaces the criterion's score in the same evidence, not a second piece.
    result = actions.set_task_score(
        rivera, task, student=world.ben, criterion=c1, score=4, version=1
    )
    assert result.previous == 3.0
    assert result.cell.version == 2
    assert Evidence.objects.filter(student=world.ben, title="World task").count() == 1
    assert EvidenceScore.objects.get(evidence=evidence, criterion=c1).score == 4.0
    det.refresh_from_db()
    assert det.value == 4.0 or det.explanation["used"][0]["score"] == 4.0


def test_clearing_every_score_removes_the_evidence(world, task, rivera):
    (c1,) = _criteria(task)[:1]
    actions.set_task_score(rivera, task, student=world.ben, criterion=c1, score=2, version=0)
    actions.set_task_score(rivera, task, student=world.ben, criterion=c1, score=None, version=1)
    assert not Evidence.objects.filter(student=world.ben, title="World task").exists()
    det = Determination.objects.get(student=world.ben, target=c1.item)
    assert det.evidence_count == 0


def test_a_level_outside_the_rubric_is_refused_and_nothing_saved(world, task, rivera):
    c1 = _criteria(task)[0]
    with pytest.raises(ValidationError) as exc:
        actions.set_task_score(rivera, task, student=world.ben, criterion=c1, score=7, version=0)
    message = exc.value.message_dict["score"][0]
    assert "7 is not a level" in message
    assert "1, 2, 3, 4" in message
    assert not TaskScore.objects.filter(task=task, student=world.ben).exists()
    assert not Evidence.objects.filter(student=world.ben, title="World task").exists()


def test_a_stale_version_is_refused_and_the_newer_score_kept(world, task, rivera):
    c1 = _criteria(task)[0]
    actions.set_task_score(rivera, task, student=world.ben, criterion=c1, score=3, version=0)
    with pytest.raises(actions.StaleScore) as exc:
        actions.set_task_score(rivera, task, student=world.ben, criterion=c1, score=1, version=0)
    assert exc.value.current.score == 3.0
    assert exc.value.current.version == 1
    assert TaskScore.objects.get(task=task, student=world.ben, criterion=c1).score == 3.0
    assert EvidenceScore.objects.get(student=world.ben, criterion=c1).score == 3.0


@pytest.mark.parametrize("who", ["cedar_kid", "lake_kid"])
def test_a_student_not_in_the_class_is_not_found_and_not_named(world, task, rivera, who):
    """Another school's or another district's student: 404, no name, nothing saved."""
    c1 = _criteria(task)[0]
    student = getattr(world, who)
    with pytest.raises(Http404) as exc:
        actions.set_task_score(rivera, task, student=student, criterion=c1, score=3, version=0)
    assert student.legal_family_name not in str(exc.value)
    assert student.legal_given_name not in str(exc.value)
    assert not TaskScore.objects.filter(task=task, student=student).exists()
    assert not TaskStudent.objects.filter(task=task, student=student).exists()


def test_a_criterion_of_another_rubric_is_refused(world, task, rivera):
    other = Rubric.objects.exclude(pk=task.rubric_id).first().criteria.first()
    with pytest.raises(ValidationError) as exc:
        actions.set_task_score(rivera, task, student=world.ben, criterion=other, score=3, version=0)
    assert "criterion" in exc.value.message_dict


def test_absent_and_not_attempted(world, task, rivera):
    c1 = _criteria(task)[0]
    entry = actions.set_task_student(
        SYSTEM, task, student=world.ben, version=0, attendance="absent", comment="Away on a trip"
    )
    assert entry.attendance == "absent"
    assert entry.version == 1
    with pytest.raises(ValidationError) as exc:
        actions.set_task_score(rivera, task, student=world.ben, criterion=c1, score=3, version=0)
    assert "absent" in exc.value.message_dict["score"][0].lower()
    # Back to present, scored; now "not attempted" is refused until the scores are cleared.
    actions.set_task_student(SYSTEM, task, student=world.ben, version=1, attendance="present")
    actions.set_task_score(rivera, task, student=world.ben, criterion=c1, score=3, version=0)
    with pytest.raises(ValidationError) as exc:
        actions.set_task_student(
            SYSTEM, task, student=world.ben, version=2, attendance="not_attempted"
        )
    assert "clear them first" in exc.value.message_dict["attendance"][0]
    with pytest.raises(ValidationError):
        actions.set_task_student(SYSTEM, task, student=world.ben, version=2, attendance="asleep")
    with pytest.raises(actions.StaleScore):
        actions.set_task_student(SYSTEM, task, student=world.ben, version=0, comment="late")
    # A comment reaches the evidence as feedback.
    actions.set_task_student(SYSTEM, task, student=world.ben, version=2, comment="Clear working")
    assert Evidence.objects.get(student=world.ben, title="World task").feedback == "Clear working"


def test_task_creation_checks_every_field(world, rivera):
    section = world.rivera_section
    with pytest.raises(ValidationError) as exc:
        actions.create_scoring_task(
            rivera,
            section=section,
            title=" ",
            kind="self_assessment",
            assessed_on=timezone.localdate() + dt.timedelta(days=2),
            rubric=None,
        )
    assert set(exc.value.message_dict) == {"title", "kind", "assessed_on", "rubric"}
    rubrics = actions.scorable_rubrics(section)
    assert rubrics
    assert all(r.framework.title.startswith("Riverbend") for r in rubrics)

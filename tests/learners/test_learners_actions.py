"""Goals, reflections, outside-school uploads and assess-when-ready, through the actions:
the happy paths, and every kind of bad input leaving nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from proficio.evidence import actions as evidence
from proficio.evidence.models import Evidence, EvidenceStatus
from proficio.learners import actions
from proficio.learners.models import ReassessmentRequest, RequestStatus
from proficio.mastery.models import Determination
from proficio.policy import SYSTEM

TODAY = timezone.localdate()


def _fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(exc.value.message_dict)


# --- goals and reflections ---------------------------------------------------------------


def test_a_student_sets_a_goal_and_reaches_it(world):
    goal = actions.set_goal(
        SYSTEM, student=world.ana, text="Master ratios", target_date=TODAY + dt.timedelta(days=30)
    )
    assert goal.achieved_at is None
    actions.mark_goal_achieved(SYSTEM, goal)
    assert goal.achieved_at is not None
    with pytest.raises(ValidationError) as exc:
        actions.mark_goal_achieved(SYSTEM, goal)
    assert _fields(exc) == {"goal"}


@pytest.mark.parametrize(
    ("text", "days", "field"),
    [("", 3, "text"), ("   ", 3, "text"), ("x" * 301, 3, "text"), ("ok", -1, "target_date")],
)
def test_bad_goals_name_the_field(world, text, days, field):
    with pytest.raises(ValidationError) as exc:
        actions.set_goal(
            SYSTEM, student=world.ana, text=text, target_date=TODAY + dt.timedelta(days=days)
        )
    assert _fields(exc) == {field}
    assert not world.ana.goals.exists()


def test_a_goal_needs_a_date(world):
    with pytest.raises(ValidationError) as exc:
        actions.set_goal(SYSTEM, student=world.ana, text="Read more", target_date=None)
    assert _fields(exc) == {"target_date"}


def test_a_goal_on_another_districts_target_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        actions.set_goal(
            SYSTEM,
            student=world.lake_kid,
            text="Fractions",
            target_date=TODAY,
            target=world.target("MATH.1.4"),
        )
    assert _fields(exc) == {"target"}


def test_reflections(world):
    r = actions.write_reflection(SYSTEM, student=world.ana, text="Fraction strips helped me.")
    assert r.student == world.ana
    with pytest.raises(ValidationError) as exc:
        actions.write_reflection(SYSTEM, student=world.ana, text=" ")
    assert _fields(exc) == {"text"}
    other_goal = actions.set_goal(SYSTEM, student=world.ben, text="Mine", target_date=TODAY)
    with pytest.raises(ValidationError) as exc:
        actions.write_reflection(
            SYSTEM, student=world.ana, text="About Ben's goal", goal=other_goal
        )
    assert _fields(exc) == {"goal"}


# --- learning outside school --------------------------------------------------------------


def _submit(world, **overrides):
    args = {
        "student": world.ana,
        "title": "Robotics club budget",
        "target": world.target("MATH.1.5"),
        "level": 3.0,
        "assessed_at": timezone.now() - dt.timedelta(days=2),
        "partner_organization": "Riverbend Robotics Club",
        "upload": SimpleUploadedFile("budget.txt", b"Ratios of parts to cost"),
    }
    args.update(overrides)
    return actions.submit_outside_learning(world.user("ana"), **args)


def test_outside_learning_waits_for_review_then_counts(world):
    work = _submit(world)
    assert work.status == EvidenceStatus.SUBMITTED
    assert work.kind == "extended_learning"
    assert work.submitted_by == world.user("ana")
    assert work.artifacts.get().content_type == "text/plain"
    assert not work.scores.get().counts
    assert not Determination.objects.filter(
        student=world.ana, target=world.target("MATH.1.5")
    ).exists()
    evidence.accept_evidence(world.user("rivera"), work)
    det = Determination.objects.get(student=world.ana, target=world.target("MATH.1.5"))
    assert det.evidence_count == 1


class Big:
    """An upload that says it is 21 MB (without holding 21 MB)."""

    name = "film.mp4"
    size = 21 * 1024 * 1024


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"upload": SimpleUploadedFile("game.exe", b"MZ\x90\x00\x03\xff\xfe\x00")}, "file", "type"),
        ({"upload": Big()}, "file", "larger than 20 MB"),
        ({"upload": None}, "file", "Attach a file"),
        ({"partner_organization": " "}, "partner_organization", "organization"),
        ({"target": None}, "target", "learning target"),
        ({"level": None}, "level", "level"),
        ({"level": 9.0}, "scores", "outside the scale"),
        ({"title": ""}, "title", "title"),
        ({"assessed_at": timezone.now() + dt.timedelta(days=3)}, "assessed_at", "future"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_kept(world, overrides, field, words):
    before = Evidence.objects.count()
    with pytest.raises(ValidationError) as exc:
        _submit(world, **overrides)
    assert field in exc.value.message_dict
    assert words in " ".join(exc.value.message_dict[field])
    assert Evidence.objects.count() == before


# --- assess when ready --------------------------------------------------------------------


def _ask(world, code="MATH.1.5", student=None, note="I practised with unit rates."):
    return actions.request_reassessment(
        SYSTEM, student=student or world.ana, target=world.target(code), note=note
    )


def test_a_request_for_a_target_outside_the_students_classes_is_refused(world):
    before = ReassessmentRequest.objects.filter(student=world.lake_kid).count()
    with pytest.raises(ValidationError) as exc:
        _ask(world, student=world.lake_kid)  # Lakeside's classes use no Riverbend framework
    assert _fields(exc) == {"target"}
    assert "not part of any class you are enrolled in" in exc.value.message_dict["target"][0]
    educator_target = world.educator_framework.items.filter(kind="target").first()
    with pytest.raises(ValidationError) as exc:
        actions.request_reassessment(SYSTEM, student=world.ana, target=educator_target, note="x")
    assert _fields(exc) == {"target"}
    assert ReassessmentRequest.objects.filter(student=world.lake_kid).count() == before


def test_a_student_with_no_current_class_cannot_ask(world):
    world.ana.enrollments.update(end_date=TODAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        _ask(world)
    assert _fields(exc) == {"target"}


def test_bad_requests(world):
    with pytest.raises(ValidationError) as exc:
        _ask(world, note="  ")
    assert _fields(exc) == {"note"}
    with pytest.raises(ValidationError) as exc:
        actions.request_reassessment(SYSTEM, student=world.ana, target=None, note="x")
    assert _fields(exc) == {"target"}
    _ask(world)
    with pytest.raises(ValidationError) as exc:
        _ask(world)  # one open request per target
    assert "already have an open request" in exc.value.message_dict["target"][0]


def test_schedule_then_accept_updates_the_determination(world):
    rivera = world.user("rivera")
    req = _ask(world)
    with pytest.raises(ValidationError) as exc:
        actions.schedule_reassessment(rivera, req, on=TODAY - dt.timedelta(days=1))
    assert _fields(exc) == {"scheduled_for"}
    req = actions.schedule_reassessment(rivera, req, on=TODAY, seen_status="requested")
    assert req.status == RequestStatus.SCHEDULED
    with pytest.raises(ValidationError) as exc:
        actions.accept_reassessment(rivera, req, score=None)
    assert _fields(exc) == {"score"}
    with pytest.raises(ValidationError) as exc:
        actions.accept_reassessment(rivera, req, score=7.0)  # outside the 1-4 scale
    assert "scores" in exc.value.message_dict
    req.refresh_from_db()
    assert req.status == RequestStatus.SCHEDULED
    assert req.evidence is None
    req = actions.accept_reassessment(rivera, req, score=3.0, seen_status="scheduled")
    assert req.status == RequestStatus.ACCEPTED
    assert req.evidence.scorer == rivera
    assert req.evidence.scores.get().target == world.target("MATH.1.5")
    det = Determination.objects.get(student=world.ana, target=world.target("MATH.1.5"))
    assert det.evidence_count == 1


def test_decline_needs_a_reason(world):
    req = _ask(world)
    with pytest.raises(ValidationError) as exc:
        actions.decline_reassessment(world.user("rivera"), req, reason="")
    assert _fields(exc) == {"reason"}
    req = actions.decline_reassessment(
        world.user("rivera"), req, reason="Finish the practice set first."
    )
    assert req.status == RequestStatus.DECLINED


def test_a_stale_page_cannot_decide_twice_or_over_a_newer_state(world):
    rivera = world.user("rivera")
    req = _ask(world)
    stale = ReassessmentRequest.objects.get(pk=req.pk)
    actions.schedule_reassessment(rivera, req, on=TODAY, seen_status="requested")
    # A second tab still showing "requested" tries to decline: it is told what changed.
    with pytest.raises(ValidationError) as exc:
        actions.decline_reassessment(rivera, stale, reason="No", seen_status="requested")
    assert "changed since you opened the page" in exc.value.message_dict["status"][0]
    actions.accept_reassessment(rivera, req, score=2.0)
    with pytest.raises(ValidationError) as exc:
        actions.decline_reassessment(rivera, stale, reason="No")
    assert "already decided" in exc.value.message_dict["status"][0]
    assert ReassessmentRequest.objects.get(pk=req.pk).status == RequestStatus.ACCEPTED
    assert Evidence.objects.filter(student=world.ana, title__startswith="Reassessment").count() == 1

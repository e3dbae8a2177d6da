"""The only code that writes the student's and family's side. Outside-school uploads and
reassessments reuse ``evidence.actions``, so they reach mastery the way all evidence does."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio.accounts.models import User
from proficio.evidence import actions as evidence_actions
from proficio.evidence.models import Evidence, EvidenceKind
from proficio.frameworks import definitions
from proficio.frameworks.assessable import (
    ancestor_paths,
    courses_scope_targets,
    framework_owners,
    student_scope_targets,
    why_not_assessable,
)
from proficio.frameworks.models import Framework, Item, ItemKind
from proficio.learners.models import (
    OPEN_STATUSES,
    CompetencyComment,
    FamilyReportView,
    Goal,
    ReassessmentRequest,
    Reflection,
    RequestStatus,
)
from proficio.mastery import engine
from proficio.notifications import actions as notifications
from proficio.orgs.models import Section, Student, Term, active_on
from proficio.policy import SYSTEM, Act, Actor, Subject, authorize
from proficio.retry import retry_on_conflict

MAX_NOTE = 2000


def current_sections(student: Student, today: dt.date | None = None) -> QuerySet[Section]:
    """The sections the student is enrolled in today."""
    return _sections_of([student.pk], today)


def _sections_of(student_ids: Sequence[int], today: dt.date | None) -> QuerySet[Section]:
    """The sections any of the students is enrolled in today (``enrollments`` filtered in
    one call, so reading ``enrollments__student_id`` after it names the enrolled student)."""
    day = today or timezone.localdate()
    return Section.objects.filter(
        active_on(day, "enrollments__"), enrollments__student_id__in=student_ids
    ).distinct()


def requests_to_decide(user: Any) -> QuerySet[ReassessmentRequest]:
    """The teacher's queue of requests: open ones (waiting or scheduled) from the students
    the policy lets ``user`` reassess (those of the sections they teach now)."""
    from proficio import policy

    return policy.visible(user, Subject.REASSESSMENT, Act.CHANGE).filter(status__in=OPEN_STATUSES)


def work_to_review(user: Any) -> QuerySet[Evidence]:
    """Work a student submitted (from outside school, or returned work sent again) that
    waits for ``user``'s review: the students the policy lets ``user`` change."""
    from proficio import policy
    from proficio.evidence.models import EvidenceStatus

    students = policy.visible(user, Subject.STUDENT, Act.CHANGE)
    return Evidence.objects.filter(student__in=students, status=EvidenceStatus.SUBMITTED)


# A goal not yet reached shows as due on the student's home this long before its date.
GOAL_DUE_WINDOW = dt.timedelta(days=14)


def _due(today: dt.date) -> Q:
    return Q(achieved_at__isnull=True, target_date__lte=today + GOAL_DUE_WINDOW)


def goals_due(student: Student, today: dt.date) -> QuerySet[Goal]:
    """The student's goals not reached yet whose date is past or within the window."""
    return Goal.objects.filter(_due(today), student=student).order_by("target_date", "pk")


def goals_marked_due(student: Student, today: dt.date) -> list[Goal]:
    """All the student's goals, in their usual order, each with ``is_due`` set by the rule
    of :func:`goals_due`: the student's home lists them and counts the ones due in one
    read."""
    return list(
        Goal.objects.filter(student=student).annotate(
            is_due=ExpressionWrapper(_due(today), output_field=BooleanField())
        )
    )


def reassessable_targets(student: Student, today: dt.date | None = None) -> QuerySet[Item]:
    """Targets the student may ask to be reassessed on: the course scope of the classes
    they are enrolled in today (within the one rule, ``frameworks.assessable``), since a
    class's teacher is who reassesses."""
    sections = current_sections(student, today)
    if not sections.exists():
        return Item.objects.none()
    return student_scope_targets(student, sections)


def reassessable_targets_of(
    students: Sequence[Student], today: dt.date | None = None
) -> dict[int, dict[int, int]]:
    """:func:`reassessable_targets` for many students (student id → target id → its
    framework id, shared: read it, never change it): one read of their current classes'
    courses, then the targets of each distinct school and set of courses, from the
    definitions cache (the scope reads definitions and the school's place among the
    organizations, which never changes, as ``frameworks.assessable.assessable_ids``)."""
    courses: dict[int, set[tuple[str, ...]]] = defaultdict(set)
    for student_id, competencies in _sections_of([s.pk for s in students], today).values_list(
        "enrollments__student_id", "course__competencies"
    ):
        courses[student_id].add(tuple(competencies or ()))
    out: dict[int, dict[int, int]] = {}
    for student in students:
        if student.pk not in courses:  # in no class today
            out[student.pk] = {}
            continue
        key = ("course-scope", student.school_id, frozenset(courses[student.pk]))

        def load(student: Student = student, key: Any = key) -> dict[int, int]:
            scope = courses_scope_targets(student.school, [list(c) for c in key[2]])
            return dict(scope.values_list("pk", "framework_id"))

        out[student.pk] = definitions.cached(key, load)
    return out


def _clean_text(value: str, field: str, empty: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: empty})
    if len(text) > limit:
        raise ValidationError({field: _("Keep it under %(n)s characters.") % {"n": limit}})
    return text


@transaction.atomic
def set_goal(
    actor: Actor,
    *,
    student: Student,
    text: str,
    target_date: dt.date | None,
    target: Item | None = None,
) -> Goal:
    authorize(actor, Act.CHANGE, Subject.OWN_LEARNING, student)
    text = _clean_text(text, "text", _("Write your goal."), 300)
    if target_date is None:
        raise ValidationError({"target_date": _("Choose the date you aim to reach it by.")})
    if target_date < timezone.localdate():
        raise ValidationError({"target_date": _("Choose a date from today on.")})
    if target_date > timezone.localdate() + dt.timedelta(days=5 * 366):
        raise ValidationError({"target_date": _("Choose a date within the next five years.")})
    if target is not None and why_not_assessable(student.school, target):
        raise ValidationError({"target": _("Choose one of your own learning targets.")})
    return Goal.objects.create(student=student, text=text, target_date=target_date, target=target)


@transaction.atomic
def mark_goal_achieved(actor: Actor, goal: Goal) -> Goal:
    authorize(actor, Act.CHANGE, Subject.OWN_LEARNING, goal.student)
    if goal.achieved_at is not None:
        raise ValidationError({"goal": _("You already marked this goal as reached.")})
    goal.achieved_at = timezone.now()
    goal.save()
    return goal


@transaction.atomic
def write_reflection(
    actor: Actor, *, student: Student, text: str, goal: Goal | None = None
) -> Reflection:
    authorize(actor, Act.CHANGE, Subject.OWN_LEARNING, student)
    text = _clean_text(text, "text", _("Write your reflection."), MAX_NOTE)
    if goal is not None and goal.student_id != student.pk:
        raise ValidationError({"goal": _("Choose one of your own goals.")})
    return Reflection.objects.create(student=student, text=text, goal=goal)


@transaction.atomic
def submit_outside_learning(
    actor: Actor,
    *,
    student: Student,
    title: str,
    target: Item | None,
    level: float | None,
    assessed_at: dt.datetime,
    partner_organization: str,
    description: str = "",
    verifier: str = "",
    upload: Any = None,
    url: str = "",
) -> Evidence:
    """Learning outside school, submitted by the student. It waits for an educator's review
    (``evidence.actions.accept_evidence`` / ``return_evidence``) before it counts. The file
    is checked by size and content; on any problem nothing is kept."""
    authorize(actor, Act.CHANGE, Subject.OWN_LEARNING, student)
    if target is None:
        raise ValidationError({"target": _("Choose the learning target this shows.")})
    if level is None:
        raise ValidationError({"level": _("Choose the level you think this shows.")})
    if upload is None and not url:
        raise ValidationError({"file": _("Attach a file or give a link that shows the learning.")})
    evidence = evidence_actions.record_evidence(
        actor,
        student=student,
        kind=EvidenceKind.EXTENDED_LEARNING,
        title=title,
        description=description,
        assessed_at=assessed_at,
        scores=[evidence_actions.ScoreInput(target, level)],
        partner_organization=partner_organization,
        verifier=verifier,
        submitted_by_student=True,
        upload=upload,
        url=url,
    )
    return evidence


def why_not_reassessable(student: Student, target: Item) -> str | None:
    if not reassessable_targets(student).filter(pk=target.pk).exists():
        return _(
            "%(target)s is not part of any class you are enrolled in, so no teacher can "
            "reassess you on it. Choose a target from your classes."
        ) % {"target": target}
    return None


@transaction.atomic
def request_reassessment(
    actor: Actor, *, student: Student, target: Item | None, note: str
) -> ReassessmentRequest:
    authorize(actor, Act.CHANGE, Subject.OWN_LEARNING, student)
    if target is None:
        raise ValidationError({"target": _("Choose the learning target to be reassessed on.")})
    why = why_not_reassessable(student, target)
    if why:
        raise ValidationError({"target": why})
    note = _clean_text(
        note, "note", _("Say what you did to get ready, so your teacher can plan."), MAX_NOTE
    )
    if ReassessmentRequest.objects.filter(
        student=student, target=target, status__in=OPEN_STATUSES
    ).exists():
        raise ValidationError(
            {"target": _("You already have an open request for %(target)s.") % {"target": target}}
        )
    return ReassessmentRequest.objects.create(student=student, target=target, note=note)


def _person(actor: Actor) -> User | None:
    return None if actor is SYSTEM else actor


def _lock_open(request: ReassessmentRequest, seen_status: str | None) -> ReassessmentRequest:
    """The request as stored now; refuse if it was decided, or changed since the page showed it."""
    current = ReassessmentRequest.objects.select_for_update().get(pk=request.pk)
    if not current.is_open:
        raise ValidationError(
            {
                "status": _("This request was already decided (%(status)s).")
                % {"status": current.get_status_display()}
            }
        )
    if seen_status is not None and seen_status != current.status:
        raise ValidationError(
            {
                "status": _(
                    "This request changed since you opened the page (now: %(status)s). "
                    "Look again before deciding."
                )
                % {"status": current.get_status_display()}
            }
        )
    current.student = request.student
    return current


@transaction.atomic
def schedule_reassessment(
    actor: Actor,
    request: ReassessmentRequest,
    *,
    on: dt.date | None,
    seen_status: str | None = None,
) -> ReassessmentRequest:
    authorize(actor, Act.CHANGE, Subject.REASSESSMENT, request)
    current = _lock_open(request, seen_status)
    if on is None:
        raise ValidationError({"scheduled_for": _("Choose the day of the reassessment.")})
    if on < timezone.localdate():
        raise ValidationError({"scheduled_for": _("Choose a day from today on.")})
    current.status = RequestStatus.SCHEDULED
    current.scheduled_for = on
    current.decided_by = _person(actor)
    current.save()
    notifications.reassessment_decided(actor, current)
    return current


@transaction.atomic
def decline_reassessment(
    actor: Actor, request: ReassessmentRequest, *, reason: str, seen_status: str | None = None
) -> ReassessmentRequest:
    authorize(actor, Act.CHANGE, Subject.REASSESSMENT, request)
    current = _lock_open(request, seen_status)
    current.reason = _clean_text(
        reason, "reason", _("Tell the student why, and what to do first."), MAX_NOTE
    )
    current.status = RequestStatus.DECLINED
    current.decided_by = _person(actor)
    current.save()
    notifications.reassessment_decided(actor, current)
    return current


@retry_on_conflict
@transaction.atomic
def accept_reassessment(
    actor: Actor,
    request: ReassessmentRequest,
    *,
    score: float | None,
    assessed_at: dt.datetime | None = None,
    feedback: str = "",
    seen_status: str | None = None,
) -> ReassessmentRequest:
    """Record the reassessment's result as evidence (a performance task on the target); it
    updates the determination at once."""
    authorize(actor, Act.CHANGE, Subject.REASSESSMENT, request)
    current = _lock_open(request, seen_status)
    if score is None:
        raise ValidationError({"score": _("Give the level the student showed.")})
    target = Item.objects.select_related("framework").get(pk=current.target_id)
    evidence = evidence_actions.record_evidence(
        actor,
        student=current.student,
        kind=EvidenceKind.PERFORMANCE_TASK,
        title=_("Reassessment: %(target)s") % {"target": target.human_coding_scheme or target},
        assessed_at=assessed_at or timezone.now(),
        scores=[evidence_actions.ScoreInput(target, score)],
        feedback=feedback,
    )
    current.status = RequestStatus.ACCEPTED
    current.decided_by = _person(actor)
    current.evidence = evidence
    current.save()
    notifications.reassessment_decided(actor, current)
    return current


@transaction.atomic
def note_family_report(
    actor: Actor, *, student: Student, compared_with: dt.datetime | None
) -> FamilyReportView:
    """Remember that the guardian read the report now (the next one compares with it)."""
    authorize(actor, Act.VIEW, Subject.FAMILY_REPORT, student)
    return FamilyReportView.objects.create(
        guardian=actor, student=student, at=timezone.now(), compared_with=compared_with
    )


def scale_levels(target: Item) -> list[Any]:
    scale = engine.scale_for(target)
    return list(scale.levels.all()) if scale is not None else []


# --- teachers' comments per competency, for the family report ---------------------------

MAX_COMMENT = 1000


def reporting_periods(student: Student) -> QuerySet[Term]:
    """The terms of the student's district (its reporting periods), oldest first."""
    return Term.objects.filter(year__district__path__in=ancestor_paths(student.school)).order_by(
        "start_date", "pk"
    )


def reporting_period(student: Student, on: dt.date | None = None) -> Term | None:
    """The reporting period a report made on ``on`` covers: the term it falls in, else the
    latest one begun by then (between terms), else None."""
    day = on or timezone.localdate()
    begun = list(reporting_periods(student).filter(start_date__lte=day))  # one query
    current = [term for term in begun if term.end_date >= day]
    chosen = current or begun
    return chosen[-1] if chosen else None


@transaction.atomic
def set_competency_comments(
    actor: Actor, *, student: Student, term: Term, comments: dict[Item, str]
) -> list[CompetencyComment]:
    """Write the teacher's comments on the student's competencies for one reporting
    period, all or nothing. An empty text removes that competency's comment. Returns the
    comments kept."""
    authorize(actor, Act.CHANGE, Subject.STUDENT, student)
    errors: dict[str, list[str]] = {}
    if not reporting_periods(student).filter(pk=term.pk).exists():
        errors["term"] = [_("Choose a reporting period of the student's district.")]
    allowed = set(
        Item.objects.filter(
            kind=ItemKind.COMPETENCY,
            framework__in=Framework.objects.filter(framework_owners(student.school)),
            pk__in=[c.pk for c in comments],
        ).values_list("pk", flat=True)
    )
    cleaned: dict[Item, str] = {}
    for competency, text in comments.items():
        field = f"comment_{competency.pk}"
        text = (text or "").strip()
        if competency.pk not in allowed:
            errors.setdefault(field, []).append(
                _("Choose a competency of the student's frameworks.")
            )
        elif len(text) > MAX_COMMENT:
            errors.setdefault(field, []).append(
                _("Keep the comment to %(n)s characters (it has %(has)s).")
                % {"n": MAX_COMMENT, "has": len(text)}
            )
        cleaned[competency] = text
    if errors:
        raise ValidationError(errors)
    kept = []
    author = None if actor is SYSTEM else actor
    for competency, text in cleaned.items():
        found = CompetencyComment.objects.filter(
            student=student, competency=competency, term=term
        ).first()
        if not text:
            if found is not None:
                found.delete()
            continue
        if found is None:
            found = CompetencyComment(student=student, competency=competency, term=term)
        elif found.text == text:
            kept.append(found)
            continue
        found.text = text
        found.author = author
        found.save()
        kept.append(found)
    return kept


def comments_for(student: Student, term: Term | None) -> dict[int, CompetencyComment]:
    """The student's comments of one reporting period, by competency id."""
    if term is None:
        return {}
    return {
        c.competency_id: c
        for c in CompetencyComment.objects.filter(student=student, term=term).select_related(
            "author", "term"
        )
    }

"""The student's home and its forms, the teacher's queue, and the family report.

Views parse, ask the policy, call an action and render. A student reaches only their own
record (``Subject.OWN_LEARNING``); a teacher the requests and uploads of the students in
the sections they teach now (each student listed is an audited read); a guardian only
their own children's report (``Subject.FAMILY_REPORT``, read through ``access_student``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.accounts.models import User
from proficio.evidence.models import Evidence, EvidenceStatus
from proficio.frameworks.assessable import assessable_targets
from proficio.frameworks.models import Item, ItemKind
from proficio.learners import actions, reports
from proficio.learners.charts import targets_met_over_time
from proficio.learners.forms import (
    CompetencyCommentsForm,
    DecisionForm,
    GoalForm,
    OutsideLearningForm,
    ReassessmentRequestForm,
    ReflectionForm,
)
from proficio.learners.models import FamilyReportView, Goal
from proficio.learners.pdf import render_pdf
from proficio.mastery import engine
from proficio.orgs.models import Student
from proficio.policy import Act, Subject
from proficio.web import today
from proficio.web.forms import labelled_errors, show_errors

EVIDENCE_PAGE = 25  # pieces of evidence per page of the student's history


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _me(request: HttpRequest) -> Student:
    """The signed-in student, who alone writes their goals, uploads and requests."""
    student = policy.who(request.user).student
    if student is None or not policy.can(request.user, Act.CHANGE, Subject.OWN_LEARNING, student):
        raise PermissionDenied
    return student


def _levels_of(target: Item | None) -> list[tuple[float, str]]:
    levels = actions.scale_levels(target) if target is not None else []
    if not levels:  # a framework without a scale reads 1-4, as the mastery engine does
        return [(v, "") for v in engine.core_scale(None).values]
    return [(lv.value, lv.label) for lv in levels]


# --- the student's home -------------------------------------------------------------------


# The student's home shows what needs them today and their competencies; the rest is one
# panel at a time, chosen with ``?show=`` (links styled as tabs), so the page stays within
# three screens and reads only what it shows. The requests panel opens by default.
PANELS = ("requests", "progress", "evidence", "goals", "classes")
REQUESTS_SHOWN = 20


def panel_of(request: HttpRequest, chosen: str | None = None) -> str:
    show = chosen or request.GET.get("show", "")
    return show if show in PANELS else PANELS[0]


def student_home(request: HttpRequest, w: policy.Who, **forms: Any) -> dict[str, Any]:
    """The context of the student's home page (``web:role_home`` for the student role).

    Each thing is read once and shared: the competencies with their standings (the cards
    and the next steps), the requests (the table and their count by status), the goals
    (the list and the goals due), the returned work (the list and the feedback waiting)."""
    student = w.student
    assert student is not None
    show = panel_of(request, forms.get("show"))
    rows, suggested = reports.competencies(student)
    reports.attach_comments(rows, actions.comments_for(student, actions.reporting_period(student)))
    academic, habits = reports.split_by_category(rows)
    # Work returned with feedback is listed above the panels, so the teacher's feedback is
    # never out of sight; only its title, date and feedback are shown there.
    returned = list(
        Evidence.objects.filter(student=student, status=EvidenceStatus.RETURNED).order_by(
            "-assessed_at", "-id"
        )
    )
    requests = list(
        policy.visible(request.user, Subject.REASSESSMENT)
        .filter(student=student)
        .select_related("target")
        .order_by("-created_at", "-id")
    )
    context: dict[str, Any] = {
        "student": student,
        "show": show,
        "panels": _panels(show),
        "academic": academic,
        "habits": habits,
        "suggested": suggested[:8],
        "returned": returned,
        "all_requests": requests,
        "requests": requests[:REQUESTS_SHOWN],
        "goals": actions.goals_marked_due(student, w.today),
        "goal_form": forms.get("goal_form") or GoalForm(),
        "reflection_form": forms.get("reflection_form") or ReflectionForm(),
        "chart": None,
        "has_charts": False,
    }
    if show == "progress":
        points = reports.progress_points(student)
        if points:
            context["chart"] = targets_met_over_time(points, title=_("Learning targets I have met"))
            context["has_charts"] = True
    elif show == "evidence":
        # The full history, a page at a time, with each piece's files, scores and returns.
        evidence_page = Paginator(
            Evidence.objects.filter(student=student).order_by("-assessed_at", "-id"),
            EVIDENCE_PAGE,
        ).get_page(request.GET.get("page"))
        listed = list(evidence_page.object_list)
        prefetch_related_objects(listed, "artifacts", "scores__target", "returns")
        context.update(evidence=listed, page=evidence_page)
    elif show == "goals":
        context["reflections"] = student.reflections.all()[:10]
    elif show == "classes":
        context["sections"] = (
            policy.visible(request.user, Subject.SECTION)
            .filter(enrollments__student=student)
            .select_related("course", "term__year")
            .distinct()
        )
    context.update(
        today.student(
            student,
            w.today,
            suggested=len(context["suggested"]),
            requests=requests,
            returned=returned,
            goals=context["goals"],
        )
    )
    return context


def _panels(show: str) -> list[dict[str, Any]]:
    labels = {
        "requests": _("My requests"),
        "progress": _("My progress"),
        "evidence": _("My evidence"),
        "goals": _("Goals and reflections"),
        "classes": _("My classes"),
    }
    return [{"key": k, "label": labels[k], "current": k == show} for k in PANELS]


def _home_again(request: HttpRequest, **forms: Any) -> HttpResponse:
    w = policy.who(request.user)
    context = {"role": "student", "today": w.today, **student_home(request, w, **forms)}
    return render(request, "web/home_student.html", context, status=400)


def _to_home(panel: str = "") -> HttpResponse:
    """Back to the student's home, at ``panel`` (one of ``PANELS``) when given."""
    home = reverse("web:role_home", args=["student"])
    return redirect(f"{home}?show={panel}#more" if panel else home)


@login_required
@require_POST
def goal_add(request: HttpRequest) -> HttpResponse:
    student = _me(request)
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            actions.set_goal(
                request.user,
                student=student,
                text=form.cleaned_data["text"],
                target_date=form.cleaned_data["target_date"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Goal saved."))
            return _to_home("goals")
    return _home_again(request, goal_form=form, show="goals")


@login_required
@require_POST
def goal_done(request: HttpRequest, goal_id: int) -> HttpResponse:
    student = _me(request)
    goal = Goal.objects.filter(pk=goal_id, student=student).first()
    if goal is None:
        raise Http404("No such goal")
    try:
        actions.mark_goal_achieved(request.user, goal)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Well done: goal reached."))
    return _to_home("goals")


@login_required
@require_POST
def reflection_add(request: HttpRequest) -> HttpResponse:
    student = _me(request)
    form = ReflectionForm(request.POST)
    if form.is_valid():
        try:
            actions.write_reflection(request.user, student=student, text=form.cleaned_data["text"])
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Reflection saved."))
            return _to_home("goals")
    return _home_again(request, reflection_form=form, show="goals")


@login_required
def outside_learning(request: HttpRequest) -> HttpResponse:
    """Upload learning from outside school; it goes to a teacher for review."""
    student = _me(request)
    targets: Any = assessable_targets(student.school)
    form = OutsideLearningForm(
        request.POST or None,
        request.FILES or None,
        targets=targets,
        levels=_levels_of(targets.first()),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Today's learning is dated now; another day's at noon. A future day is refused
        # by the action, with its message beside the field (never quietly changed).
        when = (
            timezone.now()
            if data["assessed_at"] == timezone.localdate()
            else dt.datetime.combine(
                data["assessed_at"], dt.time(12), tzinfo=timezone.get_current_timezone()
            )
        )
        try:
            actions.submit_outside_learning(
                request.user,
                student=student,
                title=data["title"],
                target=data["target"],
                level=data["level"],
                assessed_at=when,
                partner_organization=data["partner_organization"],
                verifier=data["verifier"],
                description=data["description"],
                upload=data.get("file"),
                url=data.get("url") or "",
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request, _("Sent to your teachers for review. It counts once a teacher accepts it.")
            )
            return _to_home("evidence")
    return render(
        request,
        "learners/outside_learning.html",
        {"form": form, "student": student},
        status=400 if form.errors else 200,
    )


@login_required
def request_reassessment(request: HttpRequest) -> HttpResponse:
    """Assess when ready: ask a teacher to reassess a learning target."""
    student = _me(request)
    shown = actions.reassessable_targets(student)
    # Any target the student may read (the action explains one not in their classes);
    # another district's draft is not one, so it is refused as an unknown choice.
    form = ReassessmentRequestForm(
        request.POST or None,
        targets=Item.objects.filter(
            kind=ItemKind.TARGET, framework__in=policy.visible(request.user, Subject.FRAMEWORK)
        ),
        initial={"target": request.GET.get("target")},
    )
    field: Any = form.fields["target"]
    field.choices = [("", "—")] + [(t.pk, field.label_from_instance(t)) for t in shown]
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_reassessment(
                request.user,
                student=student,
                target=form.cleaned_data["target"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Request sent. Your teacher will schedule it or reply."))
            return _to_home()
    return render(
        request,
        "learners/request_reassessment.html",
        {"form": form, "student": student},
        status=400 if form.errors else 200,
    )


# --- the teacher's queue ------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Requests to be reassessed, and uploads from outside school waiting for review, from
    the students of the sections the teacher teaches now."""
    if not policy.may(request.user, Act.CHANGE, Subject.REASSESSMENT):
        raise PermissionDenied
    open_requests: list[Any] = list(
        actions.requests_to_decide(request.user)
        .select_related("student", "target", "target__framework")
        .order_by("created_at", "id")
    )
    uploads: list[Any] = list(
        actions.work_to_review(request.user)
        .select_related("student")
        .prefetch_related("artifacts", "scores__target", "returns")
        .order_by("recorded_at", "id")
    )
    # Each student listed is a read of their record by someone else: audited, once each.
    for student_id in sorted({item.student_id for item in [*open_requests, *uploads]}):
        policy.access_student(
            request.user, student_id, act=Act.CHANGE, purpose="reassessment and review queue"
        )
    for r in open_requests:
        r.form = DecisionForm(
            initial={"seen_status": r.status, "scheduled_for": r.scheduled_for},
            levels=_levels_of(r.target),
            prefix=f"r{r.pk}",
        )
    return render(
        request, "learners/queue.html", {"open_requests": open_requests, "uploads": uploads}
    )


@login_required
@require_POST
def decide(request: HttpRequest, request_id: int) -> HttpResponse:
    item = (
        policy.visible(request.user, Subject.REASSESSMENT, Act.CHANGE)
        .select_related("student", "target")
        .filter(pk=request_id)
        .first()
    )
    if item is None:
        raise Http404("No such request")
    policy.access_student(
        request.user, item.student_id, act=Act.CHANGE, purpose="reassessment decision"
    )
    form = DecisionForm(request.POST, levels=_levels_of(item.target), prefix=f"r{item.pk}")
    if not form.is_valid():
        for line in labelled_errors(form):
            messages.error(request, line)
        return redirect("learners:queue")
    data = form.cleaned_data
    try:
        if data["decision"] == "schedule":
            actions.schedule_reassessment(
                request.user, item, on=data["scheduled_for"], seen_status=data["seen_status"]
            )
            messages.success(request, _("Scheduled. The student sees the date."))
        elif data["decision"] == "decline":
            actions.decline_reassessment(
                request.user, item, reason=data["reason"], seen_status=data["seen_status"]
            )
            messages.success(request, _("Declined. The student sees your reason."))
        else:
            actions.accept_reassessment(
                request.user,
                item,
                score=data["score"],
                feedback=data["reason"],
                seen_status=data["seen_status"],
            )
            messages.success(request, _("Reassessment recorded; the determination is updated."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("learners:queue")


# --- teachers' comments per competency -------------------------------------------------


@login_required
def comments(request: HttpRequest, student_id: int) -> HttpResponse:
    """A teacher's comment on each of the student's competencies for a reporting period;
    they show on the family report and on the student's own page."""
    student = policy.access_student(
        request.user, student_id, act=Act.CHANGE, purpose="competency comments"
    )
    rows, _suggested = reports.competencies(student)
    terms = actions.reporting_periods(student)
    chosen = request.POST.get("term") or request.GET.get("term") or ""
    term = terms.filter(pk=int(chosen)).first() if chosen.isdigit() and len(chosen) < 12 else None
    term = term or actions.reporting_period(student)
    existing = actions.comments_for(student, term)
    form = CompetencyCommentsForm(
        request.POST or None,
        terms=terms,
        competencies=[r.competency for r in rows],
        limit=actions.MAX_COMMENT,
        initial={
            "term": term.pk if term else None,
            **{f"comment_{pk}": c.text for pk, c in existing.items()},
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_competency_comments(
                request.user,
                student=student,
                term=form.cleaned_data["term"],
                comments=form.comments(),
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Comments saved. The family report shows them."))
            return redirect(
                reverse("learners:comments", args=[student.pk])
                + f"?term={form.cleaned_data['term'].pk}"
            )
    return render(
        request,
        "learners/comments.html",
        {"student": student, "form": form, "term": term, "has_terms": terms.exists()},
        status=400 if form.errors else 200,
    )


# --- the family report --------------------------------------------------------------------


def _child(request: HttpRequest, student_id: int) -> Student:
    if not policy.visible(request.user, Subject.FAMILY_REPORT).filter(pk=student_id).exists():
        raise Http404("No such student")
    return policy.access_student(request.user, student_id, purpose="family report")


def _report_context(
    request: HttpRequest, student: Student, since: dt.datetime | None
) -> dict[str, Any]:
    rows, suggested = reports.competencies(student, since=since)
    term = actions.reporting_period(student)
    reports.attach_comments(rows, actions.comments_for(student, term))
    academic, habits = reports.split_by_category(rows)
    return {
        "child": student,
        "period": term,
        "since": since,
        "academic": academic,
        "habits": habits,
        "changed": [t for r in rows for t in r.changed],
        "suggested": suggested[:5],
        "generated_at": timezone.now(),
    }


@login_required
def family_report(request: HttpRequest, student_id: int) -> HttpResponse:
    """A plain-language report: what changed since the last one, academics, then habits."""
    student = _child(request, student_id)
    last = FamilyReportView.objects.filter(guardian=_user(request), student=student).first()
    since = last.at if last is not None else None
    context = _report_context(request, student, since)
    actions.note_family_report(request.user, student=student, compared_with=since)
    return render(request, "learners/family_report.html", context)


@login_required
def family_report_pdf(request: HttpRequest, student_id: int) -> HttpResponse:
    """The same report as a printable PDF. It compares with what the last reading of the
    page compared with, so the PDF says what the page said (and is not a new reading)."""
    student = _child(request, student_id)
    last = FamilyReportView.objects.filter(guardian=_user(request), student=student).first()
    context = _report_context(request, student, last.compared_with if last else None)
    html = render_to_string("learners/family_report_pdf.html", context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    name = f"report-{student.pk}-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

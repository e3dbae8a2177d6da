"""Recording and reviewing evidence; serving portfolio files safely."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.accounts.models import User
from proficio.evidence import actions
from proficio.evidence.forms import EvidenceForm, ResubmitForm, ReviewForm
from proficio.evidence.models import Artifact, Evidence, EvidenceStatus
from proficio.frameworks.assessable import student_scope_targets
from proficio.mastery import engine
from proficio.orgs.models import Section, active_on
from proficio.policy import Act, Subject
from proficio.web.forms import show_errors


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def record(request: HttpRequest, student_id: int) -> HttpResponse:
    """Evidence entry for one student and one task (an educator's)."""
    student = policy.access_student(
        request.user, student_id, act=Act.CHANGE, purpose="record evidence"
    )
    # The student's classes' course scope, unless the teacher widens it deliberately.
    widened = request.GET.get("scope") == "all"
    sections = Section.objects.filter(
        active_on(timezone.localdate(), "enrollments__"), enrollments__student=student
    ).distinct()
    targets = student_scope_targets(student, sections, widen=widened)
    first = targets.first()
    scale = engine.core_scale(engine.scale_for(first)) if first else engine.core_scale(None)
    form = EvidenceForm(
        request.POST or None,
        request.FILES or None,
        targets=targets,
        scale_values=list(scale.values),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_evidence(
                request.user,
                student=student,
                kind=data["kind"],
                title=data["title"],
                assessed_at=data["assessed_at"],
                scores=[actions.ScoreInput(t, s) for t, s in form.score_rows()],
                feedback=data["feedback"],
                partner_organization=data["partner_organization"],
                verifier=data["verifier"],
                upload=data.get("artifact"),
                url=data.get("link") or "",
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Evidence recorded; the determination is updated."))
            target = form.score_rows()[0][0]
            return redirect("mastery:student_target", student_id=student.pk, target_id=target.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "evidence/record.html",
        {"student": student, "form": form, "widened": widened},
        status=status,
    )


@login_required
@require_POST
def review(request: HttpRequest, evidence_id: int) -> HttpResponse:
    evidence = Evidence.objects.filter(pk=evidence_id).select_related("student").first()
    if evidence is None:
        raise Http404("No such evidence")
    policy.access_student(
        request.user, evidence.student_id, act=Act.CHANGE, purpose="review evidence"
    )
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept or return."))
    else:
        try:
            if form.cleaned_data["decision"] == "accept":
                actions.accept_evidence(
                    request.user, evidence, feedback=form.cleaned_data["feedback"]
                )
                messages.success(request, _("Accepted: it now counts toward mastery."))
            else:
                actions.return_evidence(
                    request.user, evidence, feedback=form.cleaned_data["feedback"]
                )
                messages.success(request, _("Returned to the student with your feedback."))
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
    nxt = request.POST.get("next") or reverse("web:student_detail", args=[evidence.student_id])
    return HttpResponseRedirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else "/")


def _returned_work(request: HttpRequest, evidence_id: int) -> tuple[Evidence, bool]:
    """The evidence, for its own student, or for someone who may change the student's
    record (an audited read); anyone else, and any unknown id, gets 404."""
    evidence = Evidence.objects.filter(pk=evidence_id).select_related("student").first()
    if evidence is None:
        raise Http404("No such evidence")
    if policy.can(request.user, Act.CHANGE, Subject.OWN_LEARNING, evidence.student):
        return evidence, True
    policy.access_student(
        request.user, evidence.student_id, act=Act.CHANGE, purpose="resubmit returned work"
    )
    return evidence, False


@login_required
def resubmit(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """Answer returned work with a new version; the feedback history stays on the page."""
    evidence, own = _returned_work(request, evidence_id)
    form = ResubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.resubmit_evidence(
                request.user,
                evidence,
                upload=data.get("file"),
                url=data.get("url") or "",
                note=data["note"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Sent back for review. Your teacher sees the new version."))
            if own:
                return redirect(
                    reverse("web:role_home", args=["student"]) + "?show=evidence#my-evidence"
                )
            return redirect("web:student_detail", student_id=evidence.student_id)
    return render(
        request,
        "evidence/resubmit.html",
        {
            "evidence": evidence,
            "own": own,
            "form": form,
            "returns": evidence.returns.select_related("returned_by", "resubmitted_by"),
            "artifacts": evidence.artifacts.order_by("version", "id"),
            "open": evidence.status == EvidenceStatus.RETURNED and evidence.submitted_by_id,
        },
        status=400 if form.errors else 200,
    )


@login_required
def artifact(request: HttpRequest, artifact_id: int) -> HttpResponse | FileResponse:
    """Portfolio files: only for those who may see the student, always as a download with
    the content type checked on upload, never rendered or executed by the browser.

    A link opens through a page that shows where it leads, never by a redirect: the address
    was typed by a student (or anyone who records evidence), so it could lead anywhere.
    """
    item = Artifact.objects.filter(pk=artifact_id).select_related("evidence").first()
    if item is None:
        raise Http404("No such file")
    policy.access_student(request.user, item.evidence.student_id, purpose="portfolio file")
    if item.url:
        scheme = item.url.split(":", 1)[0].lower()
        return render(
            request,
            "evidence/artifact_link.html",
            {"artifact": item, "openable": scheme in ("http", "https")},
        )
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.download_name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


__all__ = ["Subject", "record"]

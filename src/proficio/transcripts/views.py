"""Pages of the competency transcript: the student's page (read by the student, their
guardians, counselors and leaders), its PDF and JSON, the CLR download, share links, the
page a college opens through a link, and a district's choices. Views parse, ask the
policy, call an action and render."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proficio import policy, progress
from proficio.learners.pdf import render_pdf
from proficio.orgs.models import Student
from proficio.policy import Act, Subject
from proficio.transcripts import actions, transcript
from proficio.transcripts.forms import ClassIssueForm, ShareForm, TranscriptSettingsForm
from proficio.transcripts.models import ClassIssue, ShareLink
from proficio.web.forms import show_errors

STYLESHEET = Path(__file__).parent / "static" / "transcripts" / "transcript-print.css"


def _student(
    request: HttpRequest, student_id: int, act: Act = Act.VIEW, also: tuple[Act, ...] = ()
) -> Student:
    student: Student = policy.access(
        request.user, Subject.TRANSCRIPT, student_id, act=act, purpose="transcript", also=also
    )
    return student


def _filename(student: Student, ext: str) -> str:
    return f"transcript-{student.pk}-{timezone.localdate():%Y-%m-%d}.{ext}"


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The student's own transcript; for a guardian, their child's (or a choice of their
    children's, when there are several): the children the policy lets them read."""
    me = policy.who(request.user).student
    if me is not None:
        return redirect("transcripts:student", student_id=me.pk)
    children = list(
        policy.visible(request.user, Subject.TRANSCRIPT)
        .filter(guardian_links__guardian=request.user.pk)
        .order_by("legal_family_name", "legal_given_name", "pk")
    )
    if not children:
        raise Http404("No transcript here")
    if len(children) == 1:
        return redirect("transcripts:student", student_id=children[0].pk)
    return render(request, "transcripts/family.html", {"children": children})


def _share_rows(request: HttpRequest, student: Student) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {
            "link": link,
            "live": link.revoked_at is None and link.expires_at > now,
            "url": request.build_absolute_uri(
                reverse("transcripts:shared", args=[actions.token_for(link)])
            ),
        }
        for link in ShareLink.objects.filter(student=student)
    ]


def _page(
    request: HttpRequest, student: Student, form: ShareForm, status: int = 200
) -> HttpResponse:
    t = actions.read_transcript(request.user, student)
    can_share = policy.can(request.user, Act.CHANGE, Subject.TRANSCRIPT, student)
    return render(
        request,
        "transcripts/transcript.html",
        {
            "t": t,
            "student": student,
            "authorized": True,
            "can_share": can_share,
            "shares": _share_rows(request, student) if can_share else [],
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
def student(request: HttpRequest, student_id: int) -> HttpResponse:
    # Whether the reader may also share it (the page's share form) is asked in the same
    # query as the read; ``_page``'s ``policy.can`` then answers from the request's grants.
    found = _student(request, student_id, also=(Act.CHANGE,))
    return _page(request, found, ShareForm())


@login_required
@require_GET
def pdf(request: HttpRequest, student_id: int) -> HttpResponse:
    found = _student(request, student_id)
    t = actions.read_transcript(request.user, found)
    html = render_to_string(
        "transcripts/transcript_pdf.html", {"t": t, "authorized": False}, request=request
    )
    response = HttpResponse(render_pdf(html, STYLESHEET), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(found, "pdf")}"'
    return response


@login_required
@require_GET
def as_json(request: HttpRequest, student_id: int) -> HttpResponse:
    found = _student(request, student_id)
    document = transcript.as_json(actions.read_transcript(request.user, found))
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(found, "json")}"'
    return response


@login_required
@require_POST
def clr(request: HttpRequest, student_id: int) -> HttpResponse:
    found = _student(request, student_id, Act.CHANGE)
    try:
        credential = actions.transcript_clr(request.user, found)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("transcripts:student", student_id=found.pk)
    response = HttpResponse(credential.content, content_type="application/jwt")
    response["Content-Disposition"] = f'attachment; filename="{_filename(found, "clr.jwt")}"'
    return response


@login_required
@require_POST
def share(request: HttpRequest, student_id: int) -> HttpResponse:
    found = _student(request, student_id, Act.CHANGE)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            link, _token = actions.create_share_link(
                request.user,
                found,
                recipient=form.cleaned_data["recipient"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request,
                _("A link for %(recipient)s is ready below. Send it to them yourself.")
                % {"recipient": link.recipient},
            )
            return redirect(reverse("transcripts:student", args=[found.pk]) + "#shares")
    return _page(request, found, form, status=400)


@login_required
@require_POST
def revoke(request: HttpRequest, link_id: str) -> HttpResponse:
    reachable = policy.visible(request.user, Subject.TRANSCRIPT, Act.CHANGE)
    link = (
        ShareLink.objects.select_related("student__school")
        .filter(uuid=link_id, student__in=reachable)
        .first()
    )
    if link is None:
        raise Http404("No such link")
    actions.revoke_share_link(request.user, link)
    messages.success(request, _("The link no longer opens your transcript."))
    return redirect(reverse("transcripts:student", args=[link.student_id]) + "#shares")


@require_GET
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """A college's view through a link: no login; a dead link says so and names no one."""
    t = actions.read_shared_transcript(token, route=request.path[:200])
    if t is None:
        response = render(request, "transcripts/shared_gone.html", status=404)
    else:
        response = render(request, "transcripts/shared.html", {"t": t, "authorized": False})
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def district(request: HttpRequest, org_id: int) -> HttpResponse:
    found = policy.access_organization(request.user, org_id, Subject.TRANSCRIPT_SETTINGS)
    current = transcript.settings_for(found)
    form = TranscriptSettingsForm(
        request.POST if request.POST.get("save") else None,
        initial={"derived": current.derived, "credits_per_level": current.credits_per_level},
    )
    class_form = ClassIssueForm(request.POST if request.POST.get("issue") else None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("issue") and class_form.is_valid():
                job = actions.start_class_issue(
                    request.user, found, grade_level=class_form.cleaned_data["grade_level"]
                )
                return redirect("transcripts:class_issue", job_id=job.pk)
            if request.POST.get("save") and form.is_valid():
                actions.set_transcript_settings(
                    request.user,
                    found,
                    derived=form.cleaned_data["derived"],
                    credits_per_level=form.cleaned_data["credits_per_level"],
                )
                messages.success(request, _("Saved."))
                return redirect("transcripts:district", org_id=found.pk)
        except ValidationError as exc:
            show_errors(class_form if request.POST.get("issue") else form, exc)
        status = 400
    return render(
        request,
        "transcripts/district.html",
        {"district": found, "form": form, "class_form": class_form},
        status=status,
    )


@login_required
@require_GET
def class_issue(request: HttpRequest, job_id: int) -> HttpResponse:
    reachable = policy.visible(request.user, Subject.TRANSCRIPT_SETTINGS)
    job = ClassIssue.objects.filter(pk=job_id, district__in=reachable).first()
    if job is None:
        raise Http404("No such class")
    seen = progress.read("class_issue", job.pk) or {}
    total = int(seen.get("total") or job.students or 0)
    done = total if job.finished_at else int(seen.get("done") or 0)
    context = {
        "job": job,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
    }
    template = (
        "transcripts/_class_progress.html"
        if request.headers.get("HX-Request")
        else "transcripts/class_issue.html"
    )
    return render(request, template, context)

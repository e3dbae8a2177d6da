"""The audit trail as people see it: leaders for their scope, students and guardians for
their own record."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from proficio import policy
from proficio.audit.models import AuditEntry
from proficio.policy import Act, Subject
from proficio.web.forms import AuditFilterForm


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.AUDIT_LOG)
    form = AuditFilterForm(request.GET or None)
    entries = policy.visible(request.user, Subject.AUDIT_LOG)
    if form.is_valid():
        if form.cleaned_data["action"]:
            entries = entries.filter(action=form.cleaned_data["action"])
        if form.cleaned_data["actor"]:
            entries = entries.filter(actor_name__iexact=form.cleaned_data["actor"])
        if form.cleaned_data["since"]:
            entries = entries.filter(at__date__gte=form.cleaned_data["since"])
    page = Paginator(entries.select_related("actor").order_by("-at", "-id"), 25).get_page(
        request.GET.get("page")
    )
    _unname(request, page)
    return render(request, "web/audit_log.html", {"form": form, "page": page})


def _unname(request: HttpRequest, page: Any) -> None:
    """Mark the entries whose actor is a student the reader may not see (not named)."""
    hidden = policy.unnamed_actors(request.user, [e.actor_id for e in page])
    for entry in page:
        entry.unnamed = entry.actor_id in hidden


@login_required
def student_access_log(request: HttpRequest, student_id: int) -> HttpResponse:
    """Who looked at or changed this student's record: for the student, their guardians,
    and leaders over their school."""
    if not policy.may(request.user, Act.VIEW, Subject.AUDIT_LOG):
        raise Http404("No such page")  # as for a student one may not see: no hint either way
    student = policy.access_student(request.user, student_id, purpose="access log")
    entries = policy.visible(
        request.user, Subject.AUDIT_LOG, qs=AuditEntry.objects.filter(student_id=student.pk)
    )
    page = Paginator(entries.select_related("actor").order_by("-at", "-id"), 25).get_page(
        request.GET.get("page")
    )
    _unname(request, page)
    return render(request, "web/student_access.html", {"student": student, "page": page})

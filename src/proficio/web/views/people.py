"""Pages about students. Every one-student page goes through ``policy.access_student``,
which checks the policy and audits the read."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from proficio import policy
from proficio.audit.log import record_read, record_reads
from proficio.evidence.models import Evidence, EvidenceStatus
from proficio.frameworks.models import Category, Item
from proficio.mastery import actions as mastery_actions
from proficio.mastery import continuum
from proficio.mastery.forms import AsOfForm
from proficio.mastery.models import Determination, Override
from proficio.orgs.models import Student, StudentDemographics
from proficio.orgs.search import search_students
from proficio.policy import Act, Subject
from proficio.web.forms import StudentSearchForm


@login_required
def student_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.STUDENT)
    form = StudentSearchForm(request.GET or None)
    students = policy.visible(request.user, Subject.STUDENT).select_related("school")
    if form.is_valid() and form.cleaned_data["q"]:
        students = search_students(students, form.cleaned_data["q"])
    page = Paginator(students.order_by("legal_family_name", "legal_given_name", "pk"), 25).get_page(
        request.GET.get("page")
    )
    searched = form.is_valid() and bool(form.cleaned_data["q"])
    record_reads(page.object_list, purpose="student search" if searched else "student list")
    return render(request, "web/student_list.html", {"form": form, "page": page})


@login_required
def student_detail(request: HttpRequest, student_id: int) -> HttpResponse:
    student = policy.access_student(request.user, student_id, purpose="student record")
    demographics = None
    if policy.can(request.user, Act.VIEW, Subject.DEMOGRAPHICS, _demographics_of(student)):
        demographics = _demographics_of(student)
        record_read(student, purpose="demographics", what="orgs.studentdemographics")
    enrollments = student.enrollments.select_related(
        "section", "section__course", "section__term"
    ).order_by("-start_date")
    visible_sections = set(
        policy.visible(request.user, Subject.SECTION)
        .filter(enrollments__student=student)
        .values_list("pk", flat=True)
    )
    guardians = student.guardian_links.select_related("guardian")
    determinations: Any = (
        Determination.objects.filter(student=student)
        .select_related("target", "target__framework")
        .order_by("target__human_coding_scheme")
    )
    as_of_form = AsOfForm(request.GET if "as_of" in request.GET else None)
    as_of = as_of_form.moment()
    if as_of is not None:
        # The time machine: each target's determination as it stood then.
        past = mastery_actions.as_of(student, as_of)
        targets = Item.objects.in_bulk(list(past))
        for row in past.values():
            row.target = targets[row.target_id]
        determinations = sorted(past.values(), key=lambda r: r.target.human_coding_scheme or "")
    active = Override.objects.filter(student=student, withdrawn_at__isnull=True)
    overridden = set(active.values_list("target_id", flat=True))
    submitted = Evidence.objects.filter(student=student, status=EvidenceStatus.SUBMITTED)
    # Returned work waiting for a new version (which an educator may send on their behalf).
    returned = Evidence.objects.filter(
        student=student, status=EvidenceStatus.RETURNED, submitted_by__isnull=False
    )
    # Where the student stands on each competency: the one definition (mastery.continuum).
    standing = continuum.shown_for([student], continuum.student_competencies(student))
    rows: list[dict[str, Any]] = [{"item": s.competency, "s": s} for s in standing[student.pk]]
    academic = [r for r in rows if r["item"].category == Category.ACADEMIC]
    habits = [r for r in rows if r["item"].category != Category.ACADEMIC]
    return render(
        request,
        "web/student_detail.html",
        {
            "student": student,
            "demographics": demographics,
            "enrollments": enrollments,
            "visible_sections": visible_sections,
            "guardians": guardians,
            "determinations": determinations,
            "overridden": overridden,
            "submitted": submitted,
            "returned": returned,
            "as_of": as_of,
            "as_of_form": as_of_form,
            "academic": academic,
            "habits": habits,
            "can_change": policy.can(request.user, Act.CHANGE, Subject.STUDENT, student),
            "can_view_access_log": policy.can(request.user, Act.VIEW, Subject.STUDENT, student)
            and policy.may(request.user, Act.VIEW, Subject.AUDIT_LOG),
        },
    )


def _demographics_of(student: Student) -> StudentDemographics:
    try:
        return student.demographics
    except StudentDemographics.DoesNotExist:  # every student gets one when added
        return StudentDemographics(student=student)

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from proficio import policy
from proficio.audit.log import record_reads
from proficio.orgs.models import OrganizationKind, active_on
from proficio.policy import Act, Subject


@login_required
def section_detail(request: HttpRequest, section_id: int) -> HttpResponse:
    section = policy.access_section(request.user, section_id)
    today = timezone.localdate()
    # The roster shows only students the viewer may see (a guardian sees their own child).
    # One filter call, so the section and the dates apply to the same enrollment row (two
    # calls would join enrollments twice and list a student once per enrollment).
    roster = list(
        policy.visible(request.user, Subject.STUDENT)
        .filter(Q(enrollments__section=section) & active_on(today, "enrollments__"))
        .distinct()
        .order_by("legal_family_name", "legal_given_name", "pk")
    )
    record_reads(roster, purpose="class roster")
    teachers = section.staff.select_related("user").filter(active_on(today))
    return render(
        request,
        "web/section_detail.html",
        {
            "section": section,
            "roster": roster,
            "teachers": teachers,
            "can_change": policy.can(request.user, Act.CHANGE, Subject.SECTION, section),
            "can_view_class": policy.can(request.user, Act.VIEW, Subject.CLASSROOM, section),
            "can_score": policy.can(request.user, Act.CHANGE, Subject.CLASSROOM, section),
        },
    )


@login_required
def organization_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    org = policy.access_organization(request.user, org_id)
    children = (
        policy.visible(request.user, Subject.ORGANIZATION)
        .filter(parent=org)
        .annotate(student_count=Count("students", distinct=True))
        .order_by("name")
    )
    sections = None
    if org.kind == OrganizationKind.SCHOOL and policy.may(request.user, Act.VIEW, Subject.SECTION):
        sections = (
            policy.visible(request.user, Subject.SECTION)
            .filter(school=org)
            .select_related("course", "term")
            .order_by("name")
        )
    # The OneRoster gradebook of the classes here that this person may export.
    can_export = (
        policy.visible(request.user, Subject.GRADEBOOK)
        .filter(school__path__startswith=org.path)
        .exists()
    )
    return render(
        request,
        "web/organization_detail.html",
        {"org": org, "children": children, "sections": sections, "can_export": can_export},
    )

"""The only code that writes organizations, sections, students and memberships.

Each action runs in one transaction. Single-row writes are audited by the audit app's
signals; bulk writes (imports, the demo generator) record one audit entry each.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from proficio.accounts.models import User
from proficio.accounts.roles import MEMBERSHIP_ROLES, Role
from proficio.audit.log import record_bulk
from proficio.audit.models import AuditAction
from proficio.orgs.models import (
    ALLOWED_PARENT,
    AcademicYear,
    CaseloadAssignment,
    Course,
    Enrollment,
    GuardianLink,
    Organization,
    OrganizationKind,
    RoleMembership,
    Section,
    SectionStaff,
    Student,
    StudentDemographics,
    Term,
)
from proficio.policy import Act, Actor, Subject, authorize_in

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@transaction.atomic
def create_organization(
    actor: Actor,
    *,
    kind: str,
    name: str,
    code: str,
    parent: Organization | None = None,
    school_level: str = "",
) -> Organization:
    # A new state sits above every organization: only those who reach everywhere.
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, parent or Organization(path="/"))
    kind = OrganizationKind(kind)
    expected = ALLOWED_PARENT[kind]
    if expected is None and parent is not None:
        raise ValidationError({"parent": "A state has no parent organization."})
    if expected is not None and (parent is None or parent.kind != expected):
        raise ValidationError(
            {"parent": f"A {kind.label.lower()} belongs to a {expected.label.lower()}."}
        )
    if not _CODE.match(code):
        raise ValidationError({"code": "Use letters, digits, '.', '_' or '-' (at most 40)."})
    if Organization.objects.filter(code=code).exists():
        raise ValidationError({"code": f"The code {code!r} is already in use."})
    org = Organization.objects.create(
        kind=kind, name=name, code=code, parent=parent, school_level=school_level, path="-"
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    return org


@transaction.atomic
def create_academic_year(
    actor: Actor,
    *,
    district: Organization,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    terms: Sequence[tuple[str, dt.date, dt.date]] = (),
) -> AcademicYear:
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, district)
    if district.kind != OrganizationKind.DISTRICT:
        raise ValidationError({"district": "Academic years belong to a district."})
    if end_date <= start_date:
        raise ValidationError({"end_date": "The year must end after it starts."})
    year = AcademicYear.objects.create(
        district=district, name=name, start_date=start_date, end_date=end_date
    )
    for term_name, t_start, t_end in terms:
        if not (start_date <= t_start < t_end <= end_date):
            raise ValidationError({"terms": f"Term {term_name!r} must lie inside the year."})
        Term.objects.create(year=year, name=term_name, start_date=t_start, end_date=t_end)
    return year


@transaction.atomic
def create_course(
    actor: Actor, *, district: Organization, code: str, title: str, subject: str = ""
) -> Course:
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, district)
    return Course.objects.create(district=district, code=code, title=title, subject=subject)


@transaction.atomic
def create_section(
    actor: Actor,
    *,
    school: Organization,
    course: Course,
    term: Term,
    name: str,
    teachers: Iterable[User] = (),
) -> Section:
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, school)
    if school.kind != OrganizationKind.SCHOOL:
        raise ValidationError({"school": "Sections are taught at a school."})
    section = Section.objects.create(school=school, course=course, term=term, name=name)
    for teacher in teachers:
        SectionStaff.objects.create(section=section, user=teacher, start_date=term.start_date)
    return section


@transaction.atomic
def add_student(
    actor: Actor,
    *,
    school: Organization,
    local_id: str,
    legal_given_name: str,
    legal_family_name: str,
    grade_level: str,
    birth_date: dt.date,
    preferred_name: str = "",
    state_id: str = "",
    user: User | None = None,
    demographics: dict[str, Any] | None = None,
) -> Student:
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, school)
    if school.kind != OrganizationKind.SCHOOL:
        raise ValidationError({"school": "Students are enrolled at a school."})
    if Student.objects.filter(school=school, local_id=local_id).exists():
        raise ValidationError({"local_id": f"Local id {local_id!r} is already used at {school}."})
    student = Student(
        school=school,
        local_id=local_id,
        state_id=state_id,
        legal_given_name=legal_given_name,
        legal_family_name=legal_family_name,
        preferred_name=preferred_name,
        grade_level=grade_level,
        birth_date=birth_date,
        user=user,
    )
    student.full_clean()
    student.save()
    demo = StudentDemographics(student=student, **(demographics or {}))
    demo.full_clean()
    demo.save()
    return student


@transaction.atomic
def enroll(
    actor: Actor,
    *,
    student: Student,
    section: Section,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> Enrollment:
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, section.school)
    if student.school_id != section.school_id:
        raise ValidationError({"section": "The section is at another school."})
    return Enrollment.objects.create(
        student=student, section=section, start_date=start_date, end_date=end_date
    )


@transaction.atomic
def link_guardian(
    actor: Actor, *, guardian: User, student: Student, relationship: str = "parent"
) -> GuardianLink:
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, student.school)
    return GuardianLink.objects.create(
        guardian=guardian, student=student, relationship=relationship
    )


@transaction.atomic
def assign_caseload(
    actor: Actor, *, advisor: User, student: Student, start_date: dt.date
) -> CaseloadAssignment:
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, student.school)
    return CaseloadAssignment.objects.create(
        advisor=advisor, student=student, start_date=start_date
    )


@transaction.atomic
def grant_role(
    actor: Actor,
    *,
    user: User,
    role: str,
    organization: Organization,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> RoleMembership:
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, organization)
    role = Role(role)
    if role not in MEMBERSHIP_ROLES:
        raise ValidationError({"role": f"{role.label} is not granted by membership."})
    needed = {
        Role.STATE_ANALYST: OrganizationKind.STATE,
        Role.DISTRICT_ADMIN: OrganizationKind.DISTRICT,
        Role.DISTRICT_DATA_LEAD: OrganizationKind.DISTRICT,
        Role.SCHOOL_LEADER: OrganizationKind.SCHOOL,
        Role.TEACHER: OrganizationKind.SCHOOL,
        Role.ADVISOR: OrganizationKind.SCHOOL,
    }.get(role)
    if needed is not None and organization.kind != needed:
        raise ValidationError(
            {"organization": f"{role.label} is held at a {needed.label.lower()}."}
        )
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "The membership must end after it starts."})
    return RoleMembership.objects.create(
        user=user, role=role, organization=organization, start_date=start_date, end_date=end_date
    )


# -- Bulk writes: rosters and the demo generator ------------------------------------------


@transaction.atomic
def bulk_add_roster(
    actor: Actor,
    *,
    district: Organization,
    students: Sequence[Student],
    demographics: Sequence[StudentDemographics],
    enrollments: Sequence[Enrollment],
    guardian_links: Sequence[GuardianLink] = (),
    caseloads: Sequence[CaseloadAssignment] = (),
    batch_size: int = 2000,
) -> int:
    """Insert a roster in bulk; objects must be unsaved and already cross-linked.

    Demographics, enrollments and links point at the students by their position: each
    has ``student`` set to an element of ``students``; bulk_create fills in the keys.
    """
    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, district)
    Student.objects.bulk_create(students, batch_size=batch_size)
    for rows in (demographics, enrollments, guardian_links, caseloads):
        for row in rows:
            row.student_id = row.student.pk
    StudentDemographics.objects.bulk_create(demographics, batch_size=batch_size)
    Enrollment.objects.bulk_create(enrollments, batch_size=batch_size)
    GuardianLink.objects.bulk_create(guardian_links, batch_size=batch_size)
    CaseloadAssignment.objects.bulk_create(caseloads, batch_size=batch_size)
    record_bulk(
        AuditAction.CREATE,
        "orgs.student",
        len(students),
        org_path=district.path,
        detail={
            "enrollments": len(enrollments),
            "guardian_links": len(guardian_links),
            "caseloads": len(caseloads),
        },
    )
    return len(students)


@transaction.atomic
def set_course_scope(actor: Actor, course: Course, identifiers: Sequence[str]) -> Course:
    """Name the competencies a course teaches, by CASE identifier. Each must be a
    competency of a framework Proficio holds; an unknown identifier is refused on the
    field, naming its place in the list, and nothing is saved."""
    from proficio.frameworks.models import Item, ItemKind

    authorize_in(actor, Act.CHANGE, Subject.ORGANIZATION, course.district)
    clean: list[tuple[int, str]] = []
    problems: list[str] = []
    for k, raw in enumerate(identifiers, start=1):
        text = str(raw).strip()
        try:
            clean.append((k, str(uuid.UUID(text))))
        except ValueError:
            problems.append(
                _("Line %(n)d: “%(id)s” is not a CASE identifier (a UUID).")
                % {"n": k, "id": text[:80]}
            )
    known = set(
        str(i)
        for i in Item.objects.filter(
            identifier__in=[i for _k, i in clean],
            kind=ItemKind.COMPETENCY,
            archived_at__isnull=True,
        ).values_list("identifier", flat=True)
    )
    for k, ident in clean:
        if ident not in known:
            problems.append(
                _("Line %(n)d: no competency has the CASE identifier %(id)s.")
                % {"n": k, "id": ident}
            )
    if problems:
        raise ValidationError({"competencies": problems})
    course.competencies = list(dict.fromkeys(i for _k, i in clean))
    course.save(update_fields=["competencies"])
    return course

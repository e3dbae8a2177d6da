"""API routes for people and organizations. Every route asks ``proficio.policy``."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from proficio import policy
from proficio.api.paging import Paging
from proficio.audit.log import record_reads
from proficio.audit.models import AuditEntry
from proficio.orgs.models import Organization, Section, Student
from proficio.policy import Act, Subject

router = Router(tags=["people and organizations"])


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    preferred_language: str


class StudentOut(Schema):
    id: int
    uuid: str
    local_id: str
    state_id: str
    legal_given_name: str
    legal_family_name: str
    preferred_name: str
    grade_level: str
    birth_date: dt.date | None
    school_id: int

    @staticmethod
    def resolve_uuid(obj: Student) -> str:
        return str(obj.uuid)


class SectionOut(Schema):
    id: int
    name: str
    school_id: int
    course: str
    term: str

    @staticmethod
    def resolve_course(obj: Section) -> str:
        return obj.course.title

    @staticmethod
    def resolve_term(obj: Section) -> str:
        return str(obj.term)


class OrganizationOut(Schema):
    id: int
    uuid: str
    kind: str
    name: str
    code: str
    parent_id: int | None
    school_level: str

    @staticmethod
    def resolve_uuid(obj: Organization) -> str:
        return str(obj.uuid)


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor_name: str
    action: str
    route: str
    purpose: str
    object_type: str
    object_id: str
    student_id: int | None


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "username": user.get_username(),
        "display_name": str(user),
        "roles": [r.value for r in policy.who(user).roles],
        "preferred_language": getattr(user, "preferred_language", "en"),
    }


@router.get("/students", response=list[StudentOut])
def list_students(request: HttpRequest, paging: Query[Paging]) -> list[Student]:
    policy.require(request.user, Act.VIEW, Subject.STUDENT)
    qs = policy.visible(request.user, Subject.STUDENT).order_by("pk")
    students = paging.page(qs)
    record_reads(students, purpose="api: student list")
    return students


@router.get("/students/{student_id}", response=StudentOut)
def get_student(request: HttpRequest, student_id: int) -> Student:
    return policy.access_student(request.user, student_id, purpose="api")


@router.get("/sections", response=list[SectionOut])
def list_sections(request: HttpRequest, paging: Query[Paging]) -> list[Section]:
    policy.require(request.user, Act.VIEW, Subject.SECTION)
    qs = (
        policy.visible(request.user, Subject.SECTION)
        .select_related("course", "term", "term__year")
        .order_by("pk")
    )
    return paging.page(qs)


@router.get("/sections/{section_id}", response=SectionOut)
def get_section(request: HttpRequest, section_id: int) -> Section:
    return policy.access_section(request.user, section_id)


@router.get("/organizations", response=list[OrganizationOut])
def list_organizations(request: HttpRequest, paging: Query[Paging]) -> list[Organization]:
    policy.require(request.user, Act.VIEW, Subject.ORGANIZATION)
    qs = policy.visible(request.user, Subject.ORGANIZATION).order_by("path")
    return paging.page(qs)


@router.get("/audit", response=list[AuditEntryOut])
def list_audit(request: HttpRequest, paging: Query[Paging]) -> list[AuditEntry]:
    policy.require(request.user, Act.VIEW, Subject.AUDIT_LOG)
    qs = policy.visible(request.user, Subject.AUDIT_LOG).order_by("-at", "-id")
    entries = paging.page(qs)
    # A student the reader may not see is not named, as on the audit page.
    hidden = policy.unnamed_actors(request.user, [e.actor_id for e in entries])
    for entry in entries:
        if entry.actor_id in hidden:
            entry.actor_name = "student"
    return entries

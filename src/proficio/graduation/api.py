"""JSON API for graduation: requirement sets (read, and a new version written by those
who answer for them) and a student's graduation record (entry to high school, capstone
results, accepted alternatives, opting into a newer version). Every route calls the same
action as the pages, which asks the policy first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from proficio import policy
from proficio.api import problems
from proficio.credentials.models import OutsideCredential
from proficio.graduation import actions
from proficio.graduation.models import GraduationRecord, Requirement, RequirementSet
from proficio.policy import Act, Subject

router = Router(tags=["graduation"])


class RequirementIn(Schema):
    key: str = Field(title="Key")
    title: str = Field(title="Title")
    kind: str = Field(title="Kind (all_of, n_of_m, habits or rubric)")
    competencies: list[str] = Field(
        default_factory=list, title="Competencies (codes or CASE identifiers)"
    )
    level: str = Field("", title="Level (its code)")
    count: int | None = Field(None, title="How many are required")
    minimum_score: float | None = Field(None, title="Rubric score that meets it")
    accepts_alternative: bool = Field(False, title="An accepted outside credential meets it")


class RequirementSetIn(Schema):
    owner_id: int = Field(title="Organization (a state or a district)")
    title: str = Field(title="Title")
    first_cohort: int = Field(title="First graduating class", ge=2000, le=2200)
    in_force_from: dt.date = Field(title="In force from")
    requirements: list[RequirementIn] = Field(title="Requirements", max_length=60)


class RequirementOut(Schema):
    id: int
    key: str
    title: str
    kind: str
    competencies: list[str]
    level: str
    count: int | None
    minimum_score: float | None
    accepts_alternative: bool


class RequirementSetOut(Schema):
    id: int
    owner_id: int
    owner: str
    version: int
    title: str
    first_cohort: int
    in_force_from: dt.date
    requirements: list[RequirementOut]


def _set_out(found: RequirementSet) -> RequirementSetOut:
    return RequirementSetOut(
        id=found.pk,
        owner_id=found.owner_id,
        owner=found.owner.name,
        version=found.version,
        title=found.title,
        first_cohort=found.first_cohort,
        in_force_from=found.in_force_from,
        requirements=[
            RequirementOut(
                id=r.pk,
                key=r.key,
                title=r.title,
                kind=r.kind,
                competencies=[
                    c.human_coding_scheme or str(c.identifier) for c in r.competencies.all()
                ],
                level=r.level.code if r.level else "",
                count=r.count,
                minimum_score=r.minimum_score,
                accepts_alternative=r.accepts_alternative,
            )
            for r in found.requirements.select_related("level").prefetch_related("competencies")
        ],
    )


@router.get("/graduation/requirement-sets", response=list[RequirementSetOut])
def list_requirement_sets(request: HttpRequest) -> list[RequirementSetOut]:
    """Every version the caller may read (the requirements that govern them, or that
    they write)."""
    policy.require(request.user, Act.VIEW, Subject.GRADUATION_REQUIREMENTS)
    found = (
        policy.visible(request.user, Subject.GRADUATION_REQUIREMENTS)
        .select_related("owner")
        .order_by("owner__path", "version")[:500]
    )
    return [_set_out(s) for s in found]


@router.get("/graduation/requirement-sets/{set_id}", response=RequirementSetOut)
def get_requirement_set(request: HttpRequest, set_id: int) -> RequirementSetOut:
    return _set_out(policy.access(request.user, Subject.GRADUATION_REQUIREMENTS, set_id))


@router.post("/graduation/requirement-sets", response={201: RequirementSetOut})
def define_requirement_set(
    request: HttpRequest, payload: RequirementSetIn
) -> Status[RequirementSetOut]:
    """A new version of a state's or district's requirements; nothing is written unless
    every requirement is valid, and a bad one is named by its JSON path."""
    owner = next(
        (o for o in actions.writable_owners(request.user) if o.pk == payload.owner_id), None
    )
    if owner is None:
        raise Http404("No such organization")
    try:
        made = actions.define_requirement_set(
            request.user,
            owner,
            title=payload.title,
            first_cohort=payload.first_cohort,
            in_force_from=payload.in_force_from,
            requirements=[r.model_dump() for r in payload.requirements],
        )
    except ValidationError as exc:
        raise problems.from_validation_error(exc, RequirementSetIn) from None
    return Status(201, _set_out(made))


class RecordOut(Schema):
    student_id: int
    entered_high_school: dt.date
    cohort: int
    held_to: list[int]


def _record_out(record: GraduationRecord) -> RecordOut:
    return RecordOut(
        student_id=record.student_id,
        entered_high_school=record.entered_high_school,
        cohort=record.cohort,
        held_to=sorted(s.pk for s in record.held_to.all()),
    )


class EntryIn(Schema):
    entered_on: dt.date = Field(title="Entered high school on")
    cohort: int | None = Field(None, title="Graduating class", ge=2000, le=2200)


def _student(request: HttpRequest, student_id: int, purpose: str, act: Act = Act.CHANGE) -> Any:
    return policy.access(request.user, Subject.GRADUATION, student_id, act=act, purpose=purpose)


@router.post("/students/{student_id}/graduation/entry", response={201: RecordOut})
def enter_high_school(request: HttpRequest, student_id: int, payload: EntryIn) -> Status[RecordOut]:
    student = _student(request, student_id, "api: graduation record")
    try:
        record = actions.enter_high_school(
            request.user, student, entered_on=payload.entered_on, cohort=payload.cohort
        )
    except ValidationError as exc:
        raise problems.from_validation_error(exc, EntryIn) from None
    return Status(201, _record_out(record))


def _held(student: Any, requirement_id: int, schema: type[Schema]) -> Requirement:
    """A requirement the student is held to; any other id (another district's included)
    is the same refusal, naming nothing."""
    record = GraduationRecord.objects.filter(student=student).first()
    found = (
        Requirement.objects.filter(pk=requirement_id, requirement_set__in=record.held_to.all())
        .select_related("requirement_set")
        .first()
        if record is not None
        else None
    )
    if found is None:
        raise problems.InvalidInput(
            [
                problems.problem(
                    schema, ("requirement_id",), "The student is not held to this requirement."
                )
            ]
        )
    return found


class RubricIn(Schema):
    requirement_id: int = Field(title="Capstone (its requirement id)")
    score: float = Field(title="Rubric score")
    judged_on: dt.date = Field(title="Judged on")
    note: str = Field("", title="Note", max_length=500)


class RubricOut(Schema):
    id: int
    requirement_id: int
    score: float
    judged_on: dt.date


@router.post("/students/{student_id}/graduation/rubric-results", response={201: RubricOut})
def record_rubric_result(
    request: HttpRequest, student_id: int, payload: RubricIn
) -> Status[RubricOut]:
    student = _student(request, student_id, "api: capstone result")
    requirement = _held(student, payload.requirement_id, RubricIn)
    try:
        made = actions.record_rubric_result(
            request.user,
            student,
            requirement,
            score=payload.score,
            judged_on=payload.judged_on,
            note=payload.note,
        )
    except ValidationError as exc:
        raise problems.from_validation_error(exc, RubricIn) from None
    return Status(
        201,
        RubricOut(
            id=made.pk, requirement_id=requirement.pk, score=made.score, judged_on=made.judged_on
        ),
    )


class AlternativeIn(Schema):
    requirement_id: int = Field(title="Requirement (its id)")
    name: str = Field("", title="Name of the credential", max_length=300)
    reference: str = Field("", title="Reference", max_length=500)
    outside_credential_id: int | None = Field(
        None, title="A credential the student presented (its id)"
    )


class AlternativeOut(Schema):
    id: int
    requirement_id: int
    name: str
    accepted_on: dt.date


@router.post("/students/{student_id}/graduation/alternatives", response={201: AlternativeOut})
def accept_alternative(
    request: HttpRequest, student_id: int, payload: AlternativeIn
) -> Status[AlternativeOut]:
    student = _student(request, student_id, "api: alternative pathway")
    requirement = _held(student, payload.requirement_id, AlternativeIn)
    presented = None
    if payload.outside_credential_id is not None:
        presented = OutsideCredential.objects.filter(
            pk=payload.outside_credential_id, student=student
        ).first()
        if presented is None:
            raise problems.InvalidInput(
                [
                    problems.problem(
                        AlternativeIn,
                        ("outside_credential_id",),
                        "Not a credential this student presented.",
                    )
                ]
            )
    try:
        made = actions.accept_alternative(
            request.user,
            student,
            requirement,
            name=payload.name,
            reference=payload.reference,
            outside_credential=presented,
        )
    except ValidationError as exc:
        raise problems.from_validation_error(exc, AlternativeIn) from None
    return Status(
        201,
        AlternativeOut(
            id=made.pk, requirement_id=requirement.pk, name=made.name, accepted_on=made.accepted_on
        ),
    )


class OptInIn(Schema):
    requirement_set_id: int = Field(title="Newer requirements (the version's id)")


@router.post("/students/{student_id}/graduation/opt-in", response=RecordOut)
def opt_in(request: HttpRequest, student_id: int, payload: OptInIn) -> RecordOut:
    """The student (or those who keep the record) opts into a newer version in force."""
    student = _student(request, student_id, "api: opt in", act=Act.VIEW)
    chosen = next(
        (s for s in actions.opt_in_choices(student) if s.pk == payload.requirement_set_id), None
    )
    if chosen is None:
        raise problems.InvalidInput(
            [
                problems.problem(
                    OptInIn,
                    ("requirement_set_id",),
                    "Not a newer version in force of the requirements this student is held to.",
                )
            ]
        )
    try:
        record = actions.opt_in(request.user, student, chosen)
    except ValidationError as exc:
        raise problems.from_validation_error(exc, OptInIn) from None
    return _record_out(record)

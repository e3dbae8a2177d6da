"""JSON API for evidence and determinations. Learning targets are named by their CASE
identifier, so an integrator's own copy of a state framework lines up with ours."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from proficio import policy
from proficio.api import problems
from proficio.audit import log as audit_log
from proficio.evidence import actions as evidence
from proficio.evidence.models import EvidenceKind
from proficio.frameworks import definitions
from proficio.frameworks.models import Item
from proficio.mastery import continuum
from proficio.mastery.actions import override_of
from proficio.mastery.models import Determination, Override
from proficio.orgs.models import Student
from proficio.policy import Act

router = Router(tags=["evidence and mastery"])


class DeterminationOut(Schema):
    target: uuid.UUID
    target_code: str | None
    status: str
    level: float | None
    value: float | None
    evidence_count: int
    last_assessed_at: dt.datetime | None
    policy: str
    policy_version: int
    override_level: float | None = None
    override_rationale: str | None = None


class ScoreIn(Schema):
    target: uuid.UUID = Field(title="Learning target (its CASE identifier)")
    score: float = Field(title="Score")


class EvidenceIn(Schema):
    # Each title is the field's label in error messages (proficio.api.problems).
    kind: EvidenceKind = Field(title="Kind of evidence")
    title: str = Field(title="Title")
    assessed_at: dt.datetime = Field(title="When the learning was shown")
    scores: list[ScoreIn] = Field(title="Scores")
    feedback: str = Field("", title="Feedback to the student")
    partner_organization: str = Field("", title="Partner organization")
    verifier: str = Field("", title="Verified by")


class EvidenceOut(Schema):
    id: int
    uuid: uuid.UUID
    status: str
    determinations: list[DeterminationOut]


def _determinations(student: Student) -> list[DeterminationOut]:
    rows = Determination.objects.filter(student=student).select_related(
        "target", "policy_version__policy"
    )
    return _shown(student, rows.order_by("target__human_coding_scheme"))


def _shown(
    student: Student, rows: Iterable[Determination], targets: list[int] | None = None
) -> list[DeterminationOut]:
    """The determinations as the API shows them, each with the student's override (if
    any) on its target."""
    rows = list(rows)
    read = [override_of(d) for d in rows]
    by_target: dict[int, tuple[float | None, str | None]] = {}
    if all(known for known, _level, _why in read):
        # Read with each pair's lock by the write that recomputed them: no query.
        by_target = {
            d.target_id: (level, why)
            for d, (_known, level, why) in zip(rows, read, strict=True)
            if why is not None
        }
    else:
        overrides = Override.objects.filter(student=student, withdrawn_at__isnull=True)
        if targets is not None:
            overrides = overrides.filter(target_id__in=targets)
        by_target = {o.target_id: (o.level_value, o.rationale) for o in overrides}
    out = []
    for d in rows:
        o = by_target.get(d.target_id)
        out.append(
            DeterminationOut(
                target=d.target.identifier,
                target_code=d.target.human_coding_scheme,
                status=d.status,
                level=d.level_value,
                value=d.value,
                evidence_count=d.evidence_count,
                last_assessed_at=d.last_assessed_at,
                policy=d.policy_version.policy.name,
                policy_version=d.policy_version.version,
                override_level=o[0] if o else None,
                override_rationale=o[1] if o else None,
            )
        )
    return out


@router.get("/students/{student_id}/determinations", response=list[DeterminationOut])
def student_determinations(request: HttpRequest, student_id: int) -> list[DeterminationOut]:
    student = policy.access_student(request.user, student_id, purpose="api: determinations")
    return _determinations(student)


class StandingOut(Schema):
    """Where the student stands on one competency, by the one definition
    (``proficio.core.progression.continuum``)."""

    competency: uuid.UUID
    competency_code: str | None
    level: int | None  # the highest level shown (its position on the continuum)
    level_label: str | None
    status: str  # not_assessed, working_toward, on_track, beyond, no_expectation
    proficient: bool | None  # at or above the level expected now; null: none expected
    expected_level_now: int | None
    next_expected_level: int | None
    next_expected_by: dt.date | None
    next_step: int | None
    next_step_label: str | None
    text: str


@router.get("/students/{student_id}/standings", response=list[StandingOut])
def student_standings(request: HttpRequest, student_id: int) -> list[StandingOut]:
    student = policy.access_student(request.user, student_id, purpose="api: standings")
    found = continuum.shown_for([student], continuum.student_competencies(student))
    out = []
    for s in found[student.pk]:
        exp = s.standing.expectation
        out.append(
            StandingOut(
                competency=s.competency.identifier,
                competency_code=s.competency.human_coding_scheme,
                level=s.standing.level,
                level_label=s.level.label if s.level else None,
                status=s.status,
                proficient=s.proficient,
                expected_level_now=exp.level if exp else None,
                next_expected_level=exp.next_level if exp else None,
                next_expected_by=exp.next_due if exp else None,
                next_step=s.standing.next_step,
                next_step_label=s.next_level.label if s.next_level else None,
                text=s.text,
            )
        )
    return out


@router.post("/students/{student_id}/evidence", response={201: EvidenceOut})
def record_evidence(
    request: HttpRequest, student_id: int, payload: EvidenceIn
) -> Status[EvidenceOut]:
    # The audited read of the student goes in the write's own audit insert.
    with audit_log.with_next_write():
        return _record_evidence(request, student_id, payload)


def _record_evidence(
    request: HttpRequest, student_id: int, payload: EvidenceIn
) -> Status[EvidenceOut]:
    student = policy.access_student(
        request.user, student_id, act=Act.CHANGE, purpose="api: evidence"
    )
    wanted = [s.target for s in payload.scores]
    # Only targets of frameworks the caller may read: another district's draft is as
    # unknown as an identifier nobody uses, and its codes are not named.
    # Both answers come from the definitions cache, still decided by the policy's row.
    readable = policy.readable_framework_ids(request.user)
    targets: dict[uuid.UUID, Item] = {
        identifier: t
        for identifier, t in definitions.items_by_identifier(wanted).items()
        if t.framework_id in readable
    }
    missing = [
        problems.problem(
            EvidenceIn, ("scores", n, "target"), f"No learning target has the identifier {t}."
        )
        for n, t in enumerate(wanted)
        if t not in targets
    ]
    if missing:
        raise problems.InvalidInput(missing)
    try:
        made = evidence.record_evidence(
            request.user,
            student=student,
            kind=payload.kind,
            title=payload.title,
            assessed_at=payload.assessed_at,
            scores=[evidence.ScoreInput(targets[s.target], s.score) for s in payload.scores],
            feedback=payload.feedback,
            partner_organization=payload.partner_organization,
            verifier=payload.verifier,
        )
    except ValidationError as exc:
        raise problems.from_validation_error(exc, EvidenceIn) from None
    body = EvidenceOut(
        id=made.pk,
        uuid=made.uuid,
        status=made.status,
        # What the write recomputed (no need to read it back), in target code order.
        determinations=_shown(
            student,
            sorted(
                made.determinations.values(),
                key=lambda d: (
                    d.target.human_coding_scheme is None,
                    d.target.human_coding_scheme or "",
                ),
            ),
            list(made.determinations),
        ),
    )
    return Status(201, body)

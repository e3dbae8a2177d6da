"""The only code that writes evidence. Recording accepted evidence updates the affected
determinations in the same transaction, so a teacher sees the new level at once."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio.accounts.models import User
from proficio.audit import log as audit_log
from proficio.audit.models import AuditAction
from proficio.bulk import update_returning
from proficio.evidence.models import (
    ALLOWED_ARTIFACT_TYPES,
    MAX_ARTIFACT_BYTES,
    Artifact,
    Evidence,
    EvidenceKind,
    EvidenceReturn,
    EvidenceScore,
    EvidenceStatus,
    ItemResponse,
)
from proficio.frameworks.assessable import assessable_ids, why_not_assessable
from proficio.frameworks.models import Item, RubricCriterion
from proficio.mastery import engine
from proficio.mastery.actions import update_determination, update_determinations
from proficio.notifications import actions as notifications
from proficio.orgs.models import Student
from proficio.policy import SYSTEM, Act, Actor, Subject, authorize, authorize_students
from proficio.retry import atomic_action, retry_on_conflict

FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class ScoreInput:
    target: Item
    score: float
    criterion: RubricCriterion | None = None


@dataclass(frozen=True)
class ResponseInput:
    target: Item
    correct: bool


def _check(
    student: Student,
    assessed_at: dt.datetime,
    scores: Sequence[ScoreInput],
    responses: Sequence[ResponseInput],
    kind: str,
    partner: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in EvidenceKind.values:
        errors.setdefault("kind", []).append(f"Choose one of: {', '.join(EvidenceKind.values)}.")
    if timezone.is_naive(assessed_at):
        errors.setdefault("assessed_at", []).append("Give a date and time with a time zone.")
    elif assessed_at > timezone.now() + FUTURE_TOLERANCE:
        errors.setdefault("assessed_at", []).append(
            _("The learning cannot have been shown in the future.")
        )
    elif student.birth_date and timezone.localdate(assessed_at) < student.birth_date:
        errors.setdefault("assessed_at", []).append(
            _("The learning cannot have been shown before the student was born (%(day)s).")
            % {"day": student.birth_date.isoformat()}
        )
    if not scores and not responses:
        errors.setdefault("scores", []).append("Score at least one learning target.")
    # One query for every target named; the reason is worked out only for a refusal.
    fine = assessable_ids(
        student.school, [s.target.pk for s in scores] + [r.target.pk for r in responses]
    )
    for n, s in enumerate(scores, start=1):
        why = None if s.target.pk in fine else why_not_assessable(student.school, s.target)
        if why:
            errors.setdefault("scores", []).append(f"Score {n}: {why}")
            continue
        scale = engine.core_scale(engine.scale_for(s.target))
        if not scale.contains(s.score):
            low, high = scale.values[0], scale.values[-1]
            errors.setdefault("scores", []).append(
                f"Score {n} ({s.score:g}) is outside the scale, {low:g} to {high:g}."
            )
        if s.criterion is not None and s.criterion.item_id not in (None, s.target.pk):
            errors.setdefault("scores", []).append(
                f"Score {n}: the rubric criterion is aligned to another target."
            )
    for n, r in enumerate(responses, start=1):
        why = None if r.target.pk in fine else why_not_assessable(student.school, r.target)
        if why:
            errors.setdefault("responses", []).append(f"Item {n}: {why}")
    if kind == EvidenceKind.EXTENDED_LEARNING and not partner.strip():
        errors.setdefault("partner_organization", []).append(
            "Name the organization where the learning happened."
        )
    if errors:
        raise ValidationError(errors)


@atomic_action  # joins the calling action's transaction: no savepoint
@audit_log.batched()  # its audit entries in one insert, in its transaction
def record_evidence(
    actor: Actor,
    *,
    student: Student,
    kind: str,
    title: str,
    assessed_at: dt.datetime,
    scores: Sequence[ScoreInput] = (),
    responses: Sequence[ResponseInput] = (),
    scorer: User | None = None,
    feedback: str = "",
    description: str = "",
    rubric: Any = None,
    partner_organization: str = "",
    verifier: str = "",
    submitted_by_student: bool = False,
    upload: Any = None,
    url: str = "",
) -> Evidence:
    """Record evidence. Educator-entered evidence is accepted at once and updates the
    determinations; student-submitted evidence waits for an educator's review.

    ``actor`` must be allowed to change the student's record, or, for a student's own
    submission, be the student. ``scorer`` defaults to the actor. A file (``upload``) or a
    link (``url``) is attached in the same transaction, so a refused file keeps nothing."""
    if submitted_by_student:
        authorize(actor, Act.CHANGE, Subject.OWN_LEARNING, student)
    else:
        authorize(actor, Act.CHANGE, Subject.STUDENT, student)
    if scorer is None and actor is not SYSTEM:
        scorer = actor
    if not title.strip():
        raise ValidationError({"title": "Give the evidence a title."})
    _check(student, assessed_at, scores, responses, kind, partner_organization)
    status = EvidenceStatus.SUBMITTED if submitted_by_student else EvidenceStatus.ACCEPTED
    evidence = Evidence.objects.create(
        student=student,
        kind=kind,
        title=title.strip(),
        description=description,
        assessed_at=assessed_at,
        scorer=None if submitted_by_student else scorer,
        submitted_by=scorer if submitted_by_student else None,
        rubric=rubric,
        feedback=feedback,
        status=status,
        partner_organization=partner_organization,
        verifier=verifier,
    )
    counts = status == EvidenceStatus.ACCEPTED
    EvidenceScore.objects.bulk_create(
        [
            EvidenceScore(
                evidence=evidence,
                student=student,
                target=s.target,
                criterion=s.criterion,
                score=float(s.score),
                assessed_at=assessed_at,
                kind=kind,
                counts=counts,
            )
            for s in scores
        ]
    )
    ItemResponse.objects.bulk_create(
        [
            ItemResponse(
                evidence=evidence,
                student=student,
                target=r.target,
                position=n,
                correct=r.correct,
                assessed_at=assessed_at,
            )
            for n, r in enumerate(responses, start=1)
        ]
    )
    evidence.determinations = {}
    if counts:
        # The targets are the ones just checked: no need to read them back.
        touched = {s.target.pk: s.target for s in scores} | {
            r.target.pk: r.target for r in responses
        }
        evidence.determinations = update_determinations(
            student, list(touched.values()), reason="evidence"
        )
    if upload is not None or url:
        attach_artifact(actor, evidence, upload=upload, url=url)
    return evidence


@atomic_action  # joins the calling action's transaction: no savepoint
@audit_log.batched()  # its audit entries in one insert, in its transaction
def rescore_evidence(
    actor: Actor,
    evidence: Evidence,
    *,
    target: Item,
    criterion: RubricCriterion | None,
    score: float | None,
) -> Evidence | None:
    """Change (or, with ``score=None``, clear) what accepted evidence says on one rubric
    criterion, and recompute that determination. Clearing its last score deletes the
    evidence, which then no longer exists (returns None)."""
    authorize(actor, Act.CHANGE, Subject.STUDENT, evidence.student)
    if score is not None:
        _check(
            evidence.student,
            evidence.assessed_at,
            [ScoreInput(target, score, criterion)],
            [],
            evidence.kind,
            evidence.partner_organization,
        )
    rows = EvidenceScore.objects.filter(evidence=evidence, criterion=criterion, target=target)
    kept: Evidence | None = evidence
    if score is None:
        rows.delete()
        if not EvidenceScore.objects.filter(evidence=evidence).exists():
            evidence.delete()
            kept = None
    else:
        _change_score(evidence, rows, target=target, criterion=criterion, score=float(score))
    update_determination(evidence.student, target, reason="evidence")
    return kept


def _change_score(
    evidence: Evidence,
    rows: Any,
    *,
    target: Item,
    criterion: RubricCriterion | None,
    score: float,
) -> None:
    """Change the evidence's score on (target, criterion) in place: one ``UPDATE ...
    RETURNING`` that names the row it changed for its audit entry (no read first). Only
    when there was no such row is one made; a duplicate left by older data is deleted."""
    values = {
        "student": evidence.student_id,
        "score": score,
        "assessed_at": evidence.assessed_at,
        "kind": evidence.kind,
        "counts": evidence.status == EvidenceStatus.ACCEPTED,
    }
    where = {
        "evidence": evidence.pk,
        "target": target.pk,
        "criterion": criterion.pk if criterion else None,
    }
    changed = sorted(pk for (pk,) in update_returning(EvidenceScore, where, values))
    if not changed:
        row = EvidenceScore(evidence=evidence, target=target, criterion=criterion)
        for name, value in values.items():
            setattr(row, f"{name}_id" if name == "student" else name, value)
        row.student = evidence.student  # loaded: the audit reads the school
        row.save()  # audited by the save signal
        return
    first, *duplicates = changed
    for duplicate in rows.filter(pk__in=duplicates):
        duplicate.student = evidence.student
        duplicate.delete()  # audited by the delete signal
    row = EvidenceScore(pk=first, evidence=evidence, target=target, criterion=criterion)
    row.student = evidence.student
    audit_log.record(AuditAction.UPDATE, row)  # what the save signal would have written


@transaction.atomic
def set_feedback(actor: Actor, evidence: Evidence, *, feedback: str) -> Evidence:
    """Change the feedback a student sees on a piece of evidence."""
    authorize(actor, Act.CHANGE, Subject.STUDENT, evidence.student)
    evidence.feedback = feedback
    evidence.save(update_fields=["feedback"])
    return evidence


def _person(actor: Actor) -> User | None:
    return None if actor is SYSTEM else actor


def _refresh(evidence: Evidence) -> None:
    targets = {s.target_id for s in evidence.scores.all()} | {
        r.target_id for r in evidence.responses.all()
    }
    items = Item.objects.filter(pk__in=targets).select_related("framework")
    update_determinations(evidence.student, list(items), reason="evidence")


@retry_on_conflict
@transaction.atomic
def accept_evidence(actor: Actor, evidence: Evidence, *, feedback: str = "") -> Evidence:
    """An educator accepts a student's submission: its scores count from now on."""
    authorize(actor, Act.CHANGE, Subject.STUDENT, evidence.student)
    if evidence.status == EvidenceStatus.ACCEPTED:
        raise ValidationError({"status": "This evidence is already accepted."})
    evidence.status = EvidenceStatus.ACCEPTED
    evidence.scorer = _person(actor)
    if feedback:
        evidence.feedback = feedback
    evidence.save()
    evidence.scores.update(counts=True)
    _refresh(evidence)
    return evidence


@transaction.atomic
def return_evidence(actor: Actor, evidence: Evidence, *, feedback: str) -> Evidence:
    """An educator returns a submission with feedback; the student may resubmit."""
    authorize(actor, Act.CHANGE, Subject.STUDENT, evidence.student)
    if not feedback.strip():
        raise ValidationError(
            {"feedback": "Say what the student should change before resubmitting."}
        )
    if evidence.status == EvidenceStatus.ACCEPTED:
        raise ValidationError({"status": "Accepted evidence cannot be returned."})
    evidence.status = EvidenceStatus.RETURNED
    evidence.feedback = feedback.strip()
    evidence.scorer = _person(actor)
    evidence.save()
    if evidence.submitted_by_id is not None:  # the student's work: it may come back
        EvidenceReturn.objects.create(
            evidence=evidence, feedback=evidence.feedback, returned_by=_person(actor)
        )
    notifications.work_returned(actor, evidence)
    return evidence


MAX_RESUBMIT_NOTE = 2000


def _is_the_student(actor: Actor, student: Student) -> bool:
    return actor is not SYSTEM and student.user_id is not None and student.user_id == actor.pk


@retry_on_conflict
@transaction.atomic
def resubmit_evidence(
    actor: Actor, evidence: Evidence, *, upload: Any = None, url: str = "", note: str = ""
) -> Evidence:
    """The student (or an educator on their behalf) answers returned work with a new
    version: a file (checked as every upload is) or a link, and a note. The return is
    cleared, the work waits for review again in the teachers' queue, and the feedback it
    was returned with stays in its history (``EvidenceReturn``). The teacher who returned
    it is told."""
    own = _is_the_student(actor, evidence.student)
    authorize(actor, Act.CHANGE, Subject.OWN_LEARNING if own else Subject.STUDENT, evidence.student)
    # Read again under a lock: two resubmissions at once make one new version, not two.
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if locked.status != EvidenceStatus.RETURNED:
        raise ValidationError(
            {"status": _("This work is not returned: there is nothing to resubmit.")}
        )
    if locked.submitted_by_id is None:
        raise ValidationError({"status": _("Only work a student submitted can be resubmitted.")})
    note = note.strip()
    if len(note) > MAX_RESUBMIT_NOTE:
        raise ValidationError(
            {
                "note": _("Keep the note to %(n)s characters (it has %(has)s).")
                % {"n": MAX_RESUBMIT_NOTE, "has": len(note)}
            }
        )
    if upload is None and not url:
        raise ValidationError({"file": _("Attach the new version: a file or a link.")})
    version = (locked.artifacts.aggregate(top=Max("version"))["top"] or 0) + 1
    attach_artifact(actor, locked, upload=upload, url=url, version=version)
    open_returns = list(locked.returns.filter(resubmitted_at__isnull=True))
    if not open_returns:  # returned before the history was kept: keep what it said
        open_returns = [
            EvidenceReturn.objects.create(
                evidence=locked, feedback=locked.feedback, returned_by=locked.scorer
            )
        ]
    now = timezone.now()
    for answered in open_returns:
        answered.resubmitted_at = now
        answered.resubmitted_by = _person(actor)
        answered.note = note
        answered.save()
    teachers = [r.returned_by for r in open_returns if r.returned_by is not None]
    locked.status = EvidenceStatus.SUBMITTED
    locked.feedback = ""
    locked.save(update_fields=["status", "feedback"])
    notifications.work_resubmitted(actor, locked, teachers=teachers, version=version)
    return locked


# A text file is kept only when it says it is one (its name), and is text from end to end:
# anything else that happens to decode as UTF-8 (a page, a script, an SVG) is refused.
TEXT_EXTENSIONS = (".txt",)
_MARKUP = re.compile(rb"<\s*(!doctype|html|script|svg|\?xml|iframe|object|body)\b", re.IGNORECASE)


def check_upload(upload: Any) -> str:
    """The upload's content type, if its size and actual content are ones we accept.

    Every uploaded student work file (portfolio artifacts, moderation samples) passes here.
    The size was counted as the file streamed in (``proficio.uploads``), so a file far too
    large arrives empty and is refused here by its size, without being read.
    """
    if upload.size > MAX_ARTIFACT_BYTES:
        raise ValidationError(
            {"file": f"{upload.name} is larger than {MAX_ARTIFACT_BYTES // (1024 * 1024)} MB."}
        )
    content_type = sniff(upload)
    if content_type == "text/plain" and not _is_declared_text(upload):
        raise ValidationError(
            {"file": f"{upload.name} is text: we take text only as a plain-text (.txt) file."}
        )
    if content_type not in ALLOWED_ARTIFACT_TYPES:
        allowed = ", ".join(sorted(set(ALLOWED_ARTIFACT_TYPES.values())))
        raise ValidationError({"file": f"{upload.name} is not a file type we accept ({allowed})."})
    return content_type


def _is_declared_text(upload: Any) -> bool:
    """Named as a text file, and text throughout: UTF-8, no NUL bytes, no markup."""
    if not (upload.name or "").lower().endswith(TEXT_EXTENSIONS):
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            decoder.decode(chunk)
            if b"\0" in chunk or _MARKUP.search(chunk):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


@transaction.atomic
def attach_artifact(
    actor: Actor,
    evidence: Evidence,
    *,
    upload: Any = None,
    url: str = "",
    name: str = "",
    version: int = 1,
) -> Artifact:
    """Attach a file (checked by size and by its actual content) or a link, as the
    student to their own submission, or as an educator who may change the record.

    A file is stored, and later downloaded, under a name whose extension is its detected
    type, whatever it was called when uploaded.
    """
    own = (
        evidence.status != EvidenceStatus.ACCEPTED
        and evidence.submitted_by_id is not None
        and _is_the_student(actor, evidence.student)
    )
    authorize(actor, Act.CHANGE, Subject.OWN_LEARNING if own else Subject.STUDENT, evidence.student)
    if upload is None and not url:
        raise ValidationError({"file": "Attach a file or give a link."})
    if upload is not None:
        content_type = check_upload(upload)
        extension = ALLOWED_ARTIFACT_TYPES[content_type]
        artifact = Artifact(
            evidence=evidence,
            name=name or upload.name[:200],
            content_type=content_type,
            size=upload.size,
            version=version,
        )
        stem = f"{evidence.uuid}" if version == 1 else f"{evidence.uuid}-v{version}"
        artifact.file.save(f"{stem}{extension}", upload, save=False)
    else:
        artifact = Artifact(evidence=evidence, name=name or url[:200], url=url, version=version)
        artifact.full_clean()
    artifact.save()
    return artifact


SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"ID3", "audio/mpeg"),
]


def sniff(upload: Any) -> str:
    """The content type from the file's first bytes, not from its name or the browser."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp":
        return "video/mp4"
    try:
        # Incremental: a character cut in two at the 4,096th byte is still text.
        codecs.getincrementaldecoder("utf-8")().decode(upload.read(4096))
    except UnicodeDecodeError:
        return "application/octet-stream"
    finally:
        upload.seek(0)
    return "text/plain"


@dataclass(frozen=True)
class _Key:
    pk: int


@transaction.atomic
def bulk_record_evidence(
    actor: Actor, rows: Sequence[dict[str, Any]], *, org_path: str = ""
) -> list[int]:
    """Record many pieces of accepted evidence at once (imports, the demo history, learning
    tools through the LRS); returns the new evidence ids, in the order of ``rows``.

    Each row: student_id, kind, title, assessed_at, scorer_id, partner_organization,
    verifier, scores [(target_id, score)] and, optionally, responses [(target_id, correct)]
    (quiz items for knowledge tracing). Targets and scores must already be valid;
    determinations are rebuilt afterwards with ``mastery.actions.rebuild_determinations``.
    """
    import uuid

    from proficio.audit.log import record_bulk
    from proficio.audit.models import AuditAction
    from proficio.bulk import insert_rows

    authorize_students(actor, Act.CHANGE, Subject.STUDENT, {r["student_id"] for r in rows})
    now = timezone.now()
    keys = [uuid.uuid4() for _ in rows]
    insert_rows(
        Evidence,
        [
            {
                "uuid": key,
                "student_id": r["student_id"],
                "kind": r["kind"],
                "title": r["title"],
                "description": "",
                "assessed_at": r["assessed_at"],
                "recorded_at": now,
                "scorer_id": r.get("scorer_id"),
                "submitted_by_id": None,
                "rubric_id": None,
                "feedback": "",
                "status": EvidenceStatus.ACCEPTED,
                "partner_organization": r.get("partner_organization", ""),
                "verifier": r.get("verifier", ""),
            }
            for key, r in zip(keys, rows, strict=True)
        ],
    )
    # insert_rows returns no keys: read them back by the UUIDs just written.
    ids: dict[Any, int] = {}
    for start in range(0, len(keys), 900):
        ids.update(
            Evidence.objects.filter(uuid__in=keys[start : start + 900]).values_list("uuid", "pk")
        )
    evidence = [_Key(ids[key]) for key in keys]
    insert_rows(
        EvidenceScore,
        [
            {
                "evidence_id": e.pk,
                "student_id": r["student_id"],
                "target_id": target_id,
                "criterion_id": None,
                "score": float(score),
                "assessed_at": r["assessed_at"],
                "kind": r["kind"],
                "counts": True,
            }
            for e, r in zip(evidence, rows, strict=True)
            for target_id, score in r["scores"]
        ],
    )
    insert_rows(
        ItemResponse,
        [
            {
                "evidence_id": e.pk,
                "student_id": r["student_id"],
                "target_id": target_id,
                "position": n,
                "correct": bool(correct),
                "assessed_at": r["assessed_at"],
            }
            for e, r in zip(evidence, rows, strict=True)
            for n, (target_id, correct) in enumerate(r.get("responses", ()), start=1)
        ],
    )
    record_bulk(AuditAction.CREATE, "evidence.evidence", len(rows), org_path=org_path)
    return [e.pk for e in evidence]


@transaction.atomic
def bulk_retract_evidence(
    actor: Actor, evidence_ids: Sequence[int], *, feedback: str
) -> set[tuple[int, int]]:
    """Take back accepted evidence its source withdrew (a voided xAPI statement): it is
    returned with ``feedback`` and its scores stop counting; nothing is deleted. Returns
    the (student, target) pairs whose determinations need updating."""
    from proficio.audit.log import record_bulk
    from proficio.audit.models import AuditAction

    ids = list(evidence_ids)
    authorize_students(
        actor,
        Act.CHANGE,
        Subject.STUDENT,
        set(Evidence.objects.filter(pk__in=ids).values_list("student_id", flat=True)),
    )
    pairs = set(
        EvidenceScore.objects.filter(evidence_id__in=ids).values_list("student_id", "target_id")
    ) | set(ItemResponse.objects.filter(evidence_id__in=ids).values_list("student_id", "target_id"))
    Evidence.objects.filter(pk__in=ids).update(status=EvidenceStatus.RETURNED, feedback=feedback)
    EvidenceScore.objects.filter(evidence_id__in=ids).update(counts=False)
    record_bulk(AuditAction.UPDATE, "evidence.evidence", len(ids), detail={"retracted": True})
    return pairs

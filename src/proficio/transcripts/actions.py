"""The only code that writes transcript settings, share links and class issues, and the
reads that reveal a transcript. Each takes the acting person first and asks the policy;
a shared link is its own authority (whoever holds a valid one reads that transcript,
and every such read is audited under the name the student gave the link)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio import policy, progress
from proficio.audit.context import acting
from proficio.audit.log import record
from proficio.audit.models import AuditAction
from proficio.credentials import actions as credentials
from proficio.credentials import signing as credential_signing
from proficio.credentials.models import CredentialKind, IssuedCredential
from proficio.frameworks import definitions
from proficio.orgs.models import Organization, OrganizationKind, Student
from proficio.policy import Act, Subject
from proficio.transcripts import transcript
from proficio.transcripts.models import ClassIssue, DerivedReport, ShareLink, TranscriptSettings

SALT = "proficio.transcripts.share"
MAX_DAYS = 90
TRANSCRIPT_KEY = "transcript"


# ---------------------------------------------------------------- reading


def read_transcript(actor: Any, student: Student) -> transcript.Transcript:
    """The student's transcript for someone allowed to read it (the caller audits the
    read: ``policy.access`` does for a person reading someone else's record)."""
    policy.authorize(actor, Act.VIEW, Subject.TRANSCRIPT, student)
    return transcript.build(student)


# ---------------------------------------------------------------- settings


@transaction.atomic
def set_transcript_settings(
    actor: Any, district: Organization, *, derived: str, credits_per_level: Decimal
) -> TranscriptSettings:
    policy.authorize(actor, Act.CHANGE, Subject.TRANSCRIPT_SETTINGS, district)
    if district.kind != OrganizationKind.DISTRICT:
        raise ValidationError({"district": _("Transcript choices are made for a district.")})
    if derived not in DerivedReport.values:
        raise ValidationError({"derived": _("Choose one of the listed options.")})
    if not Decimal("0") < Decimal(credits_per_level) <= Decimal("10"):
        raise ValidationError(
            {"credits_per_level": _("Give a number of credits above 0 and at most 10.")}
        )
    found, _created = TranscriptSettings.objects.get_or_create(district=district)
    found.derived = derived
    found.credits_per_level = Decimal(credits_per_level)
    found.changed_by = actor if getattr(actor, "pk", None) else None
    found.save()
    return found


# ---------------------------------------------------------------- sharing


def token_for(link: ShareLink) -> str:
    return signing.dumps(str(link.uuid), salt=SALT)


@transaction.atomic
def create_share_link(
    actor: Any, student: Student, *, recipient: str, days: int
) -> tuple[ShareLink, str]:
    """A link one college reads the transcript through for ``days`` days; returns it with
    its signed token (the URL's last part)."""
    policy.authorize(actor, Act.CHANGE, Subject.TRANSCRIPT, student)
    recipient = (recipient or "").strip()
    if not recipient:
        raise ValidationError({"recipient": _("Name the college or person you share it with.")})
    if len(recipient) > 200:
        raise ValidationError({"recipient": _("Use at most 200 characters.")})
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValidationError(
            {"days": _("Choose between 1 and %(most)s days.") % {"most": MAX_DAYS}}
        )
    link = ShareLink.objects.create(
        student=student,
        recipient=recipient,
        created_by=actor if getattr(actor, "pk", None) else None,
        expires_at=timezone.now() + dt.timedelta(days=int(days)),
    )
    record(AuditAction.CREATE, link, purpose="shared transcript", detail={"to": recipient})
    return link, token_for(link)


@transaction.atomic
def revoke_share_link(actor: Any, link: ShareLink) -> ShareLink:
    policy.authorize(actor, Act.CHANGE, Subject.TRANSCRIPT, link.student)
    locked = ShareLink.objects.select_for_update().get(pk=link.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor if getattr(actor, "pk", None) else None
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record(AuditAction.UPDATE, locked, purpose="shared transcript", detail={"revoked": True})
    return locked


def live_link(token: str) -> ShareLink | None:
    """The link a token names, if its signature holds and it is neither expired nor revoked."""
    try:
        link_id = uuid.UUID(str(signing.loads(token, salt=SALT)))
    except (signing.BadSignature, ValueError):
        return None
    link = (
        ShareLink.objects.select_related("student__school", "student__user")
        .filter(uuid=link_id)
        .first()
    )
    if link is None or link.revoked_at is not None or link.expires_at <= timezone.now():
        return None
    return link


@transaction.atomic
def read_shared_transcript(token: str, *, route: str) -> transcript.Transcript | None:
    """The transcript behind a valid shared link, with the read audited in the student's
    "who viewed my record" under the name they gave the link; None for any other token."""
    link = live_link(token)
    if link is None:
        return None
    ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1)
    label = _("%(recipient)s (through your shared link)") % {"recipient": link.recipient}
    with acting(None, route=route, purpose="shared transcript", label=label[:200]):
        record(
            AuditAction.READ,
            link,
            student=link.student,
            purpose="shared transcript",
            detail={"link": str(link.uuid)},
        )
    return transcript.build(link.student)


# ---------------------------------------------------------------- the CLR


def transcript_clr(actor: Any, student: Student) -> IssuedCredential:
    """The transcript as a CLR 2.0 credential: every competency level the student has
    reached, each as its own signed OB 3.0 credential (issued now if missing, whatever
    the district's automatic setting), wrapped by ``credentials.issue_clr``. The newest
    one is handed back while it still holds every live level credential; otherwise it is
    revoked (the holder reads why) and a fresh one replaces it."""
    policy.authorize(actor, Act.CHANGE, Subject.TRANSCRIPT, student)
    credentials.issue_level_credentials(policy.SYSTEM, student, always=True)
    return _wrap(student)


def _wrap(student: Student) -> IssuedCredential:
    wrapped = _wrap_many([student])
    if student.pk not in wrapped:
        raise ValidationError(
            {"credentials": _("No competency level is reached yet: there is nothing to certify.")}
        )
    return wrapped[student.pk]


@transaction.atomic
def _wrap_many(students: list[Student]) -> dict[int | None, IssuedCredential]:
    """Each student's transcript CLR (student id → credential): the newest one while it
    still holds every live level credential, else a fresh one (the old one revoked). A
    student with no live level credential gets none. Reads are one query per kind for all
    the students; the fresh CLRs are written together."""
    ids = [s.pk for s in students]
    live: dict[int | None, list[IssuedCredential]] = {}
    for c in IssuedCredential.objects.filter(
        student_id__in=ids,
        kind=CredentialKind.LEVEL,
        revoked_at__isnull=True,
        subject_key__startswith="level:",
    ):
        live.setdefault(c.student_id, []).append(c)
    current = {
        c.student_id: c
        for c in IssuedCredential.objects.filter(
            student_id__in=ids, subject_key=TRANSCRIPT_KEY, revoked_at__isnull=True
        ).order_by("issued_at", "pk")
    }
    kept: dict[int | None, IssuedCredential] = {}
    fresh: list[tuple[Student, str, list[IssuedCredential]]] = []
    for student in students:
        inner = live.get(student.pk)
        if not inner:
            continue
        found = current.get(student.pk)
        if found is not None:
            newest = max(c.issued_at for c in inner)
            revoked_since = IssuedCredential.objects.filter(
                student=student, kind=CredentialKind.LEVEL, revoked_at__gt=found.issued_at
            ).exists()
            if newest <= found.issued_at and not revoked_since:
                kept[student.pk] = found
                continue
            credentials.revoke_credential(
                policy.SYSTEM, found, reason=_("A newer transcript replaces this one.")
            )
        name = _("Competency transcript of %(name)s") % {"name": student.display_name}
        fresh.append((student, name, inner))
    if fresh:
        for clr in credentials.issue_clrs(policy.SYSTEM, fresh, subject_key=TRANSCRIPT_KEY):
            kept[clr.student_id] = clr
    return kept


# ---------------------------------------------------------------- a graduating class


@transaction.atomic
def start_class_issue(actor: Any, district: Organization, *, grade_level: str) -> ClassIssue:
    """Issue a graduating class's credentials in the background (progress on a page)."""
    policy.authorize(actor, Act.CHANGE, Subject.TRANSCRIPT_SETTINGS, district)
    if district.kind != OrganizationKind.DISTRICT:
        raise ValidationError({"district": _("A class is issued for a district.")})
    grade_level = (grade_level or "").strip()
    students = Student.objects.filter(
        school__path__startswith=district.path, grade_level=grade_level
    ).count()
    if not students:
        raise ValidationError({"grade_level": _("No student of this district is in this grade.")})
    job = ClassIssue.objects.create(
        district=district,
        grade_level=grade_level,
        started_by=actor if getattr(actor, "pk", None) else None,
        students=students,
    )
    from proficio.transcripts.tasks import issue_class

    transaction.on_commit(lambda: issue_class.enqueue(job.pk))
    return job


CLASS_CHUNK = 25


def run_class_issue(job: ClassIssue, *, processes: int | None = None) -> ClassIssue:
    """The class in chunks of students, each chunk: their level credentials (signed over
    ``processes`` worker processes, by default ``credentials.signing.process_count``),
    then their transcript CLRs, each write in its own short transaction. The definitions
    the standings read are read once per chunk. While the workers sign one chunk, this
    process writes the chunk before and reads the one after. Progress goes to the shared
    progress cache as each chunk is written."""
    students = list(
        Student.objects.filter(
            school__path__startswith=job.district.path, grade_level=job.grade_level
        )
        .select_related("school__parent", "user")  # with the district (`district_of`)
        .order_by("pk")
    )
    total = len(students)
    levels = transcripts = 0
    progress.report("class_issue", job.pk, done=0, total=total, stage="issuing")
    pending: list[tuple[list[Student], Callable[[], list[IssuedCredential]], int]] = []

    def finish() -> None:
        nonlocal levels, transcripts
        chunk, written, done = pending.pop()
        with definitions.request_scope():
            levels += len(written())
            transcripts += len(_wrap_many(chunk))
        progress.report("class_issue", job.pk, done=done, total=total, stage="issuing")

    with credential_signing.signer(processes) as sign:
        for start in range(0, total, CLASS_CHUNK):
            chunk = students[start : start + CLASS_CHUNK]
            with definitions.request_scope():
                written = credentials.start_level_credentials_for(
                    policy.SYSTEM, chunk, always=True, signer=sign
                )
            if pending:
                finish()
            pending.append((chunk, written, min(start + CLASS_CHUNK, total)))
        if pending:
            finish()
    ClassIssue.objects.filter(pk=job.pk).update(
        finished_at=timezone.now(), transcripts=transcripts, level_credentials=levels
    )
    progress.report("class_issue", job.pk, done=total, total=total, stage="done")
    job.refresh_from_db()
    return job

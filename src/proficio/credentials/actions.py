"""The only code that writes credentials, keys, status lists and credential settings.

Every action takes the acting person first and asks the policy. Issuing is one generic
action (``issue_credential``) that a competency level, a diploma or an educator
micro-credential calls with its own achievement; a CLR wraps already-issued credentials
(``issue_clr``). Correcting revokes with a reason the holder sees, then reissues."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio import policy
from proficio.audit import log
from proficio.audit.models import AuditAction
from proficio.core.credentials import data_integrity, ob3, status_list, vc_jwt
from proficio.core.credentials.verify import Outcome, Verdict, read_presented, verify_bytes
from proficio.credentials import keys, publish, signing
from proficio.credentials.levels import LevelReached, levels_reached, levels_reached_of
from proficio.credentials.models import (
    CredentialFormat,
    CredentialKind,
    CredentialSettings,
    IssuedCredential,
    IssuerKey,
    OutsideCredential,
    StatusList,
)
from proficio.credentials.trust import trust
from proficio.frameworks.models import Item, ItemKind, PublicationStatus
from proficio.orgs.models import Organization, OrganizationKind, Student
from proficio.policy import Act, Subject

MAX_UPLOAD = 2 * 1024 * 1024


def district_of(org: Organization) -> Organization:
    """The district an organization belongs to (issuing happens at the district)."""
    node = org
    while node.kind != OrganizationKind.DISTRICT and node.parent is not None:
        node = node.parent
    return node


def level_credentials_on(district: Organization) -> bool:
    found = CredentialSettings.objects.filter(district=district).first()
    return bool(found and found.issue_level_credentials)


# ---------------------------------------------------------------- settings and keys


@transaction.atomic
def set_credential_settings(
    actor: Any, district: Organization, *, issue_level_credentials: bool
) -> CredentialSettings:
    policy.authorize(actor, Act.CHANGE, Subject.CREDENTIAL_SETTINGS, district)
    if district.kind != OrganizationKind.DISTRICT:
        raise ValidationError({"district": _("Credentials are turned on for a district.")})
    found, _created = CredentialSettings.objects.get_or_create(district=district)
    found.issue_level_credentials = issue_level_credentials
    found.changed_by = actor if getattr(actor, "pk", None) else None
    found.save()
    if issue_level_credentials:
        from proficio.credentials.tasks import issue_district_level_credentials

        transaction.on_commit(lambda: issue_district_level_credentials.enqueue(district.pk))
    return found


def _new_key(org: Organization, number: int) -> IssuerKey:
    pair = keys.generate()
    issuer = keys.issuer_did(org, pair.public)
    return IssuerKey.objects.create(
        organization=org,
        did=issuer,
        verification_method=keys.method_id(issuer, pair.public, number),
        public_key=pair.public,
        encrypted_secret=keys.seal(pair.secret),
    )


def _issuing_key(org: Organization) -> IssuerKey:
    """The organization's current key, made on first use (inside the caller's transaction)."""
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    key = publish.current_key(org.pk)
    if key is None:
        key = _new_key(org, IssuerKey.objects.filter(organization=org).count() + 1)
    return key


@transaction.atomic
def rotate_issuer_key(actor: Any, org: Organization) -> IssuerKey:
    """Retire the current key (it stays published, so its credentials still verify) and
    make a new one for everything issued from now on."""
    policy.authorize(actor, Act.CHANGE, Subject.CREDENTIAL_SETTINGS, org)
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    IssuerKey.objects.filter(organization=org, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    return _new_key(org, IssuerKey.objects.filter(organization=org).count() + 1)


def _status_bits(org: Organization, key: IssuerKey, count: int) -> list[tuple[StatusList, int]]:
    """The next ``count`` free bits on the organization's open lists under the key's DID
    (a new list when one fills), inside the caller's transaction."""
    bits: list[tuple[StatusList, int]] = []
    while len(bits) < count:
        sl = (
            StatusList.objects.select_for_update()
            .filter(organization=org, key__did=key.did)
            .order_by("-created_at", "-id")
            .first()
        )
        if sl is None or sl.next_index >= sl.size:
            sl = StatusList.objects.create(organization=org, key=key, size=status_list.MIN_ENTRIES)
        take = min(count - len(bits), sl.size - sl.next_index)
        bits.extend((sl, index) for index in range(sl.next_index, sl.next_index + take))
        sl.next_index += take
        sl.save(update_fields=["next_index"])
    return bits


def _status_bit(org: Organization, key: IssuerKey) -> tuple[StatusList, int]:
    return _status_bits(org, key, 1)[0]


# ---------------------------------------------------------------- issuing


def _recipient(student: Student) -> ob3.Recipient:
    return ob3.Recipient(f"urn:uuid:{student.uuid}", student.local_id, secrets.token_hex(8))


def _issuer_profile(org: Organization, key: IssuerKey) -> ob3.Issuer:
    return ob3.Issuer(key.did, org.name, publish.base_url() + "/")


def achievement_for_level(reached: LevelReached, issuer: ob3.Issuer) -> ob3.Achievement:
    comp = reached.competency
    framework = comp.framework
    title = comp.abbreviated_statement or comp.full_statement
    return ob3.Achievement(
        id=f"{publish.base_url()}/credentials/achievements/{comp.identifier}/{reached.level.code}",
        name=_("%(competency)s: %(level)s") % {"competency": title, "level": reached.level.label},
        description=comp.full_statement,
        criteria=_(
            "Every learning target of this competency at %(level)s shown at proficiency: "
            "%(targets)s."
        )
        % {
            "level": reached.level.label,
            "targets": "; ".join(
                t.human_coding_scheme or t.full_statement for t in reached.targets
            ),
        },
        achievement_type="Competency",
        alignments=[
            ob3.CaseAlignment(
                uri=comp.uri,
                name=title,
                code=comp.human_coding_scheme or "",
                framework=framework.title,
            )
        ],
        human_code=comp.human_coding_scheme or "",
        creator=issuer,
    )


@transaction.atomic
def issue_credential(
    actor: Any,
    student: Student,
    *,
    kind: CredentialKind,
    subject_key: str,
    achievement: ob3.Achievement | None = None,
    make_achievement: Any = None,
    competency: Item | None = None,
    level: Any = None,
    valid_until: dt.datetime | None = None,
    evidence: Sequence[ob3.Evidence] = (),
) -> IssuedCredential:
    """Sign and record one OB 3.0 AchievementCredential for ``student``, with its own bit
    on the issuer's status list. ``make_achievement(issuer)`` builds the achievement when
    it names the issuer (its creator)."""
    # A credential about to be issued: asked of the student (not of an IssuedCredential).
    policy.authorize_students(actor, Act.CHANGE, Subject.CREDENTIAL, [student.pk])
    if IssuedCredential.objects.filter(
        student=student, subject_key=subject_key, revoked_at__isnull=True
    ).exists():
        raise ValidationError({"credential": _("This credential was already issued.")})
    return _sign_and_record(
        actor,
        {"student": student},
        _recipient(student),
        district_of(student.school),
        kind=kind,
        subject_key=subject_key,
        achievement=achievement,
        make_achievement=make_achievement,
        competency=competency,
        level=level,
        valid_until=valid_until,
        evidence=evidence,
    )


@transaction.atomic
def issue_educator_credential(
    actor: Any,
    submission: Any,
    *,
    issuer: Organization,
    subject_key: str,
    make_achievement: Any,
    competency: Item | None = None,
    evidence: Sequence[ob3.Evidence] = (),
) -> IssuedCredential:
    """Sign and record an educator's micro-credential: the same signer, status lists and
    record as a student's credential, with the educator as the holder. Only the reviewer
    assigned to the ``submission`` (``Subject.REVIEW``) issues it, signed by ``issuer``
    (the district or state that offers the micro-credential)."""
    policy.authorize(actor, Act.CHANGE, Subject.REVIEW, submission)
    educator = submission.educator
    if IssuedCredential.objects.filter(
        educator=educator, subject_key=subject_key, revoked_at__isnull=True
    ).exists():
        raise ValidationError({"credential": _("This credential was already issued.")})
    return _sign_and_record(
        actor,
        {"educator": educator},
        educator_recipient(educator),
        issuer,
        kind=CredentialKind.MICRO_CREDENTIAL,
        subject_key=subject_key,
        make_achievement=make_achievement,
        competency=competency,
        evidence=evidence,
    )


def educator_recipient(educator: Any) -> ob3.Recipient:
    """The educator as a credential subject: their profile's stable id (names nobody), and
    their email address hashed with a salt (else the profile id), so the credential
    proves whose it is wherever they take it."""
    from proficio.pace.models import EducatorProfile

    profile, _created = EducatorProfile.objects.get_or_create(user=educator)
    if educator.email:
        return ob3.Recipient(
            f"urn:uuid:{profile.uuid}",
            educator.email.strip().lower(),
            secrets.token_hex(8),
            identity_type="emailAddress",
        )
    return ob3.Recipient(
        f"urn:uuid:{profile.uuid}", str(profile.uuid), secrets.token_hex(8), "systemId"
    )


def _sign_and_record(
    actor: Any,
    holder: dict[str, Any],
    recipient: ob3.Recipient,
    org: Organization,
    *,
    kind: CredentialKind,
    subject_key: str,
    achievement: ob3.Achievement | None = None,
    make_achievement: Any = None,
    competency: Item | None = None,
    level: Any = None,
    valid_until: dt.datetime | None = None,
    evidence: Sequence[ob3.Evidence] = (),
) -> IssuedCredential:
    """The one signer: the organization's key, a status bit, the eddsa-rdfc-2022 proof."""
    key = _issuing_key(org)
    issuer = _issuer_profile(org, key)
    chosen = achievement if achievement is not None else make_achievement(issuer)
    row, unsigned = _unsigned_credential(
        actor,
        holder,
        recipient,
        org,
        key,
        _status_bit(org, key),
        timezone.now(),
        kind=kind,
        subject_key=subject_key,
        achievement=chosen,
        competency=competency,
        level=level,
        valid_until=valid_until,
        evidence=evidence,
    )
    _sign_rows(key, [row], [unsigned], signing.HERE)()
    row.save()
    return row


def _unsigned_credential(
    actor: Any,
    holder: dict[str, Any],
    recipient: ob3.Recipient,
    org: Organization,
    key: IssuerKey,
    bit: tuple[StatusList, int],
    now: dt.datetime,
    *,
    kind: CredentialKind,
    subject_key: str,
    achievement: ob3.Achievement,
    competency: Item | None = None,
    level: Any = None,
    valid_until: dt.datetime | None = None,
    evidence: Sequence[ob3.Evidence] = (),
) -> tuple[IssuedCredential, dict[str, Any]]:
    """The record (not saved, content not yet signed) and the OB 3.0 credential to sign."""
    sl, index = bit
    record_id = uuid.uuid4()
    unsigned = ob3.achievement_credential(
        ob3.CredentialMeta(
            id=f"{publish.base_url()}/credentials/{record_id}",
            name=achievement.name,
            valid_from=now,
            valid_until=valid_until,
            status=status_list.entry(publish.status_list_url(sl), index),
            evidence=evidence,
        ),
        _issuer_profile(org, key),
        recipient,
        achievement,
    )
    row = IssuedCredential(
        uuid=record_id,
        **holder,
        issuer=org,
        kind=kind,
        format=CredentialFormat.DATA_INTEGRITY,
        subject_key=subject_key,
        name=achievement.name[:300],
        competency=competency,
        level=level,
        key=key,
        status_list=sl,
        status_index=index,
        issued_at=now,
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    return row, unsigned


def _sign_rows(
    key: IssuerKey,
    rows: Sequence[IssuedCredential],
    unsigned: Sequence[dict[str, Any]],
    signer: signing.Signer,
) -> Callable[[], None]:
    """Start signing each credential with the key's eddsa-rdfc-2022 proof, dated at its
    issue; the returned function waits for the signatures and puts them on the rows."""
    if not rows:
        return lambda: None
    signed = signer.start(
        list(unsigned),
        secret=keys.unseal(key.encrypted_secret),
        verification_method=key.verification_method,
        created=rows[0].issued_at,
    )

    def collect() -> None:
        for row, document in zip(rows, signed(), strict=True):
            row.content = json.dumps(document, ensure_ascii=False)

    return collect


def _issue_level(actor: Any, student: Student, reached: LevelReached) -> IssuedCredential:
    return issue_credential(
        actor,
        student,
        kind=CredentialKind.LEVEL,
        subject_key=reached.subject_key,
        make_achievement=lambda issuer: achievement_for_level(reached, issuer),
        competency=reached.competency,
        level=reached.level,
    )


def issue_level_credentials(
    actor: Any, student: Student, *, always: bool = False
) -> list[IssuedCredential]:
    """A credential for each competency level the student has reached and holds none
    for yet, when the student's district issues them (``always``: whatever the district's
    setting, for a record the student asked for, such as the transcript's CLR).

    The levels are read outside any transaction and each credential is issued in its own
    short one: on SQLite a transaction holds the database's write lock from its start, and
    a district's worth of issuing must not keep people from logging in meanwhile. Running
    it again issues only what is still missing."""
    # A credential about to be issued: asked of the student (not of an IssuedCredential).
    policy.authorize_students(actor, Act.CHANGE, Subject.CREDENTIAL, [student.pk])
    if not always and not level_credentials_on(district_of(student.school)):
        return []
    held = set(
        IssuedCredential.objects.filter(
            student=student, kind=CredentialKind.LEVEL, revoked_at__isnull=True
        ).values_list("subject_key", flat=True)
    )
    return [
        _issue_level(actor, student, reached)
        for reached in levels_reached(student)
        if reached.subject_key not in held
    ]


def issue_level_credentials_for(
    actor: Any,
    students: Sequence[Student],
    *,
    always: bool = False,
    signer: signing.Signer = signing.HERE,
) -> list[IssuedCredential]:
    """:func:`issue_level_credentials` for many students at once (a graduating class): one
    authorization, one read of what they hold, their status bits taken together in one
    short transaction, the credentials signed outside any transaction (by ``signer``, which
    may spread them over processes), then written together in a second short one that
    skips anything issued meanwhile. A bit taken for a credential that is then skipped
    stays unused (never set), which verifiers read as not revoked about nothing."""
    return start_level_credentials_for(actor, students, always=always, signer=signer)()


def start_level_credentials_for(
    actor: Any,
    students: Sequence[Student],
    *,
    always: bool = False,
    signer: signing.Signer = signing.HERE,
) -> Callable[[], list[IssuedCredential]]:
    """:func:`issue_level_credentials_for` in two steps: this reads, takes the status bits
    and starts the signing; the returned function waits for the signatures and writes the
    credentials (what it returns). Between the two the caller's process is free, for
    example to write the previous students' credentials while a pool signs these."""
    ids = [s.pk for s in students]
    policy.authorize_students(actor, Act.CHANGE, Subject.CREDENTIAL, ids)
    held = set(
        IssuedCredential.objects.filter(
            student_id__in=ids, kind=CredentialKind.LEVEL, revoked_at__isnull=True
        ).values_list("student_id", "subject_key")
    )
    by_district: dict[int, tuple[Organization, list[Student]]] = {}
    districts: dict[int, Organization] = {}
    for student in students:
        if student.school_id not in districts:
            districts[student.school_id] = district_of(student.school)
        org = districts[student.school_id]
        by_district.setdefault(org.pk, (org, []))[1].append(student)
    started: list[Callable[[], list[IssuedCredential]]] = []
    for org, group in by_district.values():
        if not always and not level_credentials_on(org):
            continue
        reached_by = levels_reached_of(group)
        due = [
            (student, reached)
            for student in group
            for reached in reached_by[student.pk]
            if (student.pk, reached.subject_key) not in held
        ]
        started.append(_start_levels(actor, org, due, signer))

    def finish() -> list[IssuedCredential]:
        return [row for written in started for row in written()]

    return finish


def _start_levels(
    actor: Any,
    org: Organization,
    due: Sequence[tuple[Student, LevelReached]],
    signer: signing.Signer,
) -> Callable[[], list[IssuedCredential]]:
    if not due:
        return lambda: []
    with transaction.atomic():
        key = _issuing_key(org)
        bits = _status_bits(org, key, len(due))
    issuer = _issuer_profile(org, key)
    now = timezone.now()
    rows: list[IssuedCredential] = []
    documents: list[dict[str, Any]] = []
    for (student, reached), bit in zip(due, bits, strict=True):
        row, unsigned = _unsigned_credential(
            actor,
            {"student": student},
            _recipient(student),
            org,
            key,
            bit,
            now,
            kind=CredentialKind.LEVEL,
            subject_key=reached.subject_key,
            achievement=achievement_for_level(reached, issuer),
            competency=reached.competency,
            level=reached.level,
        )
        rows.append(row)
        documents.append(unsigned)
    signed = _sign_rows(key, rows, documents, signer)

    def write() -> list[IssuedCredential]:
        signed()
        with transaction.atomic(), log.batched():
            meanwhile = set(
                IssuedCredential.objects.filter(
                    student_id__in={r.student_id for r in rows},
                    subject_key__in={r.subject_key for r in rows},
                    revoked_at__isnull=True,
                ).values_list("student_id", "subject_key")
            )
            fresh = [r for r in rows if (r.student_id, r.subject_key) not in meanwhile]
            IssuedCredential.objects.bulk_create(fresh, batch_size=500)
            for row in fresh:  # bulk writes bypass the audit signal: one entry per credential
                log.record(AuditAction.CREATE, row)
        return fresh

    return write


def sync_level_credentials(
    actor: Any, student: Student
) -> tuple[list[IssuedCredential], list[IssuedCredential]]:
    """After the student's standings changed: when the district issues level credentials,
    revoke the live ones the corrected record no longer shows (with a reason the holder
    reads) and issue those newly reached. Running it again changes nothing."""
    policy.authorize_students(actor, Act.CHANGE, Subject.CREDENTIAL, [student.pk])
    if not level_credentials_on(district_of(student.school)):
        return [], []
    reached = {r.subject_key for r in levels_reached(student)}
    revoked = [
        revoke_credential(
            actor,
            c,
            reason=_("The record was corrected: this level is no longer shown."),
        )
        for c in IssuedCredential.objects.filter(
            student=student,
            kind=CredentialKind.LEVEL,
            revoked_at__isnull=True,
            subject_key__startswith="level:",
        )
        if c.subject_key not in reached
    ]
    return issue_level_credentials(actor, student), revoked


@transaction.atomic
def issue_clr(
    actor: Any,
    student: Student,
    *,
    name: str,
    credentials: QuerySet[IssuedCredential] | Sequence[IssuedCredential],
    subject_key: str,
    kind: CredentialKind = CredentialKind.CLR,
) -> IssuedCredential:
    """A CLR 2.0 credential signed as a VC-JWT, holding the student's live OB 3.0
    credentials (each signed itself). The transcript calls this with its own selection."""
    return issue_clrs(actor, [(student, name, credentials)], subject_key=subject_key, kind=kind)[0]


@transaction.atomic
def issue_clrs(
    actor: Any,
    records: Sequence[tuple[Student, str, QuerySet[IssuedCredential] | Sequence[IssuedCredential]]],
    *,
    subject_key: str,
    kind: CredentialKind = CredentialKind.CLR,
) -> list[IssuedCredential]:
    """:func:`issue_clr` for many students (student, name, credentials) in one transaction:
    one authorization, the status bits taken together, the records written together."""
    # A credential about to be issued: asked of the students (not of an IssuedCredential).
    policy.authorize_students(actor, Act.CHANGE, Subject.CREDENTIAL, [r[0].pk for r in records])
    wanted: list[tuple[Student, str, list[IssuedCredential], Organization]] = []
    for student, name, credentials in records:
        inner = [c for c in credentials if c.student_id == student.pk and c.revoked_at is None]
        if not inner:
            raise ValidationError(
                {"credentials": _("A record needs at least one live credential.")}
            )
        wanted.append((student, name, inner, district_of(student.school)))
    issued: list[IssuedCredential] = []
    for org in {w[3].pk: w[3] for w in wanted}.values():
        here = [w for w in wanted if w[3].pk == org.pk]
        key = _issuing_key(org)
        issuer = _issuer_profile(org, key)
        secret = keys.unseal(key.encrypted_secret)
        now = timezone.now()
        rows = []
        for (student, name, inner, _org), (sl, index) in zip(
            here, _status_bits(org, key, len(here)), strict=True
        ):
            record = IssuedCredential(
                student=student,
                issuer=org,
                kind=kind,
                format=CredentialFormat.JWT,
                subject_key=subject_key,
                name=name[:300],
                key=key,
                status_list=sl,
                status_index=index,
                issued_at=now,
                issued_by=actor if getattr(actor, "pk", None) else None,
            )
            unsigned = ob3.clr_credential(
                ob3.CredentialMeta(
                    id=f"{publish.base_url()}/credentials/{record.uuid}",
                    name=name,
                    valid_from=now,
                    status=status_list.entry(publish.status_list_url(sl), index),
                ),
                issuer,
                _recipient(student),
                [
                    json.loads(c.content)
                    if c.format == CredentialFormat.DATA_INTEGRITY
                    else c.content
                    for c in inner
                ],
            )
            record.content = vc_jwt.sign(
                unsigned,
                secret=secret,
                public_key=bytes(key.public_key),
                kid=key.verification_method,
            )
            rows.append(record)
        with log.batched():
            IssuedCredential.objects.bulk_create(rows, batch_size=500)
            for row in rows:  # bulk writes bypass the audit signal: one entry per credential
                log.record(AuditAction.CREATE, row)
        issued += rows
    order = {id(w[0]): i for i, w in enumerate(wanted)}
    return sorted(issued, key=lambda r: order[id(r.student)])


# ---------------------------------------------------------------- revoking and correcting


@transaction.atomic
def revoke_credential(actor: Any, credential: IssuedCredential, *, reason: str) -> IssuedCredential:
    policy.authorize(actor, Act.CHANGE, Subject.CREDENTIAL, credential)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, in words the student will read.")})
    locked = IssuedCredential.objects.select_for_update().get(pk=credential.pk)
    if locked.revoked_at is not None:
        raise ValidationError({"credential": _("This credential is already revoked.")})
    locked.revoked_at = timezone.now()
    locked.revocation_reason = reason[:2000]
    locked.revoked_by = actor if getattr(actor, "pk", None) else None
    locked.save()
    return locked


@transaction.atomic
def correct_credential(
    actor: Any, credential: IssuedCredential, *, reason: str
) -> IssuedCredential | None:
    """Revoke with the reason the holder reads, then reissue what the record shows now:
    the same level if it is still reached (a fresh credential), nothing if not."""
    revoked = revoke_credential(actor, credential, reason=reason)
    if revoked.kind != CredentialKind.LEVEL or revoked.student is None:
        return None
    still = [r for r in levels_reached(revoked.student) if r.subject_key == revoked.subject_key]
    if not still:
        return None
    fresh = _issue_level(actor, revoked.student, still[0])
    revoked.replaced_by = fresh
    revoked.save(update_fields=["replaced_by"])
    return fresh


# ---------------------------------------------------------------- outside credentials


def _aligned_target(verdict: Verdict) -> Item | None:
    """One of our published learning targets (or a competency's first target) that the
    credential's achievement aligns to by its CASE URI."""
    uris = [a.target_url for a in verdict.alignments if a.target_type in ("CFItem", "")]
    items = Item.objects.filter(
        uri__in=uris, archived_at__isnull=True, framework__status=PublicationStatus.PUBLISHED
    ).select_related("framework")
    for item in items:
        if item.kind == ItemKind.TARGET:
            return item
    return None


@transaction.atomic
def present_outside_credential(
    actor: Any, student: Student, *, data: bytes, filename: str
) -> OutsideCredential:
    """Verify a credential the student earned elsewhere. A genuine one is kept in their
    wallet; when it aligns to one of our targets, it is proposed as evidence for an
    educator to accept. One that does not verify is refused with the reason."""
    policy.authorize(actor, Act.CHANGE, Subject.OWN_LEARNING, student)
    verdict = verify_bytes(data, trust(), max_bytes=MAX_UPLOAD)
    if not verdict.valid:
        failed = [c.message for c in verdict.checks if c.outcome == Outcome.FAILED]
        raise ValidationError({"file": [_("This credential could not be verified."), *failed[:3]]})
    target = _aligned_target(verdict)
    record = OutsideCredential.objects.create(
        student=student,
        name=verdict.name[:300],
        issuer_name=verdict.issuer_name[:300],
        content=read_presented(data, max_bytes=MAX_UPLOAD).text,  # unbaked from an image
        verdict=verdict.as_dict(),
        target=target,
    )
    if target is not None:
        from proficio.learners import actions as learners_actions

        levels = learners_actions.scale_levels(target)
        mastery = min((lv.value for lv in levels if lv.meets_mastery), default=3.0)
        lines = [verdict.headline] + [f"{c.aspect.value}: {c.message}" for c in verdict.checks]
        evidence = learners_actions.submit_outside_learning(
            actor,
            student=student,
            title=(verdict.name or _("Outside credential"))[:200],
            target=target,
            level=mastery,
            assessed_at=timezone.now(),
            partner_organization=verdict.issuer_name[:200],
            description="\n".join(lines),
            verifier=_("Verified by Proficio (%(status)s)") % {"status": verdict.status},
            upload=_credential_attachment(filename, record.content),
        )
        record.evidence = evidence
        record.save(update_fields=["evidence"])
    return record


def _credential_attachment(filename: str, content: str) -> Any:
    """The credential's own JSON, unbaked, attached to the proposed evidence as plain text.

    Student work is served only in the types ``evidence.actions.check_upload`` accepts, and
    text only as a ``.txt`` file, so the credential travels as ``<name>.txt`` (a baked image
    is not attached as the image: an SVG is markup we never serve). Every ``<`` is written
    as the JSON escape ``\\u003c``: the same JSON, with no markup for a browser to find."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    stem = (filename.rsplit(".", 1)[0] or "credential")[:90]
    text = content.replace("<", "\\u003c")
    return SimpleUploadedFile(f"{stem}.txt", text.encode("utf-8"), "text/plain")


def wallet_file(actor: Any, student: Student) -> dict[str, Any]:
    """Every credential issued to the student, in one JSON document they can keep."""
    policy.authorize(actor, Act.VIEW, Subject.CREDENTIAL)
    rows = (
        policy.visible(actor, Subject.CREDENTIAL)
        .filter(student=student)
        .order_by("issued_at", "id")
    )
    return {
        "type": "ProficioCredentialWallet",
        "holder": f"urn:uuid:{student.uuid}",
        "exportedAt": data_integrity.timestamp(timezone.now()),
        "credentials": [
            {
                "name": c.name,
                "format": c.format,
                "revoked": c.revoked_at is not None,
                "revocationReason": c.revocation_reason,
                "credential": json.loads(c.content)
                if c.format == CredentialFormat.DATA_INTEGRITY
                else c.content,
            }
            for c in rows
        ],
    }

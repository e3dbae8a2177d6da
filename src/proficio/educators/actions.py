"""The only code that writes the educators app's rows (and educators' profiles).

Every action takes the acting person first and asks the policy before it touches
anything. An action validates all of its input before writing, raising one
``ValidationError`` whose keys name the fields, and runs in one transaction, so nothing
is ever half-saved. The workflow rules (who may review what, conflicts of interest,
blind review, peer feedback) are predicates in ``proficio.policy``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from proficio import policy
from proficio.accounts.models import User
from proficio.audit.log import record_bulk, record_reads
from proficio.audit.models import AuditAction
from proficio.core.credentials import ob3
from proficio.core.equity.audit import AuditState
from proficio.core.equity.joint import held
from proficio.credentials import actions as credentials
from proficio.credentials import publish
from proficio.educators import growth
from proficio.educators.models import (
    CalibrationRound,
    CatalogueStatus,
    ConflictOfInterest,
    CredentialHeld,
    EducatorEvidence,
    EducatorEvidenceKind,
    EnrollmentStatus,
    FeedbackNote,
    FeedbackRequest,
    GrowthPlan,
    IssuerKind,
    LeaderRelease,
    LicenseKind,
    Licensure,
    MicroCredential,
    MicroCredentialPart,
    NoteKind,
    PartKind,
    PartResponse,
    PartScore,
    Pathway,
    PathwayEnrollment,
    PathwayMember,
    PlanDecision,
    PlanStatus,
    Review,
    ReviewAssignment,
    ReviewerQualification,
    Share,
    Submission,
    SubmissionArtifact,
    SubmissionStatus,
    SubmissionVersion,
)
from proficio.evidence.actions import check_upload
from proficio.evidence.models import ALLOWED_ARTIFACT_TYPES
from proficio.frameworks import actions as frameworks
from proficio.frameworks.models import Category, Item, ItemKind, PublicationStatus
from proficio.moderation import actions as moderation
from proficio.orgs.models import Organization, OrganizationKind, RoleMembership, Student, active_on
from proficio.pace.models import EducatorProfile, EducatorRole
from proficio.policy import SYSTEM, Act, Actor, Subject, authorize, authorize_in

MAX_TEXT = 20_000
MAX_PARTS = 12


def _person(actor: Actor) -> User | None:
    return None if actor is SYSTEM else actor


def _now() -> dt.datetime:
    return timezone.now()


# ================================================================ profiles and licensure


def _workplace(user: User) -> Organization | None:
    """Where an educator works: the school of a current educator membership (the
    lowest in the tree), else their district office."""
    membership = (
        RoleMembership.objects.filter(
            active_on(timezone.localdate()),
            user=user,
            role__in=[r.value for r in policy.EDUCATOR_ROLES],
        )
        .select_related("organization")
        .order_by("-organization__path")
        .first()
    )
    return membership.organization if membership else None


def _supervisor_at(place: Organization | None) -> User | None:
    """A school's leader supervises its educators (the first, by account, when several)."""
    if place is None or place.kind != OrganizationKind.SCHOOL:
        return None
    membership = (
        RoleMembership.objects.filter(
            active_on(timezone.localdate()), organization=place, role="school_leader"
        )
        .order_by("user_id")
        .first()
    )
    return membership.user if membership else None


def _profile(user: User) -> EducatorProfile:
    """The educator's profile row, made on first need with where they work (inside the
    caller's transaction)."""
    profile = EducatorProfile.objects.select_related("organization").filter(user=user).first()
    if profile is None:
        place = _workplace(user)
        profile = EducatorProfile.objects.create(
            user=user,
            organization=place,
            roles=[EducatorRole.TEACHER.value],
            supervisor=_supervisor_at(place),
        )
    elif profile.organization_id is None:
        place = _workplace(user)
        if place is not None:
            profile.organization = place
            if profile.supervisor_id is None:
                profile.supervisor = _supervisor_at(place)
            profile.save(update_fields=["organization", "supervisor"])
    return profile


@transaction.atomic
def my_profile(actor: Actor) -> EducatorProfile:
    """The acting educator's own profile (made on first need)."""
    if actor is SYSTEM or not policy.may(actor, Act.CHANGE, Subject.OWN_PRACTICE):
        raise PermissionDenied
    return _profile(actor)


@transaction.atomic
def sync_profiles(actor: Actor, district: Organization) -> int:
    """A profile for every educator of the district who has none yet, with where they
    work and their building leader as direct supervisor (the demo, an operator)."""
    authorize_in(actor, Act.CHANGE, Subject.EDUCATOR_PROFILE, district)
    users = User.objects.filter(
        pk__in=RoleMembership.objects.filter(
            active_on(timezone.localdate()),
            organization__path__startswith=district.path,
            role__in=[r.value for r in policy.EDUCATOR_ROLES],
        ).values("user_id")
    ).order_by("pk")
    made = 0
    for user in users:
        before = EducatorProfile.objects.filter(user=user, organization__isnull=False).exists()
        _profile(user)
        made += 0 if before else 1
    return made


def _parse_int(raw: Any, field: str, errors: dict[str, str], *, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors[field] = f"“{raw}” is not a whole number."
        return 0
    if not low <= value <= high:
        errors[field] = f"Give a number from {low} to {high}."
    return value


def _parse_decimal(raw: Any, field: str, errors: dict[str, str], *, high: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, TypeError, ValueError):
        errors[field] = f"“{raw}” is not a number."
        return Decimal("0")
    if not value.is_finite() or value < 0 or value > Decimal(high):
        errors[field] = f"Give a number from 0 to {high}."
    return value.quantize(Decimal("0.01")) if value.is_finite() else Decimal("0")


@transaction.atomic
def update_profile(
    actor: Actor,
    profile: EducatorProfile,
    *,
    roles: Sequence[str],
    years_experience: Any,
    supervisor: User | None = None,
) -> EducatorProfile:
    """The educator or their leaders edit roles, years of experience and the direct
    supervisor (who then never reviews their work unless an issuer allows it)."""
    authorize(actor, Act.CHANGE, Subject.EDUCATOR_PROFILE, profile)
    errors: dict[str, str] = {}
    unknown = [r for r in roles if r not in EducatorRole.values]
    if unknown:
        errors["roles"] = f"Unknown role: {', '.join(unknown)}."
    years = _parse_int(years_experience, "years_experience", errors, low=0, high=60)
    if supervisor is not None and supervisor.pk == profile.user_id:
        errors["supervisor"] = "An educator is not their own supervisor."
    if errors:
        raise ValidationError(errors)
    profile.roles = [r for r in EducatorRole.values if r in set(roles)]
    profile.years_experience = years
    profile.supervisor = supervisor
    profile.updated_at = _now()
    profile.updated_by = _person(actor)
    profile.save()
    return profile


def in_force(license: Licensure, today: dt.date) -> bool:
    return license.issued_on <= today <= license.expires_on


def _refresh_fully_credentialed(profile: EducatorProfile) -> None:
    """The bias check's "fully credentialed": a standard license in force today. With no
    license recorded, what was set before stands (the demo's figures, an import)."""
    licenses = list(profile.licenses.all())
    if not licenses:
        return
    today = timezone.localdate()
    full = any(lic.kind == LicenseKind.STANDARD and in_force(lic, today) for lic in licenses)
    if full != profile.fully_credentialed:
        profile.fully_credentialed = full
        profile.save(update_fields=["fully_credentialed"])
        _leader_views_changed()


@transaction.atomic
def add_license(
    actor: Actor,
    profile: EducatorProfile,
    *,
    title: str,
    number: str = "",
    kind: str = LicenseKind.STANDARD,
    issued_on: dt.date | None,
    expires_on: dt.date | None,
    renewal_credits_required: Any = "0",
) -> Licensure:
    authorize(actor, Act.CHANGE, Subject.EDUCATOR_PROFILE, profile)
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = "Name the license."
    if kind not in LicenseKind.values:
        errors["kind"] = f"“{kind}” is not a kind of license."
    if issued_on is None:
        errors["issued_on"] = "Give the date the license was issued."
    if expires_on is None:
        errors["expires_on"] = "Give the date the license expires."
    elif issued_on is not None and expires_on <= issued_on:
        errors["expires_on"] = "A license expires after it is issued."
    credits = _parse_decimal(
        renewal_credits_required, "renewal_credits_required", errors, high="1000"
    )
    if errors:
        raise ValidationError(errors)
    assert issued_on is not None
    assert expires_on is not None
    license = Licensure.objects.create(
        profile=profile,
        title=title.strip()[:200],
        number=(number or "").strip()[:60],
        kind=kind,
        issued_on=issued_on,
        expires_on=expires_on,
        renewal_credits_required=credits,
    )
    _refresh_fully_credentialed(profile)
    return license


@transaction.atomic
def remove_license(actor: Actor, license: Licensure) -> None:
    profile = license.profile
    authorize(actor, Act.CHANGE, Subject.EDUCATOR_PROFILE, profile)
    license.delete()
    _refresh_fully_credentialed(profile)


@transaction.atomic
def add_credential_held(
    actor: Actor,
    profile: EducatorProfile,
    *,
    title: str,
    issuer_name: str = "",
    earned_on: dt.date | None = None,
) -> CredentialHeld:
    authorize(actor, Act.CHANGE, Subject.EDUCATOR_PROFILE, profile)
    if not (title or "").strip():
        raise ValidationError({"title": "Name the credential."})
    if earned_on is not None and earned_on > timezone.localdate():
        raise ValidationError({"earned_on": "A credential is earned on a day that has come."})
    return CredentialHeld.objects.create(
        profile=profile,
        title=title.strip()[:200],
        issuer_name=(issuer_name or "").strip()[:200],
        earned_on=earned_on,
    )


# ================================================================ growth evidence


def _own(actor: Actor, educator: User) -> EducatorProfile:
    """What only the educator does: the policy's OWN_PRACTICE row on their profile."""
    if actor is SYSTEM:
        return _profile(educator)
    if actor.pk != educator.pk:
        raise PermissionDenied
    profile = _profile(educator)
    authorize(actor, Act.CHANGE, Subject.OWN_PRACTICE, profile)
    return profile


@transaction.atomic
def self_assess(
    actor: Actor,
    educator: User,
    ratings: Mapping[str, Any],
    *,
    assessed_at: dt.datetime | None = None,
) -> int:
    """The educator rates themself on indicators of the educator framework, one level of
    its scale each (keys ``indicator-<id>``; blank leaves an indicator unrated). Each
    rating is growth evidence of kind self-assessment, which the policy counts or not."""
    _own(actor, educator)
    chosen: dict[int, str] = {}
    errors: dict[str, str] = {}
    for key, raw in ratings.items():
        match = re.fullmatch(r"indicator-(\d+)", key)
        if match is None or raw in (None, ""):
            continue
        chosen[int(match.group(1))] = str(raw)
    indicators = {
        i.pk: i
        for i in Item.objects.filter(
            pk__in=chosen, kind=ItemKind.TARGET, archived_at__isnull=True
        ).select_related("framework")
        if growth.is_indicator(i)
    }
    values: dict[int, float] = {}
    for pk, raw in sorted(chosen.items()):
        field = f"indicator-{pk}"
        item = indicators.get(pk)
        if item is None:
            errors[field] = "This is not an indicator of the educator framework."
            continue
        allowed = growth.scale_values(item)
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if value not in allowed:
            shown = ", ".join(f"{v:g}" for v in allowed)
            errors[field] = f"“{raw}” is not a level; use one of {shown}."
            continue
        values[pk] = value
    if errors:
        raise ValidationError(errors)
    at = assessed_at or _now()
    EducatorEvidence.objects.bulk_create(
        [
            EducatorEvidence(
                educator=educator,
                indicator_id=pk,
                kind=EducatorEvidenceKind.SELF_ASSESSMENT,
                score=value,
                assessed_at=at,
                recorded_by=_person(actor),
            )
            for pk, value in values.items()
        ]
    )
    record_bulk(
        AuditAction.CREATE, "educators.educatorevidence", len(values), detail={"kind": "self"}
    )
    return len(values)


@transaction.atomic
def record_observation(
    actor: Actor, profile: EducatorProfile, *, indicator: Item, level: Any, note: str
) -> EducatorEvidence:
    """A coach the educator shares with records what they saw, on one indicator."""
    authorize(actor, Act.CHANGE, Subject.COACHING, profile)
    errors: dict[str, str] = {}
    if not growth.is_indicator(indicator):
        errors["indicator"] = "Choose an indicator of the educator framework."
    allowed = growth.scale_values(indicator)
    try:
        value = float(level)
    except (TypeError, ValueError):
        value = float("nan")
    if value not in allowed:
        errors["level"] = "Choose a level: " + ", ".join(f"{v:g}" for v in allowed) + "."
    if not (note or "").strip():
        errors["note"] = "Say what you saw."
    if errors:
        raise ValidationError(errors)
    return EducatorEvidence.objects.create(
        educator=profile.user,
        indicator=indicator,
        kind=EducatorEvidenceKind.OBSERVATION,
        score=value,
        assessed_at=_now(),
        recorded_by=_person(actor),
        note=note.strip()[:MAX_TEXT],
    )


# ================================================================ growth plans


def _catalogue_for(educator: User) -> QuerySet[MicroCredential]:
    return policy.visible(educator, Subject.MICRO_CREDENTIAL).filter(
        status=CatalogueStatus.PUBLISHED
    )


def _by_codes(
    available: QuerySet[Any], codes: Iterable[str], field: str, noun: str
) -> tuple[list[Any], dict[str, str]]:
    wanted = [c.strip() for c in codes if c and c.strip()]
    found = {m.code: m for m in available.filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    errors = {field: f"No published {noun} “{', '.join(unknown)}”."} if unknown else {}
    return [found[c] for c in dict.fromkeys(wanted) if c in found], errors


def check_choices(pathway: Pathway, electives: Sequence[MicroCredential]) -> str | None:
    """The pathway's k-of-n rule: exactly ``choose_k`` electives, each from its core area."""
    core = set(pathway.members.filter(required=False).values_list("micro_credential_id", flat=True))
    outside = [m.code for m in electives if m.pk not in core]
    if outside:
        return (
            f"{', '.join(outside)} "
            + ("is" if len(outside) == 1 else "are")
            + f" not in the core area of “{pathway.title}”."
        )
    if len(electives) != pathway.choose_k:
        return (
            f"“{pathway.title}” takes {pathway.choose_k} of the {len(core)} micro-credentials "
            f"of its core area; {len(electives)} chosen."
        )
    return None


@transaction.atomic
def propose_plan(
    actor: Actor,
    educator: User,
    *,
    goals: Sequence[str],
    micro_credentials: Sequence[str] = (),
    pathway: str | None = None,
    electives: Sequence[str] = (),
    plan: GrowthPlan | None = None,
) -> GrowthPlan:
    """Propose a growth plan (or re-propose one returned with comments): goals, chosen
    micro-credentials (by code) and optionally a pathway with its chosen electives."""
    profile = _own(actor, educator)
    errors: dict[str, str] = {}
    clean_goals = [g.strip()[:500] for g in goals if g and g.strip()]
    if not clean_goals:
        errors["goals"] = "Write at least one goal."
    catalogue = _catalogue_for(educator)
    chosen, problems = _by_codes(
        catalogue, micro_credentials, "micro_credentials", "micro-credential"
    )
    errors.update(problems)
    path: Pathway | None = None
    picked: list[MicroCredential] = []
    if pathway:
        path = (
            policy.visible(educator, Subject.PATHWAY)
            .filter(status=CatalogueStatus.PUBLISHED, code=pathway.strip())
            .first()
        )
        if path is None:
            errors["pathway"] = f"No published pathway “{pathway}”."
        else:
            picked, problems = _by_codes(catalogue, electives, "electives", "micro-credential")
            errors.update(problems)
            if not problems:
                rule = check_choices(path, picked)
                if rule:
                    errors["electives"] = rule
    elif [e for e in electives if e and e.strip()]:
        errors["electives"] = "Electives belong to a pathway: choose the pathway too."
    if not chosen and path is None and "micro_credentials" not in errors:
        errors["micro_credentials"] = "Choose at least one micro-credential or a pathway."
    school = profile.organization
    if school is None:
        errors["school"] = "Your profile names no school or office, so no leader can approve."
    if plan is not None:
        if plan.educator_id != educator.pk:
            raise PermissionDenied
        if plan.status != PlanStatus.RETURNED:
            errors["plan"] = "Only a plan returned with comments can be proposed again."
    elif GrowthPlan.objects.filter(educator=educator, status=PlanStatus.PROPOSED).exists():
        errors["plan"] = "A plan of yours is already waiting for approval."
    if errors:
        raise ValidationError(errors)
    assert school is not None
    if plan is None:
        plan = GrowthPlan(educator=educator, version=1)
    else:
        plan.version += 1
    plan.school = school
    plan.goals = clean_goals
    plan.pathway = path
    plan.status = PlanStatus.PROPOSED
    plan.proposed_at = _now()
    plan.decided_at = None
    plan.save()
    plan.micro_credentials.set(chosen)
    plan.electives.set(picked)
    return plan


@transaction.atomic
def decide_plan(actor: Actor, plan: GrowthPlan, *, approve: bool, comment: str = "") -> GrowthPlan:
    """A building leader approves the plan, or returns it with comments (required). An
    approved plan with a pathway puts the educator on it with the chosen electives."""
    authorize(actor, Act.CHANGE, Subject.GROWTH_PLAN, plan)
    locked = GrowthPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != PlanStatus.PROPOSED:
        raise ValidationError({"plan": "This plan is not waiting for a decision."})
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": "Say what to change: a returned plan needs comments."})
    now = _now()
    PlanDecision.objects.create(
        plan=locked,
        version=locked.version,
        approved=approve,
        comment=comment[:MAX_TEXT],
        decided_by=_person(actor),
        decided_at=now,
    )
    locked.status = PlanStatus.APPROVED if approve else PlanStatus.RETURNED
    locked.decided_at = now
    locked.save(update_fields=["status", "decided_at"])
    if approve and locked.pathway_id is not None:
        enrollment, created = PathwayEnrollment.objects.get_or_create(
            educator=locked.educator,
            pathway=locked.pathway,
            defaults={"started_at": now, "school": locked.school},
        )
        if created or enrollment.status != EnrollmentStatus.COMPLETE:
            enrollment.electives.set(locked.electives.all())
    _leader_views_changed()
    return locked


# ================================================================ the catalogue


PART_FIELDS = ("kind", "title", "prompt", "met_criteria")


def _check_item(item: Item | None, errors: dict[str, str], field: str = "item") -> None:
    if item is None:
        errors[field] = "Name the educator competency or indicator, by its CASE identifier."
        return
    if item.kind not in (ItemKind.COMPETENCY, ItemKind.TARGET) or item.archived_at is not None:
        errors[field] = (
            f"{item.human_coding_scheme or item.identifier} is not a live competency or indicator."
        )
    elif item.category != Category.EDUCATOR:
        errors[field] = (
            f"{item.human_coding_scheme or item.identifier} is not in an educator framework."
        )
    elif item.framework.status != PublicationStatus.PUBLISHED:
        errors[field] = "The competency's framework is not published."


def _check_parts(
    parts: Sequence[Mapping[str, Any]], errors: dict[str, str]
) -> list[dict[str, Any]]:
    clean: list[dict[str, Any]] = []
    if not parts:
        errors["parts"] = "A micro-credential needs at least one part."
    if len(parts) > MAX_PARTS:
        errors["parts"] = f"At most {MAX_PARTS} parts."
    for n, part in enumerate(parts[:MAX_PARTS], start=1):
        row: dict[str, Any] = {k: str(part.get(k) or "").strip() for k in PART_FIELDS}
        if row["kind"] not in PartKind.values:
            errors[f"parts[{n}].kind"] = f"“{row['kind']}” is not a kind of part."
        for key in ("title", "prompt", "met_criteria"):
            if not row[key]:
                errors[f"parts[{n}].{key}"] = f"Part {n} needs its {key.replace('_', ' ')}."
        row["required"] = bool(part.get("required", True))
        clean.append(row)
    return clean


@transaction.atomic
def create_micro_credential(
    actor: Actor,
    *,
    issuer: Organization,
    code: str,
    title: str,
    item: Item | None,
    key_method: str,
    research_basis: str,
    parts: Sequence[Mapping[str, Any]],
    method_description: str = "",
    issuer_kind: str = IssuerKind.DISTRICT,
    partner_name: str = "",
    graduate_credit: str = "",
    credit_value: Any = "0.5",
    supervisor_may_review: bool = False,
    blind_review: bool = False,
    publish: bool = False,
) -> MicroCredential:
    """Add a micro-credential to an issuer's catalogue (a district or the state): what it
    certifies by CASE item, the key method and research basis, the parts a submission
    has with what "met" looks like for each, the issuer and its credit value."""
    authorize_in(actor, Act.CHANGE, Subject.MICRO_CREDENTIAL, issuer)
    errors: dict[str, str] = {}
    if issuer.kind not in (OrganizationKind.DISTRICT, OrganizationKind.STATE):
        errors["issuer"] = "A district or the state issues micro-credentials."
    code = (code or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}", code):
        errors["code"] = "A code is 1–40 letters, digits, dots, dashes or underscores."
    elif MicroCredential.objects.filter(issuer=issuer, code=code).exists():
        errors["code"] = f"{code} is already in this catalogue."
    if not (title or "").strip():
        errors["title"] = "Give it a title."
    _check_item(item, errors)
    if not (key_method or "").strip():
        errors["key_method"] = "Name the key method."
    if not (research_basis or "").strip():
        errors["research_basis"] = "Give the research basis of the method."
    if issuer_kind not in IssuerKind.values:
        errors["issuer_kind"] = f"“{issuer_kind}” is not a kind of issuer."
    elif issuer_kind == IssuerKind.PARTNER and not (partner_name or "").strip():
        errors["partner_name"] = "Name the partner."
    value = _parse_decimal(credit_value, "credit_value", errors, high="100")
    clean_parts = _check_parts(parts, errors)
    if errors:
        raise ValidationError(errors)
    assert item is not None
    mc = MicroCredential.objects.create(
        code=code,
        title=title.strip()[:200],
        item=item,
        key_method=key_method.strip()[:300],
        method_description=(method_description or "").strip()[:MAX_TEXT],
        research_basis=research_basis.strip()[:MAX_TEXT],
        issuer=issuer,
        issuer_kind=issuer_kind,
        partner_name=(partner_name or "").strip()[:200],
        graduate_credit=(graduate_credit or "").strip()[:200],
        credit_value=value,
        supervisor_may_review=supervisor_may_review,
        blind_review=blind_review,
        created_by=_person(actor),
    )
    for position, part in enumerate(clean_parts, start=1):
        MicroCredentialPart.objects.create(micro_credential=mc, position=position, **part)
    if publish:
        publish_micro_credential(actor, mc)
    return mc


@transaction.atomic
def publish_micro_credential(actor: Actor, mc: MicroCredential) -> MicroCredential:
    """Publish it: its met / not-yet rubric becomes a CASE rubric of the item's framework
    (one criterion per part, aligned to the item), which moderation calibrates on."""
    authorize(actor, Act.CHANGE, Subject.MICRO_CREDENTIAL, mc)
    if mc.status == CatalogueStatus.PUBLISHED:
        return mc
    parts = list(mc.parts.all())
    if mc.rubric_id is None:
        rubric = frameworks.create_rubric(
            mc.item.framework,
            title=f"{mc.code} {mc.title}"[:300],
            description=f"Met / not yet, per part: micro-credential {mc.code}",
            criteria=[
                {
                    "category": p.title,
                    "description": p.met_criteria,
                    "item": mc.item,
                    "levels": [
                        {"score": 0, "quality": "Not yet", "description": "Not yet met"},
                        {"score": 1, "quality": "Met", "description": p.met_criteria},
                    ],
                }
                for p in parts
            ],
        )
        mc.rubric = rubric
        for part, criterion in zip(parts, rubric.criteria.order_by("position"), strict=True):
            part.criterion = criterion
            part.save(update_fields=["criterion"])
    mc.status = CatalogueStatus.PUBLISHED
    mc.published_at = _now()
    mc.save(update_fields=["rubric", "status", "published_at"])
    return mc


@transaction.atomic
def create_pathway(
    actor: Actor,
    *,
    issuer: Organization,
    code: str,
    title: str,
    required: Sequence[str],
    electives: Sequence[str] = (),
    choose_k: Any = 0,
    core_area: str = "",
    description: str = "",
    sequenced: bool = False,
    review_required: bool = True,
    outcome_role: str = "",
    stipend: Any = None,
    salary_step: bool = False,
    renewal_credits: Any = "0",
    publish: bool = False,
) -> Pathway:
    """A pathway of the issuer's micro-credentials (by code): the required ones (in order
    when sequenced) and a core area of electives from which ``choose_k`` are chosen."""
    authorize_in(actor, Act.CHANGE, Subject.PATHWAY, issuer)
    errors: dict[str, str] = {}
    code = (code or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}", code):
        errors["code"] = "A code is 1–40 letters, digits, dots, dashes or underscores."
    elif Pathway.objects.filter(issuer=issuer, code=code).exists():
        errors["code"] = f"{code} is already a pathway here."
    if not (title or "").strip():
        errors["title"] = "Give it a title."
    offered = MicroCredential.objects.filter(
        Q(issuer=issuer) | Q(issuer__in=_ancestors(issuer)), status=CatalogueStatus.PUBLISHED
    )
    must, problems = _by_codes(offered, required, "required", "micro-credential")
    errors.update(problems)
    core, problems = _by_codes(offered, electives, "electives", "micro-credential")
    errors.update(problems)
    if not must and not core and "required" not in errors:
        errors["required"] = "A pathway holds at least one micro-credential."
    both = {m.code for m in must} & {m.code for m in core}
    if both:
        errors["electives"] = f"{', '.join(sorted(both))} cannot be both required and elective."
    k = _parse_int(choose_k, "choose_k", errors, low=0, high=100)
    if "choose_k" not in errors and k > len(core):
        errors["choose_k"] = (
            f"Choose {k} of a core area of {len(core)}? The core area is too small."
        )
    money = None
    if stipend not in (None, ""):
        money = _parse_decimal(stipend, "stipend", errors, high="1000000")
    credits = _parse_decimal(renewal_credits, "renewal_credits", errors, high="100")
    if errors:
        raise ValidationError(errors)
    pathway = Pathway.objects.create(
        code=code,
        title=title.strip()[:200],
        description=(description or "").strip()[:MAX_TEXT],
        issuer=issuer,
        core_area=(core_area or "").strip()[:200],
        choose_k=k,
        sequenced=sequenced,
        review_required=review_required,
        outcome_role=(outcome_role or "").strip()[:200],
        stipend=money,
        salary_step=salary_step,
        renewal_credits=credits,
        status=CatalogueStatus.PUBLISHED if publish else CatalogueStatus.DRAFT,
    )
    for position, mc in enumerate(must, start=1):
        PathwayMember.objects.create(
            pathway=pathway, micro_credential=mc, required=True, position=position
        )
    for position, mc in enumerate(core, start=1):
        PathwayMember.objects.create(
            pathway=pathway, micro_credential=mc, required=False, position=position
        )
    return pathway


@transaction.atomic
def publish_pathway(actor: Actor, pathway: Pathway) -> Pathway:
    authorize(actor, Act.CHANGE, Subject.PATHWAY, pathway)
    pathway.status = CatalogueStatus.PUBLISHED
    pathway.save(update_fields=["status"])
    _leader_views_changed()  # a new pathway progress table
    return pathway


def _ancestors(org: Organization) -> list[int]:
    ids: list[int] = []
    node = org.parent
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return ids


# ---------------------------------------------------------------- catalogue import/export

CATALOGUE_FORMAT = "proficio.micro-credentials/1"


def export_catalogue(actor: Actor, issuer: Organization) -> dict[str, Any]:
    """The issuer's catalogue as JSON, with the CASE packages of the frameworks its
    competencies come from (the competency is named by CASE identifier and URI)."""
    from proficio.core.standards import case
    from proficio.frameworks import case_io

    authorize(actor, Act.VIEW, Subject.EDUCATOR_PROGRAM, issuer)
    mcs = list(
        MicroCredential.objects.filter(issuer=issuer)
        .exclude(status=CatalogueStatus.ARCHIVED)
        .select_related("item__framework")
        .prefetch_related("parts")
        .order_by("code")
    )
    pathways = list(
        Pathway.objects.filter(issuer=issuer)
        .exclude(status=CatalogueStatus.ARCHIVED)
        .prefetch_related("members__micro_credential")
        .order_by("code")
    )
    frameworks_used = {m.item.framework_id: m.item.framework for m in mcs}
    return {
        "format": CATALOGUE_FORMAT,
        "issuer": {"code": issuer.code, "name": issuer.name},
        "exportedAt": _now().isoformat(),
        "frameworks": [
            case.build_package(case_io.export_package(fw))
            for _, fw in sorted(frameworks_used.items())
        ],
        "microCredentials": [
            {
                "code": m.code,
                "title": m.title,
                "competency": {
                    "identifier": str(m.item.identifier),
                    "uri": m.item.uri,
                    "humanCodingScheme": m.item.human_coding_scheme or "",
                    "framework": str(m.item.framework.identifier),
                },
                "keyMethod": m.key_method,
                "methodDescription": m.method_description,
                "researchBasis": m.research_basis,
                "issuerKind": m.issuer_kind,
                "partner": m.partner_name,
                "graduateCredit": m.graduate_credit,
                "creditValue": str(m.credit_value),
                "supervisorMayReview": m.supervisor_may_review,
                "blindReview": m.blind_review,
                "published": m.status == CatalogueStatus.PUBLISHED,
                "parts": [
                    {
                        "kind": p.kind,
                        "title": p.title,
                        "prompt": p.prompt,
                        "metCriteria": p.met_criteria,
                        "required": p.required,
                    }
                    for p in m.parts.all()
                ],
            }
            for m in mcs
        ],
        "pathways": [
            {
                "code": p.code,
                "title": p.title,
                "description": p.description,
                "coreArea": p.core_area,
                "required": [m.micro_credential.code for m in p.members.all() if m.required],
                "electives": [m.micro_credential.code for m in p.members.all() if not m.required],
                "chooseK": p.choose_k,
                "sequenced": p.sequenced,
                "reviewRequired": p.review_required,
                "published": p.status == CatalogueStatus.PUBLISHED,
                "outcomes": {
                    "role": p.outcome_role,
                    "stipend": str(p.stipend) if p.stipend is not None else None,
                    "salaryStep": p.salary_step,
                    "renewalCredits": str(p.renewal_credits),
                },
            }
            for p in pathways
        ],
    }


class CatalogueError(ValidationError):
    """A catalogue file that cannot be imported: every problem, each at its JSON path."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__({"file": [f"{path}: {message}" for path, message in problems]})


_MC_KEYS = {
    "code": "code",
    "title": "title",
    "keyMethod": "key_method",
    "methodDescription": "method_description",
    "researchBasis": "research_basis",
    "issuerKind": "issuer_kind",
    "partner": "partner_name",
    "graduateCredit": "graduate_credit",
    "creditValue": "credit_value",
    "supervisorMayReview": "supervisor_may_review",
    "blindReview": "blind_review",
}
_PART_KEYS = {"metCriteria": "met_criteria"}
_PATHWAY_KEYS = {
    "code": "code",
    "title": "title",
    "description": "description",
    "coreArea": "core_area",
    "required": "required",
    "electives": "electives",
    "chooseK": "choose_k",
    "sequenced": "sequenced",
    "reviewRequired": "review_required",
}


# The file's own key for each field an action names in its errors (JSON paths name what
# the file says, not our column names).
_FILE_KEYS = {
    **{v: k for k, v in _MC_KEYS.items()},
    **{v: k for k, v in _PATHWAY_KEYS.items()},
    **{v: k for k, v in _PART_KEYS.items()},
    "item": "competency.identifier",
    "outcome_role": "outcomes.role",
    "stipend": "outcomes.stipend",
    "salary_step": "outcomes.salaryStep",
    "renewal_credits": "outcomes.renewalCredits",
}


def _file_path(field: str) -> str:
    """``parts[2].met_criteria`` (an action's field, parts counted from 1) as the file's
    JSON path ``parts[1].metCriteria``."""
    found = re.fullmatch(r"parts\[(\d+)\]\.(\w+)", field)
    if found:
        return f"parts[{int(found[1]) - 1}].{_FILE_KEYS.get(found[2], found[2])}"
    return _FILE_KEYS.get(field, field)


def _problems_of(exc: ValidationError, prefix: str) -> list[tuple[str, str]]:
    out = []
    for field, messages in exc.message_dict.items():
        path = prefix if field == "__all__" else f"{prefix}.{_file_path(field)}"
        out += [(path, m) for m in messages]
    return out


_TEXT, _FLAG, _NUMBER, _CODES, _WHOLE = "text", "flag", "number", "codes", "whole"
_MC_TYPES = {
    **dict.fromkeys(
        (
            "code",
            "title",
            "keyMethod",
            "methodDescription",
            "researchBasis",
            "issuerKind",
            "partner",
            "graduateCredit",
        ),
        _TEXT,
    ),
    "creditValue": _NUMBER,
    "supervisorMayReview": _FLAG,
    "blindReview": _FLAG,
    "published": _FLAG,
}
_PART_TYPES = {
    "kind": _TEXT,
    "title": _TEXT,
    "prompt": _TEXT,
    "metCriteria": _TEXT,
    "required": _FLAG,
}
_PATHWAY_TYPES = {
    "code": _TEXT,
    "title": _TEXT,
    "description": _TEXT,
    "coreArea": _TEXT,
    "required": _CODES,
    "electives": _CODES,
    "chooseK": _WHOLE,
    "sequenced": _FLAG,
    "reviewRequired": _FLAG,
    "published": _FLAG,
}
_OUTCOME_TYPES = {
    "role": _TEXT,
    "stipend": _NUMBER,
    "salaryStep": _FLAG,
    "renewalCredits": _NUMBER,
}
_EXPECTED = {
    _TEXT: "Expected text.",
    _FLAG: "Expected true or false.",
    _NUMBER: "Expected a number (or a string of one).",
    _CODES: "Expected a list of micro-credential codes.",
    _WHOLE: "Expected a whole number.",
}


def _fits(value: Any, kind: str) -> bool:
    if value is None:
        return True  # absent: the action's default (or its own error)
    if kind == _TEXT:
        return isinstance(value, str)
    if kind == _FLAG:
        return isinstance(value, bool)
    if kind == _NUMBER:
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if kind == _WHOLE:
        return isinstance(value, int | str) and not isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(c, str) for c in value)


def _type_problems(
    raw: Mapping[str, Any], types: Mapping[str, str], path: str
) -> list[tuple[str, str]]:
    """Each field of the wrong JSON type, at its path (before any action sees it)."""
    return [
        (f"{path}.{key}", _EXPECTED[kind])
        for key, kind in types.items()
        if not _fits(raw.get(key), kind)
    ]


@transaction.atomic
def import_catalogue(actor: Actor, issuer: Organization, data: bytes) -> dict[str, int]:
    """Import a catalogue file (our JSON, with CASE packages for the competencies): new
    frameworks are imported first, then each micro-credential and pathway not already in
    the issuer's catalogue (by code). All or nothing; every problem is named by its
    JSON path."""
    from proficio.core.standards import case
    from proficio.frameworks import case_io

    authorize_in(actor, Act.CHANGE, Subject.MICRO_CREDENTIAL, issuer)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError([("$", f"The file is not JSON: {exc}")]) from None
    if not isinstance(doc, dict) or doc.get("format") != CATALOGUE_FORMAT:
        raise CatalogueError([("$.format", f"Expected “{CATALOGUE_FORMAT}”.")])
    problems: list[tuple[str, str]] = []
    counts = {"frameworks": 0, "micro_credentials": 0, "pathways": 0, "unchanged": 0}
    packages = doc.get("frameworks", [])
    if not isinstance(packages, list):
        raise CatalogueError([("$.frameworks", "Expected a list of CASE packages.")])
    from proficio.frameworks.models import Framework

    for n, raw in enumerate(packages):
        path = f"$.frameworks[{n}]"
        try:
            package = case.parse_package(raw if isinstance(raw, dict) else {})
        except case.CASEError as exc:
            problems += [(f"{path}{i.path[1:]}", i.message) for i in exc.issues]
            continue
        if Framework.objects.filter(identifier=package.document.identifier).exists():
            continue
        if not policy.reaches_organization(actor, Act.CHANGE, Subject.FRAMEWORK, issuer):
            problems.append((path, "You may not import frameworks for this organization."))
            continue
        try:
            report = case_io.import_package(package, owner=issuer)
        except case.CASEError as exc:
            problems += [(f"{path}{i.path[1:]}", i.message) for i in exc.issues]
            continue
        # The catalogue says what these are: educator competencies, never assessable
        # learning targets of students.
        Item.objects.filter(framework_id=report.framework_id).update(category=Category.EDUCATOR)
        counts["frameworks"] += 1
    entries = doc.get("microCredentials", [])
    if not isinstance(entries, list):
        problems.append(("$.microCredentials", "Expected a list."))
        entries = []
    for n, raw in enumerate(entries):
        path = f"$.microCredentials[{n}]"
        if not isinstance(raw, dict):
            problems.append((path, "Expected an object."))
            continue
        wrong = _type_problems(raw, _MC_TYPES, path)
        parts_raw = raw.get("parts")
        if not isinstance(parts_raw, list):
            wrong.append((f"{path}.parts", "Expected a list of parts."))
            parts_raw = []
        for m, part in enumerate(parts_raw):
            if isinstance(part, dict):
                wrong += _type_problems(part, _PART_TYPES, f"{path}.parts[{m}]")
            else:
                wrong.append((f"{path}.parts[{m}]", "Expected an object."))
        if wrong:
            problems += wrong
            continue
        if MicroCredential.objects.filter(issuer=issuer, code=raw.get("code")).exists():
            counts["unchanged"] += 1
            continue
        competency = raw.get("competency") or {}
        item = None
        ident = str(competency.get("identifier") or "") if isinstance(competency, dict) else ""
        try:
            item = (
                Item.objects.select_related("framework").filter(identifier=ident).first()
                if ident
                else None
            )
        except ValidationError:
            item = None
        if item is None:
            problems.append(
                (f"{path}.competency.identifier", f"No CASE item “{ident}” here or in the file.")
            )
            continue
        parts: list[dict[str, Any]] = [
            {_PART_KEYS.get(str(k), str(k)): v for k, v in p.items()} for p in parts_raw
        ]
        kwargs: dict[str, Any] = {_MC_KEYS[k]: v for k, v in raw.items() if k in _MC_KEYS}
        try:
            with transaction.atomic():
                create_micro_credential(
                    actor,
                    issuer=issuer,
                    item=item,
                    parts=parts,
                    publish=bool(raw.get("published")),
                    **{k: (v if v is not None else "") for k, v in kwargs.items()},  # type: ignore[arg-type]
                )
            counts["micro_credentials"] += 1
        except ValidationError as exc:
            problems += _problems_of(exc, path)
    routes = doc.get("pathways", [])
    if not isinstance(routes, list):
        problems.append(("$.pathways", "Expected a list."))
        routes = []
    for n, raw in enumerate(routes):
        path = f"$.pathways[{n}]"
        if not isinstance(raw, dict):
            problems.append((path, "Expected an object."))
            continue
        found_outcomes = raw.get("outcomes")
        outcomes: dict[str, Any] = found_outcomes if isinstance(found_outcomes, dict) else {}
        wrong = _type_problems(raw, _PATHWAY_TYPES, path)
        if found_outcomes is not None and not isinstance(found_outcomes, dict):
            wrong.append((f"{path}.outcomes", "Expected an object."))
        wrong += _type_problems(outcomes, _OUTCOME_TYPES, f"{path}.outcomes")
        if wrong:
            problems += wrong
            continue
        if Pathway.objects.filter(issuer=issuer, code=raw.get("code")).exists():
            counts["unchanged"] += 1
            continue
        given: dict[str, Any] = {"code": "", "title": "", "required": []}
        given.update(
            {_PATHWAY_KEYS[k]: v for k, v in raw.items() if k in _PATHWAY_KEYS and v is not None}
        )
        try:
            with transaction.atomic():
                create_pathway(
                    actor,
                    issuer=issuer,
                    outcome_role=outcomes.get("role") or "",
                    stipend=outcomes.get("stipend"),
                    salary_step=bool(outcomes.get("salaryStep")),
                    renewal_credits=outcomes.get("renewalCredits") or "0",
                    publish=bool(raw.get("published")),
                    **given,
                )
            counts["pathways"] += 1
        except ValidationError as exc:
            problems += _problems_of(exc, path)
    if problems:
        raise CatalogueError(problems)
    return counts


# ================================================================ submissions


def _open(actor: Actor, submission: Submission) -> None:
    """The educator works on their own submission, only while it is theirs to edit."""
    authorize(actor, Act.CHANGE, Subject.SUBMISSION, submission)
    if submission.status not in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED):
        raise ValidationError(
            {
                "submission": (
                    f"This submission is “{submission.get_status_display()}”: it cannot change now."
                )
            }
        )


def _sequence_block(educator: User, mc: MicroCredential) -> str | None:
    """On a sequenced pathway, a required micro-credential waits for the ones before it."""
    for enrollment in PathwayEnrollment.objects.filter(
        educator=educator, pathway__sequenced=True
    ).exclude(status=EnrollmentStatus.COMPLETE):
        required = list(
            enrollment.pathway.members.filter(required=True)
            .select_related("micro_credential")
            .order_by("position")
        )
        codes = [m.micro_credential_id for m in required]
        if mc.pk not in codes:
            continue
        before = [m.micro_credential for m in required[: codes.index(mc.pk)]]
        awarded = set(
            Submission.objects.filter(
                educator=educator, status=SubmissionStatus.AWARDED
            ).values_list("micro_credential_id", flat=True)
        )
        missing = [m for m in before if m.pk not in awarded]
        if missing:
            return (
                f"“{enrollment.pathway.title}” takes its micro-credentials in order: "
                f"earn {missing[0].code} {missing[0].title} first."
            )
    return None


@transaction.atomic
def start_submission(actor: Actor, educator: User, mc: MicroCredential) -> Submission:
    """Begin a private draft toward a published micro-credential."""
    profile = _own(actor, educator)
    if not _catalogue_for(educator).filter(pk=mc.pk).exists():
        raise ValidationError({"micro_credential": "This micro-credential is not offered to you."})
    existing = Submission.objects.filter(educator=educator, micro_credential=mc).first()
    if existing is not None:
        if existing.status == SubmissionStatus.AWARDED:
            raise ValidationError({"micro_credential": "You have already earned this one."})
        return existing
    blocked = _sequence_block(educator, mc)
    if blocked:
        raise ValidationError({"micro_credential": blocked})
    return Submission.objects.create(
        educator=educator, micro_credential=mc, blind=mc.blind_review, school=profile.organization
    )


@transaction.atomic
def save_draft(actor: Actor, submission: Submission, texts: Mapping[str, str]) -> int:
    """Save the text of each part (keys ``part-<id>``). Private until submitted."""
    _open(actor, submission)
    parts = {p.pk: p for p in submission.micro_credential.parts.all()}
    errors: dict[str, str] = {}
    chosen: dict[int, str] = {}
    for key, text in texts.items():
        match = re.fullmatch(r"part-(\d+)", key)
        if match is None:
            continue
        pk = int(match.group(1))
        if pk not in parts:
            errors[key] = "Not a part of this micro-credential."
        elif len(text or "") > MAX_TEXT:
            errors[key] = f"“{parts[pk].title}” is longer than {MAX_TEXT} characters."
        else:
            chosen[pk] = (text or "").replace("\r\n", "\n")
    if errors:
        raise ValidationError(errors)
    for pk, text in chosen.items():
        PartResponse.objects.update_or_create(
            submission=submission, part_id=pk, defaults={"text": text}
        )
    return len(chosen)


@transaction.atomic
def attach_file(
    actor: Actor, submission: Submission, part: MicroCredentialPart, upload: Any
) -> SubmissionArtifact:
    """Attach a file to a part, checked by its size and actual content (the upload check
    every file of student work passes)."""
    _open(actor, submission)
    if part.micro_credential_id != submission.micro_credential_id:
        raise ValidationError({"part": "Not a part of this micro-credential."})
    if upload is None:
        raise ValidationError({"file": "Choose a file."})
    content_type = check_upload(upload)
    artifact = SubmissionArtifact(
        submission=submission,
        part=part,
        name=(upload.name or "file")[:200],
        content_type=content_type,
        size=upload.size,
    )
    artifact.file.save(
        f"{submission.uuid}-{uuid.uuid4().hex[:8]}{ALLOWED_ARTIFACT_TYPES[content_type]}",
        upload,
        save=False,
    )
    artifact.save()
    return artifact


@transaction.atomic
def remove_file(actor: Actor, artifact: SubmissionArtifact) -> None:
    """A draft's file leaves the draft; one a submitted version holds stays on record."""
    _open(actor, artifact.submission)
    artifact.removed_at = _now()
    artifact.save(update_fields=["removed_at"])


def _roster_names(educator: User, text: str) -> dict[str, list[Student]]:
    """Rostered students whose name appears in ``text``: the students of the schools
    where the educator works. Only the words of the text are looked up, so a district's
    roster costs one query."""
    words = re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", text)
    if not words:
        return {}
    spans = set()
    for size in (1, 2, 3):
        for i in range(len(words) - size + 1):
            spans.add(" ".join(words[i : i + size]))
    variants = set()
    for s in spans:
        variants |= {s, s.lower(), s.upper(), s.title(), s.capitalize()}
    places = (
        RoleMembership.objects.filter(
            active_on(timezone.localdate()),
            user=educator,
            role__in=[r.value for r in policy.EDUCATOR_ROLES],
        )
        .values_list("organization__path", flat=True)
        .distinct()
    )
    q = Q(pk__in=[])
    for place in places:
        q |= Q(school__path__startswith=place)
    students = Student.objects.filter(q).filter(
        Q(legal_given_name__in=variants)
        | Q(legal_family_name__in=variants)
        | Q(preferred_name__in=variants)
    )
    found: dict[str, list[Student]] = {}
    for student in students:
        names = [student.legal_given_name, student.legal_family_name, student.preferred_name or ""]
        for name in moderation.names_found(text, names):
            found.setdefault(name, []).append(student)
    return found


def _part_texts(submission: Submission) -> dict[int, str]:
    return dict(submission.responses.values_list("part_id", "text"))


def _artifact_text(artifact: SubmissionArtifact) -> str:
    if artifact.content_type != "text/plain":
        return ""
    with artifact.file.open("rb") as f:
        data: bytes = f.read(MAX_TEXT * 4)
    return data.decode("utf-8", errors="replace")


def names_in_student_evidence(submission: Submission) -> dict[str, list[str]]:
    """For each de-identified student-evidence part (``part-<id>``), the rostered
    students' names found in its text or its text files (what would be scrubbed)."""
    texts = _part_texts(submission)
    out: dict[str, list[str]] = {}
    students: set[int] = set()
    for part in submission.micro_credential.parts.filter(kind=PartKind.STUDENT_EVIDENCE):
        pieces = [texts.get(part.pk, "")] + [
            _artifact_text(a)
            for a in submission.artifacts.filter(part=part, removed_at__isnull=True)
        ]
        found = _roster_names(submission.educator, "\n".join(pieces))
        if found:
            out[f"part-{part.pk}"] = sorted(found)
            students |= {s.pk for group in found.values() for s in group}
    if students:
        # Matching a name against the roster reveals that a student of that name exists.
        record_reads(students, purpose="de-identification check")
    return out


@transaction.atomic
def scrub_names(actor: Actor, submission: Submission) -> int:
    """Replace rostered students' names in the student-evidence parts' text with
    "[student]" (the moderation copy's scrubbing). Files cannot be scrubbed: a file with
    a name must be replaced."""
    _open(actor, submission)
    changed = 0
    for response in submission.responses.filter(part__kind=PartKind.STUDENT_EVIDENCE):
        found = _roster_names(submission.educator, response.text)
        if found:
            response.text = moderation.deidentify(response.text, list(found))
            response.save(update_fields=["text"])
            changed += 1
    return changed


def submission_problems(submission: Submission) -> dict[str, str]:
    """What stops a submission: a required part left empty (named), and a rostered
    student's name in de-identified student evidence."""
    texts = _part_texts(submission)
    with_files = set(
        submission.artifacts.filter(removed_at__isnull=True).values_list("part_id", flat=True)
    )
    problems: dict[str, str] = {}
    for part in submission.micro_credential.parts.all():
        if part.required and not texts.get(part.pk, "").strip() and part.pk not in with_files:
            problems[f"part-{part.pk}"] = f"The required part “{part.title}” is missing."
    for key, names in names_in_student_evidence(submission).items():
        problems[key] = (
            "De-identify this student evidence: it names "
            + ", ".join(f"“{n}”" for n in names)
            + ", a student on your school's roster."
        )
    return problems


def _pick_reviewer(submission: Submission) -> User | None:
    """A trained reviewer who may review it, with the fewest submissions in review (a
    reviewer from another school first), ties by account."""
    candidates = [
        r
        for r in policy.trained_reviewers(submission.micro_credential).order_by("pk")
        if policy.reviewer_problem(r, submission) is None
    ]
    if not candidates:
        return None
    load = dict(
        ReviewAssignment.objects.filter(
            active=True, reviewer__in=candidates, submission__status=SubmissionStatus.IN_REVIEW
        )
        .values_list("reviewer_id")
        .annotate(n=Count("pk"))
    )
    place = submission.school.path if submission.school_id else None  # type: ignore[union-attr]
    same_school = set(
        RoleMembership.objects.filter(
            active_on(timezone.localdate()), user__in=candidates, organization__path=place
        ).values_list("user_id", flat=True)
    )
    chosen: User = min(candidates, key=lambda r: (r.pk in same_school, load.get(r.pk, 0), r.pk))
    return chosen


def _assign(submission: Submission, reviewer: User, by: User | None) -> ReviewAssignment:
    now = _now()
    ReviewAssignment.objects.filter(submission=submission, active=True).update(
        active=False, ended_at=now, end_reason="reassigned"
    )
    return ReviewAssignment.objects.create(
        submission=submission, reviewer=reviewer, assigned_by=by, assigned_at=now
    )


@transaction.atomic
def submit(actor: Actor, submission: Submission) -> SubmissionVersion:
    """Submit the draft (or the revision) for review: refused, naming each missing
    required part and each student name found in de-identified work. The version is
    frozen, and a trained reviewer is assigned (the one already reviewing it stays)."""
    _open(actor, submission)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    problems = submission_problems(locked)
    if problems:
        raise ValidationError(problems)
    texts = _part_texts(locked)
    files: dict[int, list[int]] = {}
    for a in locked.artifacts.filter(removed_at__isnull=True).order_by("pk"):
        files.setdefault(a.part_id, []).append(a.pk)
    now = _now()
    number = locked.versions_submitted + 1
    version = SubmissionVersion.objects.create(
        submission=locked,
        number=number,
        submitted_at=now,
        content={
            str(p.pk): {"text": texts.get(p.pk, ""), "artifacts": files.get(p.pk, [])}
            for p in locked.micro_credential.parts.all()
        },
    )
    locked.versions_submitted = number
    locked.status = SubmissionStatus.IN_REVIEW
    locked.submitted_at = now
    locked.first_submitted_at = locked.first_submitted_at or now
    locked.save()
    current = locked.assignments.filter(active=True).select_related("reviewer").first()
    if current is None or policy.reviewer_problem(current.reviewer, locked) is not None:
        reviewer = _pick_reviewer(locked)
        if reviewer is not None:
            _assign(locked, reviewer, None)
    # Open peer-feedback requests end when the work goes to review.
    locked.feedback_requests.filter(closed_at__isnull=True).update(closed_at=now)
    _leader_views_changed()
    return version


@transaction.atomic
def work_on(
    actor: Actor,
    submission: Submission,
    *,
    texts: Mapping[str, str],
    files: Mapping[str, Any] | None = None,
    remove: Any = None,
    then: str = "save",
) -> SubmissionVersion | int | None:
    """One save from the submission page, all or nothing: the parts' texts, the files
    chosen for parts (``file-<part id>``), a file removed, then ``then``: "save",
    "scrub" (replace students' names) or "submit". A refused submission saves nothing."""
    _open(actor, submission)
    if texts:
        save_draft(actor, submission, texts)
    parts = {str(p.pk): p for p in submission.micro_credential.parts.all()}
    for key, upload in (files or {}).items():
        part = parts.get(key.removeprefix("file-"))
        if part is None:
            raise ValidationError({key: "Not a part of this micro-credential."})
        attach_file(actor, submission, part, upload)
    if remove:
        artifact = submission.artifacts.filter(pk=remove if str(remove).isdigit() else 0).first()
        if artifact is None:
            raise ValidationError({"file": "No such file in this draft."})
        remove_file(actor, artifact)
    if then == "scrub":
        return scrub_names(actor, submission)
    if then == "submit":
        return submit(actor, submission)
    if then != "save":
        raise ValidationError({"do": f"Unknown action “{then}”."})
    return len(files or {})


@transaction.atomic
def assign_reviewer(actor: Actor, submission: Submission, reviewer: User) -> ReviewAssignment:
    """The issuer's programme assigns (or reassigns) a trained reviewer, never the
    educator's direct supervisor unless allowed, never one with a declared conflict."""
    authorize(actor, Act.CHANGE, Subject.EDUCATOR_PROGRAM, submission.micro_credential.issuer)
    if submission.status != SubmissionStatus.IN_REVIEW:
        raise ValidationError({"submission": "Only a submission in review gets a reviewer."})
    problem = policy.reviewer_problem(reviewer, submission)
    if problem:
        raise ValidationError({"reviewer": problem})
    return _assign(submission, reviewer, _person(actor))


@transaction.atomic
def declare_conflict(
    actor: Actor, submission: Submission, *, conflict: bool, note: str = ""
) -> ReviewAssignment | None:
    """Before scoring, the assigned reviewer declares whether they have a conflict of
    interest. A conflict is recorded (they never get this educator's work again) and the
    submission goes to another trained reviewer."""
    authorize(actor, Act.CHANGE, Subject.REVIEW, submission)
    assignment = submission.assignments.get(active=True, reviewer=actor)
    now = _now()
    if not conflict:
        assignment.no_conflict_declared_at = now
        assignment.save(update_fields=["no_conflict_declared_at"])
        return assignment
    ConflictOfInterest.objects.get_or_create(
        reviewer=actor,
        educator=submission.educator,
        defaults={"note": (note or "").strip()[:MAX_TEXT], "declared_at": now},
    )
    assignment.active = False
    assignment.ended_at = now
    assignment.end_reason = "conflict of interest declared"
    assignment.save(update_fields=["active", "ended_at", "end_reason"])
    other = _pick_reviewer(submission)
    return _assign(submission, other, None) if other is not None else None


@transaction.atomic
def review_submission(
    actor: Actor,
    submission: Submission,
    *,
    scores: Mapping[str, Any],
    feedback: Mapping[str, str],
    comment: str = "",
) -> Review:
    """The assigned reviewer scores each part met or not yet (``part-<id>`` → "met" /
    "not_yet"), with feedback, which a "not yet" must have. All parts met awards the
    micro-credential (an OB 3.0 credential to the educator); any "not yet" returns it
    for revision. Every version and review is kept."""
    authorize(actor, Act.CHANGE, Subject.REVIEW, submission)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status != SubmissionStatus.IN_REVIEW:
        raise ValidationError({"submission": "This submission is not waiting for a review."})
    assignment = locked.assignments.filter(active=True, reviewer=actor).first()
    if assignment is None:
        raise PermissionDenied
    if assignment.no_conflict_declared_at is None:
        raise ValidationError(
            {"conflict": "Declare first that you have no conflict of interest with this work."}
        )
    version = locked.versions.order_by("-number").first()
    assert version is not None
    errors: dict[str, str] = {}
    decided: list[tuple[MicroCredentialPart, bool, str]] = []
    for part in locked.micro_credential.parts.all():
        key = f"part-{part.pk}"
        mark = str(scores.get(key) or "")
        note = (feedback.get(key) or "").strip()
        if mark not in ("met", "not_yet"):
            errors[key] = f"Score “{part.title}”: met or not yet."
        elif mark == "not_yet" and not note:
            errors[key] = f"“{part.title}” is not yet met: say what would meet it."
        else:
            decided.append((part, mark == "met", note[:MAX_TEXT]))
    if errors:
        raise ValidationError(errors)
    met = all(ok for _, ok, _ in decided)
    now = _now()
    review = Review.objects.create(
        submission=locked,
        version=version,
        reviewer=actor,
        met=met,
        comment=(comment or "").strip()[:MAX_TEXT],
        decided_at=now,
    )
    PartScore.objects.bulk_create(
        [PartScore(review=review, part=p, met=ok, feedback=note) for p, ok, note in decided]
    )
    if met:
        _award(actor, locked, now)
    else:
        locked.status = SubmissionStatus.RETURNED
        locked.save(update_fields=["status"])
    _leader_views_changed(award=met)
    return review


def _achievement(mc: MicroCredential, issuer: ob3.Issuer) -> ob3.Achievement:
    item = mc.item
    creator = issuer
    if mc.issuer_kind == IssuerKind.PARTNER and mc.partner_name:
        creator = ob3.Issuer(
            f"urn:uuid:{uuid.uuid5(mc.uuid, mc.partner_name)}", mc.partner_name, ""
        )
    criteria = "; ".join(f"{p.title}: {p.met_criteria}" for p in mc.parts.all())
    description = mc.key_method + (f". {mc.method_description}" if mc.method_description else "")
    if mc.graduate_credit:
        description += f" Graduate credit: {mc.graduate_credit}."
    return ob3.Achievement(
        id=f"{publish.base_url()}/educators/catalogue/achievements/{mc.uuid}",
        name=mc.title,
        description=description,
        criteria=f"Every part reviewed as met by a trained reviewer. {criteria}",
        achievement_type="MicroCredential",
        alignments=[
            ob3.CaseAlignment(
                uri=item.uri,
                name=item.abbreviated_statement or item.full_statement[:200],
                code=item.human_coding_scheme or "",
                framework=item.framework.title,
            )
        ],
        human_code=mc.code,
        creator=creator,
    )


def _award(actor: Actor, submission: Submission, now: dt.datetime) -> None:
    mc = submission.micro_credential
    version = submission.versions_submitted
    credential = credentials.issue_educator_credential(
        actor,
        submission,
        issuer=mc.issuer,
        subject_key=f"micro:{mc.uuid}",
        make_achievement=lambda issuer: _achievement(mc, issuer),
        competency=mc.item,
        evidence=[
            ob3.Evidence(
                id=f"urn:uuid:{uuid.uuid5(submission.uuid, str(version))}",
                name=f"Submission {submission.reference}, version {version}",
                narrative=f"Reviewed in {version} version(s); every part met.",
            )
        ],
    )
    submission.status = SubmissionStatus.AWARDED
    submission.awarded_at = now
    submission.credential = credential
    submission.save(update_fields=["status", "awarded_at", "credential"])
    # The award is evidence of practice on what it certifies, read by the mastery engine.
    for indicator in growth.indicators_of(mc.item):
        EducatorEvidence.objects.create(
            educator=submission.educator,
            indicator=indicator,
            kind=EducatorEvidenceKind.MICRO_CREDENTIAL,
            score=growth.mastery_value(indicator),
            assessed_at=submission.submitted_at or now,
            recorded_by=_person(actor),
            note=f"{mc.code} {mc.title}",
            submission=submission,
        )
    # A pathway with no review at the end completes with its last micro-credential.
    from proficio.educators import progress

    for enrollment in PathwayEnrollment.objects.filter(
        educator=submission.educator, status=EnrollmentStatus.ACTIVE, pathway__review_required=False
    ):
        if progress.of(enrollment).done:
            _complete(enrollment, None, now)


# ================================================================ reviewers and calibration


@transaction.atomic
def qualify_reviewer(
    actor: Actor,
    issuer: Organization,
    reviewer: User,
    *,
    trained_on: dt.date,
    micro_credential: MicroCredential | None = None,
) -> ReviewerQualification:
    """Add a trained reviewer to the issuer's pool (for one micro-credential, or all)."""
    authorize(actor, Act.CHANGE, Subject.EDUCATOR_PROGRAM, issuer)
    errors: dict[str, str] = {}
    educator = RoleMembership.objects.filter(
        active_on(timezone.localdate()),
        user=reviewer,
        role__in=[r.value for r in policy.EDUCATOR_ROLES],
        organization__path__startswith=issuer.path,
    ).exists()
    if not educator:
        errors["reviewer"] = f"{reviewer} is not an educator within {issuer}."
    if micro_credential is not None and micro_credential.issuer_id != issuer.pk:
        errors["micro_credential"] = "That micro-credential is another issuer's."
    if trained_on > timezone.localdate():
        errors["trained_on"] = "Training is recorded once it has happened."
    if errors:
        raise ValidationError(errors)
    found = ReviewerQualification.objects.filter(
        reviewer=reviewer, issuer=issuer, micro_credential=micro_credential, retired_at__isnull=True
    ).first()
    if found is not None:
        return found
    return ReviewerQualification.objects.create(
        reviewer=reviewer,
        issuer=issuer,
        micro_credential=micro_credential,
        trained_on=trained_on,
        added_by=_person(actor),
    )


@transaction.atomic
def retire_reviewer(actor: Actor, qualification: ReviewerQualification) -> None:
    authorize(actor, Act.CHANGE, Subject.EDUCATOR_PROGRAM, qualification.issuer)
    qualification.retired_at = _now()
    qualification.save(update_fields=["retired_at"])


def calibration_copy(version: SubmissionVersion) -> str:
    """A submitted version as a calibration sample: each part's text, with rostered
    students' names scrubbed and the educator named nowhere."""
    submission = version.submission
    educator = submission.educator
    names = [educator.first_name, educator.last_name, educator.display_name, educator.username]
    lines = []
    for part in submission.micro_credential.parts.all():
        text = str(version.content.get(str(part.pk), {}).get("text", ""))
        found = _roster_names(educator, text)
        text = moderation.deidentify(text, [*found, *[n for n in names if n]])
        lines.append(f"{part.title}\n{text}")
    return "\n\n".join(lines)


@transaction.atomic
def start_calibration(
    actor: Actor,
    mc: MicroCredential,
    *,
    reviewers: Sequence[User],
    versions: Sequence[SubmissionVersion],
    seed: int = 0,
) -> CalibrationRound:
    """Reviewers calibrate on common submissions: a moderation session on the
    micro-credential's met / not-yet rubric, with de-identified copies of submitted
    versions as its samples, every reviewer scoring every sample blind. Agreement,
    reveal, consensus and drift are moderation's."""
    authorize(actor, Act.CHANGE, Subject.EDUCATOR_PROGRAM, mc.issuer)
    errors: dict[str, str] = {}
    if mc.rubric_id is None:
        errors["micro_credential"] = "Publish the micro-credential first (it makes the rubric)."
    if len(reviewers) < 2:
        errors["reviewers"] = "Calibration needs at least two reviewers."
    if len(versions) < 2:
        errors["versions"] = "Calibration needs at least two common submissions."
    if any(v.submission.micro_credential_id != mc.pk for v in versions):
        errors["versions"] = "Every common submission must be for this micro-credential."
    if errors:
        raise ValidationError(errors)
    assert mc.rubric is not None
    session = moderation.create_session(
        actor,
        title=f"Reviewer calibration: {mc.code} {mc.title}"[:200],
        task=mc.title[:200],
        task_description=mc.key_method,
        rubric=mc.rubric,
        owner=mc.issuer,
    )
    for reviewer in reviewers:
        moderation.add_rater(actor, session, reviewer)
    for version in versions:
        moderation.add_anchor_sample(actor, session, description=calibration_copy(version))
    moderation.open_scoring(actor, session, seed=seed)
    return CalibrationRound.objects.create(micro_credential=mc, session=session)


# ================================================================ pathways


def _complete(enrollment: PathwayEnrollment, by: User | None, now: dt.datetime) -> None:
    pathway = enrollment.pathway
    enrollment.status = EnrollmentStatus.COMPLETE
    enrollment.completed_at = now
    enrollment.reviewed_by = by
    enrollment.outcomes = {
        "role": pathway.outcome_role,
        "stipend": str(pathway.stipend) if pathway.stipend is not None else None,
        "salary_step": pathway.salary_step,
        "renewal_credits": str(pathway.renewal_credits),
    }
    enrollment.save()
    _leader_views_changed(award=True)


@transaction.atomic
def request_pathway_review(actor: Actor, enrollment: PathwayEnrollment) -> PathwayEnrollment:
    """Every required micro-credential and the chosen electives are earned: ask for the
    pathway review."""
    from proficio.educators import progress

    _own(actor, enrollment.educator)
    if enrollment.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.RETURNED):
        raise ValidationError({"pathway": "This pathway is not open for a review request."})
    state = progress.of(enrollment)
    if not state.done:
        raise ValidationError({"pathway": state.missing_text})
    now = _now()
    if not enrollment.pathway.review_required:
        _complete(enrollment, None, now)
        return enrollment
    enrollment.status = EnrollmentStatus.IN_REVIEW
    enrollment.review_requested_at = now
    enrollment.save(update_fields=["status", "review_requested_at"])
    _leader_views_changed()
    return enrollment


@transaction.atomic
def decide_pathway_review(
    actor: Actor, enrollment: PathwayEnrollment, *, approve: bool, comment: str = ""
) -> PathwayEnrollment:
    """The issuer completes the pathway (its outcomes are recorded: role eligibility,
    stipend or salary step for payroll, renewal credits) or returns it with comments."""
    authorize(actor, Act.CHANGE, Subject.PATHWAY_ENROLLMENT, enrollment)
    if enrollment.status != EnrollmentStatus.IN_REVIEW:
        raise ValidationError({"pathway": "No pathway review is waiting."})
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": "Say what is missing: a return needs comments."})
    enrollment.review_comment = comment[:MAX_TEXT]
    if approve:
        _complete(enrollment, _person(actor), _now())
    else:
        enrollment.status = EnrollmentStatus.RETURNED
        enrollment.reviewed_by = _person(actor)
        enrollment.save()
        _leader_views_changed()
    return enrollment


# ================================================================ peer and coaching feedback


NO_COLLEAGUE = "No educator of your district has that username."


@transaction.atomic
def share_with(actor: Actor, educator: User, *, with_user: User, coach: bool = False) -> Share:
    """The educator lets someone see their feedback (and, as coach, leave notes)."""
    _own(actor, educator)
    if with_user.pk == educator.pk:
        raise ValidationError({"with_user": "You already see your own feedback."})
    # A colleague: an educator of the educator's own district. The refusal names nobody
    # and reads the same whether or not the username exists (no one is looked up by it).
    place = _workplace(educator)
    root = place if place is None or place.kind == OrganizationKind.DISTRICT else place.parent
    if (
        root is None
        or root.kind != OrganizationKind.DISTRICT
        or not RoleMembership.objects.filter(
            active_on(timezone.localdate()),
            user=with_user,
            role__in=[r.value for r in policy.EDUCATOR_ROLES],
            organization__path__startswith=root.path,
        ).exists()
    ):
        raise ValidationError({"with_user": NO_COLLEAGUE})
    live = Share.objects.filter(educator=educator, with_user=with_user, revoked_at__isnull=True)
    found = live.first()
    if found is not None:
        if found.coach != coach:
            found.coach = coach
            found.save(update_fields=["coach"])
        return found
    return Share.objects.create(
        educator=educator, with_user=with_user, coach=coach, created_at=_now()
    )


@transaction.atomic
def stop_sharing(actor: Actor, share: Share) -> None:
    _own(actor, share.educator)
    share.revoked_at = _now()
    share.save(update_fields=["revoked_at"])


@transaction.atomic
def request_peer_feedback(actor: Actor, submission: Submission, peer: User) -> FeedbackRequest:
    """Ask a colleague of the same district for feedback on a draft."""
    _open(actor, submission)
    if peer.pk == submission.educator_id:
        raise ValidationError({"peer": "Ask a colleague, not yourself."})
    district = submission.micro_credential.issuer
    place = submission.school
    root = place.parent if place is not None and place.parent is not None else district
    if not RoleMembership.objects.filter(
        active_on(timezone.localdate()),
        user=peer,
        role__in=[r.value for r in policy.EDUCATOR_ROLES],
        organization__path__startswith=root.path,
    ).exists():
        raise ValidationError({"peer": NO_COLLEAGUE})
    found = submission.feedback_requests.filter(peer=peer, closed_at__isnull=True).first()
    return found or FeedbackRequest.objects.create(
        submission=submission, peer=peer, requested_at=_now()
    )


@transaction.atomic
def leave_peer_feedback(actor: Actor, submission: Submission, text: str) -> FeedbackNote:
    if actor is SYSTEM or not policy.may_give_peer_feedback(actor, submission):
        raise PermissionDenied
    if not (text or "").strip():
        raise ValidationError({"text": "Write your feedback."})
    return FeedbackNote.objects.create(
        educator=submission.educator,
        author=actor,
        kind=NoteKind.PEER,
        submission=submission,
        text=text.strip()[:MAX_TEXT],
        created_at=_now(),
    )


@transaction.atomic
def leave_coaching_note(actor: Actor, profile: EducatorProfile, text: str) -> FeedbackNote:
    authorize(actor, Act.CHANGE, Subject.COACHING, profile)
    if not (text or "").strip():
        raise ValidationError({"text": "Write your note."})
    return FeedbackNote.objects.create(
        educator=profile.user,
        author=actor,
        kind=NoteKind.COACH,
        text=text.strip()[:MAX_TEXT],
        created_at=_now(),
    )


# ================================================================ leader views (stored release)


def _fresh(release: LeaderRelease, today: dt.date, limit: int) -> bool:
    # A release stored before calibration joined it has no "agreement": recompute it.
    return (
        not release.stale
        and release.day == today
        and release.threshold == limit
        and "agreement" in release.view
    )


def refresh_leader_release(actor: Actor, org: Organization) -> LeaderRelease:
    """Compute ``org``'s leader views through the joint audit and store them (the only
    place the audit of these views runs). Audited together with the release it replaces
    (unless the threshold changed: what was published under another threshold cannot be
    taken back, so a new threshold starts a new series), so that someone who saw both
    cannot difference them. Recomputing changes no figure anyone could not already see:
    ``actor`` needs only to be allowed to view ``org``'s aggregates (the system always
    is). A recomputation the audit could not protect against the stored release
    (``core.equity.joint.held``) is held: the stored views stay current, marked with
    the day and how many figures were held, and the next recomputation is audited
    against them again."""
    from proficio.educators import reports

    authorize(actor, Act.VIEW, Subject.EDUCATOR_AGGREGATE, org)
    limit = reports.threshold()
    with transaction.atomic():
        last = (
            LeaderRelease.objects.select_for_update()
            .filter(organization=org)
            .only("threshold", "audit_state")
            .first()
        )
        previous = (
            AuditState.unpack(last.audit_state)
            if last is not None and last.audit_state is not None and last.threshold == limit
            else None
        )
        view, decision = reports.compute(org, limit, previous)
        unprotected = held(decision.protection)
        if unprotected and last is not None:
            today = timezone.localdate()
            LeaderRelease.objects.filter(pk=last.pk).update(
                day=today, stale=False, held_on=today, held_figures=unprotected
            )
            return LeaderRelease.objects.get(pk=last.pk)
        release, _made = LeaderRelease.objects.update_or_create(
            organization=org,
            defaults={
                "day": timezone.localdate(),
                "threshold": limit,
                "view": view,
                "stale": False,
                "computed_at": _now(),
                "audit_state": decision.state().pack(),
                "held_on": None,
                "held_figures": 0,
            },
        )
    return release


def leader_release(actor: Actor, org: Organization) -> LeaderRelease:
    """``org``'s stored leader views, recomputed first only when missing or stale
    (computed on another day, under another threshold, or marked stale by a change to
    what they count)."""
    from proficio.educators import reports

    authorize(actor, Act.VIEW, Subject.EDUCATOR_AGGREGATE, org)
    release = LeaderRelease.objects.filter(organization=org).defer("audit_state").first()
    if release is not None and _fresh(release, timezone.localdate(), reports.threshold()):
        return release
    return refresh_leader_release(actor, org)


def refresh_leader_releases(actor: Actor, *, stale_only: bool = False) -> int:
    """The daily job's pass (and the task after award events): recompute every stored
    release (only the stale ones when ``stale_only``) and make one for every state and
    district that has none. Returns how many were computed."""
    authorize(actor, Act.CHANGE, Subject.EDUCATOR_AGGREGATE)
    if stale_only:
        orgs = list(
            Organization.objects.filter(
                pk__in=LeaderRelease.objects.filter(stale=True).values("organization_id")
            )
        )
    else:
        orgs = list(
            Organization.objects.filter(
                Q(kind__in=[OrganizationKind.STATE, OrganizationKind.DISTRICT])
                | Q(pk__in=LeaderRelease.objects.values("organization_id"))
            ).order_by("path")
        )
    for org in orgs:
        refresh_leader_release(actor, org)
    return len(orgs)


def _leader_views_changed(*, award: bool = False) -> None:
    """Something the leader views count changed: mark the stored releases stale (inside
    the caller's transaction). After an award, refresh them once it commits (only when
    this marked any, so a run of awards queues one refresh)."""
    marked = LeaderRelease.objects.filter(stale=False).update(stale=True)
    if award and marked:
        from proficio.educators.tasks import refresh_leader_views

        transaction.on_commit(lambda: refresh_leader_views.enqueue(stale_only=True))

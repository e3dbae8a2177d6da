"""The only code that writes graduation requirements, students' graduation records,
capstone results, accepted alternatives and diplomas, and the reads that show a student's
path to graduation to someone else (audited per student).

Every action takes the acting person first and asks the policy before touching anything.
The rules are ``proficio.core.graduation``; standings come from the one definition
(``proficio.mastery.continuum.standings``) and growth from the pace engine."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio import policy
from proficio.audit.log import record_reads
from proficio.core import graduation as core
from proficio.core.progression.pace import Growth
from proficio.credentials import publish
from proficio.credentials.actions import issue_credential, revoke_credential
from proficio.credentials.models import CredentialKind, OutsideCredential
from proficio.frameworks.models import Category, Item, ItemKind, PerformanceLevel
from proficio.graduation.models import (
    AcceptedAlternative,
    Diploma,
    GraduationRecord,
    Requirement,
    RequirementSet,
    RubricResult,
)
from proficio.orgs.models import Organization, OrganizationKind, Student
from proficio.policy import Act, Subject

HABIT_CATEGORIES = (Category.HABITS, Category.SEL)


# ---------------------------------------------------------------- requirement sets


def _competency(ref: Any) -> Item | None:
    """A competency named by its CASE identifier or its code."""
    text = str(ref or "").strip()
    if not text:
        return None
    q = Q(human_coding_scheme=text)
    with contextlib.suppress(ValueError):
        q |= Q(identifier=uuid.UUID(text))
    return Item.objects.filter(q, kind=ItemKind.COMPETENCY).select_related("framework").first()


def _requirement_from(
    number: int, spec: dict[str, Any]
) -> tuple[core.Requirement, list[Item], PerformanceLevel | None, dict[str, Any]]:
    """Read one requirement's fields; raise ValidationError naming ``requirements[n].field``."""
    where = f"requirements[{number}]"
    errors: dict[str, str] = {}
    try:
        kind = core.Kind(str(spec.get("kind", "")))
    except ValueError:
        raise ValidationError(
            {f"{where}.kind": _("Choose all_of, n_of_m, habits or rubric.")}
        ) from None
    refs = spec.get("competencies") or []
    if not isinstance(refs, list):
        raise ValidationError({f"{where}.competencies": _("Give a list of competencies.")})
    items = [_competency(r) for r in refs]
    unknown = [str(r) for r, item in zip(refs, items, strict=True) if item is None]
    if unknown:
        raise ValidationError(
            {f"{where}.competencies": _("Unknown competency: %s") % ", ".join(unknown)}
        )
    found = [i for i in items if i is not None]
    level: PerformanceLevel | None = None
    if kind in core.CONTINUUM_KINDS:
        frameworks = {i.framework_id for i in found}
        if len(frameworks) > 1:
            errors["competencies"] = _("Name competencies of one framework.")
        elif found:
            level = PerformanceLevel.objects.filter(
                framework_id=found[0].framework_id, code=str(spec.get("level", ""))
            ).first()
            if level is None:
                errors["level"] = _("No such level on this framework's continuum.")
        if kind == core.Kind.HABITS and any(i.category not in HABIT_CATEGORIES for i in found):
            errors["competencies"] = _("Habits of success name habits or social-emotional skills.")
    count: Any = spec.get("count")
    score: Any = spec.get("minimum_score")
    try:
        count = None if count in (None, "") else int(count)
    except (TypeError, ValueError):
        errors["count"] = _("Give a whole number.")
        count = None
    try:
        score = None if score in (None, "") else float(score)
    except (TypeError, ValueError):
        errors["minimum_score"] = _("Give a number.")
        score = None
    rule = core.Requirement(
        key=str(spec.get("key", "")),
        kind=kind,
        competencies=tuple(i.pk for i in found),
        level=level.position if level is not None else (1 if kind == core.Kind.RUBRIC else 0),
        count=count,
        minimum_score=score,
        accepts_alternative=bool(spec.get("accepts_alternative", False)),
    )
    # The kernel says which fields are wrong; the words are ours, in the reader's language.
    for field in core.problems(rule, {i.pk for i in found}):
        errors.setdefault(field, _problem_text(field))
    if not str(spec.get("title", "")).strip():
        errors["title"] = _("Give the requirement a title.")
    if errors:
        raise ValidationError({f"{where}.{field}": message for field, message in errors.items()})
    return rule, found, level, spec


def _problem_text(field: str) -> str:
    return {
        "key": _("Give the requirement a key."),
        "competencies": _("Name at least one competency, each once."),
        "level": _("Name the level the competencies must reach."),
        "count": _("The number required must be between 1 and the number named."),
        "minimum_score": _("A capstone needs the rubric score that meets it."),
    }.get(field, _("This field is not valid."))


@transaction.atomic
def define_requirement_set(
    actor: Any,
    owner: Organization,
    *,
    title: str,
    first_cohort: int,
    in_force_from: dt.date,
    requirements: Sequence[dict[str, Any]],
) -> RequirementSet:
    """A new version of a state's or district's graduation requirements. Every requirement
    is checked before anything is written; a bad one is refused on its field."""
    policy.authorize_in(actor, Act.CHANGE, Subject.GRADUATION_REQUIREMENTS, owner)
    if owner.kind not in (OrganizationKind.STATE, OrganizationKind.DISTRICT):
        raise ValidationError({"owner": _("A state or a district sets graduation requirements.")})
    if not title.strip():
        raise ValidationError({"title": _("Give the requirements a title.")})
    read = [_requirement_from(n, dict(spec)) for n, spec in enumerate(requirements)]
    keys = [rule.key for rule, *_ in read]
    if len(set(keys)) != len(keys):
        raise ValidationError({"requirements": _("Two requirements have the same key.")})
    RequirementSet.objects.select_for_update().filter(owner=owner).first()
    version = RequirementSet.objects.filter(owner=owner).count() + 1
    made = RequirementSet.objects.create(
        owner=owner,
        version=version,
        title=title.strip()[:200],
        first_cohort=first_cohort,
        in_force_from=in_force_from,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    for position, (rule, items, level, spec) in enumerate(read):
        row = Requirement.objects.create(
            requirement_set=made,
            position=position,
            key=rule.key[:60],
            title=str(spec["title"]).strip()[:200],
            kind=rule.kind,
            level=level,
            count=rule.count,
            minimum_score=rule.minimum_score,
            accepts_alternative=rule.accepts_alternative,
        )
        row.competencies.set(items)
    return made


def spec_of(requirement_set: RequirementSet) -> list[dict[str, Any]]:
    """A set's requirements in the shape ``define_requirement_set`` takes: the starting
    point of its next version."""
    out = []
    for r in requirement_set.requirements.select_related("level").prefetch_related("competencies"):
        out.append(
            {
                "key": r.key,
                "title": r.title,
                "kind": r.kind,
                "competencies": [
                    c.human_coding_scheme or str(c.identifier) for c in r.competencies.all()
                ],
                "level": r.level.code if r.level else "",
                "count": "" if r.count is None else str(r.count),
                "minimum_score": "" if r.minimum_score is None else f"{r.minimum_score:g}",
                "accepts_alternative": r.accepts_alternative,
            }
        )
    return out


def writable_owners(actor: Any) -> list[Organization]:
    """The states and districts whose requirements ``actor`` may write."""
    if not policy.may(actor, Act.CHANGE, Subject.GRADUATION_REQUIREMENTS):
        return []
    candidates = policy.visible(actor, Subject.ORGANIZATION).filter(
        kind__in=[OrganizationKind.STATE, OrganizationKind.DISTRICT]
    )
    return [
        o
        for o in candidates.order_by("path")
        if policy.reaches_organization(actor, Act.CHANGE, Subject.GRADUATION_REQUIREMENTS, o)
    ]


def opt_in_choices(student: Student, today: dt.date | None = None) -> list[RequirementSet]:
    """The versions a student may opt into: in force, of an organization whose
    requirements they are held to, and newer than the version they hold."""
    record = GraduationRecord.objects.filter(student=student).first()
    if record is None:
        return []
    held = {s.owner_id: s.version for s in record.held_to.all()}
    owners = [o.pk for o in _owners(student)]
    return [
        s
        for s in RequirementSet.objects.filter(
            owner_id__in=owners, in_force_from__lte=today or timezone.localdate()
        ).order_by("owner__path", "version")
        if s.version > held.get(s.owner_id, 0)
    ]


def _owners(student: Student) -> list[Organization]:
    """The district and the state above the student's school."""
    owners = []
    node = student.school.parent
    while node is not None:
        if node.kind in (OrganizationKind.STATE, OrganizationKind.DISTRICT):
            owners.append(node)
        node = node.parent
    return owners


def _in_force(owner: Organization, on: dt.date) -> RequirementSet | None:
    return (
        RequirementSet.objects.filter(owner=owner, in_force_from__lte=on)
        .order_by("-in_force_from", "-version")
        .first()
    )


@transaction.atomic
def enter_high_school(
    actor: Any, student: Student, *, entered_on: dt.date, cohort: int | None = None
) -> GraduationRecord:
    """Record when the student entered high school and hold them to the requirement
    versions in force that day (the state's and the district's)."""
    policy.authorize(actor, Act.CHANGE, Subject.GRADUATION, student)
    if GraduationRecord.objects.filter(student=student).exists():
        raise ValidationError({"student": _("This student's entry to high school is recorded.")})
    held = [s for s in (_in_force(o, entered_on) for o in _owners(student)) if s is not None]
    if not held:
        raise ValidationError(
            {"entered_on": _("No graduation requirements were in force on that date.")}
        )
    record = GraduationRecord.objects.create(
        student=student, entered_high_school=entered_on, cohort=cohort or entered_on.year + 4
    )
    record.held_to.set(held)
    return record


@transaction.atomic
def opt_in(actor: Any, student: Student, requirement_set: RequirementSet) -> GraduationRecord:
    """Hold the student to a newer version of the same organization's requirements (the
    student themself, or those who serve them)."""
    if not policy.can(actor, Act.CHANGE, Subject.OWN_LEARNING, student):
        policy.authorize(actor, Act.CHANGE, Subject.GRADUATION, student)
    record = GraduationRecord.objects.select_for_update().filter(student=student).first()
    if record is None:
        raise ValidationError(
            {"student": _("This student's entry to high school is not recorded.")}
        )
    current = record.held_to.filter(owner_id=requirement_set.owner_id).first()
    if requirement_set.owner_id not in {o.pk for o in _owners(student)}:
        raise ValidationError({"requirement_set": _("These requirements do not apply here.")})
    if requirement_set.in_force_from > timezone.localdate():
        raise ValidationError({"requirement_set": _("This version is not in force yet.")})
    if current is not None and requirement_set.version <= current.version:
        raise ValidationError({"requirement_set": _("Choose a newer version than the one held.")})
    if current is not None:
        record.held_to.remove(current)
    record.held_to.add(requirement_set)
    record.opted_in_at = timezone.now()
    record.save()
    return record


def _held_requirement(student: Student, requirement: Requirement) -> GraduationRecord:
    record = GraduationRecord.objects.filter(student=student).first()
    if record is None or not record.held_to.filter(pk=requirement.requirement_set_id).exists():
        raise ValidationError({"requirement": _("The student is not held to this requirement.")})
    return record


@transaction.atomic
def record_rubric_result(
    actor: Any,
    student: Student,
    requirement: Requirement,
    *,
    score: float,
    judged_on: dt.date,
    note: str = "",
) -> RubricResult:
    """A capstone or defense of learning judged on its rubric."""
    policy.authorize(actor, Act.CHANGE, Subject.GRADUATION, student)
    if requirement.kind != core.Kind.RUBRIC:
        raise ValidationError({"requirement": _("This requirement is not judged on a rubric.")})
    _held_requirement(student, requirement)
    if score < 0:
        raise ValidationError({"score": _("A score cannot be negative.")})
    if judged_on > timezone.localdate():
        raise ValidationError({"judged_on": _("A result cannot be dated in the future.")})
    return RubricResult.objects.create(
        student=student,
        requirement=requirement,
        score=score,
        judged_on=judged_on,
        note=note[:500],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def accept_alternative(
    actor: Any,
    student: Student,
    requirement: Requirement,
    *,
    name: str,
    reference: str = "",
    outside_credential: OutsideCredential | None = None,
) -> AcceptedAlternative:
    """An outside credential accepted as meeting a requirement that allows one. A credential
    the student presented must be one Proficio verified."""
    policy.authorize(actor, Act.CHANGE, Subject.GRADUATION, student)
    if not requirement.accepts_alternative:
        raise ValidationError({"requirement": _("This requirement has no alternative pathway.")})
    _held_requirement(student, requirement)
    if outside_credential is not None:
        if outside_credential.student_id != student.pk:
            raise ValidationError({"outside_credential": _("Not this student's credential.")})
        if (outside_credential.verdict or {}).get("outcome") != "valid":
            raise ValidationError(
                {"outside_credential": _("Only a verified credential can be accepted.")}
            )
        name = name or outside_credential.name
    if not name.strip():
        raise ValidationError({"name": _("Name the credential.")})
    return AcceptedAlternative.objects.create(
        student=student,
        requirement=requirement,
        name=name.strip()[:300],
        reference=reference[:500],
        outside_credential=outside_credential,
        accepted_on=timezone.localdate(),
        accepted_by=actor if getattr(actor, "pk", None) else None,
    )


# ---------------------------------------------------------------- progress


@dataclass(frozen=True)
class Row:
    """One requirement as the pages show it."""

    requirement: Requirement
    outcome: core.Outcome
    shown: list[tuple[Item, int]]  # competencies at the level, and the level shown
    gaps: list[tuple[Item, core.Gap]]
    rubric: list[RubricResult]
    alternatives: list[AcceptedAlternative]


@dataclass(frozen=True)
class Path:
    student: Student
    record: GraduationRecord | None
    sets: list[RequirementSet]
    rows: list[Row]
    progress: core.Progress
    diploma: Diploma | None

    @property
    def unmet_titles(self) -> list[str]:
        return [r.requirement.title for r in self.rows if not r.outcome.met]


def _evaluate(students: Sequence[Student], today: dt.date) -> dict[int, Path]:
    """Each student's path, from the one standings definition and the pace engine."""
    from proficio.mastery.continuum import standings
    from proficio.pace.engine import student_pace

    records = {
        r.student_id: r
        for r in GraduationRecord.objects.filter(student__in=students).prefetch_related("held_to")
    }
    set_ids = {s.pk for r in records.values() for s in r.held_to.all()}
    reqs = list(
        Requirement.objects.filter(requirement_set_id__in=set_ids)
        .select_related("requirement_set", "requirement_set__owner", "level")
        .prefetch_related("competencies")
        .order_by("requirement_set__owner__path", "position", "id")
    )
    items = {c.pk: c for r in reqs for c in r.competencies.all()}
    stood = standings(list(students), list(items.values()), today=today) if items else {}
    rubric: dict[tuple[int, int], list[RubricResult]] = defaultdict(list)
    for rr in RubricResult.objects.filter(student__in=students, requirement__in=reqs):
        rubric[(rr.student_id, rr.requirement_id)].append(rr)
    alts: dict[tuple[int, int], list[AcceptedAlternative]] = defaultdict(list)
    for alt in AcceptedAlternative.objects.filter(student__in=students, requirement__in=reqs):
        alts[(alt.student_id, alt.requirement_id)].append(alt)
    diplomas = {
        d.student_id: d
        for d in Diploma.objects.filter(
            student__in=students, rescinded_at__isnull=True
        ).select_related("credential")
    }
    out = {}
    for student in students:
        record = records.get(student.pk)
        held = {s.pk for s in record.held_to.all()} if record else set()
        mine = [r for r in reqs if r.requirement_set_id in held]
        levels: dict[Hashable, int | None] = {
            pk: s.level for pk, s in stood.get(student.pk, {}).items()
        }
        pace: dict[Hashable, Growth] = {}
        if any(r.kind != core.Kind.RUBRIC for r in mine):
            for row in student_pace(student, today):
                if row.competency is not None and row.result.growth is not None:
                    pace[row.competency.pk] = row.result.growth
        rules = [
            core.Requirement(
                key=str(r.pk),
                kind=core.Kind(r.kind),
                competencies=tuple(c.pk for c in r.competencies.all()),
                level=r.level.position if r.level else 0,
                count=r.count,
                minimum_score=r.minimum_score,
                accepts_alternative=r.accepts_alternative,
            )
            for r in mine
        ]
        progress = core.evaluate(
            rules,
            levels,
            today=today,
            rubric={
                str(r.pk): [
                    core.RubricResult(x.score, x.judged_on, x.note)
                    for x in rubric[(student.pk, r.pk)]
                ]
                for r in mine
            },
            alternatives={
                str(r.pk): [
                    core.Alternative(a.name, a.accepted_on, a.reference)
                    for a in alts[(student.pk, r.pk)]
                ]
                for r in mine
            },
            pace=pace,
        )
        rows = [
            Row(
                r,
                o,
                [
                    (items[e.competency], e.level)  # type: ignore[index]
                    for e in o.evidence
                    if isinstance(e, core.LevelShown)
                ],
                [(items[g.competency], g) for g in o.gaps],  # type: ignore[index]
                rubric[(student.pk, r.pk)],
                alts[(student.pk, r.pk)],
            )
            for r, o in zip(mine, progress.outcomes, strict=True)
        ]
        sets = sorted(record.held_to.all(), key=lambda s: s.owner.path) if record else []
        out[student.pk] = Path(student, record, sets, rows, progress, diplomas.get(student.pk))
    return out


def path_to_graduation(
    actor: Any, student: Student, *, today: dt.date | None = None, purpose: str = "graduation"
) -> Path:
    """One student's path to graduation; a read by anyone but the student is audited."""
    policy.authorize(actor, Act.VIEW, Subject.GRADUATION, student)
    record_reads([student], purpose=purpose)
    return _evaluate([student], today or timezone.localdate())[student.pk]


def caseload_paths(
    actor: Any, students: Iterable[Student], *, today: dt.date | None = None
) -> list[Path]:
    """The paths of many students (a counselor's caseload), one audit entry per student."""
    chosen = list(students)
    policy.authorize_students(actor, Act.VIEW, Subject.GRADUATION, [s.pk for s in chosen])
    record_reads(chosen, purpose="graduation caseload")
    found = _evaluate(chosen, today or timezone.localdate())
    return [found[s.pk] for s in chosen]


def cohort_status(path: Path, today: dt.date) -> str:
    """One of ``core.COHORT_STATUSES``: ``met`` (every requirement), ``on`` (projected
    to finish by June 30 of the class's year) or ``off`` (neither, or not projected)."""
    if path.progress.met:
        return "met"
    assert path.record is not None
    by = today.replace(year=path.record.cohort, month=6, day=30)
    return "on" if core.on_track(path.progress, by) else "off"


def cohort_statuses(student_ids: Sequence[int], today: dt.date) -> dict[int, tuple[int, str]]:
    """Each student's graduating class and status, for those with a graduation record.
    Read by the daily job that builds the district's published release (the only place
    these counts are shown, after the publication audit); no one sees a name here."""
    students = list(
        Student.objects.filter(
            pk__in=GraduationRecord.objects.filter(student_id__in=list(student_ids)).values(
                "student_id"
            )
        ).select_related("school")
    )
    found = _evaluate(students, today)
    out = {}
    for student in students:
        path = found[student.pk]
        assert path.record is not None
        out[student.pk] = (path.record.cohort, cohort_status(path, today))
    return out


# ---------------------------------------------------------------- diplomas


def _evidence_of(path: Path) -> list[dict[str, Any]]:
    out = []
    for row in path.rows:
        entry: dict[str, Any] = {
            "requirement": row.requirement.title,
            "set": str(row.requirement.requirement_set),
        }
        if row.outcome.via_alternative:
            entry["alternative"] = [a.name for a in row.alternatives]
        elif row.requirement.kind == core.Kind.RUBRIC:
            entry["rubric"] = [r.score for r in row.rubric]
        else:
            entry["shown"] = [
                {"competency": str(item.identifier), "level": level} for item, level in row.shown
            ]
        out.append(entry)
    return out


@transaction.atomic
def award_diploma(actor: Any, student: Student) -> Diploma:
    """Award the diploma and issue its Open Badges 3.0 credential (achievementType
    Diploma). Refused, with the unmet list, when requirements are not all met."""
    policy.authorize_students(actor, Act.CHANGE, Subject.DIPLOMA, [student.pk])
    Student.objects.select_for_update().filter(pk=student.pk).first()
    if Diploma.objects.filter(student=student, rescinded_at__isnull=True).exists():
        raise ValidationError({"student": _("This student already holds a diploma.")})
    path = _evaluate([student], timezone.localdate())[student.pk]
    if path.record is None or not path.rows:
        raise ValidationError({"requirements": [_("The student is held to no requirements.")]})
    if not path.progress.met:
        raise ValidationError({"requirements": path.unmet_titles})
    now = timezone.now()
    diploma = Diploma.objects.create(
        student=student,
        awarded_at=now,
        awarded_by=actor if getattr(actor, "pk", None) else None,
        evidence=_evidence_of(path),
    )
    diploma.requirement_sets.set(path.sets)
    from proficio.core.credentials import ob3

    def achievement(issuer: ob3.Issuer) -> ob3.Achievement:
        sets = "; ".join(str(s) for s in path.sets)
        return ob3.Achievement(
            id=f"{publish.base_url()}/graduation/achievements/"
            + "-".join(str(s.pk) for s in path.sets),
            name=_("High school diploma"),
            description=_("Awarded for meeting every graduation requirement: %(sets)s.")
            % {"sets": sets},
            criteria="; ".join(r.requirement.title for r in path.rows),
            achievement_type="Diploma",
            creator=issuer,
        )

    diploma.credential = issue_credential(
        actor,
        student,
        kind=CredentialKind.DIPLOMA,
        subject_key=f"diploma:{diploma.pk}",
        make_achievement=achievement,
    )
    diploma.save(update_fields=["credential"])
    return diploma


@transaction.atomic
def rescind_diploma(actor: Any, diploma: Diploma, *, reason: str) -> Diploma:
    """The one way a diploma is undone: with a documented reason; its credential is revoked
    with the same reason, which the holder sees."""
    policy.authorize(actor, Act.CHANGE, Subject.DIPLOMA, diploma)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for rescinding, for the record.")})
    locked = Diploma.objects.select_for_update().get(pk=diploma.pk)
    if locked.rescinded_at is not None:
        raise ValidationError({"diploma": _("This diploma is already rescinded.")})
    locked.rescinded_at = timezone.now()
    locked.rescinded_by = actor if getattr(actor, "pk", None) else None
    locked.rescission_reason = reason[:2000]
    locked.save()
    if locked.credential is not None and locked.credential.revoked_at is None:
        revoke_credential(actor, locked.credential, reason=reason)
    return locked

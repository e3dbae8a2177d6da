"""The only code that writes moderation sessions, samples, scores and consensus."""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from proficio import policy
from proficio.accounts.models import User
from proficio.audit.log import record_reads
from proficio.core.reliability import balanced_design, full_design
from proficio.evidence.actions import check_upload
from proficio.evidence.models import (
    ALLOWED_ARTIFACT_TYPES,
    Evidence,
    EvidenceScore,
    EvidenceStatus,
)
from proficio.frameworks import actions as frameworks
from proficio.frameworks.models import Rubric, RubricCriterion
from proficio.moderation.models import (
    Anchor,
    Assignment,
    Consensus,
    Design,
    ModerationSession,
    Rater,
    RaterScore,
    SampleSource,
    SessionKind,
    SessionStatus,
    WorkSample,
)
from proficio.notifications import actions as notifications
from proficio.orgs.models import Disability, Organization
from proficio.policy import SYSTEM, Act, Actor, Subject, authorize, authorize_in

RATER_ROLES = policy.RATER_ROLES


def letter_for(n: int) -> str:
    """The n-th rater letter: A … Z, then AA, AB …"""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters[n] if n < 26 else f"{letters[n // 26 - 1]}{letters[n % 26]}"


def criteria_of(rubric: Rubric) -> list[RubricCriterion]:
    return list(rubric.criteria.prefetch_related("levels").order_by("position", "id"))


def level_scores(criterion: RubricCriterion) -> list[float]:
    """The scores a criterion's levels allow, ascending."""
    return sorted({float(lv.score) for lv in criterion.levels.all() if lv.score is not None})


def _check_score(criterion: RubricCriterion, raw: Any, field: str) -> float:
    allowed = level_scores(criterion)
    shown = ", ".join(f"{v:g}" for v in allowed)
    if raw is None or str(raw).strip() == "":
        raise ValidationError({field: f"Give a score for “{criterion}” ({shown})."})
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValidationError(
            {field: f"“{raw}” is not a score; “{criterion}” takes one of {shown}."}
        ) from None
    if value not in allowed:
        raise ValidationError(
            {field: f"{value:g} is not a level of “{criterion}”; use one of {shown}."}
        )
    return value


def _require_status(session: ModerationSession, *allowed: str, doing: str) -> None:
    if session.status not in allowed:
        raise ValidationError(
            f"You cannot {doing} while the session is “{session.get_status_display()}”."
        )


# -- Setting up ----------------------------------------------------------------------------


@transaction.atomic
def create_session(
    actor: Actor,
    *,
    title: str,
    task: str,
    rubric: Rubric,
    owner: Organization,
    kind: str = SessionKind.MODERATION,
    task_description: str = "",
    design: str = Design.FULL,
    raters_per_sample: int = 2,
) -> ModerationSession:
    authorize_in(actor, Act.CHANGE, Subject.MODERATION, owner)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "A session needs a title."
    if not task.strip():
        errors["task"] = "Name the common performance task everyone will score."
    if kind not in SessionKind.values:
        errors["kind"] = f"“{kind}” is not a kind of session."
    if design not in Design.values:
        errors["design"] = f"“{design}” is not an assignment design."
    if design == Design.BALANCED and raters_per_sample < 2:
        errors["raters_per_sample"] = (
            "A balanced design needs at least 2 raters per sample, or nobody can be compared."
        )
    criteria = criteria_of(rubric)
    if not criteria:
        errors["rubric"] = f"The rubric “{rubric}” has no criteria to score."
    elif any(len(level_scores(c)) < 2 for c in criteria):
        errors["rubric"] = f"Every criterion of “{rubric}” needs at least two scored levels."
    if errors:
        raise ValidationError(errors)
    return ModerationSession.objects.create(
        title=title.strip(),
        task=task.strip(),
        task_description=task_description,
        kind=kind,
        rubric=rubric,
        owner=owner,
        design=design,
        raters_per_sample=raters_per_sample,
        created_by=_person(actor),
    )


def _person(actor: Actor) -> User | None:
    return None if actor is SYSTEM else actor


@transaction.atomic
def add_rater(actor: Actor, session: ModerationSession, user: User) -> Rater:
    authorize(actor, Act.CHANGE, Subject.MODERATION, session)
    _require_status(session, SessionStatus.SETUP, doing="add raters")
    school = policy.rater_organization(session, user)
    if school is None:
        raise ValidationError(
            {
                "user": f"{user} is not an educator in {session.owner}, "
                "so they cannot rate in this session."
            }
        )
    if session.raters.filter(user=user).exists():
        raise ValidationError({"user": f"{user} is already a rater in this session."})
    return Rater.objects.create(session=session, user=user, school=school)


def _next_code(session: ModerationSession) -> str:
    taken = set(session.samples.values_list("code", flat=True))
    n = len(taken) + 1
    while f"S-{n:02d}" in taken:
        n += 1
    return f"S-{n:02d}"


@transaction.atomic
def add_anchor_sample(
    actor: Actor, session: ModerationSession, *, upload: Any = None, description: str = ""
) -> WorkSample:
    """Upload an anchor paper (a file checked by its content, or a description alone)."""
    authorize(actor, Act.CHANGE, Subject.MODERATION, session)
    _require_status(session, SessionStatus.SETUP, doing="add work samples")
    if upload is None and not description.strip():
        raise ValidationError({"file": "Attach the work, or describe it."})
    sample = WorkSample(
        session=session,
        code=_next_code(session),
        source=SampleSource.ANCHOR,
        description=description.strip(),
    )
    if upload is not None:
        content_type = check_upload(upload)
        sample.content_type = content_type
        sample.file.save(
            f"{session.pk}-{sample.code}{ALLOWED_ARTIFACT_TYPES[content_type]}", upload, save=False
        )
    sample.save()
    return sample


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b", flags=re.IGNORECASE)


def _usable(names: list[str]) -> list[str]:
    # Longest first, so "Ana María" is scrubbed before "Ana".
    return sorted({n.strip() for n in names if len(n.strip()) > 1}, key=len, reverse=True)


def deidentify(text: str, names: list[str]) -> str:
    """The name scrubbing of work copied out of a student's record: each of ``names``, as
    a whole word in any letter case, becomes "[student]"."""
    for name in _usable(names):
        text = _name_pattern(name).sub("[student]", text)
    return text


def names_found(text: str, names: list[str]) -> list[str]:
    """Which of ``names`` ``deidentify`` would scrub from ``text`` (the same matching)."""
    return [name for name in _usable(names) if _name_pattern(name).search(text)]


@transaction.atomic
def draw_samples(
    actor: Actor,
    session: ModerationSession,
    *,
    per_school: int,
    title_contains: str = "",
    seed: int = 0,
) -> list[WorkSample]:
    """Copy a random sample of each school's scored work into the session, de-identified.

    Candidates are accepted evidence from schools under the session's owner that scored
    at least one of the rubric's criteria. Each copy keeps the local scores, the school
    and the two subgroup flags the comparability report needs; never the student.
    Reading each student's work to copy it is an audited read of their record.
    """
    authorize(actor, Act.CHANGE, Subject.MODERATION, session)
    _require_status(session, SessionStatus.SETUP, doing="add work samples")
    if per_school < 1:
        raise ValidationError({"per_school": "Draw at least 1 sample per school."})
    criteria = criteria_of(session.rubric)
    by_target = {c.item_id: c for c in criteria if c.item_id is not None}
    if not by_target:
        raise ValidationError(
            {"per_school": f"No criterion of “{session.rubric}” names a learning target."}
        )
    scores = EvidenceScore.objects.filter(
        target_id__in=by_target,
        evidence__status=EvidenceStatus.ACCEPTED,
        student__school__path__startswith=session.owner.path,
    )
    if title_contains.strip():
        scores = scores.filter(evidence__title__icontains=title_contains.strip())
    evidence_ids = sorted(set(scores.values_list("evidence_id", flat=True)))
    already = set(session.samples.exclude(description="").values_list("description", flat=True))
    pool = list(
        Evidence.objects.filter(pk__in=evidence_ids)
        .select_related("student__school", "student__demographics")
        .prefetch_related("scores", "artifacts")
        .order_by("pk")
    )
    by_school: dict[int, list[Evidence]] = {}
    for ev in pool:
        by_school.setdefault(ev.student.school_id, []).append(ev)
    if not by_school:
        raise ValidationError(
            {
                "title_contains": "No scored work on this rubric's targets was found"
                + (f" with “{title_contains}” in its title." if title_contains.strip() else ".")
            }
        )
    rng = random.Random(seed)
    made: list[WorkSample] = []
    students: set[int] = set()
    for school_id in sorted(by_school):
        candidates = by_school[school_id]
        for ev in rng.sample(candidates, min(per_school, len(candidates))):
            student = ev.student
            names = [student.legal_given_name, student.legal_family_name]
            names += [getattr(student, "preferred_name", "") or ""]
            description = deidentify(
                "\n\n".join(part for part in (ev.title, ev.description) if part), names
            )
            if description in already:
                continue
            local: dict[str, float] = {}
            for score in sorted(ev.scores.all(), key=lambda s: s.pk):
                criterion = by_target.get(score.target_id)
                if criterion is not None:
                    local[str(criterion.pk)] = score.score
            demographics = getattr(student, "demographics", None)
            sample = WorkSample(
                session=session,
                code=_next_code(session),
                source=SampleSource.EVIDENCE,
                description=description,
                origin_school=student.school,
                local_scores=local,
                english_learner=demographics.english_learner if demographics else None,
                disability=(demographics.disability != Disability.NONE) if demographics else None,
            )
            artifact = next((a for a in ev.artifacts.all() if a.file), None)
            if artifact is not None:
                with artifact.file.open("rb") as f:
                    content = f.read()
                sample.content_type = artifact.content_type
                extension = ALLOWED_ARTIFACT_TYPES.get(artifact.content_type, ".bin")
                sample.file.save(
                    f"{session.pk}-{sample.code}{extension}", ContentFile(content), save=False
                )
            sample.save()
            made.append(sample)
            students.add(student.pk)
    # Reading the work of many students to copy it is an access to their data: audited.
    record_reads(students, purpose="moderation sample", what="evidence.evidence")
    return made


@transaction.atomic
def open_scoring(actor: Actor, session: ModerationSession, *, seed: int = 0) -> int:
    """Assign raters to samples by the session's design and start blind scoring.

    Each rater gets a letter ("Rater C") by a fresh random shuffle: no order on any page
    (the panel table, the order raters joined) links a letter to a name."""
    authorize(actor, Act.CHANGE, Subject.MODERATION, session)
    _require_status(session, SessionStatus.SETUP, doing="open scoring")
    raters = list(session.raters.order_by("pk"))
    samples = list(session.samples.order_by("code"))
    errors: dict[str, str] = {}
    if len(raters) < 2:
        errors["raters"] = f"Add at least 2 raters before scoring opens; there are {len(raters)}."
    if not samples:
        errors["samples"] = "Add at least one work sample before scoring opens."
    if session.design == Design.BALANCED and len(raters) < session.raters_per_sample:
        errors["raters_per_sample"] = (
            f"Each sample needs {session.raters_per_sample} raters "
            f"but the session has {len(raters)}."
        )
    if errors:
        raise ValidationError(errors)
    if session.design == Design.BALANCED:
        design = balanced_design(len(raters), len(samples), session.raters_per_sample, seed)
    else:
        design = full_design(len(raters), len(samples))
    Assignment.objects.bulk_create(
        Assignment(rater=raters[r], sample=samples[s]) for r, s in design.pairs
    )
    shuffled = list(raters)
    secrets.SystemRandom().shuffle(shuffled)
    for n, rater in enumerate(shuffled):
        rater.letter = letter_for(n)
    Rater.objects.bulk_update(shuffled, ["letter"])
    session.status = SessionStatus.SCORING
    session.opened_at = timezone.now()
    session.save(update_fields=["status", "opened_at"])
    notifications.samples_assigned(actor, session)
    return len(design.pairs)


# -- Scoring -------------------------------------------------------------------------------


@transaction.atomic
def submit_scores(
    actor: Actor,
    sample: WorkSample,
    scores: Mapping[int, Any],
    notes: Mapping[int, str] | None = None,
) -> Assignment:
    """A rater's scores for one sample, one per criterion. They may revise until reveal."""
    session = sample.session
    authorize(actor, Act.VIEW, Subject.MODERATION, session)
    _require_status(session, SessionStatus.SCORING, doing="score")
    assignment = (
        Assignment.objects.select_for_update()
        .filter(sample=sample, rater__user=actor, rater__session=session)
        .first()
    )
    if assignment is None or not policy.may_score(actor, sample):
        raise PermissionDenied(
            f"Sample {sample.code} is not assigned to you; you can score only the samples "
            "on your list."
        )
    notes = notes or {}
    checked: dict[int, float] = {}
    errors: dict[str, list[str]] = {}
    for criterion in criteria_of(session.rubric):
        field = f"criterion_{criterion.pk}"
        try:
            checked[criterion.pk] = _check_score(criterion, scores.get(criterion.pk), field)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    unknown = set(scores) - {c.pk for c in criteria_of(session.rubric)}
    if unknown:
        errors.setdefault("__all__", []).append(
            "Some scores are for criteria that are not on this session's rubric."
        )
    if errors:
        raise ValidationError(errors)
    assignment.scores.all().delete()
    RaterScore.objects.bulk_create(
        RaterScore(
            assignment=assignment,
            criterion_id=pk,
            score=value,
            note=(notes.get(pk) or "").strip(),
        )
        for pk, value in checked.items()
    )
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["submitted_at"])
    return assignment


@transaction.atomic
def reveal(actor: Actor, session: ModerationSession) -> int:
    """Show the scores side by side. Returns how many assignments were left unscored."""
    authorize(actor, Act.CHANGE, Subject.MODERATION, session)
    _require_status(session, SessionStatus.SCORING, doing="reveal the scores")
    pairable = (
        WorkSample.objects.filter(session=session)
        .annotate(n=Count("assignments", filter=Q(assignments__submitted_at__isnull=False)))
        .filter(n__gte=2)
        .exists()
    )
    if not pairable:
        raise ValidationError(
            "No sample has been scored by two raters yet, so there is nothing to compare. "
            "Wait for more raters to submit."
        )
    session.status = SessionStatus.REVEALED
    session.revealed_at = timezone.now()
    session.save(update_fields=["status", "revealed_at"])
    return Assignment.objects.filter(rater__session=session, submitted_at__isnull=True).count()


@transaction.atomic
def record_consensus(
    actor: Actor, sample: WorkSample, scores: Mapping[int, Any], rationale: str
) -> list[Consensus]:
    session = sample.session
    authorize(actor, Act.CHANGE, Subject.MODERATION, session)
    _require_status(session, SessionStatus.REVEALED, doing="record a consensus")
    criteria = criteria_of(session.rubric)
    checked: dict[int, float] = {}
    errors: dict[str, list[str]] = {}
    for criterion in criteria:
        field = f"criterion_{criterion.pk}"
        try:
            checked[criterion.pk] = _check_score(criterion, scores.get(criterion.pk), field)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if not rationale.strip():
        errors.setdefault("rationale", []).append(
            "Say why the group agreed on these scores; raters see it in their feedback."
        )
    if errors:
        raise ValidationError(errors)
    saved = []
    for pk, value in checked.items():
        consensus, _ = Consensus.objects.update_or_create(
            sample=sample,
            criterion_id=pk,
            defaults={
                "score": value,
                "rationale": rationale.strip(),
                "recorded_by": _person(actor),
            },
        )
        saved.append(consensus)
    return saved


@transaction.atomic
def choose_anchor(actor: Actor, sample: WorkSample, criterion: RubricCriterion) -> Anchor:
    """Make a consensus paper the anchor for its level of ``criterion`` on the continuum."""
    authorize(actor, Act.CHANGE, Subject.MODERATION, sample.session)
    consensus = Consensus.objects.filter(sample=sample, criterion=criterion).first()
    if consensus is None:
        raise ValidationError(
            {"criterion": f"Record a consensus for {sample.code} before choosing it as an anchor."}
        )
    if criterion.item is None:
        raise ValidationError(
            {"criterion": f"“{criterion}” names no learning target to attach the anchor to."}
        )
    if Anchor.objects.filter(sample=sample, criterion=criterion).exists():
        raise ValidationError(
            {"criterion": f"{sample.code} is already the anchor for “{criterion}”."}
        )
    session = sample.session
    level = next((lv for lv in criterion.levels.all() if lv.score == consensus.score), None)
    label = level.quality if level and level.quality else f"{consensus.score:g}"
    title = f"Anchor: {label} ({consensus.score:g}) on {criterion}: {session.task}, {sample.code}"
    if not sample.file:
        raise ValidationError(
            {"criterion": f"{sample.code} has no work attached, so it cannot be an exemplar."}
        )
    with sample.file.open("rb") as f:
        file = ContentFile(f.read(), name=sample.file.name.rsplit("/", 1)[-1])
    exemplar = frameworks.add_exemplar(
        criterion.item,
        title=title[:200],
        description=f"{sample.description}\n\n{consensus.rationale}".strip(),
        file=file,
    )
    return Anchor.objects.create(
        sample=sample,
        criterion=criterion,
        score=consensus.score,
        exemplar=exemplar,
        chosen_by=_person(actor),
    )


@transaction.atomic
def close_session(actor: Actor, session: ModerationSession) -> None:
    authorize(actor, Act.CHANGE, Subject.MODERATION, session)
    _require_status(session, SessionStatus.REVEALED, doing="close the session")
    session.status = SessionStatus.CLOSED
    session.save(update_fields=["status"])

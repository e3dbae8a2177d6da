"""Educators as learners: licensure, growth evidence, growth plans, the micro-credential
catalogue, submissions with their versions and reviews, pathways, and feedback.

Written only by ``proficio.educators.actions``. The educator's profile itself is
``pace.EducatorProfile`` (the teacher-assignment bias check reads it); the rows here hang
off it or off the educator's account. Development is kept apart from evaluation: nothing
here is visible to a leader except through the policy's rows for it (plans to the
building leader who approves them; aggregates, suppressed, to leaders, districts and
states), and no row here is ever read by an evaluation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proficio.credentials.models import IssuedCredential
from proficio.frameworks.models import Item, Rubric, RubricCriterion
from proficio.moderation.models import ModerationSession
from proficio.orgs.models import Organization
from proficio.pace.models import EducatorProfile

User = settings.AUTH_USER_MODEL


def _place(profile: EducatorProfile | None) -> str:
    if profile is None or profile.organization_id is None:
        return ""
    return profile.organization.path  # type: ignore[union-attr]


# ---------------------------------------------------------------- licensure


class _Record(models.Model):
    """A row that names nobody when printed: its kind and number only (a review, a share,
    a conflict of interest are about people whose names must not leak into logs)."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class LicenseKind(models.TextChoices):
    STANDARD = "standard", _("Standard (full) license")
    PROVISIONAL = "provisional", _("Provisional license")
    EMERGENCY = "emergency", _("Emergency or temporary permit")


class Licensure(models.Model):
    """A license to teach, with its expiry and what renewing it takes, in credits
    (continuing-education units)."""

    profile = models.ForeignKey(EducatorProfile, on_delete=models.CASCADE, related_name="licenses")
    title = models.CharField(_("license"), max_length=200)
    number = models.CharField(_("license number"), max_length=60, blank=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=LicenseKind.choices, default=LicenseKind.STANDARD
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    renewal_credits_required = models.DecimalField(
        _("credits required to renew"), max_digits=6, decimal_places=2, default=Decimal("0")
    )

    class Meta:
        ordering = ["profile", "-expires_on", "id"]

    def __str__(self) -> str:
        return self.title

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return _place(self.profile)


class CredentialHeld(models.Model):
    """A credential an educator holds from elsewhere (a degree, a certificate), as they
    list it on their profile. Micro-credentials awarded here are ``IssuedCredential`` rows."""

    profile = models.ForeignKey(
        EducatorProfile, on_delete=models.CASCADE, related_name="credentials_held"
    )
    title = models.CharField(_("credential"), max_length=200)
    issuer_name = models.CharField(_("issued by"), max_length=200, blank=True)
    earned_on = models.DateField(_("earned on"), null=True, blank=True)

    class Meta:
        ordering = ["profile", "-earned_on", "id"]

    def __str__(self) -> str:
        return self.title

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return _place(self.profile)


# ---------------------------------------------------------------- growth evidence


class EducatorEvidenceKind(models.TextChoices):
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    OBSERVATION = "observation", _("Coaching observation")
    MICRO_CREDENTIAL = "micro_credential", _("Micro-credential awarded")


class EducatorEvidence(models.Model):
    """One piece of evidence of an educator's practice on one indicator of the educator
    framework. The mastery engine reads these as it reads a student's scores (the same
    policies, rules and explanation); see ``educators.growth``."""

    educator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=EducatorEvidenceKind.choices)
    score = models.FloatField(_("level"))
    assessed_at = models.DateTimeField(_("shown on"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    submission = models.ForeignKey(
        "Submission", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["educator", "indicator", "assessed_at", "id"]
        indexes = [models.Index(fields=["educator", "indicator"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.score:g}"

    def audit_subject(self) -> None:
        return None


# ---------------------------------------------------------------- the catalogue


class IssuerKind(models.TextChoices):
    DISTRICT = "district", _("The district")
    STATE = "state", _("The state")
    PARTNER = "partner", _("A partner (such as a university)")


class CatalogueStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class MicroCredential(models.Model):
    """A micro-credential of the catalogue: the competency or indicator it certifies (a
    CASE item of the educator framework), the key method and its research basis, the parts
    a submission has, each scored met / not yet, who issues it and what it is worth.

    The issuing organization (``issuer``, a district or the state) signs the credential; a
    partner such as a university is named as the achievement's creator and may grant
    graduate credit."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("competency or indicator")
    )
    key_method = models.CharField(_("key method"), max_length=300)
    method_description = models.TextField(_("about the method"), blank=True)
    research_basis = models.TextField(_("research basis"))
    issuer = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuer")
    )
    issuer_kind = models.CharField(
        _("issued by"), max_length=10, choices=IssuerKind.choices, default=IssuerKind.DISTRICT
    )
    partner_name = models.CharField(_("partner"), max_length=200, blank=True)
    graduate_credit = models.CharField(_("graduate credit"), max_length=200, blank=True)
    credit_value = models.DecimalField(
        _("renewal credits"), max_digits=5, decimal_places=2, default=Decimal("0.5")
    )
    supervisor_may_review = models.BooleanField(
        _("an educator's direct supervisor may review"), default=False
    )
    blind_review = models.BooleanField(_("reviews are blind to the submitter"), default=False)
    status = models.CharField(
        max_length=10, choices=CatalogueStatus.choices, default=CatalogueStatus.DRAFT
    )
    # The met / not-yet rubric as a CASE rubric of the item's framework (made when published),
    # so moderation can calibrate reviewers on it and the CASE export carries it.
    rubric = models.ForeignKey(
        Rubric, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "code"], name="unique_micro_credential_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.issuer.path


class PartKind(models.TextChoices):
    OVERVIEW = "overview", _("Overview questions")
    WORK_EXAMPLE = "work_example", _("Work examples")
    STUDENT_EVIDENCE = "student_evidence", _("De-identified student evidence")
    REFLECTION = "reflection", _("Reflection")


class MicroCredentialPart(models.Model):
    micro_credential = models.ForeignKey(
        MicroCredential, on_delete=models.CASCADE, related_name="parts"
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=20, choices=PartKind.choices)
    title = models.CharField(_("title"), max_length=200)
    prompt = models.TextField(_("what to submit"))
    met_criteria = models.TextField(_("what “met” looks like"))
    required = models.BooleanField(_("required"), default=True)
    criterion = models.ForeignKey(
        RubricCriterion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["micro_credential", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["micro_credential", "position"], name="unique_part_position"
            )
        ]

    def __str__(self) -> str:
        return self.title


# ---------------------------------------------------------------- pathways


class Pathway(models.Model):
    """A bundle of micro-credentials: every required one, plus ``choose_k`` of the core
    area's electives, optionally in order, with a pathway review at the end and outcomes
    recorded on completion."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    issuer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    core_area = models.CharField(_("core area"), max_length=200, blank=True)
    choose_k = models.PositiveSmallIntegerField(_("electives to choose"), default=0)
    sequenced = models.BooleanField(_("required micro-credentials in order"), default=False)
    review_required = models.BooleanField(_("pathway review at the end"), default=True)
    outcome_role = models.CharField(_("role it makes one eligible for"), max_length=200, blank=True)
    stipend = models.DecimalField(
        _("stipend"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    salary_step = models.BooleanField(_("salary step"), default=False)
    renewal_credits = models.DecimalField(
        _("renewal credits on completion"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    status = models.CharField(
        max_length=10, choices=CatalogueStatus.choices, default=CatalogueStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "code"], name="unique_pathway_code")
        ]

    def __str__(self) -> str:
        return self.title

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.issuer.path


class PathwayMember(_Record):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="members")
    micro_credential = models.ForeignKey(
        MicroCredential, on_delete=models.PROTECT, related_name="pathway_memberships"
    )
    required = models.BooleanField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["pathway", "-required", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "micro_credential"], name="one_membership_per_pathway"
            )
        ]


# ---------------------------------------------------------------- growth plans


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned with comments")


class GrowthPlan(models.Model):
    """An educator's goals and the micro-credentials or pathway they choose; a building
    leader approves it or returns it with comments (``PlanDecision`` keeps each one)."""

    educator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="growth_plans")
    school = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    goals = models.JSONField(_("goals"), default=list)
    micro_credentials = models.ManyToManyField(MicroCredential, blank=True, related_name="+")
    pathway = models.ForeignKey(
        Pathway, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    electives = models.ManyToManyField(MicroCredential, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=PlanStatus.choices)
    version = models.PositiveSmallIntegerField(default=1)
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"plan {self.pk} of {self.educator_id}"

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.school.path


class PlanDecision(_Record):
    plan = models.ForeignKey(GrowthPlan, on_delete=models.CASCADE, related_name="decisions")
    version = models.PositiveSmallIntegerField()
    approved = models.BooleanField()
    comment = models.TextField(_("comments"), blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "decided_at", "id"]


# ---------------------------------------------------------------- submissions and reviews


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (private)")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Not yet: revise and resubmit")
    AWARDED = "awarded", _("Awarded")


class Submission(models.Model):
    """An educator's work toward one micro-credential, from a private draft to the award.
    Every submitted version and every review is kept."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    educator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="mc_submissions")
    micro_credential = models.ForeignKey(
        MicroCredential, on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(
        max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    blind = models.BooleanField(default=False)
    versions_submitted = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    credential = models.OneToOneField(
        IssuedCredential, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Where the educator worked when they started it (for the suppressed school figures).
    school = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["educator", "micro_credential"],
                condition=~Q(status="awarded"),
                name="one_open_submission_per_micro_credential",
            )
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """How a blind reviewer names it: a code that names nobody."""
        return f"MC-{str(self.uuid)[:8].upper()}"

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.school.path if self.school_id else ""  # type: ignore[union-attr]


def micro_credential_holders(educator_ids: Iterable[int], day: dt.date) -> set[int]:
    """The one rule of "holds a micro-credential" on ``day``: of these educators, those
    with at least one micro-credential awarded by the end of ``day`` whose credential was
    not revoked by then. (Micro-credentials are issued without an expiry date, so none
    lapses by age.) The leaders' equity-of-access table and the teacher-assignment bias
    check both read it, in one query."""
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return set(
        Submission.objects.filter(
            educator_id__in=list(educator_ids),
            status=SubmissionStatus.AWARDED,
            awarded_at__lt=end,
        )
        .filter(
            Q(credential__isnull=True)
            | Q(credential__revoked_at__isnull=True)
            | Q(credential__revoked_at__gte=end)
        )
        .values_list("educator_id", flat=True)
        .distinct()
    )


class PartResponse(_Record):
    """The draft's text for one part (what the next version will hold)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="responses")
    part = models.ForeignKey(MicroCredentialPart, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "part"], name="one_response_per_part")
        ]


class SubmissionArtifact(_Record):
    """A file attached to one part. Files are checked on upload by their content and are
    never deleted once a submitted version holds them (a draft's may be removed)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="artifacts")
    part = models.ForeignKey(MicroCredentialPart, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to="educators/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "part", "added_at", "id"]


class SubmissionVersion(_Record):
    """What the educator submitted, frozen: each part's text and its files."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField()
    content = models.JSONField()  # {part id: {"text": ..., "artifacts": [artifact ids]}}

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="unique_version")
        ]


class ReviewerQualification(_Record):
    """A trained reviewer in an issuer's pool: for every micro-credential the issuer
    offers, or for one."""

    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    issuer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    micro_credential = models.ForeignKey(
        MicroCredential, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trained_on = models.DateField(_("trained on"))
    added_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issuer", "reviewer", "id"]

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.issuer.path


class ConflictOfInterest(_Record):
    """A reviewer's declared conflict with an educator: never assigned their work."""

    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    educator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("why"), blank=True)
    declared_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "educator"], name="one_conflict_per_pair")
        ]


class ReviewAssignment(_Record):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="mc_assignments")
    assigned_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    # The reviewer's declaration, before scoring, that they have no conflict of interest.
    no_conflict_declared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission"], condition=Q(active=True), name="one_active_reviewer"
            )
        ]
        indexes = [models.Index(fields=["reviewer", "active"])]


class Review(_Record):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    version = models.ForeignKey(SubmissionVersion, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField()
    comment = models.TextField(_("overall feedback"), blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["submission", "decided_at", "id"]
        constraints = [models.UniqueConstraint(fields=["version"], name="one_review_per_version")]


class PartScore(_Record):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    part = models.ForeignKey(MicroCredentialPart, on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField()
    feedback = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "part__position"]


class CalibrationRound(_Record):
    """Reviewers of a micro-credential calibrating on common submissions: a moderation
    session on its met / not-yet rubric, whose agreement and drift the pool page reads."""

    micro_credential = models.ForeignKey(
        MicroCredential, on_delete=models.PROTECT, related_name="calibrations"
    )
    session = models.OneToOneField(ModerationSession, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


# ---------------------------------------------------------------- pathway progress


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Working on it")
    IN_REVIEW = "in_review", _("Pathway review requested")
    RETURNED = "returned", _("Pathway review: returned with comments")
    COMPLETE = "complete", _("Complete")


class PathwayEnrollment(_Record):
    """An educator on a pathway (from an approved growth plan) with their chosen
    electives; completing it records the pathway's outcomes as they stood then."""

    educator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="enrollments")
    electives = models.ManyToManyField(MicroCredential, blank=True, related_name="+")
    school = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    started_at = models.DateTimeField()
    review_requested_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    outcomes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["educator", "pathway"], name="one_enrollment")
        ]

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.school.path if self.school_id else ""  # type: ignore[union-attr]


# ---------------------------------------------------------------- peer and coaching feedback


class Share(_Record):
    """An educator lets someone see their feedback (and, as a coach, leave notes)."""

    educator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    with_user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    coach = models.BooleanField(_("as my coach"), default=False)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["educator", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["educator", "with_user"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_share",
            )
        ]


class FeedbackRequest(_Record):
    """An educator asks a colleague for peer feedback on a draft: the colleague may read
    the submission and leave notes until the request is closed."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="feedback_requests"
    )
    peer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "requested_at", "id"]


class NoteKind(models.TextChoices):
    PEER = "peer", _("Peer feedback")
    COACH = "coach", _("Coaching note")


class FeedbackNote(_Record):
    """Peer feedback on a draft, or a coach's note: visible only to the educator, its
    author and the people the educator shares with."""

    educator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=6, choices=NoteKind.choices)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]


# ---------------------------------------------------------------- leader views


class LeaderRelease(models.Model):
    """The leader views of one organization (dashboard and pathway progress) as the
    joint publication audit publishes them: computed once by
    ``actions.refresh_leader_release`` (the daily job, after award events, or on a page
    load that finds it missing or stale), then read by every page. ``view`` holds only
    published figures: a withheld count is null and never stored here. ``audit_state``
    is private (``core.equity.audit.AuditState``: the cells' true values, relations and
    which were hidden), kept so that the next release is audited together with this one
    and the two cannot be differenced; null before the first such release."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the day it was computed for
    threshold = models.PositiveSmallIntegerField()
    view = models.JSONField(default=dict)
    stale = models.BooleanField(default=False)  # something it counts changed since
    computed_at = models.DateTimeField()
    audit_state = models.BinaryField(null=True, editable=False)
    # The last recomputation was held (``core.equity.joint.held``): on ``held_on`` the
    # audit could not protect ``held_figures`` withheld figures against this release,
    # so ``view`` (computed at ``computed_at``) stays current. Null once one is published.
    held_on = models.DateField(null=True, blank=True)
    held_figures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"leader release {self.organization_id} {self.day}"

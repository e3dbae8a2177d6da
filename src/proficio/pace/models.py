"""Time-bound targets, the daily pace of every student, and support plans.

``StudentPace`` and the ``*Day`` tables are written only by the daily job
(:func:`proficio.pace.actions.refresh_pace`): dashboards read them instead of the raw
evidence, so a district of 50,000 students opens in a second or two.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from proficio.frameworks.models import Framework, Item, PerformanceLevel
from proficio.orgs.models import Organization, Student, Term


class TargetKind(models.TextChoices):
    TERM = "term", _("Expected by the end of a term")
    GRADUATION = "graduation", _("Graduation requirement")


class PaceTarget(models.Model):
    """The level a district expects students of a grade to reach in a competency (or in
    every competency of a framework) by a date. Archived, never deleted."""

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    competency = models.ForeignKey(
        Item,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty for every competency of the framework."),
    )
    grade_level = models.CharField(_("grade level"), max_length=3)
    kind = models.CharField(_("kind"), max_length=12, choices=TargetKind.choices)
    level = models.ForeignKey(
        PerformanceLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("level")
    )
    due_on = models.DateField(_("due"))
    term = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["framework", "grade_level", "competency", "due_on"]
        indexes = [models.Index(fields=["district", "grade_level"])]

    def __str__(self) -> str:
        return f"{self.grade_level}: {self.level} by {self.due_on}"


class EducatorRole(models.TextChoices):
    """What an educator does (their job), apart from the system roles that grant access."""

    TEACHER = "teacher", _("Classroom teacher")
    COACH = "coach", _("Instructional coach")
    TEACHER_LEADER = "teacher_leader", _("Teacher leader")
    MENTOR = "mentor", _("Mentor")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("School or district leader")


class EducatorProfile(models.Model):
    """An educator's profile: the bias checks read years of experience and whether they
    are fully credentialed (kept in step with their licenses by the educators app); the
    educator and their leaders edit the rest on the profile page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="educator_profile"
    )
    # A stable id that names nobody: the subject of the educator's micro-credentials.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Where they work (their school, or the district office): leaders' reach follows it.
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("where they work"),
    )
    roles = models.JSONField(_("roles"), default=list, blank=True)
    years_experience = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    fully_credentialed = models.BooleanField(_("fully credentialed"), default=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("direct supervisor"),
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.user_id}: {self.years_experience} years"

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.organization.path if self.organization is not None else ""

    def role_labels(self) -> list[str]:
        labels = dict(EducatorRole.choices)
        return [str(labels.get(r, r)) for r in self.roles]


EXPERIENCED_YEARS = 5


class PaceStatusChoice(models.TextChoices):
    AHEAD = "ahead", _("Ahead of pace")
    ON = "on", _("On pace")
    BEHIND = "behind", _("Behind pace")
    UNKNOWN = "unknown", _("Not enough evidence yet")


class StudentPace(models.Model):
    """Yesterday night's pace of one student in one competency (or overall: no competency)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    competency = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=8, choices=PaceStatusChoice.choices)
    level_now = models.FloatField(null=True)
    expected_now = models.FloatField(null=True)
    growth_per_year = models.FloatField(null=True)
    projected_on = models.DateField(null=True)
    earliest_on = models.DateField(null=True)
    latest_on = models.DateField(null=True)
    last_progress_on = models.DateField(null=True)
    stalled = models.BooleanField(default=False)
    # The standing by the one definition (proficio.core.progression.continuum): per
    # competency the highest level shown, the level expected now, the status and whether
    # it is proficient; on the overall row, the share of judged competencies proficient.
    standing = models.PositiveSmallIntegerField(null=True)
    expected_level = models.PositiveSmallIntegerField(null=True)
    standing_status = models.CharField(max_length=16, blank=True, default="")
    proficient = models.BooleanField(null=True)
    proficiency = models.FloatField(null=True)
    evidence = models.PositiveIntegerField(default=0)
    expected_targets = models.PositiveIntegerField(default=0)
    unassessed_targets = models.PositiveIntegerField(default=0)
    # For the bias checks (overall row): reassessment access, overrides, who teaches them.
    assessed_targets = models.PositiveIntegerField(default=0)
    reassessed_targets = models.PositiveIntegerField(default=0)
    overrides = models.PositiveIntegerField(default=0)
    experienced_teacher = models.BooleanField(null=True)
    credentialed_teacher = models.BooleanField(null=True)
    # Taught now by a teacher who holds a micro-credential (educators.models.
    # micro_credential_holders); None when none of their teachers has a profile.
    micro_credentialed_teacher = models.BooleanField(null=True)
    computed_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["student", "competency"])]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.competency_id}: {self.status}"

    def audit_subject(self) -> Student:
        return self.student


class SchoolDay(models.Model):
    """One day's aggregates for one school and grade: the dashboards' trend data."""

    day = models.DateField()
    school = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    grade_level = models.CharField(max_length=3)
    students = models.PositiveIntegerField(default=0)
    ahead = models.PositiveIntegerField(default=0)
    on_pace = models.PositiveIntegerField(default=0)
    behind = models.PositiveIntegerField(default=0)
    unknown = models.PositiveIntegerField(default=0)
    stalled = models.PositiveIntegerField(default=0)
    proficient = models.PositiveIntegerField(default=0)  # students at their expected level
    growth_sum = models.FloatField(default=0)
    growth_n = models.PositiveIntegerField(default=0)
    evidence = models.PositiveIntegerField(default=0)  # pieces of evidence scored so far
    expected_targets = models.PositiveIntegerField(default=0)
    unassessed_targets = models.PositiveIntegerField(default=0)  # opportunity to learn

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "school", "grade_level"], name="one_school_day")
        ]
        indexes = [models.Index(fields=["school", "day"])]

    def __str__(self) -> str:
        return f"{self.school_id} {self.grade_level} {self.day}"


class DistrictDay(models.Model):
    """One day's predictability of success for a district (share of variance explained)."""

    day = models.DateField()
    district = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    students = models.PositiveIntegerField(default=0)
    r2_pace = models.FloatField(null=True)
    r2_proficiency = models.FloatField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "district"], name="one_district_day")]

    def __str__(self) -> str:
        return f"{self.district_id} {self.day}"


class FlagReason(models.TextChoices):
    OFF_PACE = "off_pace", _("Behind pace")
    STALLED = "stalled", _("No progress in recent weeks")


class SupportFlag(models.Model):
    """A student the daily job found off pace or stalled; resolved when no longer so."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=FlagReason.choices)
    competency = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detected_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["student", "resolved_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "reason", "competency"],
                condition=Q(resolved_on__isnull=True),
                name="one_open_flag",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.reason}"

    def audit_subject(self) -> Student:
        return self.student


class PlanOutcome(models.TextChoices):
    OPEN = "", _("Still running")
    MET = "met", _("Back on pace")
    PARTLY = "partly", _("Some progress")
    NOT_MET = "not_met", _("No change")


class SupportPlan(models.Model):
    """An intervention for one student: who owns it, when it starts, when to check in."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    intervention = models.TextField(_("intervention"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    start_on = models.DateField(_("start date"))
    check_in_on = models.DateField(_("check-in date"))
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=PlanOutcome.choices, blank=True, default=""
    )
    outcome_note = models.TextField(_("outcome note"), blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["check_in_on", "pk"]

    def __str__(self) -> str:
        return f"support for {self.student_id}: {self.intervention[:40]}"

    def audit_subject(self) -> Student:
        return self.student

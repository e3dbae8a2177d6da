"""The state's side: its accountability plan (versioned), district submissions, the
batch's figures, identification, and the innovative-assessment pilot.

Nothing here names a student. Submissions bring pseudonymous keys
(:mod:`proficio.core.accountability.pseudonym`), kept only as a number per key
(``StudentKey``) so the batch can join a student's rows across districts; the rows
themselves live in the state's Parquet store, not in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.frameworks.models import Item, Rubric
from proficio.moderation.models import ModerationSession
from proficio.orgs.models import Organization


class StatePlan(models.Model):
    """A state's accountability plan; its content lives in immutable versions."""

    state = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)

    def __str__(self) -> str:
        return self.name

    def current(self) -> PlanVersion | None:
        adoption = PlanAdoption.objects.filter(version__plan=self).select_related("version").first()
        return adoption.version if adoption else None


class PlanVersion(models.Model):
    """One version of the plan: indicators, weights, minimum n and identification rules
    (``spec``, read by :func:`proficio.core.accountability.plan.parse_plan`). Immutable."""

    plan = models.ForeignKey(StatePlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_plan_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("a plan version is immutable: make a new version")
        super().save(*args, **kwargs)


class PlanAdoption(models.Model):
    """When a version became the plan in force (append-only: the latest one rules)."""

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="adoptions")
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-adopted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.version} adopted {self.adopted_at:%Y-%m-%d}"


class Submission(models.Model):
    """One district package imported at the state: one per district and date."""

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField()
    checksum = models.CharField(max_length=64)  # of the manifest, which lists every file's
    manifest = models.JSONField()
    counts = models.JSONField(default=dict)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_on", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "submitted_on"], name="one_submission_per_district_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.submitted_on}"


class StudentKey(models.Model):
    """A pseudonymous student key (HMAC); its primary key is the student's number in the
    state's store, the same whichever district submits the student."""

    key = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"student {self.pk}"


class StateTarget(models.Model):
    """A learning target the state's store numbers (by CASE identifier)."""

    identifier = models.CharField(max_length=64, unique=True)
    competency = models.CharField(max_length=64)
    level = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return self.identifier


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BatchRun(models.Model):
    state = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    engine = models.CharField(max_length=80)
    status = models.CharField(
        max_length=8, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    years = models.JSONField(default=list)
    threshold = models.PositiveSmallIntegerField(default=10)
    evidence_rows = models.BigIntegerField(default=0)
    students = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.engine} {self.started_at:%Y-%m-%d %H:%M}"


class SchoolFigure(models.Model):
    """One indicator for one school, year and subgroup, as the batch computed it, with
    whether suppression lets it be published. Public pages read these only through
    :mod:`proficio.state.publication`, which never hands out a withheld figure."""

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="figures")
    school = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    dimension = models.CharField(max_length=40)
    group = models.CharField(max_length=40)
    indicator = models.CharField(max_length=40)
    numerator = models.FloatField()
    denominator = models.PositiveIntegerField()
    students = models.PositiveIntegerField()
    published = models.BooleanField()
    students_published = models.BooleanField()
    # Set on a pilot's calibrated results (indicator ``pilot_calibrated``): the pilot they
    # come from, whose comparability report is their evidence.
    pilot = models.ForeignKey(
        "Pilot", null=True, blank=True, on_delete=models.PROTECT, related_name="figures"
    )

    class Meta:
        indexes = [models.Index(fields=["run", "school", "year"])]

    def __str__(self) -> str:
        return (
            f"{self.indicator} {self.year} {self.dimension}={self.group} (school {self.school_id})"
        )


class HeldReportCards(models.Model):
    """A district's report cards of one run held back whole: the joint publication
    audit (``core.equity.joint.held``) found ``figures`` withheld figures the district's
    published dashboards would let a reader work out whatever else was withheld, so
    every figure and size of the district's report cards is withheld in that run. The
    count says how many, never which."""

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="held")
    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    figures = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "district"], name="held_report_cards_once")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} held in run {self.run_id}"


class Identification(models.Model):
    """A school's identification under an adopted plan version, for one year's figures."""

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    comprehensive = models.BooleanField(default=False)
    targeted = models.BooleanField(default=False)
    rated = models.BooleanField(default=False)
    composite = models.FloatField(null=True)  # None: not rated, or withheld
    letter = models.CharField(max_length=1, blank=True)
    groups = models.JSONField(default=list)
    reasons = models.JSONField(default=list)  # published figures only

    class Meta:
        ordering = ["school__name"]
        indexes = [models.Index(fields=["version", "run", "year"])]

    def __str__(self) -> str:
        return f"identification {self.year} (school {self.school_id})"


class PilotStatus(models.TextChoices):
    PLANNING = "planning", _("Planning")
    RUNNING = "running", _("Running")
    REPORTED = "reported", _("Comparability report published")


class Pilot(models.Model):
    """An innovative-assessment pilot: districts, common performance tasks aligned to
    CASE items, and state-organized moderation sessions."""

    state = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    districts = models.ManyToManyField(Organization, related_name="+")
    status = models.CharField(
        max_length=10, choices=PilotStatus.choices, default=PilotStatus.PLANNING
    )
    count_in_accountability = models.BooleanField(
        _("count the calibrated results as an accountability measure"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class PilotTask(models.Model):
    """A common performance task of the pilot, aligned to a CASE item and scored with a
    rubric; each of its moderation sessions is owned by the state."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="+")
    # The calibrated score (the mean, over the rubric's criteria, of the moderation
    # panel's consensus) that meets the task's standard.
    standard = models.FloatField(_("score that meets the standard"), default=3.0)
    sessions = models.ManyToManyField(ModerationSession, related_name="+", blank=True)

    def __str__(self) -> str:
        return self.title

"""Graduation requirement sets (a state's minimum, a district's additions), versioned per
graduating cohort; the version each student is held to; capstone rubric results and
accepted alternative pathways; and diplomas, awarded and (only by a documented action)
rescinded. The rules themselves live in ``proficio.core.graduation``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.core.graduation import Kind
from proficio.credentials.models import IssuedCredential, OutsideCredential
from proficio.frameworks.models import Item, PerformanceLevel
from proficio.orgs.models import Organization, Student


class RequirementSet(models.Model):
    """One version of an organization's (state's or district's) graduation requirements.

    A version is in force from ``in_force_from``; a student is held to the version in force
    on the day they entered high school (``GraduationRecord``), unless they opt into a
    newer one. ``first_cohort`` is the graduating class it was written for."""

    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="requirement_sets"
    )
    version = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    first_cohort = models.PositiveIntegerField(_("first graduating class"))
    in_force_from = models.DateField(_("in force from"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["owner__path", "version"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "version"], name="unique_requirement_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def audit_scope(self) -> str:
        return self.owner.path


class Requirement(models.Model):
    requirement_set = models.ForeignKey(
        RequirementSet, on_delete=models.CASCADE, related_name="requirements"
    )
    position = models.PositiveIntegerField(default=0)
    key = models.SlugField(_("key"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=[
            (Kind.ALL_OF, _("Required competencies")),
            (Kind.N_OF_M, _("Some of these competencies")),
            (Kind.HABITS, _("Habits of success")),
            (Kind.RUBRIC, _("Capstone or defense of learning")),
        ],
    )
    competencies = models.ManyToManyField(Item, blank=True, related_name="+")
    level = models.ForeignKey(
        PerformanceLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveIntegerField(null=True, blank=True)
    minimum_score = models.FloatField(null=True, blank=True)
    accepts_alternative = models.BooleanField(default=False)

    class Meta:
        ordering = ["requirement_set", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requirement_set", "key"], name="unique_requirement_key"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def full_key(self) -> str:
        """Unique across the state's and the district's sets a student is held to."""
        return f"{self.requirement_set.owner_id}:{self.key}"


class GraduationRecord(models.Model):
    """When a student entered high school and the versions they are held to."""

    student = models.OneToOneField(
        Student, on_delete=models.PROTECT, related_name="graduation_record"
    )
    entered_high_school = models.DateField(_("entered high school"))
    cohort = models.PositiveIntegerField(_("graduating class"))
    held_to = models.ManyToManyField(RequirementSet, related_name="+")
    opted_in_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.student} ({self.cohort})"

    def audit_subject(self) -> Student:
        return self.student


class RubricResult(models.Model):
    """A capstone or defense of learning, judged on a rubric."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("score"))
    judged_on = models.DateField(_("judged on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-judged_on", "-id"]

    def __str__(self) -> str:
        return f"{self.requirement}: {self.score:g}"

    def audit_subject(self) -> Student:
        return self.student


class AcceptedAlternative(models.Model):
    """An outside credential accepted as meeting a requirement (an alternative pathway)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("credential"), max_length=300)
    reference = models.CharField(_("reference"), max_length=500, blank=True)
    outside_credential = models.ForeignKey(
        OutsideCredential, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_on = models.DateField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-accepted_on", "-id"]

    def __str__(self) -> str:
        return self.name

    def audit_subject(self) -> Student:
        return self.student


class Diploma(models.Model):
    """A diploma awarded: what it was awarded against, by whom, and its credential.
    Never edited; rescinded only by ``actions.rescind_diploma``, with a reason."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="diplomas")
    awarded_at = models.DateTimeField()
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requirement_sets = models.ManyToManyField(RequirementSet, related_name="+")
    evidence = models.JSONField(default=list)  # each requirement met and what met it
    credential = models.ForeignKey(
        IssuedCredential, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rescinded_at = models.DateTimeField(null=True, blank=True)
    rescinded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rescission_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-awarded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=models.Q(rescinded_at__isnull=True),
                name="one_live_diploma",
            )
        ]

    def __str__(self) -> str:
        return f"Diploma of {self.student}"

    def audit_subject(self) -> Student:
        return self.student

"""Moderation sessions: educators score the same work blind, then compare and agree.

A session has one common performance task and its rubric, a set of de-identified work
samples (copies of evidence, or uploaded anchor papers) and a set of raters, who may come
from several schools and districts. Each rater scores the samples assigned to them
without seeing anyone else's scores; the organizer then reveals the scores side by side,
the group agrees a consensus score per sample and criterion, and consensus papers can
become anchors (exemplars) on the continuum.

Work samples carry no link to a student: only the school they came from, the local score
the student's own teacher gave, and two flags (English learner, disability) that the
comparability report needs. That is what "de-identified" means here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.frameworks.models import Exemplar, Rubric, RubricCriterion
from proficio.orgs.models import Organization


class SessionKind(models.TextChoices):
    MODERATION = "moderation", _("Moderation (calibrate on common work)")
    COMPARABILITY = "comparability", _("Comparability study (rescore local work)")


class Design(models.TextChoices):
    FULL = "full", _("Every rater scores every sample")
    BALANCED = "balanced", _("Balanced incomplete design with overlap")


class SessionStatus(models.TextChoices):
    SETUP = "setup", _("Setting up")
    SCORING = "scoring", _("Blind scoring")
    REVEALED = "revealed", _("Scores revealed")
    CLOSED = "closed", _("Closed")


class ModerationSession(models.Model):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.MODERATION
    )
    task = models.CharField(_("common performance task"), max_length=200)
    task_description = models.TextField(_("task description"), blank=True)
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="moderation_sessions"
    )
    design = models.CharField(
        _("assignment design"), max_length=10, choices=Design.choices, default=Design.FULL
    )
    raters_per_sample = models.PositiveSmallIntegerField(_("raters per sample"), default=2)
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.SETUP
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def audit_subject(self) -> None:
        return None  # not one student's data; audited so that every change has an author

    def audit_scope(self) -> str:
        return self.owner.path


class Rater(models.Model):
    session = models.ForeignKey(ModerationSession, on_delete=models.CASCADE, related_name="raters")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="moderation_seats"
    )
    # Where the rater works, when they joined: the comparability report groups by it.
    school = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    # The rater's letter on the reveal page ("Rater C"), drawn by a random shuffle when
    # scoring opens, so no order on any page links a letter to a name.
    letter = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_seat_per_rater")
        ]

    def __str__(self) -> str:
        return str(self.user)

    def audit_subject(self) -> None:
        return None

    def audit_scope(self) -> str:
        return self.session.owner.path


class SampleSource(models.TextChoices):
    EVIDENCE = "evidence", _("De-identified student work")
    ANCHOR = "anchor", _("Uploaded anchor paper")


class WorkSample(models.Model):
    session = models.ForeignKey(ModerationSession, on_delete=models.CASCADE, related_name="samples")
    code = models.CharField(_("sample"), max_length=12)
    source = models.CharField(max_length=10, choices=SampleSource.choices)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(upload_to="moderation/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    origin_school = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # {criterion id: score the student's own teacher gave}, for comparability studies.
    local_scores = models.JSONField(default=dict, blank=True)
    english_learner = models.BooleanField(null=True, blank=True)
    disability = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "code"]
        constraints = [
            models.UniqueConstraint(fields=["session", "code"], name="unique_sample_code")
        ]

    def __str__(self) -> str:
        return self.code

    def audit_subject(self) -> None:
        return None  # de-identified: no student is linked

    def audit_scope(self) -> str:
        return self.session.owner.path


class Assignment(models.Model):
    """One rater is to score one sample; ``submitted_at`` is set when they have."""

    rater = models.ForeignKey(Rater, on_delete=models.CASCADE, related_name="assignments")
    sample = models.ForeignKey(WorkSample, on_delete=models.CASCADE, related_name="assignments")
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sample__code", "rater_id"]
        constraints = [
            models.UniqueConstraint(fields=["rater", "sample"], name="one_assignment_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.sample_id} for rater {self.rater_id}"


class RaterScore(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("score"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="one_score_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.score:g}"


class Consensus(models.Model):
    """The score the group agreed for one sample on one criterion, and why."""

    sample = models.ForeignKey(WorkSample, on_delete=models.CASCADE, related_name="consensus")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("consensus score"))
    rationale = models.TextField(_("rationale"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sample", "criterion"], name="one_consensus")
        ]

    def __str__(self) -> str:
        return f"{self.score:g}"


class Anchor(models.Model):
    """A consensus paper chosen to illustrate one level of one criterion on the continuum."""

    sample = models.ForeignKey(WorkSample, on_delete=models.PROTECT, related_name="anchors")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    exemplar = models.OneToOneField(Exemplar, on_delete=models.PROTECT, related_name="anchor")
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sample", "criterion"], name="one_anchor_per_criterion")
        ]

    def __str__(self) -> str:
        return f"anchor {self.score:g}"

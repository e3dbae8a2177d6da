"""Evidence belongs to one student and applies to one or more learning targets.

``assessed_at`` is when the learning was shown; ``recorded_at`` when it was entered.
Mastery order always uses ``assessed_at``. Evidence and everything hanging off it is
student data: each model names its student through ``audit_subject`` so every write is
audited.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proficio.frameworks.models import Item, Rubric, RubricCriterion
from proficio.orgs.models import Student


class EvidenceKind(models.TextChoices):
    PERFORMANCE_TASK = "performance_task", _("Performance task")
    PROJECT = "project", _("Project")
    OBSERVATION = "observation", _("Observation")
    CONFERENCE = "conference", _("Conference")
    QUIZ = "quiz", _("Quiz")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    PEER_ASSESSMENT = "peer_assessment", _("Peer assessment")
    EXTENDED_LEARNING = "extended_learning", _("Extended learning opportunity")
    PRIOR_LEARNING = "prior_learning", _("Credit for prior learning")


class EvidenceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned with feedback")


class Evidence(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assessed_at = models.DateTimeField(_("when the learning was shown"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rubric = models.ForeignKey(Rubric, null=True, blank=True, on_delete=models.PROTECT)
    feedback = models.TextField(_("feedback"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EvidenceStatus.choices, default=EvidenceStatus.ACCEPTED
    )
    # Extended learning outside school: who offered it and who vouches for it.
    partner_organization = models.CharField(_("partner organization"), max_length=200, blank=True)
    verifier = models.CharField(_("verified by"), max_length=200, blank=True)

    # Not a column: what ``evidence.actions.record_evidence`` recomputed, by target id
    # (``mastery.models.Determination`` rows, with their target and policy version), so
    # the answer to a write shows them without reading them again.
    determinations: dict[int, Any]

    class Meta:
        ordering = ["-assessed_at", "-id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.title

    def audit_subject(self) -> Student:
        return self.student


class EvidenceScore(models.Model):
    """A score on one learning target (from a rubric criterion, or given directly)."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="scores")
    # Denormalized for fast determination queries (student × target, ordered by time).
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="evidence_scores")
    criterion = models.ForeignKey(RubricCriterion, null=True, blank=True, on_delete=models.PROTECT)
    score = models.FloatField(_("score"))
    assessed_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    counts = models.BooleanField(default=True, help_text="False while submitted or returned")

    class Meta:
        indexes = [
            # The engine's reads (a student's scores on a target, in time order); with
            # ``counts``, a student's pieces per target are counted from the index alone.
            models.Index(fields=["student", "target", "assessed_at", "counts"]),
            # A student's own self-assessments (a handful among thousands of scores).
            models.Index(
                fields=["student", "target"],
                condition=models.Q(kind="self_assessment"),
                name="evidencescore_self_view",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score:g} on {self.target_id}"

    def audit_subject(self) -> Student:
        return self.student


class ItemResponse(models.Model):
    """One quiz item answered right or wrong: the raw material of BKT."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="responses")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="item_responses")
    position = models.PositiveSmallIntegerField()
    correct = models.BooleanField()
    assessed_at = models.DateTimeField()

    class Meta:
        ordering = ["assessed_at", "evidence_id", "position"]
        indexes = [models.Index(fields=["target", "student", "assessed_at"])]

    def __str__(self) -> str:
        return f"item {self.position}: {'right' if self.correct else 'wrong'}"

    def audit_subject(self) -> Student:
        return self.student


ALLOWED_ARTIFACT_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "audio/mpeg": ".mp3",
    "video/mp4": ".mp4",
}
MAX_ARTIFACT_BYTES = 20 * 1024 * 1024


class Artifact(models.Model):
    """A file or a link in a student's portfolio. Files are served only through an
    authorized view, as attachments, with their checked content type."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="artifacts")
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(upload_to="artifacts/%Y/%m/", blank=True)
    url = models.URLField(_("link"), blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    # 1 for what was first submitted; each resubmission of returned work adds the next.
    version = models.PositiveSmallIntegerField(_("version"), default=1)

    def __str__(self) -> str:
        return self.name

    @property
    def download_name(self) -> str:
        """The name a download gets: the given name, with the extension of the type the
        content was found to be (never the one it was uploaded with)."""
        extension = ALLOWED_ARTIFACT_TYPES.get(self.content_type, "")
        stem = self.name.rsplit(".", 1)[0] if "." in self.name else self.name
        return f"{stem or 'file'}{extension}"

    def audit_subject(self) -> Student:
        return self.evidence.student


class EvidenceReturn(models.Model):
    """One time an educator returned a student's submission with feedback, and (once the
    student, or an educator on their behalf, resubmitted) when that return was answered.

    The rows are the feedback history: the student keeps seeing every return and what was
    said, after the work is resubmitted and after it is finally accepted."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="returns")
    feedback = models.TextField(_("feedback"))
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(_("returned"), default=timezone.now)
    resubmitted_at = models.DateTimeField(_("resubmitted"), null=True, blank=True)
    resubmitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note with the new version"), blank=True)

    class Meta:
        ordering = ["returned_at", "id"]

    def __str__(self) -> str:
        return f"{self.evidence_id} returned at {self.returned_at:%Y-%m-%d %H:%M}"

    def audit_subject(self) -> Student:
        return self.evidence.student

"""A district's transcript choices and the links students share their transcript through.
Written only by ``proficio.transcripts.actions``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.orgs.models import Organization, Student


class DerivedReport(models.TextChoices):
    """What a district may show beside the levels, always marked as derived from them."""

    NONE = "none", _("Levels only")
    CREDITS = "credits", _("Course credits derived from levels")
    LETTERS = "letters", _("Letter grades derived from levels")


class TranscriptSettings(models.Model):
    """A district's transcript choices (absent: levels only)."""

    district = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="transcript_settings"
    )
    derived = models.CharField(
        _("also show"), max_length=10, choices=DerivedReport.choices, default=DerivedReport.NONE
    )
    credits_per_level = models.DecimalField(
        _("credits for each competency level reached"), max_digits=4, decimal_places=2, default=0.5
    )
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"transcript settings of {self.district}"


class ShareLink(models.Model):
    """A signed link through which one college reads a student's transcript until it
    expires or the student (or a guardian) revokes it. Every view through it is audited."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="share_links")
    recipient = models.CharField(_("shared with"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    views = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"share link {self.uuid}"

    def audit_subject(self) -> Student:
        return self.student


class ClassIssue(models.Model):
    """One run of issuing a graduating class's credentials (level credentials and a
    transcript CLR per student), in a background task whose progress a page shows."""

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    grade_level = models.CharField(max_length=10)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    students = models.PositiveIntegerField(default=0)
    transcripts = models.PositiveIntegerField(default=0)
    level_credentials = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"class issue {self.pk}"

    def audit_scope(self) -> str:
        return self.district.path

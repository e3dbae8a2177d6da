"""A OneRoster import: the uploaded file set, its progress, and its report per file."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.frameworks.models import JobStatus
from proficio.orgs.models import Organization


class RosterImport(models.Model):
    """One OneRoster CSV import (or dry run) into one district, run as a background task."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    payload = models.BinaryField()
    dry_run = models.BooleanField(_("preview only"), default=False)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=40, blank=True)
    report = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    def audit_subject(self) -> None:
        return None  # a job row, not one student's data

    def audit_scope(self) -> str:
        return self.district.path

    def live(self) -> RosterImport:
        """The job with its latest progress, which the worker reports outside the database."""
        from proficio import progress

        latest = progress.read("roster", self.pk)
        if latest and self.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            self.done, self.total, self.stage = latest["done"], latest["total"], latest["stage"]
        return self

    @property
    def percent(self) -> int:
        if self.status in (JobStatus.DONE, JobStatus.FAILED):
            return 100
        return int(100 * self.done / self.total) if self.total else 0

"""Learning-tool statements pulled from the Learning Record Store, and what they became.

``LrsCursor`` remembers where the last pull stopped; ``StatementRecord`` keeps one row per
statement id ever pulled (so a statement is turned into evidence once, and a voiding
statement finds the evidence it takes back); ``LrsPull`` is one pull's report;
``ActivityAlignment`` is the table a district's administrators keep of which learning
tool activity assesses which learning target, for activities that do not say so
themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.evidence.models import Evidence
from proficio.frameworks.models import Item
from proficio.orgs.models import Organization


class LrsCursor(models.Model):
    """Where the pull from one LRS stopped: the last statement taken, in the LRS's order."""

    endpoint = models.CharField(max_length=500, unique=True)
    last_statement_id = models.CharField(max_length=36, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.endpoint} after {self.last_statement_id or 'the start'}"


class Outcome(models.TextChoices):
    EVIDENCE = "evidence", _("Became evidence")
    UNMAPPED = "unmapped", _("Aligned to no learning target")
    UNKNOWN_LEARNER = "unknown_learner", _("Learner not found")
    NOT_ASSESSABLE = "not_assessable", _("Target not assessable for the learner")
    MALFORMED = "malformed", _("Malformed")
    VOIDING = "voiding", _("Voids another statement")
    VOIDED = "voided", _("Voided")


class StatementRecord(models.Model):
    """One xAPI statement, by id: what it became. Never deleted."""

    statement_id = models.UUIDField(unique=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    pulled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.outcome}"


class PullStatus(models.TextChoices):
    DONE = "done", _("Done")
    LRS_DOWN = "lrs_down", _("LRS unreachable: will retry")


class LrsPull(models.Model):
    """One pull's report: counts by outcome, and the problems by statement id."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    endpoint = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=PullStatus.choices)
    cursor_before = models.CharField(max_length=36, blank=True)
    cursor_after = models.CharField(max_length=36, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)  # [{statement, message}], capped
    unmapped = models.JSONField(default=dict, blank=True)  # activity id → count, top 50
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"pull at {self.started_at:%Y-%m-%d %H:%M}: {self.status}"


class ActivityAlignment(models.Model):
    """A district's statement that a learning-tool activity assesses one learning target."""

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    activity_id = models.CharField(_("activity id (IRI)"), max_length=500)
    target = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["activity_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "activity_id"], name="unique_activity_alignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.target_id}"

    def audit_subject(self) -> None:
        return None  # a definition, not one student's data

    def audit_scope(self) -> str:
        return self.district.path

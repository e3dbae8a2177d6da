"""The student's and the family's side: goals, reflections, requests to be reassessed,
and when a guardian last read a child's report. All of it is one student's data, so each
model names its student through ``audit_subject`` and every write is audited."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proficio.audit.models import AppendOnly
from proficio.evidence.models import Evidence
from proficio.frameworks.models import Item
from proficio.orgs.models import Student, Term


class Goal(models.Model):
    """A goal the student sets for themself, with the date they aim to reach it by."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="goals")
    text = models.CharField(_("goal"), max_length=300)
    target = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_date = models.DateField(_("by when"))
    created_at = models.DateTimeField(auto_now_add=True)
    achieved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["achieved_at", "target_date", "id"]

    def __str__(self) -> str:
        return self.text

    def audit_subject(self) -> Student:
        return self.student


class Reflection(models.Model):
    """What the student thinks about their learning, in their own words."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="reflections")
    text = models.TextField(_("reflection"))
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.PROTECT, related_name="reflections"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]

    def audit_subject(self) -> Student:
        return self.student


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the teacher")
    SCHEDULED = "scheduled", _("Scheduled")
    ACCEPTED = "accepted", _("Reassessed")
    DECLINED = "declined", _("Declined")


OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.SCHEDULED)


class ReassessmentRequest(models.Model):
    """Assess when ready: a student asks to show a learning target again."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="reassessment_requests"
    )
    target = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("what I did to get ready"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.student_id} on {self.target_id}: {self.status}"

    def audit_subject(self) -> Student:
        return self.student

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class FamilyReportView(AppendOnly, models.Model):
    """A guardian read a child's report: the next report says what changed since then."""

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    # The earlier reading this one's "what changed" compared with (None: the first report).
    compared_with = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.guardian_id} read {self.student_id} at {self.at:%Y-%m-%d}"

    def audit_subject(self) -> Student:
        return self.student


class CompetencyComment(models.Model):
    """A teacher's comment on one student's competency for one reporting period (a term),
    shown on the family report and on the student's own page. One per student, competency
    and period; writing again replaces it, and clearing the text removes it."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="competency_comments"
    )
    competency = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term__start_date", "competency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "competency", "term"], name="one_comment_per_period"
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def audit_subject(self) -> Student:
        return self.student

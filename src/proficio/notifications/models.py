"""Notifications: what happened that a person should know, in the app and by email.

A ``Notification`` keeps the *facts* of the event (``params``: names, codes, dates, as
they were when it happened), never the sentence: the sentence is written when it is
shown, in the reader's language (the page's language in the app, the person's preferred
language in an email), so one notification reads right in English and in Spanish and a
corrected translation reaches old notifications too.

``NotificationPreference`` holds a person's email choice for one kind, only where they
changed it from their role's default (``proficio.notifications.kinds``). In the app,
every notification is always shown.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proficio.orgs.models import Student


class Kind(models.TextChoices):
    REASSESSMENT_SCHEDULED = "reassessment_scheduled", _("A reassessment is scheduled")
    REASSESSMENT_DECLINED = "reassessment_declined", _("A request to be reassessed is declined")
    REASSESSMENT_ACCEPTED = "reassessment_accepted", _("A reassessment is recorded")
    WORK_RETURNED = "work_returned", _("Work is returned with feedback")
    WORK_RESUBMITTED = "work_resubmitted", _("Returned work is resubmitted for review")
    SAMPLES_ASSIGNED = "samples_assigned", _("Work samples to score in moderation")
    CHECK_IN_DUE = "check_in_due", _("A support check-in is due")
    FAMILY_REPORT = "family_report", _("A progress report has news")
    OFF_PACE = "off_pace", _("A student on my caseload is newly behind pace")


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("By email right away")
    DIGEST = "digest", _("In the daily email digest")
    NEVER = "never", _("Not by email (only in Proficio)")


class EmailState(models.TextChoices):
    NONE = "none", _("No email")  # the person chose none, or has no address
    IMMEDIATE = "immediate", _("Waiting to be emailed")
    DIGEST = "digest", _("Waiting for the daily digest")
    SENT = "sent", _("Emailed")
    DROPPED = "dropped", _("Not emailed")  # read first, or no longer theirs to see


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # What it is about (a request, a piece of evidence, a session, a plan, a flag, a
    # student) and, when it is one student's, that student: the policy is asked again
    # about them whenever the notification is shown.
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    about = GenericForeignKey("content_type", "object_id")
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300)
    # Events the daily job finds again each day carry a key, so each is told once.
    key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email", "recipient"]),
            models.Index(fields=["recipient", "kind", "key"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def message(self) -> str:
        """The sentence, in the language active now."""
        from proficio.notifications.kinds import message

        return message(self)


class NotificationPreference(models.Model):
    """A person's email choice for one kind of notification (absent: their role's default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    email = models.CharField(max_length=10, choices=EmailMode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.email}"

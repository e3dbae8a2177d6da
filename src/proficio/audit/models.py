"""Audit entries. Append-only: the model refuses updates and deletes, and so does the
database itself (triggers installed by migration 0002), so no code path can rewrite history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    READ = "read", _("Viewed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")


class AppendOnlyError(RuntimeError):
    pass


class AppendOnly:
    """Mixin for models whose rows are history: written once, never changed or deleted.

    Used by the audit trail, framework definition history, policy versions and
    determination history. (Bulk ``QuerySet.update``/``delete`` bypass it; the audit
    table is further guarded by database triggers.)
    """

    append_only_message = "this record is history and cannot be changed"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "pk", None) is not None:
            raise AppendOnlyError(self.append_only_message)
        super().save(*args, **kwargs)  # type: ignore[misc]

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(self.append_only_message)


class AuditEntry(AppendOnly, models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Kept as text too, so the entry still says who it was if the account is ever removed.
    actor_name = models.CharField(_("who"), max_length=200)
    action = models.CharField(_("action"), max_length=8, choices=AuditAction.choices)
    route = models.CharField(_("route"), max_length=300)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # The student whose data it is, and their school's tree path (for leaders' scope).
    # Plain values, not foreign keys: the log must outlive what it describes.
    student_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}"

    @property
    def purpose_label(self) -> str:
        return str(PURPOSE_LABELS.get(self.purpose, self.purpose))

    @property
    def record_label(self) -> str:
        return str(RECORD_LABELS.get(self.object_type, self.object_type))

    @property
    def who(self) -> str:
        """The person's name as others know them, else the account name kept with the entry."""
        person = self.actor if self.actor_id else None
        return (
            (getattr(person, "display_name", "") or self.actor_name) if person else self.actor_name
        )

    append_only_message = "audit entries cannot be changed or deleted"


# Plain words for the purposes and kinds of record the trail stores, so a student's or
# guardian's "who viewed my record" page reads as a sentence, in their language. The
# stored values stay in English (they are the audit's data); unknown ones show as stored.
PURPOSE_LABELS = {
    "student record": _("student record page"),
    "student list": _("student list"),
    "student search": _("student search"),
    "class grid": _("class grid"),
    "class grid export": _("class grid download"),
    "class roster": _("class roster"),
    "scoring sheet": _("whole-class scoring"),
    "flexible groups": _("flexible groups"),
    "saved groups": _("saved groups"),
    "caseload": _("counselor's caseload"),
    "off-pace list": _("off-pace list"),
    "support list": _("support list"),
    "support plan": _("support plan"),
    "api": _("data connection"),
    "api: student list": _("data connection: student list"),
    "api: determinations": _("data connection: levels"),
    "api: evidence": _("data connection: evidence"),
    "determination": _("a level and its evidence"),
    "demographics": _("demographic record"),
    "family report": _("family report"),
    "record evidence": _("recording evidence"),
    "review evidence": _("reviewing submitted work"),
    "override": _("professional judgment on a level"),
    "portfolio file": _("portfolio file"),
    "reassessment and review queue": _("reassessment queue"),
    "reassessment decision": _("reassessment decision"),
    "moderation sample": _("anonymous copy for moderation"),
    "access log": _("this access list"),
    "daily pace check": _("daily pace check"),
    "policy replay": _("mastery policy update"),
    "notifications": _("notifications"),
    "notification email": _("notification email"),
    "transcript": _("competency transcript"),
    "shared transcript": _("your transcript, through a link you shared"),
}
RECORD_LABELS = {
    "orgs.student": _("student record"),
    "orgs.studentdemographics": _("demographic record"),
    "mastery.determination": _("levels"),
    "classroom.taskscore": _("class task scores"),
    "classroom.groupmember": _("groups"),
    "evidence.evidence": _("evidence"),
    "transcripts.sharelink": _("shared transcript"),
}

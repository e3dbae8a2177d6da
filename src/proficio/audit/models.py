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

    append_only_message = "audit entries cannot be changed or deleted"

"""Every save or delete of a model that holds student data is logged, whoever calls it.

Models opt in by defining ``audit_subject()`` returning the Student the row is about, or
None for rows that are not one student's data but decide who may see students (role
memberships, teaching assignments); those also define ``audit_scope()``, the tree path
of the organization whose leaders should see the entry. Bulk writes bypass signals, so
the actions that use them call ``log.record_bulk``.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from proficio.audit.log import record
from proficio.audit.models import AuditAction


def _on_save(sender: Any, instance: Any, created: bool, raw: bool = False, **_: Any) -> None:
    if raw:  # loaddata
        return
    record(AuditAction.CREATE if created else AuditAction.UPDATE, instance)


def _on_delete(sender: Any, instance: Any, **_: Any) -> None:
    record(AuditAction.DELETE, instance)


def connect_student_records() -> None:
    for model in apps.get_models():
        if callable(getattr(model, "audit_subject", None)):
            post_save.connect(
                _on_save, sender=model, dispatch_uid=f"audit-save-{model._meta.label}"
            )
            post_delete.connect(
                _on_delete, sender=model, dispatch_uid=f"audit-delete-{model._meta.label}"
            )

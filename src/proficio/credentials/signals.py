"""Automatic level credentials: when a standing changes, and the change commits, the
students whose district issues level credentials get a task that issues and revokes what
their record now shows (``actions.sync_level_credentials``, idempotent).

The receiver runs inside the writer's transaction and reads nothing: it collects student
ids on the connection and registers an ``on_commit`` callback; the first callback to run
takes every collected id, asks in two queries which of those students' districts issue,
and enqueues one task for them (the others find nothing left). Ids left by a rolled-back
transaction go with the next flush: the task only brings credentials in line with the
record, so an extra student costs a read and changes nothing."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

_PENDING = "_proficio_level_credential_students"


def standing_changed(sender: Any, student: Any, **kwargs: Any) -> None:
    pending: set[int] | None = getattr(connection, _PENDING, None)
    if pending is None:
        pending = set()
        setattr(connection, _PENDING, pending)
    pending.add(int(student.pk))
    transaction.on_commit(_flush)


def _flush() -> None:
    ids = getattr(connection, _PENDING, None) or set()
    if hasattr(connection, _PENDING):
        delattr(connection, _PENDING)
    if not ids:
        return
    from proficio.credentials.models import CredentialSettings
    from proficio.credentials.tasks import sync_students_level_credentials
    from proficio.orgs.models import Student

    districts = list(
        CredentialSettings.objects.filter(issue_level_credentials=True).values_list(
            "district__path", flat=True
        )
    )
    if not districts:
        return
    due = sorted(
        pk
        for pk, path in Student.objects.filter(pk__in=ids).values_list("pk", "school__path")
        if any(path.startswith(d) for d in districts)
    )
    if due:
        sync_students_level_credentials.enqueue(due)

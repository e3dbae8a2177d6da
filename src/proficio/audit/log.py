"""The one way entries get into the audit trail.

Inside :func:`batched` (the busiest write actions open it inside their transaction) the
entries are collected and inserted together when the block ends: they commit with the
writes they describe, or roll back with them. Everywhere else each is written at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from proficio.audit.context import current_actor
from proficio.audit.models import AuditAction, AuditEntry

_pending: ContextVar[list[AuditEntry] | None] = ContextVar("proficio_audit_pending", default=None)


@contextlib.contextmanager
def batched(carry: list[AuditEntry] | None = None) -> Iterator[None]:
    """Collect the entries written in the block and insert them in one statement at its end
    (open it inside the transaction whose writes they describe; an exception discards them
    with the transaction). A block inside another leaves the writing to the outer one.
    ``carry``: entries written before the block (see :func:`with_next_write`) that go
    first in the same insert."""
    if _pending.get() is not None:
        assert not carry, "only the outermost batch carries waiting entries"
        yield
        return
    entries: list[AuditEntry] = list(carry or [])
    token = _pending.set(entries)
    try:
        yield
    finally:
        _pending.reset(token)
    if entries:
        AuditEntry.objects.bulk_create(entries, batch_size=500)


# Entries recorded inside ``with_next_write`` outside any batch, waiting for the next
# action's batch (``proficio.retry.atomic_action``) to insert them with its own.
_waiting: ContextVar[list[AuditEntry] | None] = ContextVar("proficio_audit_waiting", default=None)


@contextlib.contextmanager
def with_next_write() -> Iterator[None]:
    """Entries recorded in the block outside an action (the audited read of the student
    an API write is about) wait for the next action made with ``atomic_action`` to
    insert them in its own audit insert, in its transaction; what still waits when the
    block ends (no such action ran, or it failed and rolled back) is inserted then, even
    when the block ends in an error: a read that happened is always logged, once."""
    waiting: list[AuditEntry] = []
    token = _waiting.set(waiting)
    try:
        yield
    finally:
        _waiting.reset(token)
        if waiting:
            _write(waiting)


def waiting() -> list[AuditEntry]:
    """The entries waiting to be inserted with the next action's (a copy)."""
    return list(_waiting.get() or [])


def carried(entries: list[AuditEntry], *, committed: bool) -> None:
    """``entries`` (from :func:`waiting`) were inserted with an action's writes: no longer
    waiting if that action's transaction went through; waiting again (as new rows) if it
    rolled back."""
    if committed:
        pending = _waiting.get()
        if pending is not None:
            pending[:] = [e for e in pending if not any(e is x for x in entries)]
        return
    for entry in entries:
        entry.pk = None
        entry._state.adding = True


def batching() -> bool:
    """Whether entries written now go into an open batch."""
    return _pending.get() is not None


def _write(entries: list[AuditEntry]) -> None:
    pending = _pending.get()
    if pending is not None:
        pending.extend(entries)
        return
    held = _waiting.get()
    if held is not None:
        held.extend(entries)
        return
    if len(entries) == 1:
        entries[0].save()
    elif entries:
        AuditEntry.objects.bulk_create(entries, batch_size=500)


def record(
    action: AuditAction,
    obj: Any,
    *,
    student: Any | None = None,
    purpose: str = "",
    detail: dict[str, Any] | None = None,
    object_type: str | None = None,
    org_path: str | None = None,
) -> AuditEntry:
    """Append one entry for ``obj`` (a model instance), attributed to the current actor.
    ``org_path`` files it under an organization when ``obj`` has no ``audit_scope()``."""
    actor = current_actor()
    student = student if student is not None else _subject_of(obj)
    scope = getattr(obj, "audit_scope", None)
    if org_path is None:
        org_path = (
            student.school.path if student is not None else scope() if callable(scope) else ""
        )
    entry = AuditEntry(
        actor=actor.user,
        actor_name=actor.name,
        action=action,
        route=actor.route,
        purpose=purpose or actor.purpose,
        object_type=object_type or obj._meta.label_lower,
        object_id=str(obj.pk) if getattr(obj, "pk", None) is not None else "",
        student_id=student.pk if student is not None else None,
        org_path=org_path,
        detail=detail or {},
    )
    _write([entry])
    return entry


def record_bulk(
    action: AuditAction,
    object_type: str,
    count: int,
    *,
    org_path: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """One entry for a bulk write (an import or the demo generator)."""
    actor = current_actor()
    return AuditEntry.objects.create(
        actor=actor.user,
        actor_name=actor.name,
        action=action,
        route=actor.route,
        purpose=actor.purpose,
        object_type=object_type,
        org_path=org_path,
        detail={"count": count, **(detail or {})},
    )


def record_read(student: Any, *, purpose: str = "", what: str = "orgs.student") -> None:
    """A read of one student's record by someone else. The student's own reads are not logged."""
    actor = current_actor()
    own = actor.user is not None and getattr(student, "user_id", None) == actor.user.pk
    if not own:
        record(AuditAction.READ, student, student=student, purpose=purpose, object_type=what)


def _subject_of(obj: Any) -> Any | None:
    subject = getattr(obj, "audit_subject", None)
    return subject() if callable(subject) else None


def record_reads(students: Any, *, purpose: str, what: str = "orgs.student") -> int:
    """A read of many students at once (a class grid, a list, an export, an API page).

    Writes one entry per student, in one bulk insert, so each student's and guardian's
    "who viewed my record" lists the read with its purpose. ``students`` is an iterable of
    ``Student`` rows or of student ids. The acting person's own record is left out, as in
    ``record_read``. Returns the number of entries written.
    """
    from proficio.orgs.models import Student  # the audit app must not import orgs at load

    students = list(students)
    ids = sorted({s if isinstance(s, int) else int(s.pk) for s in students})
    if not ids:
        return 0
    actor = current_actor()
    loaded = {
        s.pk: (s.pk, s.school.path, s.user_id)
        for s in students
        if isinstance(s, Student) and Student.school.is_cached(s)
    }
    rows: Any
    if len(loaded) == len(ids):  # rows read with their school: nothing to read again
        rows = [loaded[pk] for pk in ids]
    else:
        rows = Student.objects.filter(pk__in=ids).values_list("pk", "school__path", "user_id")
    own = actor.user.pk if actor.user is not None else None
    entries = [
        AuditEntry(
            actor=actor.user,
            actor_name=actor.name,
            action=AuditAction.READ,
            route=actor.route,
            purpose=purpose or actor.purpose,
            object_type=what,
            object_id=str(pk),
            student_id=pk,
            org_path=path or "",
        )
        for pk, path, user_id in rows
        if own is None or user_id != own
    ]
    _write(entries)
    return len(entries)


def record_object_reads(objects: Any, *, purpose: str) -> int:
    """A read of many named people's records that are not students' (educators' plans,
    submissions, profiles): one entry per object, each with its organization's path from
    ``audit_scope()``, in one bulk insert. The acting person's own rows are left out when
    the object names them (``user_id`` or ``educator_id``)."""
    actor = current_actor()
    own = actor.user.pk if actor.user is not None else None
    entries = []
    for obj in objects:
        owner = getattr(obj, "educator_id", None) or getattr(obj, "user_id", None)
        if own is not None and owner == own:
            continue
        scope = getattr(obj, "audit_scope", None)
        entries.append(
            AuditEntry(
                actor=actor.user,
                actor_name=actor.name,
                action=AuditAction.READ,
                route=actor.route,
                purpose=purpose or actor.purpose,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                org_path=scope() if callable(scope) else "",
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)

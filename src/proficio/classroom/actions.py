"""The only code that writes scoring tasks, their scores and saved groups.

A saved score becomes evidence at once: the first score a student gets on a task records
one piece of evidence through ``evidence.actions.record_evidence`` (one score per rubric
criterion, on the criterion's learning target); later changes to that student's scores
update the same evidence, and every change recomputes the determination it touches, in
the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio import policy
from proficio.accounts.models import User
from proficio.audit import log as audit_log
from proficio.audit.log import record_reads
from proficio.classroom import gradebook
from proficio.classroom.models import (
    Attendance,
    GroupMember,
    GroupSet,
    ScoringTask,
    TaskScore,
    TaskStudent,
)
from proficio.core.progression.groups import Group
from proficio.core.standards import oneroster_gradebook as og
from proficio.evidence import actions as evidence_actions
from proficio.evidence.models import Evidence, EvidenceKind
from proficio.frameworks.assessable import assessable_ids, scope_targets
from proficio.frameworks.models import Item, Rubric, RubricCriterion
from proficio.orgs.models import Section, Student, active_on
from proficio.policy import SYSTEM, Act, Actor, Subject, authorize
from proficio.retry import atomic_action, retry_on_conflict


class StaleScore(Exception):
    """The page showed an older version of this score than the one saved."""

    def __init__(self, current: TaskScore | TaskStudent) -> None:
        super().__init__("stale")
        self.current = current


@dataclass(frozen=True)
class ScoreResult:
    cell: TaskScore
    previous: float | None
    entry: TaskStudent


def roster(section: Section, day: dt.date | None = None) -> list[Student]:
    """The students enrolled in the section on ``day`` (today), by family name."""
    day = day or timezone.localdate()
    return list(
        Student.objects.filter(enrollments__section=section)
        .filter(active_on(day, "enrollments__"))
        .select_related("school")
        .order_by("legal_family_name", "legal_given_name", "pk")
        .distinct()
    )


def roster_student(
    section: Section, raw_id: Any, day: dt.date | None = None, *, changed_by: Actor = None
) -> Student:
    """A student on the section's roster today, by id, or 404. The answer names nobody,
    so an id from another class, school or district reveals nothing.

    With ``changed_by``, the student must also be one that actor may change, asked in the
    same query and remembered for the request (``policy.first_granted``): the scoring
    action that follows then asks nothing more."""
    try:
        pk = int(raw_id)
    except (TypeError, ValueError):
        raise Http404("No such student in this class") from None
    day = day or timezone.localdate()
    found = (
        Student.objects.filter(pk=pk, enrollments__section=section)
        .filter(active_on(day, "enrollments__"))
        .select_related("school")
    )
    student: Student | None
    if changed_by is None:
        student = found.first()
    else:
        student = policy.first_granted(changed_by, Act.CHANGE, Subject.STUDENT, found)
    if student is None:
        raise Http404("No such student in this class")
    student._proficio_on_roster = (section.pk, day)  # type: ignore[attr-defined]
    return student


def scorable_rubrics(section: Section, *, widen: bool = False) -> list[Rubric]:
    """Rubrics whose criteria are each aligned to a target of the class's course scope
    (or, widened, any target the class may be assessed on: ``frameworks.assessable``)."""
    targets = scope_targets(section, widen=widen).values("pk")
    return list(
        Rubric.objects.filter(criteria__isnull=False)
        .exclude(criteria__item__isnull=True)
        .exclude(criteria__in=RubricCriterion.objects.exclude(item__in=targets))
        .select_related("framework")
        .distinct()
        .order_by("title")
    )


@transaction.atomic
def create_scoring_task(
    actor: Actor,
    *,
    section: Section,
    title: str,
    kind: str,
    assessed_on: dt.date | None,
    rubric: Rubric | None,
) -> ScoringTask:
    authorize(actor, Act.CHANGE, Subject.CLASSROOM, section)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the task a title.")
    if kind not in EvidenceKind.values or kind in (
        EvidenceKind.SELF_ASSESSMENT,
        EvidenceKind.PEER_ASSESSMENT,
        EvidenceKind.EXTENDED_LEARNING,
        EvidenceKind.PRIOR_LEARNING,
    ):
        errors["kind"] = _("Choose the kind of task the teacher scores.")
    if assessed_on is None:
        errors["assessed_on"] = _("Give the date the learning was shown.")
    elif assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The learning cannot have been shown in the future.")
    if rubric is None or rubric.pk not in {r.pk for r in scorable_rubrics(section, widen=True)}:
        errors["rubric"] = _("Choose a rubric whose criteria are aligned to learning targets.")
    if errors:
        raise ValidationError(errors)
    assert rubric is not None
    assert assessed_on is not None
    return ScoringTask.objects.create(
        section=section,
        title=title.strip(),
        kind=kind,
        assessed_on=assessed_on,
        rubric=rubric,
        created_by=actor,  # a person: the system never makes tasks
    )


def _person(actor: Actor) -> User | None:
    return None if actor is SYSTEM else actor


def assessed_at(task: ScoringTask) -> dt.datetime:
    """Midday of the task's date, or now if that is still to come today."""
    noon = dt.datetime.combine(
        task.assessed_on, dt.time(12), tzinfo=timezone.get_current_timezone()
    )
    return min(noon, timezone.now())


def _enrolled(task: ScoringTask, student: Student) -> None:
    """A student not on the class roster today is not found: the answer names nobody,
    whoever the id belongs to."""
    today = timezone.localdate()
    if getattr(student, "_proficio_on_roster", None) == (task.section_id, today):
        return  # found on this roster today by ``roster_student``, in this request
    if not (
        student.enrollments.filter(section_id=task.section_id).filter(active_on(today)).exists()
    ):
        raise Http404("No such student in this class")


def _entry(task: ScoringTask, student: Student) -> TaskStudent:
    """The student's row on the task, locked for this transaction."""
    entry, _created = (
        TaskStudent.objects.select_for_update(of=("self",))
        .select_related("evidence")  # read with the row (only the row is locked)
        .get_or_create(task=task, student=student)
    )
    entry.student = student  # the caller's instance, with its school loaded for the audit
    return entry


def _locked_cell(
    task: ScoringTask, student: Student, criterion: RubricCriterion
) -> tuple[TaskStudent, TaskScore | None]:
    """The student's row on the task (with its evidence) and their cell on ``criterion``,
    both locked, in one query when both exist (the usual autosave: the cell was saved
    before); else the row as :func:`_entry` makes it, and no cell yet (the caller makes
    it, under the row's lock). The row is locked first, as :func:`_entry` does: every
    writer of a cell holds its student's row."""
    entry_fields = TaskStudent._meta.concrete_fields
    cell_fields = TaskScore._meta.concrete_fields
    evidence_fields = Evidence._meta.concrete_fields
    q = connection.ops.quote_name
    columns = (
        [f"e.{q(f.column)}" for f in entry_fields]
        + [f"c.{q(f.column)}" for f in cell_fields]
        + [f"ev.{q(f.column)}" for f in evidence_fields]
    )
    lock = ""
    if connection.features.has_select_for_update:
        lock = " FOR UPDATE OF e, c" if connection.features.has_select_for_update_of else ""
        lock = lock or " FOR UPDATE"
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(TaskStudent._meta.db_table)} e"  # noqa: S608
        f" INNER JOIN {q(TaskScore._meta.db_table)} c"
        " ON c.task_id = e.task_id AND c.student_id = e.student_id"
        f" LEFT JOIN {q(Evidence._meta.db_table)} ev ON ev.id = e.evidence_id"
        f" WHERE e.task_id = %s AND e.student_id = %s AND c.criterion_id = %s{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [task.pk, student.pk, criterion.pk])
        row = cursor.fetchone()
    if row is None:
        return _entry(task, student), None
    row = _converted(row, [*entry_fields, *cell_fields, *evidence_fields])
    n, m = len(entry_fields), len(cell_fields)
    entry = TaskStudent.from_db("default", [f.attname for f in entry_fields], row[:n])
    cell = TaskScore.from_db("default", [f.attname for f in cell_fields], row[n : n + m])
    if entry.evidence_id is not None:
        entry.evidence = Evidence.from_db(
            "default", [f.attname for f in evidence_fields], row[n + m :]
        )
    else:
        entry.evidence = None
    entry.student = student  # the caller's instance, with its school loaded for the audit
    return entry, cell


def _converted(row: Sequence[Any], fields: Sequence[Any]) -> list[Any]:
    """A raw row's values as the ORM would give them (the backend's and the fields'
    converters: SQLite's datetimes and UUIDs arrive as text)."""
    out = []
    for value, field in zip(row, fields, strict=True):
        col = field.get_col(field.model._meta.db_table)
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = convert(value, col, connection)
        out.append(value)
    return out


def levels_of(criterion: RubricCriterion) -> list[float]:
    return sorted(lv.score for lv in criterion.levels.all() if lv.score is not None)


@atomic_action  # joins the calling action's transaction: no savepoint
@audit_log.batched()  # its audit entries in one insert, in its transaction
def set_task_score(
    actor: Actor,
    task: ScoringTask,
    *,
    student: Student,
    criterion: RubricCriterion,
    score: float | None,
    version: int,
) -> ScoreResult:
    """Give (or clear, with ``score=None``) one student's level on one criterion.

    ``version`` is the version of the cell the page showed; if the saved cell is newer,
    nothing is written and :class:`StaleScore` says what is saved now.
    """
    authorize(actor, Act.CHANGE, Subject.CLASSROOM, task.section)
    _enrolled(task, student)
    if criterion.rubric_id != task.rubric_id:
        raise ValidationError({"criterion": _("That criterion is not on this task's rubric.")})
    allowed = levels_of(criterion)
    if score is not None and score not in allowed:
        raise ValidationError(
            {
                "score": _("%(score)s is not a level of “%(criterion)s”: choose %(levels)s.")
                % {
                    "score": f"{score:g}",
                    "criterion": criterion.category or criterion.description or criterion.pk,
                    "levels": ", ".join(f"{v:g}" for v in allowed),
                }
            }
        )
    entry, cell = _locked_cell(task, student, criterion)
    if score is not None and entry.attendance != Attendance.PRESENT:
        raise ValidationError(
            {
                "score": _("%(student)s is marked “%(attendance)s”: mark them present to score.")
                % {"student": student, "attendance": entry.get_attendance_display()}
            }
        )
    if cell is None:
        cell, _created = TaskScore.objects.select_for_update().get_or_create(
            task=task, student=student, criterion=criterion
        )
    cell.student = student
    if cell.version != version:
        raise StaleScore(cell)
    previous = cell.score
    if previous == score:
        return ScoreResult(cell, previous, entry)
    cell.score = score
    cell.version += 1
    cell.updated_by = _person(actor)
    cell.save()
    _sync_evidence(actor, task, entry, criterion, score)
    return ScoreResult(cell, previous, entry)


def _sync_evidence(
    actor: Actor,
    task: ScoringTask,
    entry: TaskStudent,
    criterion: RubricCriterion,
    score: float | None,
) -> None:
    """Make the student's evidence for the task match the changed cell (through the
    evidence actions, the only writers of evidence)."""
    target: Item = criterion.item  # type: ignore[assignment]
    if entry.evidence_id is None:
        if score is None:
            return
        entry.evidence = evidence_actions.record_evidence(
            actor,
            student=entry.student,
            kind=task.kind,
            title=task.title,
            assessed_at=assessed_at(task),
            scores=[evidence_actions.ScoreInput(target, score, criterion)],
            rubric=task.rubric,
            feedback=entry.comment,
        )
        entry.save(update_fields=["evidence", "updated_at"])
        return
    evidence = entry.evidence
    assert evidence is not None
    evidence.student = entry.student  # the caller's instance, with its school loaded
    kept = evidence_actions.rescore_evidence(
        actor, evidence, target=target, criterion=criterion, score=score
    )
    if kept is None:
        # The last score was cleared: the task no longer holds evidence of this student.
        entry.evidence = None
        entry.save(update_fields=["evidence", "updated_at"])


@retry_on_conflict
@transaction.atomic
def set_task_student(
    actor: Actor,
    task: ScoringTask,
    *,
    student: Student,
    version: int,
    attendance: str | None = None,
    comment: str | None = None,
) -> TaskStudent:
    """Mark a student present, absent or "not attempted", and/or change their comment."""
    authorize(actor, Act.CHANGE, Subject.CLASSROOM, task.section)
    _enrolled(task, student)
    if attendance is not None and attendance not in Attendance.values:
        raise ValidationError({"attendance": _("Choose present, absent or not attempted.")})
    entry = _entry(task, student)
    if entry.version != version:
        raise StaleScore(entry)
    scored = TaskScore.objects.filter(task=task, student=student, score__isnull=False)
    if attendance not in (None, Attendance.PRESENT) and scored.exists():
        raise ValidationError(
            {
                "attendance": _("%(student)s already has scores on this task: clear them first.")
                % {"student": student}
            }
        )
    if attendance is not None:
        entry.attendance = attendance
    if comment is not None:
        entry.comment = comment.strip()
        if entry.evidence_id is not None:
            evidence = entry.evidence
            assert evidence is not None
            evidence_actions.set_feedback(actor, evidence, feedback=entry.comment)
    entry.version += 1
    entry.save()
    return entry


@transaction.atomic
def save_groups(
    actor: Actor,
    *,
    section: Section,
    target: Item,
    groups: Sequence[Group[int, int]],
    title: str,
) -> GroupSet:
    """Keep the groups as formed now (members and the prerequisite each reteach group names).

    Every member must be on the class roster today."""
    authorize(actor, Act.CHANGE, Subject.CLASSROOM, section)
    if target.pk not in assessable_ids(section.school, [target.pk]):
        raise Http404("No such learning target")
    members = {m for g in groups for m in g.members}
    on_roster = {s.pk for s in roster(section)}
    if not members <= on_roster:
        raise Http404("No such student in this class")
    if not title.strip():
        raise ValidationError({"title": _("Give the groups a title.")})
    group_set = GroupSet.objects.create(
        section=section, target=target, title=title.strip(), created_by=actor
    )
    position = 0
    rows: list[Any] = []
    for group in groups:
        for student_id in group.members:
            rows.append(
                GroupMember(
                    group_set=group_set,
                    student_id=student_id,
                    kind=group.kind.value,
                    prerequisite_id=group.prerequisite,
                    position=position,
                )
            )
            position += 1
    GroupMember.objects.bulk_create(rows)
    from proficio.audit.log import record_bulk
    from proficio.audit.models import AuditAction

    record_bulk(
        AuditAction.CREATE,
        "classroom.groupmember",
        len(rows),
        org_path=section.school.path,
        detail={"group_set": group_set.pk},
    )
    return group_set


# --- the OneRoster gradebook export ------------------------------------------------------

GRADEBOOK_PURPOSE = "OneRoster gradebook export"


@dataclass(frozen=True)
class GradebookExport:
    filename: str
    content: bytes  # the zip: manifest.csv and the eight gradebook files
    students: int
    results: int


def export_gradebook(
    actor: Any,
    *,
    section_id: Any = None,
    organization_id: Any = None,
    mode: str = "bulk",
    today: dt.date | None = None,
) -> GradebookExport:
    """A OneRoster 1.2 gradebook (CSV binding, zipped) of one section, or of the current
    sections of an organization (a school, or a district) that ``actor`` may export.

    The policy decides (``Subject.GRADEBOOK``): a section ``actor`` may not export, and an
    organization ``actor`` may not see or has no class to export from, are a 404 (so an
    answer says nothing about what exists). Only students ``actor`` may see are included,
    and each student named in the files is one audited read.
    """
    if (section_id is None) == (organization_id is None):
        raise ValueError("give a section or an organization")
    if mode not in ("bulk", "delta"):
        raise ValidationError({"mode": _("Choose bulk or delta.")})
    today = today or timezone.localdate()
    if section_id is not None:
        section: Section = policy.access(actor, Subject.GRADEBOOK, section_id)
        sections = [section]
        name = f"section-{section.pk}"
    else:
        org = policy.access_organization(actor, organization_id)
        sections = gradebook.current_sections(
            policy.visible(actor, Subject.GRADEBOOK)
            .filter(school__path__startswith=org.path)
            .select_related("school", "course", "term")
            .order_by("school", "name"),
            today,
        )
        if not sections:
            raise Http404("No classes to export")
        name = org.code
    rosters = [(s, roster(s, today)) for s in sections]
    seen = set(
        policy.visible(actor, Subject.STUDENT)
        .filter(pk__in={st.pk for _s, students in rosters for st in students})
        .values_list("pk", flat=True)
    )
    book = gradebook.build(
        [(s, [st for st in students if st.pk in seen]) for s, students in rosters]
    )
    named = {r.student_id for r in book.results}
    record_reads(
        {st.pk for _s, group in rosters for st in group if gradebook.sourced_id(st) in named},
        purpose=GRADEBOOK_PURPOSE,
    )
    files = og.write_gradebook(book, mode=mode, system_name="Proficio")
    return GradebookExport(
        filename=f"oneroster-gradebook-{name}-{today.isoformat()}.zip",
        content=og.zip_gradebook(files),
        students=len(named),
        results=len(book.results),
    )

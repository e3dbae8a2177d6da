"""The teacher's class views: the mastery grid (and its CSV), whole-class scoring and
flexible groups. Views parse, ask the policy, call an action and render."""

from __future__ import annotations

import csv
import html
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.accounts.models import User
from proficio.accounts.oauth import GRADEBOOK_READ, token_or_login
from proficio.audit.log import record_reads
from proficio.classroom import actions, grid
from proficio.classroom.forms import GridFilterForm, GroupTargetForm, ScoringTaskForm
from proficio.classroom.models import Attendance, GroupSet, ScoringTask, TaskScore, TaskStudent
from proficio.core.progression.groups import GroupKind, form_groups
from proficio.frameworks import definitions
from proficio.frameworks.models import AssociationType, Item
from proficio.mastery.models import Determination, DeterminationStatus
from proficio.orgs.models import Section, Student
from proficio.policy import Act, Subject
from proficio.web import routes
from proficio.web.charts import chart_context
from proficio.web.forms import show_errors

# The level colours of proficio.css (the design system's tokens), for the grid's chart.
STATUS_COLOURS = {
    "not_assessed": "#ffffff",
    "insufficient": "#dfe1e2",  # base-lighter
    "not_yet": "#ffbc78",  # accent-warm-light
    "proficient": "#005ea2",  # primary
    "advanced": "#162e51",  # primary-darker
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _section(request: HttpRequest, section_id: int, act: Act = Act.VIEW) -> Section:
    section: Section = policy.access(request.user, Subject.CLASSROOM, section_id, act=act)
    return section


def _can_score(request: HttpRequest, section: Section) -> bool:
    return policy.can(request.user, Act.CHANGE, Subject.CLASSROOM, section)


# --- the grid -----------------------------------------------------------------------


def _widen(request: HttpRequest) -> bool:
    """A deliberate choice to see every assessable target, not only the course's scope."""
    return request.GET.get("scope") == "all"


def _grid(request: HttpRequest, section: Section, purpose: str) -> dict[str, Any]:
    columns = grid.section_columns(section, widen=_widen(request))
    competencies = list({c.competency.pk: c.competency for c in columns if c.competency}.values())
    form = GridFilterForm(request.GET or None, competencies=competencies)
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("competency"):
        columns = [c for c in columns if c.competency and c.competency.pk == filters["competency"]]
    students = actions.roster(section)
    rows = grid.build_rows(students, columns)
    grid.attach_standings(rows, columns)
    level = filters.get("level")
    if level:
        rows = [r for r in rows if any(c.status == level for c in r.cells)]
    pace = filters.get("pace")
    if pace == "behind":
        rows = [r for r in rows if r.working_toward]
    elif pace == "on":
        rows = [r for r in rows if r.judged and not r.working_toward]
    elif pace == "rising":
        rows = [r for r in rows if r.rising]
    sort = filters.get("sort") or "name"
    if sort == "proficient_desc":
        rows.sort(key=lambda r: -r.proficient)
    elif sort == "proficient_asc":
        rows.sort(key=lambda r: r.proficient)
    elif sort == "rising_desc":
        rows.sort(key=lambda r: -r.rising)
    # Each student shown is a read of their record: one entry per student, in bulk.
    record_reads([r.student for r in rows], purpose=purpose, what="mastery.determination")
    return {
        "form": form,
        "columns": columns,
        "rows": rows,
        "competencies": competencies,
        "widened": _widen(request),
    }


def standings_attribute(standings: list[Any]) -> SafeString:
    """A grid row's ``data-standings``: ``code:level:status`` of each competency's standing
    (``mastery.continuum.Shown``), by spaces, the level empty when none is shown; each
    part as the template wrote it (escaped, a number in the reader's format). Built here:
    as a template loop it was a tenth of the grid's rendering."""
    return mark_safe(  # noqa: S308 - each part escaped
        " ".join(
            f"{html.escape(str(s.code))}:"
            f"{'' if s.standing.level is None else html.escape(str(localize(s.standing.level)))}:"
            f"{html.escape(str(s.status))}"
            for s in standings
        )
    )


class _CellRenderer:
    """Grid cells as HTML, built here because 2,000 template includes are too slow. A
    cell's HTML depends only on its level, status and marks (and its link), so each kind
    is built once per page. Every cell shows an icon and text; colour is a third cue."""

    def __init__(self) -> None:
        self.rising = _MARK.format(mark="↗", words=escape(_("rising")))
        self.override = _MARK.format(mark="✎", words=escape(_("override")))
        self.labels: dict[str, str] = {s.value: escape(str(s.label)) for s in DeterminationStatus}
        self.parts: dict[tuple[Any, ...], tuple[str, str]] = {}

    def __call__(self, cell: grid.Cell, href: str) -> str:
        key = (
            cell.level.pk if cell.level else None,
            cell.status,
            cell.rising,
            cell.override,
            cell.inferred,
        )
        parts = self.parts.get(key)
        if parts is None:
            parts = self.parts[key] = self._parts(cell)
        return parts[0] + href + parts[1]

    def _parts(self, cell: grid.Cell) -> tuple[str, str]:
        if cell.inferred and cell.level is None:
            css, icon, visible = "gc gc-inferred", '<span aria-hidden="true">✓</span>', ""
            words = str(escape(_("Met through a higher level's evidence")))
        elif cell.level is not None:
            css = f"gc gc-{cell.level.position}"
            icon = f'<span class="icon-{escape(cell.level.icon)}" aria-hidden="true"></span>'
            visible, words = f"{cell.level.value:g}", str(escape(cell.level.label))
        elif cell.status == DeterminationStatus.INSUFFICIENT:
            css, icon, visible = "gc gc-insufficient", '<span aria-hidden="true">◌</span>', "?"
            words = self.labels[cell.status]
        elif cell.status == DeterminationStatus.NOT_YET:
            css, icon, visible = "gc gc-1", '<span aria-hidden="true">◔</span>', ""
            words = self.labels[cell.status]
        else:
            css, icon, visible = "gc gc-none", '<span aria-hidden="true">○</span>', "–"
            words = self.labels.get(cell.status, "")
        extra = (self.rising if cell.rising else "") + (self.override if cell.override else "")
        return (
            f'<td class="{css}"><a href="',
            f'">{icon}<span aria-hidden="true">{visible}</span>'
            f'<span class="visually-hidden">{words}</span>{extra}</a></td>',
        )


_MARK = '<span aria-hidden="true">{mark}</span><span class="visually-hidden">, {words}</span>'


def _distribution_chart(rows: list[grid.Row], columns: list[grid.Column]) -> Any:
    data = grid.distribution(rows, columns)
    labels = {s.value: str(s.label) for s in grid.STATUS_ORDER}
    values = [
        {"target": d["target"], "status": labels[s.value], "order": i, "students": d[s.value]}
        for d in data
        for i, s in enumerate(grid.STATUS_ORDER)
        if d[s.value]
    ]
    # A plain Vega-Lite spec: building it through Altair's validation costs more than the grid.
    spec = {
        "data": {"values": values},
        "mark": {"type": "bar", "stroke": "#1b1b1b", "strokeWidth": 0.5},
        "width": max(240, 14 * len(columns)),
        "height": 200,
        "encoding": {
            "x": {
                "field": "target",
                "type": "nominal",
                "sort": None,
                "title": _("Learning target"),
            },
            "y": {
                "field": "students",
                "type": "quantitative",
                "stack": True,
                "title": _("Students"),
            },
            "color": {
                "field": "status",
                "type": "nominal",
                "title": _("Level"),
                "scale": {
                    "domain": [labels[s.value] for s in grid.STATUS_ORDER],
                    "range": [STATUS_COLOURS[s.value] for s in grid.STATUS_ORDER],
                },
            },
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [
                {"field": "target", "type": "nominal", "title": _("Learning target")},
                {"field": "status", "type": "nominal", "title": _("Level")},
                {"field": "students", "type": "quantitative", "title": _("Students")},
            ],
        },
    }
    return chart_context(
        spec,
        title=_("How many students are at each level, per target"),
        table_columns=[
            ("target", _("Learning target")),
            *[(s.value, str(s.label)) for s in grid.STATUS_ORDER],
        ],
        rows=data,
    )


@login_required
def class_grid(request: HttpRequest, section_id: int) -> HttpResponse:
    section = _section(request, section_id)
    context = _grid(request, section, "class grid")
    columns, rows = context["columns"], context["rows"]
    # Links are built from one reversed URL: reversing 2,000 times costs more than the grid.
    link = routes.pattern("mastery:student_target", 2)
    assert link is not None  # two whole numbers in a path
    render_cell = _CellRenderer()
    html_rows = []
    target_ids = [col.target.pk for col in columns]
    for row in rows:
        student_id = row.student.pk
        cells = "".join(
            render_cell(cell, link.format(student_id, target_id))
            for cell, target_id in zip(row.cells, target_ids, strict=True)
        )
        html_rows.append(
            {
                "row": row,
                "cells": mark_safe(cells),  # noqa: S308 - escaped above
                "standings": standings_attribute(row.standings),
            }
        )
    context.update(
        {
            "section": section,
            "html_rows": html_rows,
            "chart": _distribution_chart(rows, columns) if columns and rows else None,
            "has_charts": bool(columns and rows),
            "can_score": _can_score(request, section),
            "can_export": policy.can(request.user, Act.VIEW, Subject.GRADEBOOK, section),
            "query": request.GET.urlencode(),
        }
    )
    return render(request, "classroom/grid.html", context)


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells that start with these as formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
def class_grid_csv(request: HttpRequest, section_id: int) -> HttpResponse:
    section = _section(request, section_id)
    context = _grid(request, section, "class grid export")
    columns, rows = context["columns"], context["rows"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="class-grid-{section.pk}.csv"'
    writer = csv.writer(response)
    standing_codes = [s.code for s in rows[0].standings] if rows else []
    writer.writerow(
        [
            _("Student"),
            _("Local ID"),
            *[c.code for c in columns],
            _("Targets met"),
            _("Rising"),
            *[_("%(code)s standing") % {"code": code} for code in standing_codes],
        ]
    )
    for row in rows:
        writer.writerow(
            [
                _csv_safe(row.student.display_name),
                _csv_safe(row.student.local_id),
                *[c.text for c in row.cells],
                row.proficient,
                row.rising,
                *[s.text for s in row.standings],
            ]
        )
    return response


# --- the OneRoster gradebook export -----------------------------------------------------


def _gradebook_download(
    request: HttpRequest, *, section_id: int | None = None, org_id: int | None = None
) -> HttpResponse:
    try:
        export = actions.export_gradebook(
            _user(request),
            section_id=section_id,
            organization_id=org_id,
            mode=request.GET.get("mode", "bulk"),
        )
    except ValidationError as exc:
        return HttpResponse(_first_error(exc), status=400, content_type="text/plain")
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@token_or_login(GRADEBOOK_READ)  # a student information system's client, or a person
def gradebook_section(request: HttpRequest, section_id: int) -> HttpResponse:
    """The section's OneRoster 1.2 gradebook (CSV files, zipped) for the student
    information system. ``?mode=delta`` marks rows active with their time of change."""
    return _gradebook_download(request, section_id=section_id)


@token_or_login(GRADEBOOK_READ)
def gradebook_organization(request: HttpRequest, org_id: int) -> HttpResponse:
    """The same for every current class of a school (or district) the person may export."""
    return _gradebook_download(request, org_id=org_id)


# --- whole-class scoring --------------------------------------------------------------


@login_required
def task_list(request: HttpRequest, section_id: int) -> HttpResponse:
    section = _section(request, section_id)
    can_score = _can_score(request, section)
    form = None
    if can_score:
        rubrics = actions.scorable_rubrics(section, widen=_widen(request))
        form = ScoringTaskForm(request.POST or None, rubrics=rubrics)
        if request.method == "POST" and form.is_valid():
            by_pk = {r.pk: r for r in rubrics}
            try:
                task = actions.create_scoring_task(
                    request.user,
                    section=section,
                    title=form.cleaned_data["title"],
                    kind=form.cleaned_data["kind"],
                    assessed_on=form.cleaned_data["assessed_on"],
                    rubric=by_pk.get(form.cleaned_data["rubric"]),
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                return redirect("classroom:scoring", section_id=section.pk, task_id=task.pk)
    elif request.method == "POST":
        raise Http404("No such class")
    tasks = ScoringTask.objects.filter(section=section).select_related("rubric", "created_by")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "classroom/tasks.html",
        {
            "section": section,
            "tasks": tasks,
            "form": form,
            "can_score": can_score,
            "widened": _widen(request),
        },
        status=status,
    )


def _task(section: Section, task_id: int) -> ScoringTask:
    task = (
        ScoringTask.objects.filter(pk=task_id, section=section)
        .select_related("rubric", "section__school")
        .first()
    )
    if task is None:
        raise Http404("No such task")
    return task


def _task_to_change(request: HttpRequest, section_id: int, task_id: int) -> ScoringTask:
    """The task of a class the user may change (scoring), with its class, in one query
    (``policy.first_granted_through``: the class is then granted for the request); 404
    for a task or class out of reach, naming neither."""
    task: ScoringTask | None = policy.first_granted_through(
        request.user,
        Act.CHANGE,
        Subject.CLASSROOM,
        ScoringTask.objects.filter(pk=task_id, section_id=section_id).select_related(
            "rubric", "section__school", "section__course", "section__term"
        ),
        "section",
    )
    if task is None:
        raise Http404("No such task")
    return task


def _criteria(task: ScoringTask) -> list[Any]:
    return definitions.criteria(task.rubric_id)


def _sheet_rows(task: ScoringTask, students: list[Student], criteria: list[Any]) -> list[Any]:
    entries = {e.student_id: e for e in TaskStudent.objects.filter(task=task)}
    cells = {(c.student_id, c.criterion_id): c for c in TaskScore.objects.filter(task=task)}
    rows = []
    for student in students:
        entry = entries.get(student.pk) or TaskStudent(task=task, student=student)
        rows.append(
            {
                "student": student,
                "entry": entry,
                "cells": [
                    _cell_context(c, cells.get((student.pk, c.pk)), student, entry)
                    for c in criteria
                ],
            }
        )
    return rows


def _cell_context(
    criterion: Any, cell: TaskScore | None, student: Student, entry: TaskStudent
) -> dict[str, Any]:
    score = cell.score if cell else None
    level = next((lv for lv in criterion.level_list if lv.score == score), None)
    return {
        "criterion": criterion,
        "student": student,
        "score": score,
        "level": level,
        "position": criterion.level_list.index(level) + 1 if level is not None else None,
        "version": cell.version if cell else 0,
        "disabled": entry.attendance != Attendance.PRESENT,
    }


@login_required
def scoring(request: HttpRequest, section_id: int, task_id: int) -> HttpResponse:
    section = _section(request, section_id)
    task = _task(section, task_id)
    criteria = _criteria(task)
    students = actions.roster(section)
    record_reads(students, purpose="scoring sheet", what="classroom.taskscore")
    return render(
        request,
        "classroom/scoring.html",
        {
            "section": section,
            "task": task,
            "criteria": criteria,
            "rows": _sheet_rows(task, students, criteria),
            "can_score": _can_score(request, section),
            "can_export": policy.can(request.user, Act.VIEW, Subject.GRADEBOOK, section),
            "attendance_choices": Attendance.choices,
        },
    )


def _int(raw: Any, field: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationError({field: _("The page sent no valid version; reload it.")}) from None


def _first_error(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(m for ms in exc.message_dict.values() for m in ms)
    return "; ".join(exc.messages)


@login_required
@require_POST
def score_cell(request: HttpRequest, section_id: int, task_id: int) -> HttpResponse:
    """Autosave of one cell (HTMX). 200: saved; 400: bad input, nothing saved;
    409: someone saved a newer score, which the answer shows, and nothing is overwritten."""
    task = _task_to_change(request, section_id, task_id)
    section = task.section
    criteria = {c.pk: c for c in _criteria(task)}
    status, message, error = 200, "", False
    student: Student | None = None
    criterion = None
    cell: TaskScore | None
    entry: TaskStudent | None = None
    try:
        # On the roster and changeable by the teacher: one query, which the action trusts.
        student = actions.roster_student(
            section, request.POST.get("student"), changed_by=request.user
        )
        try:
            criterion = criteria[int(request.POST.get("criterion", ""))]
        except (KeyError, ValueError):
            raise ValidationError(
                {"criterion": _("That criterion is not on this task's rubric.")}
            ) from None
        raw = request.POST.get("score", "").strip()
        try:
            score = float(raw) if raw else None
        except ValueError:
            raise ValidationError({"score": _("Give the level as a number.")}) from None
        version = _int(request.POST.get("version"), "version")
        result = actions.set_task_score(
            request.user,
            task,
            student=student,
            criterion=criterion,
            score=score,
            version=version,
        )
        cell, entry = result.cell, result.entry
        shown = f"{score:g}" if score is not None else _("cleared")
        message = _("Saved: %(student)s, %(criterion)s → %(level)s") % {
            "student": student.display_name,
            "criterion": criterion,
            "level": shown,
        }
    except actions.StaleScore as stale:
        current = stale.current
        cell = current if isinstance(current, TaskScore) else None
        status, error = 409, True
        assert student is not None
        assert criterion is not None
        newer = f"{cell.score:g}" if cell and cell.score is not None else _("no level")
        message = _(
            "Not saved: %(student)s, %(criterion)s was changed to %(level)s since this page "
            "loaded. The newer score is shown; score again to replace it."
        ) % {"student": student.display_name, "criterion": criterion, "level": newer}
    except ValidationError as exc:
        status, error, message = 400, True, _("Not saved: ") + _first_error(exc)
        if student is None or criterion is None:
            return render(
                request,
                "classroom/_save_state.html",
                {"message": message, "error": True, "oob": False},
                status=400,
            )
        cell = TaskScore.objects.filter(task=task, student=student, criterion=criterion).first()
    if entry is None:
        entry = TaskStudent.objects.filter(task=task, student=student).first() or TaskStudent(
            task=task, student=student
        )
    return render(
        request,
        "classroom/_score_cell.html",
        {
            "c": _cell_context(criterion, cell, student, entry),
            "section": section,
            "task": task,
            "message": message,
            "error": error,
            "oob": True,
        },
        status=status,
    )


@login_required
@require_POST
def task_student(request: HttpRequest, section_id: int, task_id: int) -> HttpResponse:
    """Attendance and comment for one student (HTMX): answers with the re-drawn row."""
    section = _section(request, section_id, Act.CHANGE)
    task = _task(section, task_id)
    status, error = 200, False
    student = actions.roster_student(section, request.POST.get("student"))
    try:
        actions.set_task_student(
            request.user,
            task,
            student=student,
            version=_int(request.POST.get("version"), "version"),
            attendance=request.POST.get("attendance"),
            comment=request.POST.get("comment"),
        )
        message = _("Saved: %(student)s") % {"student": student.display_name}
    except actions.StaleScore:
        status, error = 409, True
        message = _(
            "Not saved: %(student)s's attendance or comment was changed since this page "
            "loaded. The newer version is shown."
        ) % {"student": student.display_name}
    except ValidationError as exc:
        status, error, message = 400, True, _("Not saved: ") + _first_error(exc)
    criteria = _criteria(task)
    row = _sheet_rows(task, [student], criteria)[0]
    return render(
        request,
        "classroom/_score_row.html",
        {
            "row": row,
            "section": section,
            "task": task,
            "can_score": True,
            "attendance_choices": Attendance.choices,
            "message": message,
            "error": error,
            "oob": True,
        },
        status=status,
    )


# --- flexible groups ------------------------------------------------------------------


def _prerequisites(target: Item) -> list[Item]:
    return sorted(
        Item.objects.filter(
            outgoing__association_type=AssociationType.PRECEDES,
            outgoing__destination_item=target,
        ).distinct(),
        key=lambda i: grid._natural(i.human_coding_scheme),
    )


@login_required
def groups(request: HttpRequest, section_id: int) -> HttpResponse:
    section = _section(request, section_id)
    columns = grid.section_columns(section, widen=_widen(request))
    targets = [c.target for c in columns]
    form = GroupTargetForm(request.GET or request.POST or None, targets=targets)
    context: dict[str, Any] = {
        "section": section,
        "form": form,
        "saved": GroupSet.objects.filter(section=section).select_related("target", "created_by"),
        "can_score": _can_score(request, section),
        "widened": _widen(request),
    }
    if form.is_valid():
        target = Item.objects.get(pk=form.cleaned_data["target"])  # one of the class's targets
        prereqs = _prerequisites(target)
        students = actions.roster(section)
        statuses = {
            (sid, tid): status
            for sid, tid, status in Determination.objects.filter(
                student__in=[s.pk for s in students],
                target__in=[target.pk, *[p.pk for p in prereqs]],
            ).values_list("student_id", "target_id", "status")
        }
        formed = form_groups([s.pk for s in students], target.pk, [p.pk for p in prereqs], statuses)
        if request.method == "POST":
            if not context["can_score"]:
                raise Http404("No such class")
            try:
                saved = actions.save_groups(
                    request.user,
                    section=section,
                    target=target,
                    groups=formed,
                    title=request.POST.get("title", ""),
                )
            except ValidationError as exc:
                messages.error(request, _first_error(exc))
            else:
                messages.success(request, _("Groups saved."))
                return redirect("classroom:group_set", section_id=section.pk, set_id=saved.pk)
        record_reads(students, purpose="flexible groups", what="mastery.determination")
        by_id = {s.pk: s for s in students}
        items = {p.pk: p for p in prereqs}
        context.update(
            {
                "target": target,
                "prerequisites": prereqs,
                "groups": [
                    {
                        "kind": g.kind.value,
                        "title": _group_title(g.kind, items.get(g.prerequisite or 0)),
                        "members": [by_id[m] for m in g.members],
                    }
                    for g in formed
                ],
            }
        )
    elif request.method == "POST":
        return render(request, "classroom/groups.html", context, status=400)
    return render(request, "classroom/groups.html", context)


def _group_title(kind: GroupKind | str, prerequisite: Item | None) -> str:
    if kind == GroupKind.READY:
        return _("Ready to be assessed")
    if kind == GroupKind.PRACTICE:
        return _("Needs practice on this target")
    if kind == GroupKind.EXTEND:
        return _("Ready to move on or extend")
    name = (
        f"{prerequisite.human_coding_scheme or ''} {prerequisite.abbreviated_statement or ''}"
        if prerequisite
        else ""
    )
    return _("Needs reteaching on prerequisite %(target)s") % {"target": name.strip()}


@login_required
def group_set(request: HttpRequest, section_id: int, set_id: int) -> HttpResponse:
    """A saved set of groups, laid out to print."""
    section = _section(request, section_id)
    found = (
        GroupSet.objects.filter(pk=set_id, section=section)
        .select_related("target", "created_by")
        .first()
    )
    if found is None:
        raise Http404("No such groups")
    members = list(found.members.select_related("student", "prerequisite"))
    record_reads([m.student for m in members], purpose="saved groups", what="classroom.groupmember")
    grouped: dict[tuple[str, int | None], dict[str, Any]] = {}
    for m in members:
        key = (m.kind, m.prerequisite_id)
        if key not in grouped:
            grouped[key] = {"title": _group_title(m.kind, m.prerequisite), "members": []}
        grouped[key]["members"].append(m.student)
    return render(
        request,
        "classroom/group_set.html",
        {"section": section, "group_set": found, "groups": list(grouped.values())},
    )

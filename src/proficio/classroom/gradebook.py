"""What goes into a OneRoster 1.2 gradebook export: read-only, no policy (the action that
calls it has decided who may see what).

For each section: one line item per learning target of the class grid (the same targets,
``grid.section_columns``), in the category of its competency, over the section's term, with
the target's CASE identifier as its learning objective; and one result per student and
target that has a determination, at the level the grid shows (``grid.build_rows``: an
educator's override wins). A level is "fully graded", with the level's value as the score
and its label as the text score; "not enough evidence yet" is "partially graded" with no
score; "not yet assessed" has no result. The score scale of each target (its values and
labels) goes with its line items and results, so the student information system can print
the labels.

Identifiers: classes, students and schools are named by their ``uuid``; courses and terms,
which carry none yet, by a UUID derived from their row (``sourced_id``). Line items,
results, categories and score scales get UUIDs derived from what they are about, so the
same export twice names everything the same way and a delta updates rather than adds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db.models import Model
from django.utils import timezone

from proficio.classroom import grid
from proficio.core.standards import oneroster_gradebook as og
from proficio.frameworks.models import Item, ProficiencyScale
from proficio.mastery.models import Determination, DeterminationStatus, Override
from proficio.orgs.models import Section, Student

_IDS = uuid.UUID("3d6e9a1c-7b2f-5c4e-8a9d-1f2e3c4b5a6d")
LEVELS = {DeterminationStatus.NOT_YET, DeterminationStatus.PROFICIENT, DeterminationStatus.ADVANCED}


def sourced_id(obj: Model) -> str:
    """The OneRoster sourcedId Proficio gives a roster object: its ``uuid`` where it has one,
    else a UUID derived from its kind and row (stable across exports)."""
    own = getattr(obj, "uuid", None)
    if own is not None:
        return str(own)
    return str(uuid.uuid5(_IDS, f"{obj._meta.label_lower}:{obj.pk}"))


def _derived(*parts: object) -> str:
    return str(uuid.uuid5(_IDS, "\x1f".join(str(p) for p in parts)))


def build(sections: Iterable[tuple[Section, list[Student]]]) -> og.Gradebook:
    """The gradebook of these sections, each with the students to include."""
    book = og.Gradebook()
    categories: dict[int, og.Category] = {}
    scales: dict[int, ProficiencyScale] = {}
    for section, students in sections:
        columns = grid.section_columns(section)
        if not columns:
            continue
        wanted = {c.scale_id for c in columns if c.scale_id is not None} - set(scales)
        scales |= {
            s.pk: s
            for s in ProficiencyScale.objects.filter(pk__in=wanted).prefetch_related("levels")
        }
        targets = {
            i.pk: i
            for i in Item.objects.filter(
                pk__in={c.target.pk for c in columns}
                | {c.competency.pk for c in columns if c.competency}
            ).only("id", "identifier", "last_change")
        }
        class_id, school_id = sourced_id(section), sourced_id(section.school)
        course_id, term_id = sourced_id(section.course), sourced_id(section.term)
        section_scales: dict[int, str] = {}
        for column in columns:
            if column.scale_id is not None and column.scale_id not in section_scales:
                scale = scales[column.scale_id]
                section_scales[column.scale_id] = _derived("scale", class_id, scale.identifier)
                book.score_scales.append(
                    og.ScoreScale(
                        sourced_id=section_scales[column.scale_id],
                        title=scale.title,
                        type="proficiency",
                        org_id=school_id,
                        course_id=course_id,
                        class_id=class_id,
                        values=tuple((f"{lv.value:g}", lv.label) for lv in scale.levels.all()),
                        modified=timezone.now(),
                    )
                )
        line_items: dict[int, og.LineItem] = {}
        for column in columns:
            target = targets[column.target.pk]
            competency = column.competency
            if competency is not None and competency.pk not in categories:
                categories[competency.pk] = og.Category(
                    sourced_id=_derived("category", targets[competency.pk].identifier),
                    title=_title(competency),
                    modified=targets[competency.pk].last_change,
                )
                book.categories.append(categories[competency.pk])
            own = scales.get(column.scale_id) if column.scale_id else None
            values = [lv.value for lv in own.levels.all()] if own else []
            item = og.LineItem(
                sourced_id=_derived("lineItem", class_id, target.identifier),
                title=_title(column.target),
                description=column.target.full_statement,
                assign_date=section.term.start_date,
                due_date=section.term.end_date,
                class_id=class_id,
                category_id=categories[competency.pk].sourced_id if competency else "",
                session_id=term_id,
                school_id=school_id,
                value_min=min(values) if values else None,
                value_max=max(values) if values else None,
                modified=target.last_change,
                objectives=(str(target.identifier),),
                scale_id=section_scales.get(column.scale_id) if column.scale_id else None,
            )
            line_items[column.target.pk] = item
            book.line_items.append(item)
        book.results += _results(section, students, columns, targets, line_items)
    return book


def _title(node: grid.Node) -> str:
    text = node.abbreviated_statement or node.full_statement
    return f"{node.human_coding_scheme} {text}" if node.human_coding_scheme else text


def _results(
    section: Section,
    students: list[Student],
    columns: list[grid.Column],
    targets: dict[int, Item],
    line_items: dict[int, og.LineItem],
) -> list[og.Result]:
    rows = grid.build_rows(students, columns)
    # When each level was shown and last changed: the grid reads levels, not dates.
    keys = {"student_id__in": [s.pk for s in students], "target_id__in": list(line_items)}
    dates = {
        (sid, tid): (assessed, computed)
        for sid, tid, assessed, computed in Determination.objects.filter(**keys).values_list(
            "student_id", "target_id", "last_assessed_at", "computed_at"
        )
    }
    overridden = {
        (sid, tid): at
        for sid, tid, at in Override.objects.filter(withdrawn_at__isnull=True, **keys)
        .order_by("at")
        .values_list("student_id", "target_id", "at")
    }
    results = []
    for row in rows:
        student_id = sourced_id(row.student)
        for cell, column in zip(row.cells, columns, strict=True):
            if cell.status not in LEVELS and cell.status != DeterminationStatus.INSUFFICIENT:
                continue
            key = (row.student.pk, column.target.pk)
            assessed, computed = dates.get(key, (None, None))
            changed = max(
                (t for t in (computed, overridden.get(key)) if t is not None),
                default=timezone.now(),
            )
            item = line_items[column.target.pk]
            graded = cell.status in LEVELS and cell.value is not None
            text = cell.level.label if cell.level is not None else cell.status_label
            score = cell.value if graded else None
            results.append(
                og.Result(
                    sourced_id=_derived("result", item.sourced_id, student_id),
                    line_item_id=item.sourced_id,
                    student_id=student_id,
                    score_status="fully graded" if graded else "partially graded",
                    score=score,
                    score_date=timezone.localdate(assessed or changed),
                    text_score=str(text),
                    class_id=sourced_id(section),
                    modified=changed,
                    comment="Educator judgment" if cell.override else "",
                    objectives=(
                        og.ObjectiveResult(
                            str(targets[column.target.pk].identifier), score, str(text)
                        ),
                    ),
                    scale_id=item.scale_id if graded else None,
                )
            )
    return results


def current_sections(sections: Iterable[Section], today: dt.date) -> list[Section]:
    """The sections whose term runs on ``today``."""
    return [s for s in sections if s.term.start_date <= today <= s.term.end_date]

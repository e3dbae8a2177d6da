"""The standings read as it was before it was made faster (``learners.reports.competencies``
at the time it loaded model instances and re-read the framework tree on every call), kept
as the oracle the current read is compared with. Reads only; test code."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from proficio.core.progression.next_targets import next_targets
from proficio.evidence.models import EvidenceKind, EvidenceScore
from proficio.frameworks.models import (
    Association,
    AssociationType,
    Category,
    Exemplar,
    Framework,
    HomeSupport,
    Item,
    ItemKind,
    LevelStatement,
    ProficiencyScale,
    ScaleLevel,
    TranslationKind,
)
from proficio.frameworks.translations import ITEM_FIELDS, LEVEL_FIELDS, Translator
from proficio.learners.actions import reassessable_targets
from proficio.learners.reports import CompetencyRow, TargetRow
from proficio.mastery import actions as mastery_actions
from proficio.mastery import continuum, engine
from proficio.mastery.models import Determination, Override
from proficio.orgs.models import Student


def _frameworks(student: Student, reassessable: QuerySet[Item] | None = None) -> list[Framework]:
    ids = set(
        Determination.objects.filter(student=student).values_list("target__framework", flat=True)
    )
    if reassessable is None:
        reassessable = reassessable_targets(student)
    ids |= set(reassessable.values_list("framework", flat=True))
    return list(Framework.objects.filter(pk__in=ids).order_by("title"))


def _labels(
    scales: dict[int, ProficiencyScale | None], tr: Translator | None = None
) -> dict[tuple[int, float], str]:
    """(scale id, value) → the level's label (in the reader's language)."""
    ids = {scale.pk for scale in scales.values() if scale is not None}
    levels = list(ScaleLevel.objects.filter(scale_id__in=ids))
    if tr is not None:
        tr.localize_all(levels, TranslationKind.SCALE_LEVEL, "label")
    return {(lv.scale_id, lv.value): lv.label for lv in levels}


def _target_scales(items: Iterable[Item]) -> dict[int, ProficiencyScale | None]:
    """Each target's scale, by ``mastery.engine.scale_for`` (the framework tree comes from
    the definitions cache, so this reads nothing once the page has read it)."""
    return {i.pk: engine.scale_for(i) for i in items}


def competencies(
    student: Student, *, since: dt.datetime | None = None, today: dt.date | None = None
) -> tuple[list[CompetencyRow], list[Item]]:
    """Each competency of the student's frameworks with its targets' standing, and the next
    targets suggested from the prerequisites. With ``since``, each row also lists the targets
    whose standing changed after that moment (from the determination history)."""
    open_here_targets = reassessable_targets(student)
    frameworks = _frameworks(student, open_here_targets)
    items = list(
        Item.objects.filter(framework__in=frameworks, archived_at__isnull=True)
        .select_related("level", "framework", "framework__scale", "scale")
        .order_by("human_coding_scheme", "pk")
    )
    by_id = {i.pk: i for i in items}
    parent: dict[int, int] = {}
    precedes: list[tuple[int, int]] = []
    for a in Association.objects.filter(
        framework__in=frameworks,
        association_type__in=[AssociationType.IS_CHILD_OF, AssociationType.PRECEDES],
        origin_item__isnull=False,
        destination_item__isnull=False,
    ).values_list("association_type", "origin_item_id", "destination_item_id"):
        kind, origin, destination = a
        if kind == AssociationType.IS_CHILD_OF:
            parent[origin] = destination
        else:
            precedes.append((origin, destination))
    dets = {d.target_id: d for d in Determination.objects.filter(student=student)}
    own_view = dict(  # target → the latest self-assessment score (the newest row wins)
        EvidenceScore.objects.filter(student=student, kind=EvidenceKind.SELF_ASSESSMENT)
        .order_by("assessed_at", "pk")
        .values_list("target_id", "score")
    )
    overrides = {
        o.target_id: o for o in Override.objects.filter(student=student, withdrawn_at__isnull=True)
    }
    past = mastery_actions.as_of(student, since) if since is not None else None
    scales = _target_scales(items)
    # Framework text in the reader's language (English, marked, where not translated).
    tr = Translator()
    tr.localize_all(items, TranslationKind.ITEM, *ITEM_FIELDS)
    tr.localize_all([i.level for i in items if i.level], TranslationKind.LEVEL, *LEVEL_FIELDS)
    labels = _labels(scales, tr)
    level_statements = list(LevelStatement.objects.filter(item__framework__in=frameworks))
    tr.localize_all(level_statements, TranslationKind.LEVEL_STATEMENT, "statement")
    statements = {(s.item_id, s.level_id): s.statement for s in level_statements}
    supports = list(HomeSupport.objects.filter(item__framework__in=frameworks))
    tr.localize_all(supports, TranslationKind.HOME_SUPPORT, "text")
    home_support = {(h.item_id, h.level_id): h.text for h in supports}
    exemplars: dict[int, list[Exemplar]] = defaultdict(list)
    found_exemplars = list(
        Exemplar.objects.filter(item__framework__in=frameworks).select_related("level")
    )
    tr.localize_all(found_exemplars, TranslationKind.EXEMPLAR, "title")
    for ex in found_exemplars:
        exemplars[ex.item_id].append(ex)

    def label_for(target: Item, value: float | None) -> str:
        if value is None:
            return ""
        scale = scales.get(target.pk)
        return labels.get((scale.pk, value), f"{value:g}") if scale else f"{value:g}"

    def target_row(target: Item) -> TargetRow:
        o, d = overrides.get(target.pk), dets.get(target.pk)
        status = o.status if o else (d.status if d else "not_assessed")
        value = o.level_value if o else (d.level_value if d else None)
        row = TargetRow(target, status, label_for(target, value), value)
        if target.pk in own_view:
            row.self_label = label_for(target, own_view[target.pk])
        if past is not None:
            before = past.get(target.pk)
            before_status = before.status if before else "not_assessed"
            before_value = before.level_value if before else None
            if (before_status, before_value) != (status, value):
                row.before_status = before_status
                row.before_label = label_for(target, before_value)
        return row

    children: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        if item.kind == ItemKind.TARGET and item.pk in parent:
            children[parent[item.pk]].append(item)
    comp_items = [
        i for i in items if i.kind == ItemKind.COMPETENCY and i.category != Category.EDUCATOR
    ]
    # The one definition of where the student stands (proficio.core.progression.continuum).
    shape = continuum.structure(comp_items)
    tr.localize_all(
        [lv for by_pos in shape.levels.values() for lv in by_pos.values()],
        TranslationKind.LEVEL,
        *LEVEL_FIELDS,
    )
    standing_of = continuum.standings([student], shape, today=today)[student.pk]
    rows: list[CompetencyRow] = []
    met_ids: set[int] = set()
    for comp in comp_items:
        targets = sorted(
            children.get(comp.pk, []),
            key=lambda t: (t.level.position if t.level else 0, t.human_coding_scheme or ""),
        )
        s = continuum.shown(shape, comp, standing_of[comp.pk])
        target_rows = [target_row(t) for t in targets]
        for r in target_rows:
            if r.target.pk in s.standing.inferred:
                r.inferred_through = s.level
        met_ids |= {int(k) for k in s.standing.met if isinstance(k, int)}
        met = sum(1 for r in target_rows if r.target.pk in s.standing.met)
        row = CompetencyRow(comp, s.status, met, len(target_rows), target_rows, shown=s)
        row.level_now, row.level_next = s.level, s.next_level
        if row.level_now is not None:
            row.statement_now = statements.get((comp.pk, row.level_now.pk), "")
        if row.level_next is not None:
            row.statement_next = statements.get((comp.pk, row.level_next.pk), "")
            row.home_support = home_support.get((comp.pk, row.level_next.pk), "")
            row.exemplars = [
                ex
                for ex in exemplars.get(comp.pk, [])
                + [
                    e
                    for t in targets
                    if t.level_id == row.level_next.pk
                    for e in exemplars.get(t.pk, [])
                ]
                if ex.level_id in (None, row.level_next.pk)
            ]
        row.changed = [r for r in target_rows if r.before_status is not None]
        rows.append(row)
    ordered_targets = [
        t
        for comp in comp_items
        for t in sorted(
            children.get(comp.pk, []), key=lambda t: (t.level.position if t.level else 0, t.pk)
        )
    ]
    open_here = set(open_here_targets.values_list("pk", flat=True))
    suggested_ids = next_targets(
        [t.pk for t in ordered_targets if t.pk in open_here], precedes, met_ids
    )
    # First the targets that what the student has learned opens up (they have
    # prerequisites, all met), then starting points; the lowest levels first in each.
    unlocked = {after for _, after in precedes}
    suggested = sorted(
        (by_id[i] for i in suggested_ids),
        key=lambda t: (
            t.pk not in unlocked,
            t.level.position if t.level else 0,
            t.human_coding_scheme or "",
        ),
    )
    return rows, suggested

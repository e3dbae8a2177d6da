"""Reads for the student home and the family report (no writes here).

Both start from the student's determinations and the framework's structure: competencies
(``isChildOf``), learning targets with their performance level, what proficiency looks
like at each level, and the prerequisite graph (``precedes``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model
from django.db.models.base import ModelState

from proficio.core.progression.next_targets import met_over_time, next_targets
from proficio.evidence.models import EvidenceKind, EvidenceScore
from proficio.frameworks import definitions
from proficio.frameworks.models import (
    Association,
    AssociationType,
    Category,
    Exemplar,
    HomeSupport,
    Item,
    ItemKind,
    LevelStatement,
    PerformanceLevel,
    ProficiencyScale,
    ScaleLevel,
    TranslationKind,
)
from proficio.frameworks.translations import ITEM_FIELDS, LEVEL_FIELDS, Translator
from proficio.learners.actions import reassessable_targets_of
from proficio.mastery import actions as mastery_actions
from proficio.mastery import continuum, engine
from proficio.mastery.models import Determination, Override
from proficio.orgs.models import Student

MET = ("proficient", "advanced")
_Row = TypeVar("_Row", bound=Model)


@dataclass
class TargetRow:
    target: Item
    status: str
    level_label: str
    level_value: float | None
    before_status: str | None = None
    before_label: str = ""
    inferred_through: PerformanceLevel | None = None  # met through evidence at this level
    # The student's own latest self-assessment, shown beside the teacher's judgment (the
    # default policies leave it out of the determination).
    self_label: str = ""


@dataclass
class CompetencyRow:
    competency: Item
    status: str
    met: int
    of: int
    targets: list[TargetRow]
    shown: continuum.Shown | None = None  # the standing, by the one definition
    level_now: PerformanceLevel | None = None  # the standing: the highest level shown
    level_next: PerformanceLevel | None = None  # the next step: the lowest level above it
    statement_next: str = ""
    statement_now: str = ""
    exemplars: list[Exemplar] = field(default_factory=list)
    changed: list[TargetRow] = field(default_factory=list)
    home_support: str = ""  # how to help at home at the next step
    comment: Any = None  # the teacher's comment for the reporting period (CompetencyComment)


def attach_comments(rows: list[CompetencyRow], comments: dict[int, Any]) -> None:
    """Put each competency's teacher comment (``learners.actions.comments_for``) on its row."""
    for row in rows:
        row.comment = comments.get(row.competency.pk)


def _item_order(framework_ids: set[int]) -> list[Item]:
    """The live competencies and targets of the frameworks (what the read reports), by
    code then id (in the database's order), as the definitions cache holds them (their
    framework, scales and level loaded): the order read once for all the frameworks, and
    kept in the definitions cache (it is the items' order, a definition)."""
    ids = tuple(sorted(framework_ids))

    def read() -> list[tuple[int, int]]:
        return list(
            Item.objects.filter(
                framework_id__in=ids,
                archived_at__isnull=True,
                kind__in=(ItemKind.COMPETENCY, ItemKind.TARGET),
            )
            .order_by("human_coding_scheme", "pk")
            .values_list("pk", "framework_id")
        )

    order = definitions.cached(("report-order", ids), read)
    trees = {fw: definitions.tree(fw).items for fw in framework_ids}
    missing = [pk for pk, fw in order if pk not in trees[fw]]
    if missing:  # written since the tree was read in this request: read them as they are
        found = Item.objects.filter(pk__in=missing).select_related(
            "level", "framework", "framework__scale", "scale"
        )
        late = {i.pk: i for i in found}
    else:
        late = {}
    return [trees[fw].get(pk) or late[pk] for pk, fw in order]


_LEVEL = Item._meta.get_field("level")


def _items(order: list[Item], framework_ids: set[int]) -> list[Item]:
    """The items of ``order`` in the frameworks, each a copy (with a copy of its level, one
    per level, which the items at that level share): pages translate the copies' text in
    place, the cached items stay as they are."""
    out = []
    levels: dict[int, PerformanceLevel] = {}
    for cached in order:
        if cached.framework_id not in framework_ids:
            continue
        item = _copy(cached)
        if cached.level_id is not None:
            level = levels.get(cached.level_id)
            if level is None and cached.level is not None:
                level = levels[cached.level_id] = _copy(cached.level)
            # What ``item.level = level`` does, without its checks: ``level_id`` is the same.
            _LEVEL.set_cached_value(item, level)
        out.append(item)
    return out


M = TypeVar("M", bound=Model)


def _copy(obj: M) -> M:
    """A shallow copy of a model instance with its own related-object cache (what
    ``copy.copy`` makes, without its pickling round trip)."""
    made = obj.__class__.__new__(obj.__class__)
    made.__dict__ = obj.__dict__.copy()
    state = ModelState()
    state.db, state.adding = obj._state.db, obj._state.adding
    state.fields_cache = dict(obj._state.fields_cache)
    made._state = state
    return made


def _links(framework_ids: set[int]) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """The frameworks' ``isChildOf`` (child → parent, the last link read wins) and
    ``precedes`` links, from the definitions cache."""

    def read() -> tuple[dict[int, int], list[tuple[int, int]]]:
        parent: dict[int, int] = {}
        precedes: list[tuple[int, int]] = []
        for kind, origin, destination in Association.objects.filter(
            framework__in=framework_ids,
            association_type__in=[AssociationType.IS_CHILD_OF, AssociationType.PRECEDES],
            origin_item__isnull=False,
            destination_item__isnull=False,
        ).values_list("association_type", "origin_item_id", "destination_item_id"):
            if kind == AssociationType.IS_CHILD_OF:
                parent[origin] = destination
            else:
                precedes.append((origin, destination))
        return parent, precedes

    return definitions.cached(("report-links", tuple(sorted(framework_ids))), read)


def _of_frameworks(model: type[_Row], framework_ids: set[int], *related: str) -> list[_Row]:
    """The rows of ``model`` (level statements, help at home, exemplars) on the items of
    the frameworks: definitions, read from the definitions cache. They are shared between
    requests: read them (their text in the reader's language through ``Translator.texts``),
    never change them."""
    ids = tuple(sorted(framework_ids))

    def load() -> list[_Row]:
        return list(
            model.objects.filter(item__framework__in=ids)  # type: ignore[attr-defined]
            .select_related(*related)
            .order_by("pk")
        )

    return definitions.cached((f"report-{model.__name__}", ids), load)


def _texts_by_item_and_level(
    model: type[LevelStatement] | type[HomeSupport],
    framework_ids: set[int],
    tr: Translator,
    kind: str,
    field: str,
) -> dict[tuple[int, int | None], str]:
    """(item id, level id) → the row's text in the reader's language (the last row wins)."""
    rows: list[Any] = _of_frameworks(model, framework_ids)
    return {
        (row.item_id, row.level_id): text
        for row, text in zip(rows, tr.texts(rows, kind, field), strict=True)
    }


def _labels(
    scales: dict[int, ProficiencyScale | None], tr: Translator | None = None
) -> dict[tuple[int, float], str]:
    """(scale id, value) → the level's label (in the reader's language)."""
    ids = tuple(sorted({scale.pk for scale in scales.values() if scale is not None}))
    levels = definitions.cached(
        ("report-scale-levels", ids), lambda: list(ScaleLevel.objects.filter(scale_id__in=ids))
    )
    if tr is None:
        labels = [lv.label for lv in levels]
    else:
        labels = tr.texts(levels, TranslationKind.SCALE_LEVEL, "label")
    return {(lv.scale_id, lv.value): label for lv, label in zip(levels, labels, strict=True)}


def _target_scales(items: Iterable[Item]) -> dict[int, ProficiencyScale | None]:
    """Each target's scale, by ``mastery.engine.scale_for`` (the framework tree comes from
    the definitions cache, so this reads nothing once the page has read it)."""
    return {i.pk: engine.scale_for(i) for i in items}


def _scales_of(items: list[Item], framework_ids: set[int]) -> dict[int, ProficiencyScale | None]:
    """:func:`_target_scales` of the frameworks' items, kept in the definitions cache (the
    scales are definitions): what a first read worked out serves the next ones, and an
    item it did not see (written since) is worked out alone."""
    found = definitions.cached(
        ("report-scales", tuple(sorted(framework_ids))), lambda: _target_scales(items)
    )
    missing = [i for i in items if i.pk not in found]
    return found | _target_scales(missing) if missing else found


def competencies(
    student: Student, *, since: dt.datetime | None = None, today: dt.date | None = None
) -> tuple[list[CompetencyRow], list[Item]]:
    """Each competency of the student's frameworks with its targets' standing, and the next
    targets suggested from the prerequisites. With ``since``, each row also lists the targets
    whose standing changed after that moment (from the determination history)."""
    return competencies_of([student], since=since, today=today)[student.pk]


@dataclass
class _Record:
    """What one student's read takes from their own record."""

    open_here_fw: dict[int, int] = field(default_factory=dict)  # reassessable target → fw
    determinations: list[tuple[int, str, float | None, int]] = field(default_factory=list)
    overrides: list[tuple[int, str, float | None]] = field(default_factory=list)  # oldest first
    own_view: dict[int, float] = field(default_factory=dict)  # target → latest self-assessment
    past: dict[int, Any] | None = None  # target → its determination at ``since``


def _records(students: list[Student], since: dt.datetime | None) -> dict[int, _Record]:
    """The students' records in a fixed number of reads, whatever their number: what they
    may be reassessed on, their determinations with each target's framework, their active
    overrides, their self-assessments and, with ``since``, their determinations then."""
    ids = [s.pk for s in students]
    records = {s.pk: _Record() for s in students}
    for sid, open_here in reassessable_targets_of(students).items():
        records[sid].open_here_fw = open_here
    for sid, t, st, value, fw in Determination.objects.filter(student_id__in=ids).values_list(
        "student_id", "target_id", "status", "level_value", "target__framework_id"
    ):
        records[sid].determinations.append((t, st, value, fw))
    for sid, t, st, value in (
        Override.objects.filter(student_id__in=ids, withdrawn_at__isnull=True)
        .order_by("at", "pk")
        .values_list("student_id", "target_id", "status", "level_value")
    ):
        records[sid].overrides.append((t, st, value))
    for sid, t, score in (
        EvidenceScore.objects.filter(student_id__in=ids, kind=EvidenceKind.SELF_ASSESSMENT)
        .order_by("assessed_at", "pk")
        .values_list("student_id", "target_id", "score")
    ):
        records[sid].own_view[t] = score  # the newest row wins
    if since is not None:
        for sid, past in mastery_actions.as_of_many(ids, since).items():
            records[sid].past = past
    return records


def competencies_of(
    students: Iterable[Student],
    *,
    since: dt.datetime | None = None,
    today: dt.date | None = None,
) -> dict[int, tuple[list[CompetencyRow], list[Item]]]:
    """:func:`competencies` for many students at once (student id → what it returns for
    that student): their records read together in a fixed number of queries (the
    definitions come from the definitions cache), each student's rows on their own copies
    of the framework's items."""
    students = list(students)
    records = _records(students, since)
    frameworks_of = {
        s.pk: {fw for *_, fw in records[s.pk].determinations}
        | set(records[s.pk].open_here_fw.values())
        for s in students
    }
    order = _item_order(set().union(*frameworks_of.values()))
    # Framework text in the reader's language (English, marked, where not translated):
    # one translator for the batch, so each text is read once.
    tr = Translator()
    return {
        s.pk: _competencies(s, records[s.pk], order, frameworks_of[s.pk], tr, today)
        for s in students
    }


def _competencies(
    student: Student,
    record: _Record,
    order: list[Item],
    frameworks: set[int],
    tr: Translator,
    today: dt.date | None,
) -> tuple[list[CompetencyRow], list[Item]]:
    items = _items(order, frameworks)
    by_id = {i.pk: i for i in items}
    parent, precedes = _links(frameworks)
    # target → (status, level value): the determination, an active override winning (the
    # newest, as ``continuum.target_statuses`` reads them).
    standing_now: dict[int, tuple[str, float | None]] = {
        t: (st, value) for t, st, value, _ in record.determinations
    }
    for t, st, value in record.overrides:
        standing_now[t] = (st, value)
    own_view = record.own_view
    past = record.past
    scales = _scales_of(items, frameworks)
    tr.localize_all(items, TranslationKind.ITEM, *ITEM_FIELDS)
    # Each level once (the items at a level share its copy).
    tr.localize_all(
        {id(i.level): i.level for i in items if i.level_id is not None}.values(),
        TranslationKind.LEVEL,
        *LEVEL_FIELDS,
    )
    labels = _labels(scales, tr)
    statements = _texts_by_item_and_level(
        LevelStatement, frameworks, tr, TranslationKind.LEVEL_STATEMENT, "statement"
    )
    home_support = _texts_by_item_and_level(
        HomeSupport, frameworks, tr, TranslationKind.HOME_SUPPORT, "text"
    )
    exemplars: dict[int, list[Exemplar]] = defaultdict(list)
    # Exemplars go on the rows: copies, which take the reader's language.
    found_exemplars = [_copy(ex) for ex in _of_frameworks(Exemplar, frameworks, "level")]
    tr.localize_all(found_exemplars, TranslationKind.EXEMPLAR, "title")
    for ex in found_exemplars:
        exemplars[ex.item_id].append(ex)

    def label_for(target: Item, value: float | None) -> str:
        if value is None:
            return ""
        scale = scales.get(target.pk)
        return labels.get((scale.pk, value), f"{value:g}") if scale else f"{value:g}"

    def target_row(target: Item) -> TargetRow:
        status, value = standing_now.get(target.pk, ("not_assessed", None))
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
    statuses = {(student.pk, t): st for t, (st, _) in standing_now.items()}
    standing_of = continuum.standings([student], shape, today=today, statuses=statuses)[student.pk]
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
    open_here = set(record.open_here_fw)
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


def progress_points(student: Student) -> list[dict[str, Any]]:
    """Targets met over time, by when the learning was shown: each target's evidence is
    replayed through its current policy, one piece at a time, in ``assessed_at`` order
    (overrides are left out). One point per day with a change."""
    from proficio.core.mastery import policy as core
    from proficio.evidence.models import EvidenceScore

    dets = list(
        Determination.objects.filter(student=student).select_related("policy_version", "target")
    )
    scales = _target_scales(d.target for d in dets)
    scores: dict[int, list[core.Point]] = defaultdict(list)
    for e, i, score, at, kind, target_id in EvidenceScore.objects.filter(
        student=student, counts=True
    ).values_list("evidence_id", "id", "score", "assessed_at", "kind", "target_id"):
        scores[target_id].append(core.Point(f"{e}:{i}", score, at, kind))
    changes: list[tuple[dt.datetime, int, bool]] = []
    for det in dets:
        version = det.policy_version
        if version.method == "bkt":
            points = engine.points_for(student.pk, det.target_id, version.method)
        else:
            points = scores.get(det.target_id, [])
        points = sorted(points, key=lambda p: p.assessed_at)
        scale = engine.core_scale(scales.get(det.target_id))
        rule = engine.core_policy(version, scale, student)
        for k in range(1, len(points) + 1):
            result = core.evaluate(points[:k], rule, scale)
            changes.append((points[k - 1].assessed_at, det.target_id, result.status.value in MET))
    by_day: dict[str, int] = {}
    for when, count in met_over_time(changes):
        by_day[when.date().isoformat()] = count
    return [{"date": day, "met": count} for day, count in by_day.items()]


def split_by_category(rows: list[CompetencyRow]) -> tuple[list[CompetencyRow], list[CompetencyRow]]:
    """Academics, and habits of success with social-emotional skills, reported apart."""
    academic = [r for r in rows if r.competency.category == Category.ACADEMIC]
    habits = [r for r in rows if r.competency.category in (Category.HABITS, Category.SEL)]
    return academic, habits

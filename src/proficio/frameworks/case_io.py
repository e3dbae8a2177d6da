"""CASE packages in and out of the database: import (consumer) and export.

The codec in ``proficio.core.standards.case`` turns JSON into dataclasses and back; this
module maps them onto the models. Import is idempotent by identifier: re-importing
updates what changed, leaves the rest alone, and never deletes an item (an item that
left the package is archived, so evidence that refers to it keeps its link). One
package is one transaction: it lands whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proficio.audit.log import record_bulk
from proficio.audit.models import AuditAction
from proficio.bulk import insert_rows
from proficio.core.standards import case
from proficio.core.standards import case_model as cm
from proficio.core.standards.case import CASEError
from proficio.frameworks import definitions
from proficio.frameworks.models import (
    Association,
    AssociationGrouping,
    Category,
    Concept,
    DefinitionChange,
    Framework,
    Item,
    ItemKind,
    ItemType,
    License,
    PublicationStatus,
    Rubric,
    RubricCriterion,
    RubricCriterionLevel,
    Subject,
)
from proficio.orgs.models import Organization

Progress = Callable[[int, int, str], None]


@dataclass
class ImportReport:
    framework_id: int
    title: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    archived: int = 0
    warnings: list[cm.Issue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework_id": self.framework_id,
            "title": self.title,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "archived": self.archived,
            "warnings": [
                {"path": w.path, "message": w.message, "identifier": w.identifier, "kind": w.kind}
                for w in self.warnings
            ],
        }


#: What each kind of warning says, in a few words, for a summary by kind.
WARNING_KINDS: dict[str, Any] = {
    case.WarningKind.EXTENSION: _("fields outside CASE 1.1, kept in extensions"),
    case.WarningKind.DROPPED: _("fields a link cannot hold, or already in extensions, dropped"),
    case.WarningKind.TIMEZONE: _("date-times without a time zone, read as UTC"),
    case.WarningKind.DEFAULTED: _("required fields left out, read as empty"),
    case.WarningKind.LEGACY: _("CASE 1.0 forms in a CASE 1.1 package"),
    case.WarningKind.VERSION: _("an unknown caseVersion, read as 1.1"),
    case.WarningKind.VOCABULARY: _("association or target types outside CASE's vocabulary"),
    case.WarningKind.NUMERIC_STRING: _("numbers written as strings, read as numbers"),
    case.WarningKind.DUPLICATE: _("objects repeated byte for byte, kept once"),
    case.WarningKind.DANGLING: _("associations to nodes in neither the package nor Proficio"),
    case.WarningKind.RUBRIC_PARENT: _("rubricId or rubricCriterionId naming another parent"),
}


@dataclass(frozen=True)
class WarningSummary:
    kind: str
    label: str
    count: int
    example: cm.Issue


def summarize_warnings(warnings: Iterable[cm.Issue | dict[str, Any]]) -> list[WarningSummary]:
    """Warnings counted by kind, most frequent first, each with its first example. Takes
    issues or the dicts ``ImportReport.as_dict`` stores."""
    found: dict[str, list[cm.Issue]] = {}
    for warning in warnings:
        issue = (
            warning
            if isinstance(warning, cm.Issue)
            else cm.Issue(
                warning["path"],
                warning["message"],
                warning.get("identifier"),
                warning.get("kind") or "",
            )
        )
        found.setdefault(issue.kind, []).append(issue)
    return sorted(
        (
            WarningSummary(
                kind,
                str(WARNING_KINDS.get(kind, _("other warnings"))),
                len(issues),
                issues[0],
            )
            for kind, issues in found.items()
        ),
        key=lambda s: (-s.count, s.kind),
    )


def _ref(node: cm.NodeRef | None) -> dict[str, Any] | None:
    if node is None:
        return None
    out = {"identifier": node.identifier, "uri": node.uri, "title": node.title}
    if node.target_type:
        out["targetType"] = node.target_type
    return out


def _node(data: dict[str, Any] | None) -> cm.NodeRef | None:
    if not data:
        return None
    return cm.NodeRef(
        identifier=data["identifier"],
        uri=data["uri"],
        title=data.get("title", ""),
        target_type=data.get("targetType"),
    )


def _refs(nodes: Iterable[cm.NodeRef]) -> list[dict[str, Any]]:
    return [r for r in (_ref(n) for n in nodes) if r is not None]


# -- Import ----------------------------------------------------------------------------------


ITEM_FIELDS = [
    "uri",
    "last_change",
    "extensions",
    "full_statement",
    "abbreviated_statement",
    "alternative_label",
    "human_coding_scheme",
    "list_enumeration",
    "item_type_id",
    "item_type_title",
    "concept_keywords",
    "concept_keywords_uri",
    "notes",
    "subject",
    "subject_uri",
    "language",
    "education_level",
    "license_uri",
    "status_start_date",
    "status_end_date",
    "kind",
    "category",
    "archived_at",
]
ASSOCIATION_FIELDS = [
    "uri",
    "last_change",
    "extensions",
    "association_type",
    "origin_identifier",
    "origin_uri",
    "origin_title",
    "origin_target_type",
    "origin_item_id",
    "destination_identifier",
    "destination_uri",
    "destination_title",
    "destination_target_type",
    "destination_item_id",
    "sequence_number",
    "grouping_id",
    "grouping_uri",
    "notes",
]


def _kind_for(item: cm.Item, has_children: bool) -> str:
    """Proficio's reading of a CASE item: explicit item types win, else its place in the tree."""
    own = (
        item.extensions.get("proficio", {})
        if isinstance(item.extensions.get("proficio"), dict)
        else {}
    )
    if own.get("kind") in ItemKind.values:
        return str(own["kind"])
    title = (item.item_type or "").strip().lower()
    if "domain" in title or "graduate profile" in title:
        return ItemKind.DOMAIN
    if "competenc" in title:
        return ItemKind.COMPETENCY
    if any(w in title for w in ("target", "standard", "indicator", "objective", "outcome")):
        return ItemKind.TARGET
    return ItemKind.COMPETENCY if has_children else ItemKind.TARGET


def _category_for(item: cm.Item) -> str:
    own = (
        item.extensions.get("proficio", {})
        if isinstance(item.extensions.get("proficio"), dict)
        else {}
    )
    return str(own["category"]) if own.get("category") in Category.values else Category.ACADEMIC


def _definitions(
    package: cm.Package, framework: Framework, report: ImportReport
) -> dict[str, ItemType]:
    now = timezone.now()

    def upsert(
        model: type[Any], rows: Sequence[Any], fields: list[str], m2m: Any
    ) -> dict[str, Any]:
        existing = {
            str(o.identifier): o
            for o in model.objects.filter(identifier__in=[r.identifier for r in rows])
        }
        out: dict[str, Any] = {}
        for row in rows:
            values = {f: getattr(row, f) for f in fields}
            if row.last_change is not None:  # else: now, for a new one; kept, for an old one
                values["last_change"] = row.last_change
            obj = existing.get(row.identifier)
            if obj is None:
                values.setdefault("last_change", now)
                obj = model.objects.create(identifier=row.identifier, **values)
                _count(report.created, model.__name__)
            elif any(getattr(obj, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(obj, k, v)
                obj.save()
                _count(report.updated, model.__name__)
            else:
                _count(report.unchanged, model.__name__)
            out[row.identifier] = obj
        m2m.add(*out.values())
        return out

    common = ["uri", "title", "extensions"]
    types = upsert(
        ItemType,
        package.item_types,
        [*common, "description", "hierarchy_code", "type_code"],
        framework.item_types,
    )
    upsert(
        Concept,
        package.concepts,
        [*common, "keywords", "hierarchy_code", "description"],
        framework.concepts,
    )
    upsert(
        Subject, package.subjects, [*common, "hierarchy_code", "description"], framework.subjects
    )
    upsert(License, package.licenses, [*common, "license_text", "description"], framework.licenses)
    upsert(
        AssociationGrouping,
        package.association_groupings,
        [*common, "description"],
        framework.groupings,
    )
    return {str(k): v for k, v in types.items()}


def _count(counter: dict[str, int], key: str, n: int = 1) -> None:
    if n:  # the report lists what happened, not every kind that could have
        counter[key] = counter.get(key, 0) + n


@transaction.atomic
@definitions.changing()  # bulk writes: one new token before and after
def import_package(
    package: cm.Package,
    *,
    owner: Organization | None = None,
    status: str = PublicationStatus.PUBLISHED,
    progress: Progress | None = None,
) -> ImportReport:
    """Import (or re-import) a parsed CASE package. Raises CASEError on integrity problems."""
    tick = progress or (lambda done, total, stage: None)
    translated = _translation_target(package)
    if translated is not None:
        return _import_translation(package, translated)
    problems = case.package_graph_problems(package) + _too_long(package)
    if problems:
        raise CASEError(problems)
    doc = package.document
    total = 2 + len(package.items) + len(package.associations)
    framework = Framework.objects.filter(identifier=doc.identifier).first()
    values = _document_values(doc)
    report = ImportReport(framework_id=0, title=doc.title, warnings=list(package.warnings))
    if framework is None:
        framework = Framework.objects.create(
            identifier=doc.identifier, owner=owner, status=status, **values
        )
        _count(report.created, "Framework")
        _history(framework, "framework", doc.identifier, "created", None, {"title": doc.title})
    elif any(getattr(framework, k) != v for k, v in values.items()):
        before = {k: _jsonable(getattr(framework, k)) for k in values}
        for k, v in values.items():
            setattr(framework, k, v)
        framework.save()
        _count(report.updated, "Framework")
        _history(
            framework,
            "framework",
            doc.identifier,
            "updated",
            before,
            {k: _jsonable(v) for k, v in values.items()},
        )
    report.framework_id = framework.pk
    types = _definitions(package, framework, report)
    # After the definitions: the license the document names may be one of them.
    _link_license(framework, doc)
    tick(1, total, "definitions")

    items = _import_items(package, framework, types, report, tick, total)
    report.warnings += _dangling_ends(package)
    _import_associations(package, framework, items, report, tick, total)
    _import_rubrics(package, framework, items, report)
    record_bulk(
        AuditAction.UPDATE if report.updated or report.unchanged else AuditAction.CREATE,
        "frameworks.framework",
        len(package.items),
        org_path=owner.path if owner else "",
        detail={
            "framework": str(framework.identifier),
            "title": framework.title,
            "created": report.created,
            "updated": report.updated,
        },
    )
    tick(total, total, "done")
    return report


def _translation_target(package: cm.Package) -> Framework | None:
    """A package whose ``language`` is Spanish, for a framework Proficio holds in another
    language under the same identifier, is that framework's translation."""
    from proficio.frameworks.actions import TRANSLATION_LANGUAGES

    language = (package.document.language or "").split("-")[0].lower()
    if language not in TRANSLATION_LANGUAGES:
        return None
    framework = Framework.objects.filter(identifier=package.document.identifier).first()
    if framework is None or (framework.language or "en").split("-")[0].lower() == language:
        return None
    return framework


def _import_translation(package: cm.Package, framework: Framework) -> ImportReport:
    """Store each CFItem's statements as the translation of the framework's item with the
    same identifier. An item the framework does not have is refused by JSON path, and
    nothing is written."""
    from proficio.frameworks.actions import set_translation
    from proficio.frameworks.models import TranslationKind

    language = (package.document.language or "").split("-")[0].lower()
    items = {
        str(i.identifier): i
        for i in Item.objects.filter(framework=framework).only("pk", "identifier")
    }
    problems = [
        cm.Issue(
            f"$.CFItems[{k}]",
            f"no item {it.identifier} in “{framework.title}” to translate",
            it.identifier,
        )
        for k, it in enumerate(package.items)
        if str(it.identifier) not in items
    ]
    if problems:
        raise CASEError(problems)
    report = ImportReport(framework_id=framework.pk, title=framework.title)
    for it in package.items:
        item = items[str(it.identifier)]
        for field_name in ("full_statement", "abbreviated_statement"):
            text = getattr(it, field_name)
            if text:
                set_translation(TranslationKind.ITEM, item.pk, field_name, language, text)
                _count(report.updated, "Translation")
    return report


def _too_long(package: cm.Package) -> list[cm.Issue]:
    """Text longer than the column that keeps it: refused, located, before anything is
    written (a database would otherwise fail mid-import, or cut it on SQLite)."""
    out: list[cm.Issue] = []

    def check(
        where: str, ident: str, model: type[Any], pairs: Iterable[tuple[str, str, Any]]
    ) -> None:
        for field_name, case_name, value in pairs:
            limit = model._meta.get_field(field_name).max_length
            if isinstance(value, str) and limit is not None and len(value) > limit:
                out.append(
                    cm.Issue(
                        f"{where}.{case_name}",
                        f"{len(value)} characters, more than the {limit} Proficio keeps",
                        ident,
                    )
                )

    doc = package.document
    check(
        "$.CFDocument",
        doc.identifier,
        Framework,
        [
            (name, case_name, getattr(doc, name))
            for name, case_name in (
                ("uri", "uri"),
                ("creator", "creator"),
                ("title", "title"),
                ("framework_type", "frameworkType"),
                ("official_source_url", "officialSourceURL"),
                ("publisher", "publisher"),
                ("language", "language"),
                ("version", "version"),
                ("adoption_status", "adoptionStatus"),
            )
        ],
    )
    for n, item in enumerate(package.items):
        check(
            f"$.CFItems[{n}]",
            item.identifier,
            Item,
            [
                ("uri", "uri", item.uri),
                ("human_coding_scheme", "humanCodingScheme", item.human_coding_scheme),
                ("list_enumeration", "listEnumeration", item.list_enumeration),
                ("item_type_title", "CFItemType", item.item_type),
                ("language", "language", item.language),
            ],
        )
    for n, a in enumerate(package.associations):
        check(
            f"$.CFAssociations[{n}]",
            a.identifier,
            Association,
            [
                ("uri", "uri", a.uri),
                ("association_type", "associationType", a.association_type),
                *(
                    (f"{end}_{part}", f"{end}NodeURI.{case_part}", getattr(node, part))
                    for end, node in (("origin", a.origin), ("destination", a.destination))
                    for part, case_part in (
                        ("identifier", "identifier"),
                        ("uri", "uri"),
                        ("target_type", "targetType"),
                    )
                ),
            ],
        )
    kinds: list[tuple[str, type[Any], Sequence[Any]]] = [
        ("CFConcepts", Concept, package.concepts),
        ("CFSubjects", Subject, package.subjects),
        ("CFLicenses", License, package.licenses),
        ("CFItemTypes", ItemType, package.item_types),
        ("CFAssociationGroupings", AssociationGrouping, package.association_groupings),
    ]
    for key, model, rows in kinds:
        names = {f.name for f in model._meta.get_fields()}
        for n, row in enumerate(rows):
            check(
                f"$.CFDefinitions.{key}[{n}]",
                row.identifier,
                model,
                [
                    (name, case_name, getattr(row, name))
                    for name, case_name in (
                        ("uri", "uri"),
                        ("title", "title"),
                        ("hierarchy_code", "hierarchyCode"),
                        ("type_code", "typeCode"),
                    )
                    if name in names
                ],
            )
    return out[:50]


def _link_license(framework: Framework, doc: cm.Document) -> None:
    """Point the framework at the CFLicense its ``licenseURI`` names, when Proficio has it."""
    license = None
    if doc.license_uri is not None and case.is_uuid(doc.license_uri.identifier):
        license = License.objects.filter(identifier=doc.license_uri.identifier).first()
    if framework.license_id != (license.pk if license else None):
        framework.license = license
        framework.save(update_fields=["license"])


def _dangling_ends(package: cm.Package) -> list[cm.Issue]:
    """A warning for each association end that names a node in neither the package nor
    Proficio (ends typed as something other than CASE are meant to lie elsewhere)."""
    inside = {package.document.identifier, *(i.identifier for i in package.items)}
    ends: list[tuple[int, str, cm.NodeRef]] = []
    for n, association in enumerate(package.associations):
        for side, node in (
            ("originNodeURI", association.origin),
            ("destinationNodeURI", association.destination),
        ):
            if node.identifier not in inside and node.target_type in (None, "CASE"):
                ends.append((n, side, node))
    wanted = sorted({node.identifier for _n, _side, node in ends if case.is_uuid(node.identifier)})
    known: set[str] = set()
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        for model in (Item, Framework):
            known |= {
                str(i)
                for i in model.objects.filter(identifier__in=chunk).values_list(
                    "identifier", flat=True
                )
            }
    return [
        cm.Issue(
            f"$.CFAssociations[{n}].{side}",
            f"{node.identifier} is in neither the package nor Proficio",
            package.associations[n].identifier,
            case.WarningKind.DANGLING,
        )
        for n, side, node in ends
        if node.identifier not in known
    ]


def _document_values(doc: cm.Document) -> dict[str, Any]:
    return {
        "uri": doc.uri,
        "last_change": doc.last_change,
        "extensions": doc.extensions,
        "creator": doc.creator,
        "title": doc.title,
        "framework_type": doc.framework_type,
        "case_version": doc.case_version,
        "official_source_url": doc.official_source_url,
        "publisher": doc.publisher,
        "description": doc.description,
        "subject": list(doc.subject),
        "subject_uri": _refs(doc.subject_uri),
        "language": doc.language,
        "version": doc.version,
        "adoption_status": doc.adoption_status,
        "status_start_date": doc.status_start_date,
        "status_end_date": doc.status_end_date,
        "license_uri": _ref(doc.license_uri),
        "notes": doc.notes,
    }


def _item_values(row: cm.Item, types: dict[str, ItemType], has_children: bool) -> dict[str, Any]:
    type_obj = types.get(row.item_type_uri.identifier) if row.item_type_uri else None
    return {
        "uri": row.uri,
        "last_change": row.last_change,
        "extensions": row.extensions,
        "full_statement": row.full_statement,
        "abbreviated_statement": row.abbreviated_statement,
        "alternative_label": row.alternative_label,
        "human_coding_scheme": row.human_coding_scheme,
        "list_enumeration": row.list_enumeration,
        "item_type_id": type_obj.pk if type_obj else None,
        "item_type_title": row.item_type,
        "concept_keywords": list(row.concept_keywords),
        "concept_keywords_uri": _ref(row.concept_keywords_uri),
        "notes": row.notes,
        "subject": list(row.subject),
        "subject_uri": _refs(row.subject_uri),
        "language": row.language,
        "education_level": list(row.education_level),
        "license_uri": _ref(row.license_uri),
        "status_start_date": row.status_start_date,
        "status_end_date": row.status_end_date,
        "kind": _kind_for(row, has_children),
        "category": _category_for(row),
        "archived_at": None,
    }


def _import_items(
    package: cm.Package,
    framework: Framework,
    types: dict[str, ItemType],
    report: ImportReport,
    tick: Progress,
    total: int,
) -> dict[str, int]:
    """Create, update or archive the framework's items; returns identifier → pk."""
    parents = {
        a.destination.identifier for a in package.associations if a.association_type == "isChildOf"
    }
    existing = {
        str(row["identifier"]): row
        for row in Item.objects.filter(framework=framework).values("id", "identifier", *ITEM_FIELDS)
    }
    incoming = {r.identifier for r in package.items}
    to_create: list[dict[str, Any]] = []
    to_update: list[Item] = []
    history: list[DefinitionChange] = []
    now = timezone.now()
    for n, row in enumerate(package.items):
        values = _item_values(row, types, row.identifier in parents)
        old = existing.get(row.identifier)
        if old is None:
            to_create.append(
                {"identifier": uuid.UUID(row.identifier), "framework_id": framework.pk, **values}
            )
            history.append(
                _change(
                    framework,
                    "item",
                    row.identifier,
                    "created",
                    None,
                    {"statement": row.full_statement},
                )
            )
        else:
            changed = {k: v for k, v in values.items() if old[k] != v}
            if changed:
                to_update.append(
                    Item(id=old["id"], **{**{k: old[k] for k in ITEM_FIELDS}, **changed})
                )
                history.append(
                    _change(
                        framework,
                        "item",
                        row.identifier,
                        "updated",
                        {k: _jsonable(old[k]) for k in changed},
                        {k: _jsonable(v) for k, v in changed.items()},
                    )
                )
            else:
                _count(report.unchanged, "Item")
        if n % 2000 == 0:
            tick(1 + n, total, "items")
    _insert_new(Item, to_create, framework, "CFItems", [r.identifier for r in package.items])
    Item.objects.bulk_update(to_update, ITEM_FIELDS, batch_size=500)
    _count(report.created, "Item", len(to_create))
    _count(report.updated, "Item", len(to_update))
    # Items that left the package are archived, never deleted.
    gone = [
        row["id"]
        for ident, row in existing.items()
        if ident not in incoming and row["archived_at"] is None
    ]
    for ident, row in existing.items():
        if row["id"] in set(gone):
            history.append(_change(framework, "item", ident, "archived", None, None))
    report.archived = Item.objects.filter(pk__in=gone).update(archived_at=now) if gone else 0
    DefinitionChange.objects.bulk_create(history, batch_size=2000)
    return {
        str(i): pk
        for i, pk in Item.objects.filter(framework=framework).values_list("identifier", "id")
    }


def _insert_new(
    model: type[Any], rows: list[dict[str, Any]], framework: Framework, key: str, order: list[str]
) -> None:
    """Insert new rows. CASE identity is global, so an identifier another framework already
    holds is refused; the unique index finds it, and only then do we look for which."""
    try:
        with transaction.atomic():  # a savepoint: the import can still report and roll back
            insert_rows(model, rows)
    except IntegrityError:
        _refuse_foreign(model, {str(r["identifier"]) for r in rows}, framework, key, order)
        raise CASEError(
            [cm.Issue(f"$.{key}", "an identifier is repeated in the package")]
        ) from None


def _refuse_foreign(
    model: type[Any], new_ids: set[str], framework: Framework, key: str, order: list[str]
) -> None:
    """Raise if any of ``new_ids`` belongs to another framework, naming each place."""
    taken: set[str] = set()
    ids = sorted(new_ids)
    for start in range(0, len(ids), 5000):
        taken |= {
            str(i)
            for i in model.objects.filter(identifier__in=ids[start : start + 5000])
            .exclude(framework=framework)
            .values_list("identifier", flat=True)
        }
    if taken:
        raise CASEError(
            [
                cm.Issue(f"$.{key}[{n}]", f"{ident} already belongs to another framework", ident)
                for n, ident in enumerate(order)
                if ident in taken
            ][:50]
        )


def _import_associations(
    package: cm.Package,
    framework: Framework,
    items: dict[str, int],
    report: ImportReport,
    tick: Progress,
    total: int,
) -> None:
    groupings = {str(g.identifier): g.pk for g in framework.groupings.all()}
    existing = {
        str(row["identifier"]): row
        for row in Association.objects.filter(framework=framework).values(
            "id", "identifier", *ASSOCIATION_FIELDS
        )
    }
    incoming = [r.identifier for r in package.associations]
    to_create: list[dict[str, Any]] = []
    to_update: list[Association] = []
    base = 1 + len(package.items)
    for n, row in enumerate(package.associations):
        values = {
            "uri": row.uri,
            "last_change": row.last_change,
            "extensions": row.extensions,
            "association_type": row.association_type,
            "origin_identifier": row.origin.identifier,
            "origin_uri": row.origin.uri,
            "origin_title": row.origin.title,
            "origin_target_type": row.origin.target_type,
            "origin_item_id": items.get(row.origin.identifier),
            "destination_identifier": row.destination.identifier,
            "destination_uri": row.destination.uri,
            "destination_title": row.destination.title,
            "destination_target_type": row.destination.target_type,
            "destination_item_id": items.get(row.destination.identifier),
            "sequence_number": row.sequence_number,
            "grouping_id": groupings.get(row.grouping_uri.identifier) if row.grouping_uri else None,
            "grouping_uri": _ref(row.grouping_uri),
            "notes": row.notes,
        }
        old = existing.get(row.identifier)
        if old is None:
            to_create.append(
                {"identifier": uuid.UUID(row.identifier), "framework_id": framework.pk, **values}
            )
        elif any(old[k] != v for k, v in values.items()):
            to_update.append(Association(id=old["id"], framework=framework, **values))
        else:
            _count(report.unchanged, "Association")
        if n % 5000 == 0:
            tick(base + n, total, "associations")
    _insert_new(Association, to_create, framework, "CFAssociations", incoming)
    Association.objects.bulk_update(to_update, ASSOCIATION_FIELDS, batch_size=500)
    _count(report.created, "Association", len(to_create))
    _count(report.updated, "Association", len(to_update))
    # Associations that left the package are removed: they are not definitions evidence
    # refers to, and the history keeps them.
    keep = set(incoming)
    stale = [row for ident, row in existing.items() if ident not in keep]
    DefinitionChange.objects.bulk_create(
        [
            _change(
                framework,
                "association",
                str(row["identifier"]),
                "removed",
                {
                    "type": row["association_type"],
                    "origin": row["origin_identifier"],
                    "destination": row["destination_identifier"],
                    "sequence": row["sequence_number"],
                },
                None,
            )
            for row in stale
        ]
    )
    if stale:
        Association.objects.filter(pk__in=[row["id"] for row in stale]).delete()


def _import_rubrics(
    package: cm.Package, framework: Framework, items: dict[str, int], report: ImportReport
) -> None:
    """Create or update the rubrics, their criteria and levels. A rubric is "unchanged"
    when neither it nor any of its criteria and levels changed; an identifier that belongs
    to another framework's rubric is refused, as for items."""
    rubric_ids = [r.identifier for r in package.rubrics]
    criterion_ids = [c.identifier for r in package.rubrics for c in r.criteria]
    level_ids = [v.identifier for r in package.rubrics for c in r.criteria for v in c.levels]
    rubrics = {str(o.identifier): o for o in Rubric.objects.filter(identifier__in=rubric_ids)}
    criteria = {
        str(o.identifier): o
        for o in RubricCriterion.objects.filter(identifier__in=criterion_ids).select_related(
            "rubric"
        )
    }
    levels = {
        str(o.identifier): o
        for o in RubricCriterionLevel.objects.filter(identifier__in=level_ids).select_related(
            "criterion__rubric"
        )
    }
    foreign = [
        cm.Issue(where, f"{ident} already belongs to another framework", ident)
        for where, ident, owner in (
            *(
                (f"$.CFRubrics[{n}]", r.identifier, rubrics.get(r.identifier))
                for n, r in enumerate(package.rubrics)
            ),
            *(
                (
                    f"$.CFRubrics[{n}].CFRubricCriteria[{m}]",
                    c.identifier,
                    criteria[c.identifier].rubric if c.identifier in criteria else None,
                )
                for n, r in enumerate(package.rubrics)
                for m, c in enumerate(r.criteria)
            ),
            *(
                (
                    f"$.CFRubrics[{n}].CFRubricCriteria[{m}].CFRubricCriterionLevels[{k}]",
                    v.identifier,
                    levels[v.identifier].criterion.rubric if v.identifier in levels else None,
                )
                for n, r in enumerate(package.rubrics)
                for m, c in enumerate(r.criteria)
                for k, v in enumerate(c.levels)
            ),
        )
        if owner is not None and owner.framework_id != framework.pk
    ]
    if foreign:
        raise CASEError(foreign[:50])

    for n, row in enumerate(package.rubrics):
        created = row.identifier not in rubrics
        changed = False
        rubric, touched = _upsert(
            Rubric,
            rubrics,
            row.identifier,
            {
                "framework": framework,
                "uri": row.uri,
                "last_change": row.last_change,
                "title": row.title,
                "description": row.description,
                "extensions": row.extensions,
            },
        )
        changed |= touched
        for m, crit in enumerate(row.criteria):
            where = f"$.CFRubrics[{n}].CFRubricCriteria[{m}]"
            if crit.rubric_id is not None and crit.rubric_id != row.identifier:
                report.warnings.append(
                    cm.Issue(
                        f"{where}.rubricId",
                        f"names {crit.rubric_id}, not the rubric it is in; kept as written",
                        crit.identifier,
                        case.WarningKind.RUBRIC_PARENT,
                    )
                )
            criterion, touched = _upsert(
                RubricCriterion,
                criteria,
                crit.identifier,
                {
                    "rubric": rubric,
                    "uri": crit.uri,
                    "last_change": crit.last_change,
                    "category": crit.category,
                    "description": crit.description,
                    "item_id": items.get(crit.item_uri.identifier) if crit.item_uri else None,
                    "item_uri": _ref(crit.item_uri),
                    "weight": crit.weight,
                    "position": crit.position,
                    "case_rubric_id": _uuid_or_none(crit.rubric_id),
                    "extensions": crit.extensions,
                },
            )
            changed |= touched
            for k, lvl in enumerate(crit.levels):
                if lvl.rubric_criterion_id is not None and lvl.rubric_criterion_id != (
                    crit.identifier
                ):
                    report.warnings.append(
                        cm.Issue(
                            f"{where}.CFRubricCriterionLevels[{k}].rubricCriterionId",
                            f"names {lvl.rubric_criterion_id}, not the criterion it is in; "
                            "kept as written",
                            lvl.identifier,
                            case.WarningKind.RUBRIC_PARENT,
                        )
                    )
                _level, touched = _upsert(
                    RubricCriterionLevel,
                    levels,
                    lvl.identifier,
                    {
                        "criterion": criterion,
                        "uri": lvl.uri,
                        "last_change": lvl.last_change,
                        "description": lvl.description,
                        "quality": lvl.quality,
                        "score": lvl.score,
                        "feedback": lvl.feedback,
                        "position": lvl.position,
                        "case_criterion_id": _uuid_or_none(lvl.rubric_criterion_id),
                        "extensions": lvl.extensions,
                    },
                )
                changed |= touched
        if created:
            _count(report.created, "Rubric")
        elif changed:
            _count(report.updated, "Rubric")
        else:
            _count(report.unchanged, "Rubric")


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def _upsert(
    model: type[Any], existing: dict[str, Any], identifier: str, values: dict[str, Any]
) -> tuple[Any, bool]:
    """Create the object, or update it if any value differs; returns it and whether it was
    written. Foreign keys are compared by id, so an unchanged row costs no query."""
    obj = existing.get(identifier)
    if obj is None:
        return model.objects.create(identifier=identifier, **values), True

    def current(name: str) -> Any:
        value = values[name]
        if isinstance(value, Model):
            return getattr(obj, f"{name}_id") == value.pk
        return getattr(obj, name) == value

    if all(current(name) for name in values):
        return obj, False
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()
    return obj, True


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _change(
    framework: Framework, object_type: str, identifier: str, change: str, before: Any, after: Any
) -> DefinitionChange:
    from proficio.audit.context import current_actor

    return DefinitionChange(
        actor_name=current_actor().name,
        framework=framework,
        object_type=object_type,
        identifier=identifier,
        change=change,
        before=before,
        after=after,
    )


def _history(
    framework: Framework, object_type: str, identifier: str, change: str, before: Any, after: Any
) -> None:
    _change(framework, object_type, identifier, change, before, after).save()


# -- Export ----------------------------------------------------------------------------------


def export_document(framework: Framework) -> cm.Document:
    return cm.Document(
        identifier=str(framework.identifier),
        uri=framework.uri,
        creator=framework.creator,
        title=framework.title,
        last_change=framework.last_change,
        framework_type=framework.framework_type,
        case_version="1.1",
        official_source_url=framework.official_source_url,
        publisher=framework.publisher,
        description=framework.description,
        subject=list(framework.subject),
        subject_uri=[n for n in (_node(r) for r in framework.subject_uri) if n],
        language=framework.language,
        version=framework.version,
        adoption_status=framework.adoption_status,
        status_start_date=framework.status_start_date,
        status_end_date=framework.status_end_date,
        license_uri=_node(framework.license_uri),
        notes=framework.notes,
        extensions=framework.extensions,
    )


def export_item(i: Item, item_types: dict[int, ItemType] | None = None) -> cm.Item:
    if item_types is None:
        item_type = i.item_type
    else:
        item_type = item_types.get(i.item_type_id) if i.item_type_id is not None else None
    return cm.Item(
        identifier=str(i.identifier),
        uri=i.uri,
        full_statement=i.full_statement,
        last_change=i.last_change,
        alternative_label=i.alternative_label,
        item_type=i.item_type_title,
        item_type_uri=(
            cm.NodeRef(str(item_type.identifier), item_type.uri, item_type.title)
            if item_type
            else None
        ),
        human_coding_scheme=i.human_coding_scheme,
        list_enumeration=i.list_enumeration,
        abbreviated_statement=i.abbreviated_statement,
        concept_keywords=list(i.concept_keywords),
        concept_keywords_uri=_node(i.concept_keywords_uri),
        notes=i.notes,
        subject=list(i.subject),
        subject_uri=[n for n in (_node(r) for r in i.subject_uri) if n],
        language=i.language,
        education_level=list(i.education_level),
        license_uri=_node(i.license_uri),
        status_start_date=i.status_start_date,
        status_end_date=i.status_end_date,
        extensions=i.extensions,
    )


def export_association(a: Association) -> cm.Association:
    return cm.Association(
        identifier=str(a.identifier),
        uri=a.uri,
        association_type=a.association_type,
        origin=cm.NodeRef(a.origin_identifier, a.origin_uri, a.origin_title, a.origin_target_type),
        destination=cm.NodeRef(
            a.destination_identifier,
            a.destination_uri,
            a.destination_title,
            a.destination_target_type,
        ),
        last_change=a.last_change,
        sequence_number=a.sequence_number,
        grouping_uri=_node(a.grouping_uri),
        notes=a.notes,
        extensions=a.extensions,
    )


def export_rubric(r: Rubric) -> cm.Rubric:
    return cm.Rubric(
        identifier=str(r.identifier),
        uri=r.uri,
        last_change=r.last_change,
        title=r.title,
        description=r.description,
        extensions=r.extensions,
        criteria=[
            cm.RubricCriterion(
                identifier=str(c.identifier),
                uri=c.uri,
                last_change=c.last_change,
                category=c.category,
                description=c.description,
                item_uri=_node(c.item_uri),
                weight=c.weight,
                position=c.position,
                rubric_id=None if c.case_rubric_id is None else str(c.case_rubric_id),
                extensions=c.extensions,
                levels=[
                    cm.RubricCriterionLevel(
                        identifier=str(lv.identifier),
                        uri=lv.uri,
                        last_change=lv.last_change,
                        description=lv.description,
                        quality=lv.quality,
                        score=lv.score,
                        feedback=lv.feedback,
                        position=lv.position,
                        rubric_criterion_id=(
                            None if lv.case_criterion_id is None else str(lv.case_criterion_id)
                        ),
                        extensions=lv.extensions,
                    )
                    for lv in c.levels.all()
                ],
            )
            for c in r.criteria.prefetch_related("levels")
        ],
    )


Definition = cm.ItemType | cm.Concept | cm.Subject | cm.License | cm.AssociationGrouping


def export_definition(
    obj: ItemType | Concept | Subject | License | AssociationGrouping,
) -> Definition:
    ident, common = str(obj.identifier), (obj.uri, obj.title)
    if isinstance(obj, ItemType):
        return cm.ItemType(
            ident,
            *common,
            obj.description,
            obj.hierarchy_code,
            obj.type_code,
            obj.last_change,
            obj.extensions,
        )
    if isinstance(obj, Concept):
        return cm.Concept(
            ident,
            *common,
            obj.keywords,
            obj.hierarchy_code,
            obj.description,
            obj.last_change,
            obj.extensions,
        )
    if isinstance(obj, Subject):
        return cm.Subject(
            ident, *common, obj.hierarchy_code, obj.description, obj.last_change, obj.extensions
        )
    if isinstance(obj, License):
        return cm.License(
            ident, *common, obj.license_text, obj.description, obj.last_change, obj.extensions
        )
    return cm.AssociationGrouping(ident, *common, obj.description, obj.last_change, obj.extensions)


def export_package(framework: Framework) -> cm.Package:
    """The framework as a CASE package (the codec's ``build_package`` writes the JSON)."""
    item_types = {t.pk: t for t in framework.item_types.all()}

    def defs(qs: Any) -> list[Any]:
        return [export_definition(o) for o in qs.order_by("id")]

    return cm.Package(
        document=export_document(framework),
        items=[
            export_item(i, item_types)
            for i in framework.items.filter(archived_at__isnull=True).order_by("id")
        ],
        associations=[export_association(a) for a in framework.associations.order_by("id")],
        item_types=defs(framework.item_types),
        concepts=defs(framework.concepts),
        subjects=defs(framework.subjects),
        licenses=defs(framework.licenses),
        association_groupings=defs(framework.groupings),
        rubrics=[export_rubric(r) for r in framework.rubrics.order_by("id")],
    )

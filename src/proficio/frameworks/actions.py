"""The only code that writes frameworks: authoring, integrity, publication, seeding.

Every change is recorded in the definition history (``DefinitionChange``: who, when,
before and after); creating and publishing a framework also enter the audit trail.
Nothing that something refers to is ever deleted: ``retire_item`` archives it
(optionally pointing at its replacement) when anything protects it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio import policy
from proficio.accounts.roles import Role
from proficio.audit.context import current_actor
from proficio.audit.log import record_bulk
from proficio.audit.models import AuditAction
from proficio.core.progression.graph import find_cycle, forest_problems
from proficio.frameworks.models import (
    Association,
    AssociationType,
    Category,
    DefinitionChange,
    Exemplar,
    Framework,
    ImportJob,
    Item,
    ItemKind,
    JobStatus,
    LevelStatement,
    License,
    PerformanceLevel,
    ProficiencyScale,
    PublicationStatus,
    Rubric,
    RubricCriterion,
    RubricCriterionLevel,
    ScaleLevel,
)
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM

BASE_URI = "urn:proficio:case"


def uri_for(kind: str, identifier: uuid.UUID | str) -> str:
    """A stable URI (a URN) for objects we author: CASE requires one; the provider API
    serves the objects by their identifier."""
    return f"{BASE_URI}:{kind}:{identifier}"


def _history(
    framework: Framework,
    object_type: str,
    identifier: Any,
    change: str,
    before: Any = None,
    after: Any = None,
) -> None:
    DefinitionChange.objects.create(
        actor_name=current_actor().name,
        framework=framework,
        object_type=object_type,
        identifier=str(identifier),
        change=change,
        before=before,
        after=after,
    )


def _audit(framework: Framework, what: str, **detail: Any) -> None:
    record_bulk(
        AuditAction.UPDATE,
        f"frameworks.{what}",
        1,
        org_path=framework.owner.path if framework.owner else "",
        detail={"framework": str(framework.identifier), **detail},
    )


# -- Frameworks, levels, scales ------------------------------------------------------------


@transaction.atomic
def create_framework(
    *,
    title: str,
    creator: str,
    owner: Organization | None,
    identifier: uuid.UUID | None = None,
    version: str = "1.0",
    language: str = "en",
    subject: list[str] | None = None,
    description: str | None = None,
    adoption_status: str = "Draft",
    license: License | None = None,
) -> Framework:
    if not title.strip():
        raise ValidationError({"title": "A framework needs a title."})
    identifier = identifier or uuid.uuid4()
    framework = Framework.objects.create(
        identifier=identifier,
        uri=uri_for("CFDocuments", identifier),
        last_change=timezone.now(),
        title=title,
        creator=creator,
        owner=owner,
        version=version,
        language=language,
        subject=subject or [],
        description=description,
        adoption_status=adoption_status,
        license=license,
        license_uri=(
            {"identifier": str(license.identifier), "uri": license.uri, "title": license.title}
            if license
            else None
        ),
        case_version="1.1",
    )
    if license is not None:
        framework.licenses.add(license)
    _history(framework, "framework", identifier, "created", None, {"title": title})
    _audit(framework, "framework", change="created")
    return framework


@transaction.atomic
def set_performance_levels(
    framework: Framework, levels: list[dict[str, str]]
) -> list[PerformanceLevel]:
    """Define the continuum's levels (or multi-year bands), in order. Existing ones are kept."""
    codes = [lv["code"] for lv in levels]
    if len(set(codes)) != len(codes):
        raise ValidationError({"levels": "Level codes must be different from each other."})
    out = []
    for position, lv in enumerate(levels, start=1):
        obj, _ = PerformanceLevel.objects.update_or_create(
            framework=framework,
            code=lv["code"],
            defaults={"position": position + 1000},  # avoid clashes while reordering
        )
        out.append(obj)
    for position, (obj, lv) in enumerate(zip(out, levels, strict=True), start=1):
        obj.position = position
        obj.label = lv.get("label", obj.code)
        obj.description = lv.get("description", "")
        obj.save()
    _history(framework, "continuum", framework.identifier, "updated", None, {"levels": codes})
    return out


@transaction.atomic
def create_scale(*, title: str, levels: list[dict[str, Any]]) -> ProficiencyScale:
    if not levels:
        raise ValidationError({"levels": "A scale needs at least one level."})
    values = [float(lv["value"]) for lv in levels]
    if values != sorted(values) or len(set(values)) != len(values):
        raise ValidationError(
            {"levels": "Level values must rise strictly from the first level to the last."}
        )
    if not any(lv.get("meets_mastery") for lv in levels):
        raise ValidationError({"levels": "At least one level must meet mastery."})
    flags = [bool(lv.get("meets_mastery")) for lv in levels]
    if flags != sorted(flags):
        raise ValidationError(
            {"levels": "Once a level meets mastery, every higher level must too."}
        )
    scale = ProficiencyScale.objects.create(title=title)
    for position, lv in enumerate(levels, start=1):
        ScaleLevel.objects.create(
            scale=scale,
            position=position,
            value=float(lv["value"]),
            label=lv["label"],
            description=lv.get("description", ""),
            meets_mastery=bool(lv.get("meets_mastery")),
            color=lv.get("color", "#e6e9ee"),
            text_color=lv.get("text_color", "#1b1f24"),
            icon=lv.get("icon", "circle-empty"),
        )
    return scale


@transaction.atomic
def set_framework_scale(framework: Framework, scale: ProficiencyScale) -> None:
    framework.scale = scale
    framework.save(update_fields=["scale"])
    _history(framework, "framework", framework.identifier, "updated", None, {"scale": scale.title})


@transaction.atomic
def set_competency_scale(item: Item, scale: ProficiencyScale | None) -> None:
    if item.kind != ItemKind.COMPETENCY:
        raise ValidationError({"scale": "Only a competency can override the framework's scale."})
    item.scale = scale
    item.save(update_fields=["scale"])
    _history(
        item.framework,
        "item",
        item.identifier,
        "updated",
        None,
        {"scale": scale.title if scale else None},
    )


@transaction.atomic
def publish_framework(framework: Framework) -> None:
    problems = integrity_problems(framework)
    if problems:
        raise ValidationError({"framework": problems})
    framework.status = PublicationStatus.PUBLISHED
    framework.adoption_status = framework.adoption_status or "Adopted"
    framework.last_change = timezone.now()
    framework.save()
    _history(framework, "framework", framework.identifier, "published")
    _audit(framework, "framework", change="published")


# -- Items and associations ----------------------------------------------------------------


@transaction.atomic
def add_item(
    framework: Framework,
    *,
    full_statement: str,
    kind: str,
    parent: Item | None = None,
    code: str | None = None,
    abbreviated: str | None = None,
    category: str = Category.ACADEMIC,
    level: PerformanceLevel | None = None,
    identifier: uuid.UUID | None = None,
    item_type: str | None = None,
    language: str | None = None,
    sequence_number: int | None = None,
) -> Item:
    errors: dict[str, str] = {}
    if not full_statement.strip():
        errors["full_statement"] = "A statement is required."
    if kind not in ItemKind.values:
        errors["kind"] = f"Choose one of: {', '.join(ItemKind.values)}."
    if category not in Category.values:
        errors["category"] = f"Choose one of: {', '.join(Category.values)}."
    if level is not None and level.framework_id != framework.pk:
        errors["level"] = "That level belongs to another framework."
    if parent is not None and parent.framework_id != framework.pk:
        errors["parent"] = "The parent belongs to another framework."
    if code and Item.objects.filter(framework=framework, human_coding_scheme=code).exists():
        errors["code"] = f"The code {code!r} is already used in this framework."
    if errors:
        raise ValidationError(errors)
    identifier = identifier or uuid.uuid4()
    now = timezone.now()
    item = Item.objects.create(
        identifier=identifier,
        uri=uri_for("CFItems", identifier),
        last_change=now,
        framework=framework,
        full_statement=full_statement,
        abbreviated_statement=abbreviated,
        human_coding_scheme=code,
        kind=kind,
        category=category,
        level=level,
        item_type_title=item_type or str(ItemKind(kind).label),
        language=language or framework.language,
        extensions={
            "proficio": {"kind": kind, "category": category, "level": level.code if level else None}
        },
    )
    if parent is None:
        _associate(framework, AssociationType.IS_CHILD_OF, item, None, sequence_number)
    else:
        _associate(framework, AssociationType.IS_CHILD_OF, item, parent, sequence_number)
    _history(
        framework, "item", identifier, "created", None, {"statement": full_statement, "code": code}
    )
    return item


@transaction.atomic
def update_item(item: Item, **changes: Any) -> Item:
    allowed = {
        "full_statement",
        "abbreviated_statement",
        "human_coding_scheme",
        "category",
        "level",
        "notes",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: "This field cannot be edited here." for f in unknown})
    if "full_statement" in changes and not str(changes["full_statement"]).strip():
        raise ValidationError({"full_statement": "A statement is required."})
    if "category" in changes and changes["category"] not in Category.values:
        raise ValidationError({"category": f"Choose one of: {', '.join(Category.values)}."})
    level = changes.get("level")
    if level is not None and level.framework_id != item.framework_id:
        raise ValidationError({"level": "That level belongs to another framework."})
    before = {k: _plain(getattr(item, k)) for k in changes}
    for k, v in changes.items():
        setattr(item, k, v)
    proficio = dict(item.extensions.get("proficio", {}))
    proficio.update(
        {
            "category": item.category,
            "level": item.level.code if item.level else None,
            "kind": item.kind,
        }
    )
    item.extensions = {**item.extensions, "proficio": proficio}
    item.last_change = timezone.now()
    item.save()
    _history(
        item.framework,
        "item",
        item.identifier,
        "updated",
        before,
        {k: _plain(v) for k, v in changes.items()},
    )
    return item


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    return value


def _associate(
    framework: Framework,
    association_type: str,
    origin: Item,
    destination: Item | None,
    sequence_number: int | None = None,
) -> Association:
    identifier = uuid.uuid4()
    dest: tuple[str, str, str, Item | None]
    if destination is None:  # a top-level item is a child of the document itself
        dest = (str(framework.identifier), framework.uri, framework.title, None)
    else:
        dest = (
            str(destination.identifier),
            destination.uri,
            destination.human_coding_scheme or destination.short,
            destination,
        )
    return Association.objects.create(
        identifier=identifier,
        uri=uri_for("CFAssociations", identifier),
        last_change=timezone.now(),
        framework=framework,
        association_type=association_type,
        origin_identifier=str(origin.identifier),
        origin_uri=origin.uri,
        origin_title=origin.human_coding_scheme or origin.short,
        origin_item=origin,
        destination_identifier=dest[0],
        destination_uri=dest[1],
        destination_title=dest[2],
        destination_item=dest[3],
        sequence_number=sequence_number,
    )


@transaction.atomic
def add_association(
    framework: Framework, association_type: str, origin: Item, destination: Item
) -> Association:
    """Link two items; ``precedes`` must stay a DAG and ``isChildOf`` a forest."""
    if association_type not in AssociationType.values:
        raise ValidationError(
            {"association_type": f"Unknown association type {association_type!r}."}
        )
    if origin.pk == destination.pk:
        raise ValidationError({"destination": "An item cannot be associated with itself."})
    if association_type in (AssociationType.PRECEDES, AssociationType.IS_CHILD_OF):
        existing = Association.objects.filter(
            framework=framework,
            association_type=association_type,
            origin_item__isnull=False,
            destination_item__isnull=False,
        ).values_list(
            "origin_item__human_coding_scheme",
            "origin_item_id",
            "destination_item__human_coding_scheme",
            "destination_item_id",
        )
        label = {oid: oc or str(oid) for oc, oid, _, _ in existing} | {
            did: dc or str(did) for _, _, dc, did in existing
        }
        label[origin.pk] = origin.human_coding_scheme or str(origin.pk)
        label[destination.pk] = destination.human_coding_scheme or str(destination.pk)
        edges = [(o, d) for _, o, _, d in existing]
        if association_type == AssociationType.PRECEDES:
            cycle = find_cycle([*edges, (origin.pk, destination.pk)])
            if cycle is not None:
                raise ValidationError(
                    {
                        "destination": "This would make a prerequisite cycle: "
                        + " → ".join(label[n] for n in cycle)
                    }
                )
        else:
            child_of = [(label[o], label[d]) for o, d in edges] + [
                (label[origin.pk], label[destination.pk])
            ]
            problems = forest_problems(child_of)
            if problems:
                raise ValidationError({"destination": problems[0]})
    association = _associate(framework, association_type, origin, destination)
    _history(
        framework,
        "association",
        association.identifier,
        "created",
        None,
        {
            "type": association_type,
            "origin": str(origin.identifier),
            "destination": str(destination.identifier),
        },
    )
    return association


@transaction.atomic
def remove_association(association: Association) -> None:
    framework = association.framework
    _history(
        framework,
        "association",
        association.identifier,
        "removed",
        {
            "type": association.association_type,
            "origin": association.origin_identifier,
            "destination": association.destination_identifier,
        },
        None,
    )
    association.delete()


def references_to(item: Item) -> list[str]:
    """What protects ``item`` from deletion: any row elsewhere that points at it."""
    found: list[str] = []
    for rel in item._meta.related_objects:
        if rel.on_delete is not models.PROTECT:
            continue
        if rel.related_model is Association:
            continue  # the item's own links; they go with it
        model: Any = rel.related_model
        if model._default_manager.filter(**{rel.field.name: item}).exists():
            found.append(str(model._meta.verbose_name_plural))
    return found


@transaction.atomic
def retire_item(item: Item, *, replaced_by: Item | None = None) -> str:
    """Delete an unreferenced draft item; otherwise archive it (and point at its replacement).

    Returns "deleted" or "archived".
    """
    framework = item.framework
    refs = references_to(item)
    if replaced_by is not None and replaced_by.pk == item.pk:
        raise ValidationError({"replaced_by": "An item cannot replace itself."})
    if refs or framework.status != PublicationStatus.DRAFT or replaced_by is not None:
        item.archived_at = timezone.now()
        item.replaced_by = replaced_by
        item.save(update_fields=["archived_at", "replaced_by"])
        if replaced_by is not None:
            _associate(framework, AssociationType.REPLACED_BY, item, replaced_by)
        _history(
            framework,
            "item",
            item.identifier,
            "archived",
            None,
            {
                "referenced_by": refs,
                "replaced_by": str(replaced_by.identifier) if replaced_by else None,
            },
        )
        return "archived"
    _history(
        framework,
        "item",
        item.identifier,
        "deleted",
        {"statement": item.full_statement, "code": item.human_coding_scheme},
        None,
    )
    Association.objects.filter(
        models.Q(origin_item=item) | models.Q(destination_item=item)
    ).delete()
    item.delete()
    return "deleted"


def integrity_problems(framework: Framework) -> list[str]:
    links = Association.objects.filter(
        framework=framework, origin_item__isnull=False, destination_item__isnull=False
    )
    precedes = list(
        links.filter(association_type=AssociationType.PRECEDES).values_list(
            "origin_item_id", "destination_item_id"
        )
    )
    child_of = list(
        links.filter(association_type=AssociationType.IS_CHILD_OF).values_list(
            "origin_item_id", "destination_item_id"
        )
    )
    problems = []
    cycle = find_cycle(precedes)
    if cycle:
        problems.append("precedes cycle: " + " → ".join(map(str, cycle)))
    problems += forest_problems(child_of)
    return problems


# -- The continuum: level statements and exemplars -----------------------------------------


@transaction.atomic
def set_level_statement(item: Item, level: PerformanceLevel, statement: str) -> LevelStatement:
    if item.kind != ItemKind.COMPETENCY:
        raise ValidationError({"item": "Level statements describe a competency."})
    if level.framework_id != item.framework_id:
        raise ValidationError({"level": "That level belongs to another framework."})
    if not statement.strip():
        raise ValidationError({"statement": "Write what proficiency looks like at this level."})
    obj, created = LevelStatement.objects.update_or_create(
        item=item, level=level, defaults={"statement": statement}
    )
    _history(
        item.framework,
        "level_statement",
        item.identifier,
        "created" if created else "updated",
        None,
        {"level": level.code, "statement": statement},
    )
    return obj


@transaction.atomic
def add_exemplar(
    item: Item,
    *,
    title: str,
    level: PerformanceLevel | None = None,
    description: str = "",
    url: str = "",
    file: Any = None,
) -> Exemplar:
    if not title.strip():
        raise ValidationError({"title": "An exemplar needs a title."})
    if not url and file is None:
        raise ValidationError({"url": "Attach a file or give a link."})
    exemplar = Exemplar(item=item, level=level, title=title, description=description, url=url)
    if file is not None:
        exemplar.file = file
    exemplar.full_clean()
    exemplar.save()
    _history(item.framework, "exemplar", item.identifier, "created", None, {"title": title})
    return exemplar


# -- Rubrics -------------------------------------------------------------------------------


@transaction.atomic
def create_rubric(
    framework: Framework, *, title: str, description: str = "", criteria: list[dict[str, Any]]
) -> Rubric:
    """A CFRubric: criteria (each aligned to an item) × levels with scores."""
    now = timezone.now()
    rid = uuid.uuid4()
    rubric = Rubric.objects.create(
        identifier=rid,
        uri=uri_for("CFRubrics", rid),
        last_change=now,
        framework=framework,
        title=title,
        description=description,
    )
    for position, c in enumerate(criteria, start=1):
        item = c.get("item")
        if item is not None and item.framework_id != framework.pk:
            raise ValidationError(
                {"criteria": f"Criterion {position} is aligned to another framework's item."}
            )
        scores = [lv["score"] for lv in c["levels"]]
        if len(set(scores)) != len(scores):
            raise ValidationError({"criteria": f"Criterion {position} repeats a score."})
        cid = uuid.UUID(c["identifier"]) if c.get("identifier") else uuid.uuid4()
        criterion = RubricCriterion.objects.create(
            identifier=cid,
            uri=uri_for("CFRubricCriteria", cid),
            last_change=now,
            rubric=rubric,
            category=c.get("category"),
            description=c.get("description"),
            item=item,
            item_uri={
                "identifier": str(item.identifier),
                "uri": item.uri,
                "title": item.human_coding_scheme or item.short,
            }
            if item
            else None,
            weight=c.get("weight"),
            position=position,
        )
        for lpos, lv in enumerate(c["levels"], start=1):
            lid = uuid.UUID(lv["identifier"]) if lv.get("identifier") else uuid.uuid4()
            RubricCriterionLevel.objects.create(
                identifier=lid,
                uri=uri_for("CFRubricCriterionLevels", lid),
                last_change=now,
                criterion=criterion,
                description=lv.get("description"),
                quality=lv.get("quality"),
                score=float(lv["score"]),
                position=lpos,
            )
    _history(framework, "rubric", rid, "created", None, {"title": title})
    return rubric


# -- Imports ------------------------------------------------------------------------------


def import_owner(actor: Any) -> Organization | None:
    """The district an import by ``actor`` belongs to: the district they administer."""
    if actor is SYSTEM:
        return None
    from proficio.orgs.models import OrganizationKind

    for org in policy.who(actor).orgs_by_role.get(Role.DISTRICT_ADMIN, []):
        if org.kind == OrganizationKind.DISTRICT:
            return org
    return None


@transaction.atomic
def start_import(actor: Any, *, filename: str, payload: bytes, as_draft: bool) -> ImportJob:
    """Keep an uploaded CASE package in a job and run its import in the background."""
    policy.authorize(actor, policy.Act.CHANGE, policy.Subject.FRAMEWORK)
    job = ImportJob.objects.create(
        created_by=None if actor is SYSTEM else actor,
        owner=import_owner(actor),
        filename=(filename or "package.json")[:255],
        payload=payload,
        as_draft=as_draft,
    )
    from proficio.frameworks.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def run_import_job(job: ImportJob) -> None:
    """The import a job holds, as its owner; the job row records progress and the report."""
    from proficio import progress as live
    from proficio.core.standards import case
    from proficio.frameworks import case_io

    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, stage="reading")

    def progress(done: int, total: int, stage: str) -> None:
        # The import's transaction hides its own rows until it commits: report outside it.
        live.report("import", job.pk, done=done, total=total, stage=stage)

    try:
        package = case.parse_package(case.load_json(bytes(job.payload), source=job.filename))
        report = case_io.import_package(
            package,
            owner=job.owner,
            status=PublicationStatus.DRAFT if job.as_draft else PublicationStatus.PUBLISHED,
            progress=progress,
        )
    except case.CASEError as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            stage="",
            errors=[
                {"path": i.path, "message": i.message, "identifier": i.identifier}
                for i in exc.issues
            ],
        )
        return
    except Exception as exc:  # a job page must never poll forever
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            stage="",
            errors=[{"path": "$", "message": f"The import stopped unexpectedly: {exc}"}],
        )
        raise
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE,
            stage="",
            framework_id=report.framework_id,
            report=report.as_dict(),
        )


# --- Translations and "how to help at home" ----------------------------------------------

TRANSLATION_LANGUAGES = ("es",)


def _translated_object(kind: str, object_id: int) -> tuple[Any, Framework | None]:
    from proficio.frameworks.models import HomeSupport, ScaleLevel, TranslationKind

    models_by_kind: dict[str, Any] = {
        TranslationKind.ITEM: Item,
        TranslationKind.LEVEL: PerformanceLevel,
        TranslationKind.LEVEL_STATEMENT: LevelStatement,
        TranslationKind.EXEMPLAR: Exemplar,
        TranslationKind.HOME_SUPPORT: HomeSupport,
        TranslationKind.SCALE_LEVEL: ScaleLevel,
    }
    model = models_by_kind.get(kind)
    if model is None:
        raise ValidationError({"kind": _("Choose what kind of text this translates.")})
    obj = model.objects.filter(pk=object_id).first()
    if obj is None:
        raise ValidationError(
            {"object_id": _("There is no such %(kind)s to translate.") % {"kind": kind}}
        )
    if kind == TranslationKind.SCALE_LEVEL:
        return obj, None
    if kind in (TranslationKind.LEVEL_STATEMENT, TranslationKind.HOME_SUPPORT):
        return obj, obj.item.framework
    if kind == TranslationKind.EXEMPLAR:
        return obj, obj.item.framework
    return obj, obj.framework


@transaction.atomic
def set_translation(kind: str, object_id: int, field: str, language: str, text: str) -> Any:
    """Store (or, with empty text, remove) a translation of one field of framework text.
    Refuses a language Proficio does not offer, a field that is not translatable and an
    object that does not exist, each on its field."""
    from proficio.frameworks.models import TRANSLATABLE_FIELDS, Translation

    if language not in TRANSLATION_LANGUAGES:
        raise ValidationError({"language": _("Translations can be written in: Spanish (es).")})
    obj, framework = _translated_object(kind, object_id)
    if field not in TRANSLATABLE_FIELDS.get(kind, ()):
        raise ValidationError({"field": _("That text cannot be translated.")})
    text = (text or "").strip()
    existing = Translation.objects.filter(
        kind=kind, object_id=object_id, field=field, language=language
    )
    if not text:
        existing.delete()
        return None
    if len(text) > 5000:
        raise ValidationError({"text": _("Keep a translation under 5,000 characters.")})
    row, created = Translation.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        field=field,
        language=language,
        defaults={"text": text, "framework": framework},
    )
    if framework is not None:
        _history(
            framework,
            "translation",
            getattr(obj, "identifier", obj.pk),
            "created" if created else "updated",
            None,
            {"kind": kind, "field": field, "language": language, "text": text},
        )
    return row


@transaction.atomic
def set_home_support(item: Item, level: PerformanceLevel, text: str) -> Any:
    """How a family can help at home with a competency at a level (empty text removes it)."""
    from proficio.frameworks.models import HomeSupport

    if item.kind != ItemKind.COMPETENCY:
        raise ValidationError({"item": _("“How to help at home” describes a competency.")})
    if level.framework_id != item.framework_id:
        raise ValidationError({"level": _("That level belongs to another framework.")})
    text = (text or "").strip()
    if len(text) > 2000:
        raise ValidationError({"text": _("Keep it under 2,000 characters.")})
    if not text:
        from proficio.frameworks.models import Translation, TranslationKind

        gone = list(HomeSupport.objects.filter(item=item, level=level).values_list("pk", flat=True))
        Translation.objects.filter(kind=TranslationKind.HOME_SUPPORT, object_id__in=gone).delete()
        HomeSupport.objects.filter(pk__in=gone).delete()
        return None
    obj, created = HomeSupport.objects.update_or_create(
        item=item, level=level, defaults={"text": text}
    )
    _history(
        item.framework,
        "home_support",
        item.identifier,
        "created" if created else "updated",
        None,
        {"level": level.code, "text": text},
    )
    return obj

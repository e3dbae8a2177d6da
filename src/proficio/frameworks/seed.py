"""Load a framework written in Proficio's seed format (see ``seed/*.json``) through the
actions, so seeded frameworks are made exactly as an administrator would make them."""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils import timezone

from proficio.frameworks import actions
from proficio.frameworks.models import Framework, ItemKind, License
from proficio.orgs.models import Organization

SEEDS = ("district_framework.json", "science_framework.json", "educator_framework.json")


def read_seed(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("proficio.frameworks").joinpath("seed", name).read_text(encoding="utf-8")
    )
    companion = name.removesuffix(".json") + ".es.json"
    if (
        not name.endswith(".es.json")
        and resources.files("proficio.frameworks").joinpath("seed", companion).is_file()
    ):
        data["_companion"] = companion
    return data


@transaction.atomic
def load(data: dict[str, Any], *, owner: Organization | None) -> Framework:
    meta = data["framework"]
    existing = Framework.objects.filter(identifier=meta["identifier"]).first()
    if existing is not None:
        return existing
    lic = None
    if meta.get("license"):
        lic_data = meta["license"]
        lic, _ = License.objects.get_or_create(
            identifier=lic_data["identifier"],
            defaults={
                "uri": actions.uri_for("CFLicenses", lic_data["identifier"]),
                "title": lic_data["title"],
                "license_text": lic_data.get("license_text", ""),
                "last_change": timezone.now(),
            },
        )
    framework = actions.create_framework(
        identifier=uuid.UUID(meta["identifier"]),
        title=meta["title"],
        creator=meta["creator"],
        owner=owner,
        version=meta.get("version", "1.0"),
        language=meta.get("language", "en"),
        subject=meta.get("subject", []),
        description=meta.get("description"),
        adoption_status=meta.get("adoption_status", "Adopted"),
        license=lic,
    )
    if meta.get("notes"):
        framework.notes = meta["notes"]
        framework.save(update_fields=["notes"])
    levels = {
        lv.code: lv
        for lv in actions.set_performance_levels(framework, data.get("performance_levels") or [])
    }
    if data.get("scale"):
        scale = actions.create_scale(title=data["scale"]["title"], levels=data["scale"]["levels"])
        actions.set_framework_scale(framework, scale)
    targets_by_code = {}
    pending_precedes: list[tuple[str, str]] = []
    for d_seq, domain in enumerate(data["domains"], start=1):
        # A domain takes its competencies' category when they all share one.
        categories = {c.get("category", "academic") for c in domain.get("competencies", [])}
        domain_category = domain.get("category") or (
            categories.pop() if len(categories) == 1 else "academic"
        )
        d_item = actions.add_item(
            framework,
            identifier=uuid.UUID(domain["identifier"]),
            full_statement=domain["statement"],
            abbreviated=domain.get("abbreviated"),
            code=domain.get("code"),
            kind=ItemKind.DOMAIN,
            category=domain_category,
            sequence_number=d_seq,
        )
        for c_seq, comp in enumerate(domain.get("competencies", []), start=1):
            c_item = actions.add_item(
                framework,
                identifier=uuid.UUID(comp["identifier"]),
                full_statement=comp["statement"],
                abbreviated=comp.get("abbreviated"),
                code=comp.get("code"),
                kind=ItemKind.COMPETENCY,
                category=comp.get("category", "academic"),
                parent=d_item,
                sequence_number=c_seq,
            )
            for code, statement in (comp.get("level_statements") or {}).items():
                actions.set_level_statement(c_item, levels[code], statement)
            for t_seq, target in enumerate(comp.get("targets", []), start=1):
                t_item = actions.add_item(
                    framework,
                    identifier=uuid.UUID(target["identifier"]),
                    full_statement=target["statement"],
                    abbreviated=target.get("abbreviated"),
                    code=target.get("code"),
                    kind=ItemKind.TARGET,
                    category=comp.get("category", "academic"),
                    parent=c_item,
                    level=levels.get(target.get("level") or ""),
                    sequence_number=t_seq,
                )
                targets_by_code[target["code"]] = t_item
                pending_precedes += [
                    (target["code"], after) for after in target.get("precedes", [])
                ]
            if comp.get("rubric"):
                rubric = comp["rubric"]
                actions.create_rubric(
                    framework,
                    title=rubric["title"],
                    description=rubric.get("description", ""),
                    criteria=[
                        {
                            "identifier": crit.get("identifier"),
                            "category": crit.get("category"),
                            "description": crit.get("description"),
                            "item": targets_by_code.get(crit.get("target") or ""),
                            "weight": crit.get("weight"),
                            "levels": crit["levels"],
                        }
                        for crit in rubric["criteria"]
                    ],
                )
    for before, after in pending_precedes:
        actions.add_association(
            framework, "precedes", targets_by_code[before], targets_by_code[after]
        )
    _home_and_spanish(framework, data)
    actions.publish_framework(framework)
    return framework


def _companion(data: dict[str, Any]) -> dict[str, Any]:
    """The Spanish of a seed: its ``*_es`` keys, merged with a companion file
    ``<name>.es.json`` (levels, scale, items by code, level statements, how to help)."""
    found: dict[str, Any] = {
        "levels": {},
        "scale": {},
        "items": {},
        "level_statements": {},
        "how_to_help": {},
    }
    name = data.get("_companion")
    if name:
        extra = read_seed(name)
        for key in found:
            found[key].update(extra.get(key, {}))
    for lv in data.get("performance_levels") or []:
        if lv.get("label_es"):
            found["levels"][lv["code"]] = {
                "label": lv["label_es"],
                "description": lv.get("description_es", ""),
            }
    for domain in data["domains"]:
        for node in [domain, *domain.get("competencies", [])]:
            if node.get("statement_es"):
                found["items"][node["code"]] = {
                    "statement": node["statement_es"],
                    "abbreviated": node.get("abbreviated_es", ""),
                }
            if node.get("level_statements_es"):
                found["level_statements"][node["code"]] = node["level_statements_es"]
            if node.get("how_to_help"):
                found["how_to_help"][node["code"]] = {
                    lv: {"en": text, "es": (node.get("how_to_help_es") or {}).get(lv, "")}
                    for lv, text in node["how_to_help"].items()
                }
            for target in node.get("targets", []):
                if target.get("statement_es"):
                    found["items"][target["code"]] = {
                        "statement": target["statement_es"],
                        "abbreviated": target.get("abbreviated_es", ""),
                    }
    return found


def _home_and_spanish(framework: Framework, data: dict[str, Any]) -> None:
    """ "How to help at home" per competency and level, and the Spanish of every text."""
    from proficio.frameworks.models import (
        Item,
        LevelStatement,
        PerformanceLevel,
        ScaleLevel,
        TranslationKind,
    )

    es = _companion(data)
    levels = {lv.code: lv for lv in PerformanceLevel.objects.filter(framework=framework)}
    for code, text in es["levels"].items():
        for field, key in (("label", "label"), ("description", "description")):
            if text.get(key) and code in levels:
                actions.set_translation(
                    TranslationKind.LEVEL, levels[code].pk, field, "es", text[key]
                )
    if framework.scale_id:
        for lv in ScaleLevel.objects.filter(scale_id=framework.scale_id):
            text = es["scale"].get(f"{lv.value:g}")
            if text:
                actions.set_translation(
                    TranslationKind.SCALE_LEVEL, lv.pk, "label", "es", text["label"]
                )
                actions.set_translation(
                    TranslationKind.SCALE_LEVEL, lv.pk, "description", "es", text["description"]
                )
    items = {i.human_coding_scheme: i for i in Item.objects.filter(framework=framework)}
    for code, text in es["items"].items():
        item = items.get(code)
        if item is None:
            continue
        actions.set_translation(
            TranslationKind.ITEM, item.pk, "full_statement", "es", text["statement"]
        )
        if text.get("abbreviated"):
            actions.set_translation(
                TranslationKind.ITEM, item.pk, "abbreviated_statement", "es", text["abbreviated"]
            )
    statements = {
        (s.item.human_coding_scheme, s.level.code): s
        for s in LevelStatement.objects.filter(item__framework=framework).select_related(
            "item", "level"
        )
    }
    for code, by_level in es["level_statements"].items():
        for level_code, text in by_level.items():
            ls = statements.get((code, level_code))
            if ls is not None:
                actions.set_translation(
                    TranslationKind.LEVEL_STATEMENT, ls.pk, "statement", "es", text
                )
    for comp in Item.objects.filter(framework=framework, kind=ItemKind.COMPETENCY):
        code = comp.human_coding_scheme or ""
        notes = es["how_to_help"].get(code) or es["how_to_help"].get(code.split(".")[0])
        for level_code, text in (notes or {}).items():
            if level_code not in levels or not text.get("en"):
                continue
            support = actions.set_home_support(comp, levels[level_code], text["en"])
            if support is not None and text.get("es"):
                actions.set_translation(
                    TranslationKind.HOME_SUPPORT, support.pk, "text", "es", text["es"]
                )


def seed_all(owner: Organization | None) -> list[Framework]:
    return [load(read_seed(name), owner=owner) for name in SEEDS]

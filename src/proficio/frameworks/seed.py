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
    actions.publish_framework(framework)
    return framework


def seed_all(owner: Organization | None) -> list[Framework]:
    return [load(read_seed(name), owner=owner) for name in SEEDS]

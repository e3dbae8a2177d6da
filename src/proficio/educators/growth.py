"""An educator's growth, determined by the students' mastery engine (reads only).

The seam: an educator is not a ``Student``, so their evidence is its own row
(``EducatorEvidence``), but from there everything is the engine's. The evidence on one
indicator becomes the same ``core.mastery.policy.Point`` values a student's scores do;
the policy is the one ``mastery.engine.policy_for_place`` picks for where the educator
works (a policy on the educator framework, else the district's, as for a student);
``mastery.engine.evaluate`` applies it on the indicator's scale; and the explanation is
``mastery.engine.explanation``. Nothing here decides a level.

The framework's rule that educators never "arrive" is kept in the words: a determination
at or above mastery reads "shown in practice", never "mastered", and the next evidence
can move it. Growth is computed when it is read, so a new policy version applies at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from proficio.core.mastery import policy as core
from proficio.educators.models import EducatorEvidence
from proficio.frameworks.models import Category, Item, ItemKind
from proficio.mastery import engine
from proficio.mastery.models import PolicyVersion
from proficio.orgs.models import Organization, OrganizationKind

# The engine's statuses in an educator's words: growth never ends in "mastered".
GROWTH_WORDS = {
    core.Status.NOT_ASSESSED: _("No evidence yet"),
    core.Status.INSUFFICIENT: _("Not enough evidence yet"),
    core.Status.NOT_YET: _("Growing"),
    core.Status.PROFICIENT: _("Shown in practice (keeps growing)"),
    core.Status.ADVANCED: _("Shown strongly in practice (keeps growing)"),
}


def is_indicator(item: Item) -> bool:
    return item.kind == ItemKind.TARGET and item.category == Category.EDUCATOR


def indicators_of(item: Item) -> list[Item]:
    """What a micro-credential certifies, as indicators: the indicator itself, or each
    live indicator of the competency."""
    if item.kind == ItemKind.TARGET:
        return [item]
    return [i for i in engine.children_of(item) if i.kind == ItemKind.TARGET]


def scale_values(item: Item) -> tuple[float, ...]:
    return engine.core_scale(engine.scale_for(item)).values


def mastery_value(item: Item) -> float:
    return engine.core_scale(engine.scale_for(item)).mastery


def points(evidence: list[EducatorEvidence]) -> list[core.Point]:
    """An educator's evidence as the engine's points (the key names the row)."""
    return [core.Point(f"e{e.pk}", e.score, e.assessed_at, e.kind) for e in evidence]


@dataclass
class Growth:
    indicator: Item
    status: core.Status
    value: float | None
    evidence_count: int
    version: PolicyVersion | None
    explanation: dict[str, Any]

    @property
    def words(self) -> str:
        return str(GROWTH_WORDS[self.status])


def version_for(place: Organization | None, indicator: Item) -> PolicyVersion | None:
    """The policy version for an educator where they work: the engine's choice, else the
    district's default (made on first need, as for a student)."""
    if place is None:
        return None
    version = engine.policy_for_place(place, indicator)
    if version is not None:
        return version
    from proficio.mastery.actions import district_default_policy

    district = place if place.kind != OrganizationKind.SCHOOL else place.parent
    if district is None:
        return None
    return district_default_policy(district).current


def growth_of(
    educator: Any, place: Organization | None, indicators: list[Item]
) -> dict[int, Growth]:
    """Each indicator's growth for the educator: one query for their evidence, then the
    engine for the indicators that have any (the rest have no evidence yet)."""
    rows: dict[int, list[EducatorEvidence]] = {}
    for e in EducatorEvidence.objects.filter(
        educator=educator, indicator__in=[i.pk for i in indicators]
    ).order_by("assessed_at", "pk"):
        rows.setdefault(e.indicator_id, []).append(e)
    out: dict[int, Growth] = {}
    for item in indicators:
        evidence = rows.get(item.pk, [])
        version = version_for(place, item) if evidence else None
        if version is None:
            out[item.pk] = Growth(item, core.Status.NOT_ASSESSED, None, 0, None, {})
            continue
        result, _scale = engine.evaluate(points(evidence), item, version)
        out[item.pk] = Growth(
            item,
            result.status,
            result.value,
            result.evidence_count,
            version,
            engine.explanation(result, version),
        )
    return out

"""From the database to the core kernels and back: which policy and scale apply to a
student and target, and recomputing one determination (the single-pair path).

Reads only; writing happens in ``actions`` which call :func:`compute`.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Q

from proficio.core.mastery import policy as core
from proficio.core.mastery.bkt import SkillModel, Variant
from proficio.evidence.models import EvidenceScore, ItemResponse
from proficio.frameworks.models import AssociationType, Item, ProficiencyScale
from proficio.mastery.models import SCOPE_PRECEDENCE, PolicyVersion, ScopeKind
from proficio.orgs.models import Organization, OrganizationKind, Student


def parent_of(item: Item) -> Item | None:
    """The item's parent in its framework's hierarchy (memoized on the instance: one
    evidence write asks three times)."""
    if hasattr(item, "_proficio_parent"):
        cached: Item | None = item._proficio_parent
        return cached
    link = (
        item.outgoing.filter(
            association_type=AssociationType.IS_CHILD_OF, destination_item__isnull=False
        )
        .select_related("destination_item")
        .first()
    )
    parent = link.destination_item if link else None
    item._proficio_parent = parent  # type: ignore[attr-defined]
    return parent


def scale_for(target: Item) -> ProficiencyScale | None:
    """The target's competency's scale, else its framework's."""
    competency = parent_of(target)
    if competency is not None and competency.scale_id is not None:
        return competency.scale
    return target.framework.scale


@functools.lru_cache(maxsize=256)
def _core_scale(scale_id: int) -> core.Scale:
    scale = ProficiencyScale.objects.get(pk=scale_id)
    mastery = scale.mastery_value()
    values = tuple(lv.value for lv in scale.levels.all())
    return core.Scale(values=values, mastery=mastery if mastery is not None else values[-1])


def core_scale(scale: ProficiencyScale | None) -> core.Scale:
    if scale is None:  # a framework without a scale: a plain 1-4 reading with 3 as mastery
        return core.Scale(values=(1.0, 2.0, 3.0, 4.0), mastery=3.0)
    return _core_scale(scale.pk)


def forget_scales() -> None:
    _core_scale.cache_clear()


def policy_for(student: Student, target: Item) -> PolicyVersion | None:
    """The most specific policy that reaches this student and target."""
    return policy_for_place(student.school, target)


def policy_for_place(place: Organization, target: Item) -> PolicyVersion | None:
    """The most specific policy that reaches a learner at ``place`` (a school, or a
    district office) on ``target``: a student at their school, or an educator where they
    work (the educator framework's indicators are targets like any other)."""
    competency = parent_of(target)
    if place.kind == OrganizationKind.SCHOOL:
        school_id, district_id = place.pk, place.parent_id
    else:
        school_id, district_id = None, place.pk
    # One query: every version of every policy that could apply, newest first.
    versions = (
        PolicyVersion.objects.filter(
            Q(policy__scope=ScopeKind.TARGET, policy__item=target)
            | Q(policy__scope=ScopeKind.COMPETENCY, policy__item=competency)
            | Q(policy__scope=ScopeKind.FRAMEWORK, policy__framework_id=target.framework_id)
            | Q(policy__scope=ScopeKind.SCHOOL, policy__organization_id=school_id)
            | Q(policy__scope=ScopeKind.DISTRICT, policy__organization_id=district_id)
        )
        .select_related("policy")
        .order_by("policy_id", "-version")
    )
    newest: dict[str, PolicyVersion] = {}
    for version in versions:
        newest.setdefault(version.policy.scope, version)
    for scope in SCOPE_PRECEDENCE:
        if scope in newest:
            return newest[scope]
    return None


def bkt_item(quiz_title: str, position: int) -> str:
    """A quiz item's label for BKT's per-item guess and slip: the quiz and the item's place."""
    return f"{quiz_title} #{position}"


def bkt_cohort(student: Student | None) -> str | None:
    """A student's cohort for BKT's prior per cohort: their school (never a demographic)."""
    return None if student is None else str(student.school_id)


def core_policy(
    version: PolicyVersion, scale: core.Scale, student: Student | None = None
) -> core.Policy:
    return core.Policy(
        method=version.method,
        weight=version.weight,
        rate=version.rate,
        n=version.n,
        threshold=scale.mastery if version.method == "n_mastery" else None,
        window_last=version.window_last,
        window_since=version.window_since,
        min_evidence=version.min_evidence,
        min_kinds=version.min_kinds,
        count_self_and_peer=version.count_self_and_peer,
        bkt=SkillModel.from_dict(version.bkt_params) if version.bkt_params else None,
        bkt_mastery=version.bkt_mastery,
        bkt_cohort=bkt_cohort(student),
    )


def points_for(student_id: int, target_id: int, method: str) -> list[core.Point]:
    if method == "bkt":
        rows = ItemResponse.objects.filter(
            student_id=student_id, target_id=target_id, evidence__status="accepted"
        ).values_list("evidence_id", "position", "correct", "assessed_at", "evidence__title")
        return [
            core.Point(f"{e}:{p}", 1.0 if ok else 0.0, at, "quiz", bkt_item(title, p), title)
            for e, p, ok, at, title in rows
        ]
    rows2 = EvidenceScore.objects.filter(
        student_id=student_id, target_id=target_id, counts=True
    ).values_list("evidence_id", "id", "score", "assessed_at", "kind")
    return [core.Point(f"{e}:{i}", s, at, k) for e, i, s, at, k in rows2]


def compute(
    student: Student, target: Item, version: PolicyVersion
) -> tuple[core.Result, core.Scale]:
    return evaluate(points_for(student.pk, target.pk, version.method), target, version, student)


def evaluate(
    points: list[core.Point],
    target: Item,
    version: PolicyVersion,
    student: Student | None = None,
) -> tuple[core.Result, core.Scale]:
    """A policy version applied to a learner's points on one target, on the target's
    scale: the one path from evidence to a level, for a student or for an educator."""
    scale = core_scale(scale_for(target))
    return core.evaluate(points, core_policy(version, scale, student), scale), scale


def explanation(result: core.Result, version: PolicyVersion) -> dict[str, Any]:
    """What the determination page shows: the ordered evidence, each piece's weight, the
    rule and the policy version."""
    return {
        "rule": version.method,
        "policy": version.policy.name,
        "policy_version": version.version,
        "used": [
            {
                "key": u.key,
                "score": u.score,
                "assessed_at": u.assessed_at.isoformat(),
                "kind": u.kind,
                "weight": u.weight,
            }
            for u in result.used
        ],
        "excluded": [{"key": e.key, "reason": e.reason} for e in result.excluded],
        "kinds": result.kinds_count,
        **({"bkt": bkt_explanation(version, result)} if version.method == "bkt" else {}),
    }


def bkt_explanation(version: PolicyVersion, result: core.Result) -> dict[str, Any]:
    """The BKT model behind a determination: its variant, its parameter space, its fit, and
    the chance of a correct answer at the next opportunity."""
    model = SkillModel.from_dict(version.bkt_params or {})
    fitted = (version.bkt_params or {}).get("fit", {})
    return {
        "variants": [v.value for v in Variant if v in model.variants],
        "description": model.describe(),
        "space": model.space.value,
        "p_correct_next": result.p_correct_next,
        "fit_log_likelihood": fitted.get("log_likelihood"),
    }


def children_of(item: Item) -> list[Item]:
    return list(
        Item.objects.filter(
            outgoing__association_type=AssociationType.IS_CHILD_OF,
            outgoing__destination_item=item,
            archived_at__isnull=True,
        ).order_by("human_coding_scheme", "pk")
    )


def rule_for(item: Item) -> Any:
    from proficio.core.mastery.rollup import RollupRule
    from proficio.mastery.models import RollupRuleModel

    stored = RollupRuleModel.objects.filter(item=item).first()
    if stored is None:
        return RollupRule("all")
    return RollupRule(
        stored.method,
        points={str(k): float(v) for k, v in stored.points.items()},
        threshold=stored.threshold,
        required=frozenset(str(r) for r in stored.required),
    )


def standings(student: Student, items: list[Item]) -> dict[int, Any]:
    """Each item's rolled-up standing for the student: learning targets from their
    determinations (an active override wins), competencies and domains by their rules."""
    from proficio.core.mastery.rollup import Child, rollup
    from proficio.mastery.models import Determination, Override

    dets = {d.target_id: d for d in Determination.objects.filter(student=student)}
    overrides = {
        o.target_id: o for o in Override.objects.filter(student=student, withdrawn_at__isnull=True)
    }
    memo: dict[int, Any] = {}

    def standing(item: Item) -> Any:
        if item.pk in memo:
            return memo[item.pk]
        if item.kind == "target":
            override = overrides.get(item.pk)
            det = dets.get(item.pk)
            if override is not None:
                result = Child(str(item.pk), core.Status(override.status), override.level_value)
            elif det is not None:
                result = Child(str(item.pk), core.Status(det.status), det.level_value)
            else:
                result = Child(str(item.pk), core.Status.NOT_ASSESSED, None)
        else:
            kids = [standing(c) for c in children_of(item)]
            rolled = rollup(kids, rule_for(item), core_scale(item.effective_scale()))
            result = Child(str(item.pk), rolled.status, rolled.value)
            memo[-item.pk] = rolled
        memo[item.pk] = result
        return result

    out = {}
    for item in items:
        standing(item)
        out[item.pk] = memo.get(-item.pk) or memo[item.pk]
    return out

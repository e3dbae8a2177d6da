"""From the database to the core kernels and back: which policy and scale apply to a
student and target, and recomputing one determination (the single-pair path).

Reads only; writing happens in ``actions`` which call :func:`compute`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import FloatField, Func

from proficio.core.mastery import policy as core
from proficio.core.mastery.bkt import SkillModel, Variant
from proficio.evidence.models import EvidenceScore, ItemResponse
from proficio.frameworks import definitions
from proficio.frameworks.models import AssociationType, Item, ProficiencyScale
from proficio.mastery.models import SCOPE_PRECEDENCE, PolicyVersion, ScopeKind
from proficio.orgs.models import Organization, OrganizationKind, Student


def parent_of(item: Item) -> Item | None:
    """The item's parent in its framework's hierarchy (the definitions cache)."""
    parent: Item | None = definitions.parent_of(item)
    return parent


def scale_for(target: Item) -> ProficiencyScale | None:
    """The target's competency's scale, else its framework's."""
    competency = parent_of(target)
    if competency is not None and competency.scale_id is not None:
        return competency.scale
    scale: ProficiencyScale | None = definitions.item(target).framework.scale
    return scale


def _core_scale(scale_id: int) -> core.Scale:
    def load() -> core.Scale:
        scale = ProficiencyScale.objects.prefetch_related("levels").get(pk=scale_id)
        mastery = scale.mastery_value()
        values = tuple(lv.value for lv in scale.levels.all())
        return core.Scale(values=values, mastery=mastery if mastery is not None else values[-1])

    return definitions.cached(("core-scale", scale_id), load)


def core_scale(scale: ProficiencyScale | None) -> core.Scale:
    if scale is None:  # a framework without a scale: a plain 1-4 reading with 3 as mastery
        return core.Scale(values=(1.0, 2.0, 3.0, 4.0), mastery=3.0)
    return _core_scale(scale.pk)


def _newest_versions() -> dict[tuple[str, int], PolicyVersion]:
    """(scope, the id of what the policy applies to) → that policy's newest version; of two
    policies on the same thing, the older policy (the definitions cache)."""

    def load() -> dict[tuple[str, int], PolicyVersion]:
        newest: dict[tuple[str, int], PolicyVersion] = {}
        seen: set[int] = set()
        for version in PolicyVersion.objects.select_related("policy").order_by(
            "policy_id", "-version"
        ):
            policy = version.policy
            if policy.pk in seen:
                continue
            seen.add(policy.pk)
            on = {
                ScopeKind.TARGET: policy.item_id,
                ScopeKind.COMPETENCY: policy.item_id,
                ScopeKind.FRAMEWORK: policy.framework_id,
                ScopeKind.SCHOOL: policy.organization_id,
                ScopeKind.DISTRICT: policy.organization_id,
            }.get(ScopeKind(policy.scope))
            if on is not None:
                newest.setdefault((policy.scope, on), version)
        return newest

    return definitions.cached(("policies",), load)


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
    on = {
        ScopeKind.TARGET: target.pk,
        ScopeKind.COMPETENCY: competency.pk if competency is not None else None,
        ScopeKind.FRAMEWORK: target.framework_id,
        ScopeKind.SCHOOL: school_id,
        ScopeKind.DISTRICT: district_id,
    }
    newest = _newest_versions()
    for scope in SCOPE_PRECEDENCE:
        key = on[ScopeKind(scope)]
        if key is not None and (scope, key) in newest:
            return newest[(scope, key)]
    return None


def parent_ids(item_ids: Iterable[int]) -> dict[int, int]:
    """:func:`parent_of` for many items at once, by id, in one query (an item with no
    parent is left out)."""
    found: dict[int, int] = {}
    for origin, destination in (
        Item.objects.filter(pk__in=set(item_ids))
        .filter(
            outgoing__association_type=AssociationType.IS_CHILD_OF,
            outgoing__destination_item__isnull=False,
        )
        .values_list("pk", "outgoing__destination_item_id")
        .order_by("pk", "outgoing__pk")
    ):
        found.setdefault(origin, destination)  # the first link, as parent_of reads it
    return found


def scale_ids_for(target_ids: Iterable[int]) -> dict[int, int | None]:
    """:func:`scale_for` for many targets at once, by id: the competency's scale, else the
    framework's (None: no scale), in three queries."""
    wanted = set(target_ids)
    parents = parent_ids(wanted)
    own = dict(Item.objects.filter(pk__in=wanted).values_list("pk", "framework__scale_id"))
    competency_scale = dict(
        Item.objects.filter(pk__in=set(parents.values())).values_list("pk", "scale_id")
    )
    out: dict[int, int | None] = {}
    for t in wanted:
        from_competency = competency_scale.get(parents[t]) if t in parents else None
        out[t] = from_competency if from_competency is not None else own.get(t)
    return out


def policies_for_pairs(
    pairs: list[tuple[int, int]],
) -> dict[tuple[int, int], PolicyVersion | None]:
    """:func:`policy_for` for many (student, target) pairs at once: the same precedence
    (target > competency > framework > school > district), read in a fixed number of
    queries (the preview and the replay ask it of thousands of pairs)."""
    from proficio.orgs.models import Student as StudentModel

    if not pairs:
        return {}
    student_ids = {s for s, _ in pairs}
    target_ids = {t for _, t in pairs}
    schools = dict(StudentModel.objects.filter(pk__in=student_ids).values_list("pk", "school_id"))
    from proficio.orgs.models import Organization

    parent = dict(
        Organization.objects.filter(pk__in=set(schools.values())).values_list("pk", "parent_id")
    )
    frameworks = dict(Item.objects.filter(pk__in=target_ids).values_list("pk", "framework_id"))
    competency = parent_ids(target_ids)
    newest: dict[tuple[str, int], PolicyVersion] = {}
    for version in PolicyVersion.objects.select_related("policy").order_by("policy_id", "-version"):
        pol = version.policy
        key_id = {
            ScopeKind.TARGET: pol.item_id,
            ScopeKind.COMPETENCY: pol.item_id,
            ScopeKind.FRAMEWORK: pol.framework_id,
            ScopeKind.SCHOOL: pol.organization_id,
            ScopeKind.DISTRICT: pol.organization_id,
        }.get(ScopeKind(pol.scope))
        if key_id is None:
            continue
        # Per scope and object, the newest version of the first policy (as policy_for).
        newest.setdefault((pol.scope, key_id), version)

    def first(keys: list[tuple[ScopeKind, int | None]]) -> PolicyVersion | None:
        for scope, key in keys:
            if key is not None and (scope.value, key) in newest:
                return newest[(scope.value, key)]
        return None

    # Every scope that names a target (target, competency, framework) comes before every
    # scope that names a student's place (school, district): decide each side once.
    assert SCOPE_PRECEDENCE.index(ScopeKind.FRAMEWORK) < SCOPE_PRECEDENCE.index(ScopeKind.SCHOOL)
    by_target = {
        t: first(
            [
                (ScopeKind.TARGET, t),
                (ScopeKind.COMPETENCY, competency.get(t)),
                (ScopeKind.FRAMEWORK, frameworks.get(t)),
            ]
        )
        for t in target_ids
    }
    by_student = {
        s: first(
            [
                (ScopeKind.SCHOOL, schools.get(s)),
                (ScopeKind.DISTRICT, parent.get(schools[s]) if s in schools else None),
            ]
        )
        for s in student_ids
    }
    return {(s, t): by_target[t] or by_student[s] for s, t in pairs}


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


class EpochSeconds(Func):
    """A date-time column as seconds since the epoch (a float, to the microsecond), worked
    out by the database: bulk reads skip building a Python date-time per row."""

    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": the whole seconds (of the
        # first 19 characters: strftime would round the fraction to milliseconds, and so
        # .9995 up to the next second), plus the fraction (characters 20 on; empty, so 0,
        # when there is none). "%%%%" is one "%" once the template and then the query
        # parameters are filled in.
        template = (
            "(CAST(strftime('%%%%s', substr(%(expressions)s, 1, 19)) AS INTEGER)"
            " + CAST(substr(%(expressions)s, 20) AS REAL))"
        )
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)"
        return self.as_sql(compiler, connection, template=template, **extra)


def points_for(student_id: int, target_id: int, method: str) -> list[core.Point]:
    return points_for_targets(student_id, {target_id: method})[target_id]


def points_for_targets(student_id: int, methods: dict[int, str]) -> dict[int, list[core.Point]]:
    """The evidence points of one student on each target (target id → the method of its
    policy), in one query per kind of evidence the methods read (scores, or BKT's item
    responses)."""
    points: dict[int, list[core.Point]] = {t: [] for t in methods}
    bkt = [t for t, m in methods.items() if m == "bkt"]
    scored = [t for t, m in methods.items() if m != "bkt"]
    if bkt:
        rows = ItemResponse.objects.filter(
            student_id=student_id, target_id__in=bkt, evidence__status="accepted"
        ).values_list(
            "target_id", "evidence_id", "position", "correct", "assessed_at", "evidence__title"
        )
        for t, e, p, ok, at, title in rows:
            points[t].append(
                core.Point(f"{e}:{p}", 1.0 if ok else 0.0, at, "quiz", bkt_item(title, p), title)
            )
    if scored:
        rows2 = EvidenceScore.objects.filter(
            student_id=student_id, target_id__in=scored, counts=True
        ).values_list("target_id", "evidence_id", "id", "score", "assessed_at", "kind")
        for t, e, i, sc, at, k in rows2:
            points[t].append(core.Point(f"{e}:{i}", sc, at, k))
    return points


def compute(
    student: Student,
    target: Item,
    version: PolicyVersion,
    points: list[core.Point] | None = None,
) -> tuple[core.Result, core.Scale]:
    """The pair's determination from its evidence (``points``, read here if not given)."""
    if points is None:
        points = points_for(student.pk, target.pk, version.method)
    return evaluate(points, target, version, student)


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
    """The item's live children, by code (the definitions cache)."""
    return list(definitions.children_of(item))

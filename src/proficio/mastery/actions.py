"""The only code that writes determinations, overrides and mastery policies."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio.accounts.models import User
from proficio.core.mastery import policy as core
from proficio.core.mastery.bkt import ParameterSpace, SkillModel, Variant, fit
from proficio.evidence.models import EvidenceScore, ItemResponse
from proficio.frameworks.assessable import assessable_ids, why_not_assessable
from proficio.frameworks.models import Item, ItemKind
from proficio.mastery import engine
from proficio.mastery.models import (
    ContinuumSetting,
    Determination,
    DeterminationHistory,
    DeterminationStatus,
    MasteryPolicy,
    Method,
    Override,
    PolicyVersion,
    ReplayJob,
    ScopeKind,
)
from proficio.mastery.signals import standing_changed
from proficio.orgs.models import Organization, Student
from proficio.policy import SYSTEM, Act, Actor, Subject, authorize, authorize_in
from proficio.retry import retry_on_conflict

VERSION_FIELDS = (
    "method",
    "weight",
    "rate",
    "n",
    "window_last",
    "window_since",
    "min_evidence",
    "min_kinds",
    "count_self_and_peer",
    "bkt_params",
    "bkt_mastery",
)


def _person(actor: Actor) -> User | None:
    return None if actor is SYSTEM else actor


def _level_value(result: core.Result, scale: core.Scale) -> float | None:
    return None if result.level_index is None else scale.values[result.level_index]


def update_determination(student: Student, target: Item, *, reason: str) -> Determination | None:
    """Recompute one student's determination on one target (inside the caller's
    transaction): :func:`update_determinations` for one pair."""
    return update_determinations(student, [target], reason=reason)[target.pk]


def update_determinations(
    student: Student, targets: Sequence[Item], *, reason: str
) -> dict[int, Determination]:
    """Recompute one student's determinations on these targets (inside the caller's
    transaction), target id → determination.

    Each pair's row is locked *before* its evidence is read: at READ COMMITTED a write that
    committed while we waited for a lock is then seen, so no evidence is ever left out of
    a determination (read first and lock second, and a concurrent write is missed until the
    next one). Only then is the evidence of every pair that already had a row read, in one
    query, each such row updated (only its computed columns) and the history of the pairs
    that changed written in one insert.

    The locks are taken in two phases (``_lock_pairs``), which cannot deadlock:

    1. Every pair that has a row is locked in one query, ordered by target id (``lock_order``).
       PostgreSQL's plan puts the row locks (LockRows) above the sort, so it locks the rows
       one at a time in target-id order; it waits only on rows already committed, while
       holding only lower ones.
    2. Each pair without a row is inserted, in target-id order, in a savepoint. An insert
       waits only on another writer's uncommitted insert of the same pair (the unique
       constraint); that writer is in its own phase 2, past this pair, so it waits (if at
       all) on a pair with a higher id. If the other writer committed, the insert fails
       and their row is locked, but without waiting (``nowait``): we may hold phase-1 locks
       on higher ids, and a writer holding this row and waiting on one of those would close
       a cycle. If the row is locked just then, the database's "lock not available" makes
       the whole action run again (``retry_on_conflict``), and the row, now committed, is
       locked in phase 1.

    Give each waiting writer the rank (phase, target id) of what it waits on: a writer it
    waits on is, if waiting too, of a higher rank, so no chain of waits comes back to its
    start and no request deadlocks another. Deadlocks and serialization failures still
    have ``retry_on_conflict`` behind them. On SQLite (one writer at a time) the locks are
    not taken and the same code runs.
    """
    ordered = lock_order({t.pk: t for t in targets}.values())
    versions = {}
    for target in ordered:
        version = engine.policy_for(student, target)
        versions[target.pk] = version if version is not None else default_policy(student).current
    rows, created = _lock_pairs(student, ordered, versions)
    # Every pair is locked (or just made by us): read what the others stand on, at once.
    locked = [t for t in ordered if t.pk not in created]
    points = engine.points_for_targets(student.pk, {t.pk: versions[t.pk].method for t in locked})
    history = []
    for target in ordered:
        det, version = rows[target.pk], versions[target.pk]
        values = created.get(target.pk) or _determination_values(
            student, target, version, points[target.pk]
        )
        changed = (
            target.pk in created
            or any(
                getattr(det, k) != v
                for k, v in values.items()
                if k in ("value", "level_value", "status", "evidence_count")
            )
            or det.policy_version_id != version.pk
        )
        det.student = student  # the caller's instance: its school is already loaded for the audit
        det.target = target  # and the caller's target: whoever shows the row reads no more
        if target.pk not in created:
            for k, v in values.items():
                setattr(det, k, v)
            det.save(update_fields=list(values))  # the computed columns; audited on save
        if changed:
            history.append(
                DeterminationHistory(
                    student=student,
                    target=target,
                    policy_version=version,
                    value=values["value"],
                    level_value=values["level_value"],
                    status=values["status"],
                    evidence_count=values["evidence_count"],
                    computed_at=values["computed_at"],
                    reason=reason,
                )
            )
    if history:
        DeterminationHistory.objects.bulk_create(history)
        standing_changed.send(sender=Determination, student=student)
    return rows


def _lock_pairs(
    student: Student, ordered: list[Item], versions: dict[int, PolicyVersion]
) -> tuple[dict[int, Determination], dict[int, dict[str, Any]]]:
    """Lock the student's determination rows on ``ordered`` (targets in ``lock_order``),
    making the missing ones: target id → row, and target id → the values of each row made
    here (computed when it was made). The two phases and why they cannot deadlock are in
    ``update_determinations``."""
    pairs = Determination.objects.filter(student=student)
    # Phase 1: the rows there are, in one query, locked in target-id order. The pair's
    # standing override (what an answer shows beside it) rides along.
    found = (
        pairs.filter(target__in=[t.pk for t in ordered])
        .order_by("target_id")
        .select_for_update()
        .annotate(**_override_columns())
    )
    rows: dict[int, Determination] = {det.target_id: det for det in found}
    created: dict[int, dict[str, Any]] = {}  # a new pair: its values, read when it was made
    # Phase 2: the missing pairs, in target-id order.
    for target in ordered:
        if target.pk in rows:
            continue
        # Insert it in a savepoint; if another writer inserted it first (the unique
        # constraint makes us wait for it to commit), lock theirs and recompute with the
        # others, which then sees their evidence as well as ours.
        values = _determination_values(student, target, versions[target.pk])
        try:
            with transaction.atomic():
                det = Determination.objects.create(student=student, target=target, **values)
            created[target.pk] = values
        except IntegrityError:
            det = pairs.filter(target=target).select_for_update(nowait=True).get()
        rows[target.pk] = det
    return {t.pk: rows[t.pk] for t in ordered}, created


def _override_columns() -> dict[str, Any]:
    """The pair's override in force (its level and rationale; None if there is none), as
    annotations of a query on ``Determination``: ``override_of`` reads them."""
    standing = Override.objects.filter(
        student=OuterRef("student"), target=OuterRef("target"), withdrawn_at__isnull=True
    ).order_by("-at", "-pk")
    return {
        "override_level": Subquery(standing.values("level_value")[:1]),
        "override_rationale": Subquery(standing.values("rationale")[:1]),
    }


def override_of(det: Determination) -> tuple[bool, float | None, str | None]:
    """(known, level, rationale): the override in force read with the determination's
    lock (``_override_columns``), or known=False if it was not read with it."""
    if not hasattr(det, "override_rationale"):
        return False, None, None
    return True, det.override_level, det.override_rationale  # type: ignore[attr-defined]


def _determination_values(
    student: Student,
    target: Item,
    version: PolicyVersion,
    points: list[core.Point] | None = None,
) -> dict[str, Any]:
    """The pair's determination as the evidence stands now (read under the pair's lock,
    or given as ``points``, read under it)."""
    result, scale = engine.compute(student, target, version, points)
    return {
        "policy_version": version,
        "value": result.value,
        "level_value": _level_value(result, scale),
        "status": result.status.value,
        "evidence_count": result.evidence_count,
        "last_assessed_at": result.last_assessed_at,
        "trend": result.trend,
        "explanation": engine.explanation(result, version),
        "computed_at": timezone.now(),
    }


def lock_order(targets: Any) -> list[Any]:
    """Targets in the one order every writer locks determinations in (by id)."""
    return sorted(targets, key=lambda t: t.pk)


@transaction.atomic
def default_policy(student: Student) -> MasteryPolicy:
    """The district's default policy, made on first need (decaying average, as Canvas)."""
    district = student.school.parent
    assert district is not None
    return district_default_policy(district)


def district_default_policy(district: Organization) -> MasteryPolicy:
    """``default_policy`` for a district (an educator's growth asks it for the district
    where they work)."""
    existing = MasteryPolicy.objects.filter(scope=ScopeKind.DISTRICT, organization=district).first()
    if existing is not None:
        return existing
    # The system makes it, whoever's evidence needed it first.
    return create_policy(
        SYSTEM,
        name=f"{district.name} default",
        scope=ScopeKind.DISTRICT,
        owner=district,
        organization=district,
        params={"method": Method.DECAYING_AVERAGE, "rate": 0.65, "min_evidence": 2},
    )


def _validate(params: dict[str, Any], scale: core.Scale | None = None) -> dict[str, Any]:
    """Check a policy's parameters through the core, naming the field that is wrong."""
    clean = {k: params[k] for k in VERSION_FIELDS if k in params}
    method = clean.get("method", Method.DECAYING_AVERAGE)
    if method not in Method.values:
        raise ValidationError({"method": f"Unknown rule {method!r}."})
    try:
        core.Policy(
            method=method,
            weight=float(clean.get("weight", 0.65)),
            rate=float(clean.get("rate", 0.65)),
            n=clean.get("n"),
            threshold=(scale.mastery if scale else 3.0) if method == "n_mastery" else None,
            window_last=clean.get("window_last"),
            window_since=clean.get("window_since"),
            min_evidence=int(clean.get("min_evidence", 1)),
            min_kinds=int(clean.get("min_kinds", 1)),
            count_self_and_peer=bool(clean.get("count_self_and_peer", False)),
            bkt=SkillModel.from_dict(clean["bkt_params"]) if clean.get("bkt_params") else None,
            bkt_mastery=float(clean.get("bkt_mastery", 0.95)),
        )
    except (ValueError, TypeError) as exc:
        message = str(exc)
        field = next((f for f in VERSION_FIELDS if f in message), "method")
        if "BKT" in message:
            field = "bkt_params"
        raise ValidationError({field: message}) from None
    return clean


@transaction.atomic
def create_policy(
    actor: Actor,
    *,
    name: str,
    scope: str,
    owner: Organization,
    params: dict[str, Any],
    organization: Organization | None = None,
    framework: Any = None,
    item: Item | None = None,
) -> MasteryPolicy:
    authorize_in(actor, Act.CHANGE, Subject.POLICY, owner)
    if not name.strip():
        raise ValidationError({"name": "Give the policy a name."})
    clean = _validate(params)
    policy = MasteryPolicy.objects.create(
        name=name,
        scope=scope,
        owner=owner,
        organization=organization,
        framework=framework,
        item=item,
    )
    PolicyVersion.objects.create(policy=policy, version=1, created_by=_person(actor), **clean)
    return policy


def _scope_filter(policy: MasteryPolicy) -> dict[str, Any]:
    """Filter arguments selecting the evidence rows a policy can reach."""
    if policy.scope == ScopeKind.TARGET:
        return {"target": policy.item}
    if policy.scope == ScopeKind.COMPETENCY:
        return {
            "target__outgoing__destination_item": policy.item,
            "target__outgoing__association_type": "isChildOf",
        }
    if policy.scope == ScopeKind.FRAMEWORK:
        return {"target__framework": policy.framework}
    if policy.scope == ScopeKind.SCHOOL:
        return {"student__school": policy.organization}
    return {"student__school__parent": policy.organization}


def _pairs(policy: MasteryPolicy) -> list[tuple[int, int]]:
    """(student, target) pairs this policy governs: reached, and not taken by a narrower one."""
    where = _scope_filter(policy)
    candidates = set(
        EvidenceScore.objects.filter(counts=True, **where)
        .values_list("student_id", "target_id")
        .distinct()
    ) | set(ItemResponse.objects.filter(**where).values_list("student_id", "target_id").distinct())
    governing = engine.policies_for_pairs(sorted(candidates))
    return [
        pair
        for pair, version in governing.items()
        if version is not None and version.policy_id == policy.pk
    ]


Rows = tuple[Any, ...]


def _score_rows(keys: list[tuple[int, int]], target_ids: list[int]) -> Rows:
    """The counting scores of ``keys`` (sorted (student, target) pairs) as arrays, in the
    order the batch kernel reads them: by pair, then time, then score, then kind. The
    database sorts and gives each time as epoch seconds; numpy groups (``pair_groups``),
    so there is no Python object or sort per row."""
    rows = list(
        EvidenceScore.objects.filter(target_id__in=target_ids, counts=True)
        .annotate(at=engine.EpochSeconds("assessed_at"))
        .order_by("student_id", "target_id", "assessed_at", "score", "kind")
        .values_list("student_id", "target_id", "score", "at", "kind")
    )
    if not rows:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty, empty.astype(np.int64)
    students, targets, scores, times, kinds = zip(*rows, strict=True)
    key_s, key_t = (np.asarray(c, dtype=np.int64) for c in zip(*keys, strict=True))
    g = core.pair_groups(key_s, key_t, students, targets)
    kc = core.kind_codes(kinds)
    sc = np.asarray(scores, dtype=np.float64)
    ts = np.asarray(times, dtype=np.float64)
    mine = g >= 0
    g, ts, sc, kc = g[mine], ts[mine], sc[mine], kc[mine]
    # The database put equal kinds' text in alphabetical order; the kernel's tie-break is
    # the kind's code. Re-sort (stably, in numpy) only if such a tie is there.
    tie = (np.diff(g) == 0) & (np.diff(ts) == 0) & (np.diff(sc) == 0) & (np.diff(kc) < 0)
    if tie.any():
        order = np.lexsort((kc, sc, ts, g))
        g, ts, sc, kc = g[order], ts[order], sc[order], kc[order]
    return g, ts, sc, kc


def _bkt_rows(keys: list[tuple[int, int]], target_ids: list[int]) -> Rows:
    """Quiz responses of ``keys`` for knowledge tracing, with each row's quiz item and
    learning class; ties in time go in the single-pair order (by evidence key)."""
    pair_index = {p: i for i, p in enumerate(keys)}
    rows = sorted(
        (pair_index[(s, t)], at.timestamp(), f"{e}:{pos}", 1.0 if c else 0.0, title, pos)
        for s, t, c, at, e, pos, title in ItemResponse.objects.filter(
            target_id__in=target_ids
        ).values_list(
            "student_id",
            "target_id",
            "correct",
            "assessed_at",
            "evidence_id",
            "position",
            "evidence__title",
        )
        if (s, t) in pair_index
    )
    g = np.asarray([r[0] for r in rows], dtype=np.int64)
    ts = np.asarray([r[1] for r in rows], dtype=np.float64)
    sc = np.asarray([r[3] for r in rows], dtype=np.float64)
    kc = np.full(g.size, core.KIND_CODES["quiz"], dtype=np.int64)
    items = [engine.bkt_item(r[4], r[5]) for r in rows]
    classes = [r[4] for r in rows]
    return g, ts, sc, kc, items, classes


def _evaluate_pairs(
    pairs: list[tuple[int, int]], version_params: dict[str, Any]
) -> dict[tuple[int, int], tuple[str, float | None, float | None]]:
    """Batch-evaluate pairs under parameters (grouped by scale), without writing anything."""
    from proficio.frameworks.models import ProficiencyScale

    if not pairs:
        return {}
    by_target: dict[int, list[int]] = defaultdict(list)
    for s, t in pairs:
        by_target[t].append(s)
    out: dict[tuple[int, int], tuple[str, float | None, float | None]] = {}
    groups_by_scale: dict[int | None, list[int]] = defaultdict(list)
    for t, scale_id in engine.scale_ids_for(by_target).items():
        groups_by_scale[scale_id].append(t)
    method = version_params["method"]
    for scale_id, target_ids in groups_by_scale.items():
        scale = engine.core_scale(ProficiencyScale.objects.get(pk=scale_id) if scale_id else None)
        pol = core.Policy(
            **{k: v for k, v in version_params.items() if k not in ("bkt_params", "method")},
            method=method,
            threshold=scale.mastery if method == "n_mastery" else None,
            bkt=SkillModel.from_dict(version_params["bkt_params"])
            if version_params.get("bkt_params")
            else None,
        )
        keys = sorted((s, t) for t in target_ids for s in by_target[t])
        if method == "bkt":
            g, ts, sc, kc, items, classes = _bkt_rows(keys, target_ids)
        else:
            g, ts, sc, kc = _score_rows(keys, target_ids)
            items = classes = None
        if not g.size:
            continue
        cohorts = None
        if method == "bkt":
            schools = dict(
                Student.objects.filter(pk__in={s for s, _ in keys}).values_list("pk", "school_id")
            )
            cohorts = {i: str(schools[s]) for i, (s, _) in enumerate(keys)}
        result = core.evaluate_batch(
            g,
            sc,
            ts,
            kc,
            pol,
            scale,
            bkt_items=items,
            bkt_learn_classes=classes,
            bkt_cohorts=cohorts,
        )
        # Plain Python lists: reading numpy arrays one element at a time is slow.
        names = [code.value for code in core.STATUS_CODES]
        for gid, status, index, value in zip(
            result.groups.tolist(),
            result.status.tolist(),
            result.level_index.tolist(),
            result.values.tolist(),
            strict=True,
        ):
            out[keys[gid]] = (
                names[status],
                None if value != value else value,  # NaN: no value
                None if index < 0 else scale.values[index],
            )
    return out


RANK = {
    s: i
    for i, s in enumerate(["not_assessed", "insufficient", "not_yet", "proficient", "advanced"])
}


def preview_policy_change(
    actor: Actor, policy: MasteryPolicy, params: dict[str, Any]
) -> dict[str, int]:
    """How many determinations a new version would change, and in which direction."""
    authorize(actor, Act.CHANGE, Subject.POLICY, policy)
    merged = {**{k: getattr(policy.current, k) for k in VERSION_FIELDS}, **_validate(params)}
    pairs = _pairs(policy)
    new = _evaluate_pairs(pairs, merged)
    current = {
        (s, t): (status, level)
        for s, t, status, level in Determination.objects.filter(
            student_id__in={s for s, _ in pairs}, target_id__in={t for _, t in pairs}
        ).values_list("student_id", "target_id", "status", "level_value")
    }
    summary = {"total": len(pairs), "up": 0, "down": 0, "same": 0}
    for pair, (status, _value, level) in new.items():
        old = current.get(pair)
        before = (RANK[old[0]], old[1] or 0) if old else (0, 0)
        after = (RANK[status], level or 0)
        key = "up" if after > before else "down" if after < before else "same"
        summary[key] += 1
    return summary


@transaction.atomic
def new_policy_version(
    actor: Actor, policy: MasteryPolicy, params: dict[str, Any], *, note: str = ""
) -> PolicyVersion:
    """Changing a policy makes a new version and replays it in the background; history is kept."""
    authorize(actor, Act.CHANGE, Subject.POLICY, policy)
    current = policy.current
    merged = {**{k: getattr(current, k) for k in VERSION_FIELDS}, **_validate(params)}
    version = PolicyVersion.objects.create(
        policy=policy, version=current.version + 1, created_by=_person(actor), note=note, **merged
    )
    job = ReplayJob.objects.create(policy_version=version)
    from proficio.mastery.tasks import replay

    transaction.on_commit(lambda: replay.enqueue(job.pk))
    return version


def run_replay(job: ReplayJob) -> None:
    """Recompute every determination the version governs, in chunks, recording progress."""
    try:
        _replay(job)
    except Exception:  # a progress page must never poll forever
        ReplayJob.objects.filter(pk=job.pk).update(status="failed")
        raise


def _replay(job: ReplayJob) -> None:
    version = job.policy_version
    # (student, target) order: the order every writer locks determinations in.
    pairs = sorted(_pairs(version.policy))
    ReplayJob.objects.filter(pk=job.pk).update(status="running", total=len(pairs))
    params = {k: getattr(version, k) for k in VERSION_FIELDS}
    changed = 0
    for start in range(0, len(pairs), 2000):
        chunk = pairs[start : start + 2000]
        with transaction.atomic():
            new = _evaluate_pairs(chunk, params)
            for (s, t), (status, value, _level) in new.items():
                det = Determination.objects.filter(student_id=s, target_id=t).first()
                if (
                    det is None
                    or det.status != status
                    or det.value != value
                    or det.policy_version_id != version.pk
                ):
                    student = Student.objects.get(pk=s)
                    target = Item.objects.get(pk=t)
                    update_determination(student, target, reason="replay")
                    changed += 1
        ReplayJob.objects.filter(pk=job.pk).update(done=start + len(chunk), changed=changed)
    ReplayJob.objects.filter(pk=job.pk).update(status="done", done=len(pairs), changed=changed)


@retry_on_conflict
@transaction.atomic
def override_determination(
    actor: Actor, student: Student, target: Item, *, level_value: float, rationale: str
) -> Override:
    """Professional judgment over the policy's result. A written rationale is required."""
    authorize(actor, Act.CHANGE, Subject.STUDENT, student)
    if target.pk not in assessable_ids(student.school, [target.pk]):
        raise ValidationError({"target": why_not_assessable(student.school, target)})
    if len(rationale.strip()) < 10:
        raise ValidationError(
            {"rationale": "Explain the judgment in a sentence or two (at least 10 characters)."}
        )
    scale = engine.core_scale(engine.scale_for(target))
    if level_value not in scale.values:
        raise ValidationError(
            {
                "level_value": "Choose one of the scale's levels: "
                + ", ".join(f"{v:g}" for v in scale.values)
                + "."
            }
        )
    Override.objects.filter(student=student, target=target, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    advanced = scale.advanced
    status = (
        DeterminationStatus.ADVANCED
        if advanced is not None and level_value >= advanced
        else DeterminationStatus.PROFICIENT
        if level_value >= scale.mastery
        else DeterminationStatus.NOT_YET
    )
    override = Override.objects.create(
        student=student,
        target=target,
        level_value=level_value,
        status=status,
        rationale=rationale.strip(),
        by=actor,  # a person: the system never overrides
    )
    det = Determination.objects.filter(student=student, target=target).first()
    DeterminationHistory.objects.create(
        student=student,
        target=target,
        policy_version=det.policy_version
        if det
        else (engine.policy_for(student, target) or default_policy(student).current),
        value=det.value if det else None,
        level_value=level_value,
        status=status,
        evidence_count=det.evidence_count if det else 0,
        computed_at=timezone.now(),
        reason="override",
    )
    standing_changed.send(sender=Override, student=student)
    return override


@transaction.atomic
def withdraw_override(actor: Actor, override: Override) -> None:
    authorize(actor, Act.CHANGE, Subject.STUDENT, override.student)
    override.withdrawn_at = timezone.now()
    override.save(update_fields=["withdrawn_at"])
    standing_changed.send(sender=Override, student=override.student)


@transaction.atomic
def request_bkt_fit(
    actor: Actor,
    policy: MasteryPolicy,
    *,
    space: str = ParameterSpace.IDENTIFIABLE,
    variants: Sequence[str] = (),
) -> None:
    """Fit BKT for a target's policy in the background (``fit_bkt_version`` as the actor),
    in the parameter ``space`` and with the model ``variants`` chosen."""
    authorize(actor, Act.CHANGE, Subject.POLICY, policy)
    if policy.item is None or policy.item.kind != ItemKind.TARGET:
        raise ValidationError({"item": "BKT is fitted for a policy on one learning target."})
    if space not in ParameterSpace.__members__.values():
        raise ValidationError({"space": f"Unknown parameter space {space!r}."})
    chosen = list(variants)
    unknown = [v for v in chosen if v not in Variant.__members__.values()]
    if unknown:
        raise ValidationError({"variants": f"Unknown BKT variant {unknown[0]!r}."})
    from proficio.mastery.tasks import fit_bkt

    user_id = None if actor is SYSTEM else actor.pk
    transaction.on_commit(lambda: fit_bkt.enqueue(policy.pk, user_id, str(space), chosen))


@transaction.atomic
def fit_bkt_version(
    actor: Actor,
    policy: MasteryPolicy,
    target: Item,
    *,
    restarts: int = 5,
    space: str = ParameterSpace.IDENTIFIABLE,
    variants: Sequence[str] = (),
) -> PolicyVersion:
    """Fit BKT by EM on the target's item responses and store the model as a new version.

    ``space`` is the parameter space (identifiable, the default for mastery decisions,
    or unconstrained) and ``variants`` the model variants; the version records both, and
    the fit itself (exact log-likelihood, iterations, the winning restart). The variants
    read each response's quiz item (``multigs``), its quiz as the learning class
    (``multilearn``) and the student's school as the cohort (``multiprior``). A fit that
    did not converge is refused, not stored.
    """
    authorize(actor, Act.CHANGE, Subject.POLICY, policy)
    if target.kind != ItemKind.TARGET:
        raise ValidationError({"target": "BKT is fitted per learning target."})
    if space not in ParameterSpace.__members__.values():
        raise ValidationError({"space": f"Unknown parameter space {space!r}."})
    unknown = [v for v in variants if v not in Variant.__members__.values()]
    if unknown:
        raise ValidationError({"variants": f"Unknown BKT variant {unknown[0]!r}."})
    rows = list(
        ItemResponse.objects.filter(target=target)
        .order_by("student_id", "assessed_at", "evidence_id", "position")
        .values_list("student_id", "correct", "evidence__title", "position", "student__school_id")
    )
    students = len({row[0] for row in rows})
    if students < 20 or len(rows) < 100:
        raise ValidationError(
            {
                "target": f"Too little quiz data to fit BKT: {len(rows)} responses from "
                f"{students} students (need 100 from 20)."
            }
        )
    chosen = [Variant(v) for v in variants]
    result = fit(
        np.array([row[0] for row in rows]),
        np.array([1.0 if row[1] else 0.0 for row in rows]),
        space=ParameterSpace(space),
        variants=chosen,
        items=[engine.bkt_item(row[2], row[3]) for row in rows]
        if Variant.MULTIGS in chosen
        else None,
        learn_classes=[row[2] for row in rows] if Variant.MULTILEARN in chosen else None,
        cohorts=[str(row[4]) for row in rows] if Variant.MULTIPRIOR in chosen else None,
        restarts=restarts,
    )
    if not result.converged:
        raise ValidationError(
            {
                "target": f"BKT did not converge in {result.iterations} EM iterations; "
                "the fit was not stored."
            }
        )
    model = result.model
    return new_policy_version(
        actor,
        policy,
        {
            "method": "bkt",
            "bkt_params": {
                **model.as_dict(),
                "fit": {
                    "log_likelihood": result.log_likelihood,
                    "iterations": result.iterations,
                    "converged": result.converged,
                    "restart": result.restart,
                    "responses": result.responses,
                    "students": result.sequences,
                    "not_identified": list(result.not_identified),
                },
            },
        },
        note=f"BKT fitted by EM on {len(rows)} responses: {model.describe()},"
        f" {model.space.value} parameter space",
    )


def as_of(student: Student, moment: dt.datetime) -> dict[int, DeterminationHistory]:
    """The time machine: each target's determination as it stood at ``moment``."""
    return as_of_many([student.pk], moment)[student.pk]


def as_of_many(
    student_ids: Sequence[int], moment: dt.datetime
) -> dict[int, dict[int, DeterminationHistory]]:
    """:func:`as_of` for many students in one read (student id → target id → row)."""
    rows = DeterminationHistory.objects.filter(
        student_id__in=student_ids, computed_at__lte=moment
    ).order_by("student_id", "target_id", "computed_at", "id")
    latest: dict[int, dict[int, DeterminationHistory]] = {s: {} for s in student_ids}
    for row in rows:
        latest[row.student_id][row.target_id] = row
    return latest


@transaction.atomic
def rebuild_determinations(
    student_ids: Sequence[int],
    *,
    reason: str = "rebuild",
    pairs: set[tuple[int, int]] | None = None,
    resolved: dict[tuple[int, int], tuple[PolicyVersion, core.Scale]] | None = None,
) -> int:
    """Recompute every determination of these students from their evidence, in bulk.

    The same single-pair kernel as on each evidence write, evaluated in memory and
    written with bulk inserts (used after imports, by the demo generator and by
    learning-tool intake). With ``pairs`` only those (student, target) pairs are
    recomputed. ``resolved`` caches each (school, target)'s policy and scale across calls
    of one batch job.
    """
    from proficio.audit.log import record_bulk
    from proficio.audit.models import AuditAction
    from proficio.bulk import insert_rows, update_rows

    where: dict[str, Any] = {"student_id__in": student_ids}
    if pairs is not None:
        where["target_id__in"] = sorted({t for _, t in pairs})
    rows = (
        EvidenceScore.objects.filter(counts=True, **where)
        .values_list("student_id", "target_id", "evidence_id", "id", "score", "assessed_at", "kind")
        .order_by("student_id", "target_id")
    )
    points: dict[tuple[int, int], list[core.Point]] = defaultdict(list)
    for s, t, e, i, score, at, kind in rows.iterator(chunk_size=20000):
        if pairs is None or (s, t) in pairs:
            points[(s, t)].append(core.Point(f"{e}:{i}", score, at, kind))
    # Targets assessed only by quiz items (knowledge tracing) have no scores to find them by.
    quizzed = ItemResponse.objects.filter(evidence__status="accepted", **where).values_list(
        "student_id", "target_id"
    )
    for pair in quizzed.distinct():
        if pairs is None or pair in pairs:
            points.setdefault(pair, [])
    students = Student.objects.in_bulk({s for s, _ in points})
    targets = Item.objects.select_related("framework").in_bulk({t for _, t in points})
    if resolved is None:
        resolved = {}
    now = timezone.now()
    existing: dict[tuple[int, int], int] = {}
    if pairs is None:
        Determination.objects.filter(**where).delete()
    else:
        # Only these pairs: each is updated in place (or made), even with no evidence left.
        for pair in pairs:
            points.setdefault(pair, [])
        students = Student.objects.in_bulk({s for s, _ in points})
        targets = Item.objects.select_related("framework").in_bulk({t for _, t in points})
        existing = {
            (s, t): pk
            for pk, s, t in Determination.objects.filter(**where).values_list(
                "pk", "student_id", "target_id"
            )
            if (s, t) in pairs
        }
    dets: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for (s, t), pts in points.items():
        student, target = students[s], targets[t]
        key = (student.school_id, t)
        if key not in resolved:
            version = engine.policy_for(student, target) or default_policy(student).current
            resolved[key] = (version, engine.core_scale(engine.scale_for(target)))
        version, scale = resolved[key]
        if version.method == "bkt":  # BKT reads quiz item responses, not scores
            pts = engine.points_for(s, t, "bkt")
        elif not pts and pairs is None:
            continue  # quiz items only, under a policy that reads scores: nothing to say
        result = core.evaluate(pts, engine.core_policy(version, scale, student), scale)
        level = _level_value(result, scale)
        common = {
            "student_id": s,
            "target_id": t,
            "policy_version_id": version.pk,
            "value": result.value,
            "level_value": level,
            "status": result.status.value,
            "evidence_count": result.evidence_count,
        }
        dets.append(
            {
                **common,
                "last_assessed_at": result.last_assessed_at,
                "trend": result.trend,
                "explanation": engine.explanation(result, version),
                "computed_at": now,
            }
        )
        history.append({**common, "computed_at": now, "reason": reason})
    changed = [
        {"pk": existing[(d["student_id"], d["target_id"])], **d}
        for d in dets
        if (d["student_id"], d["target_id"]) in existing
    ]
    insert_rows(
        Determination, [d for d in dets if (d["student_id"], d["target_id"]) not in existing]
    )
    update_rows(Determination, changed)
    insert_rows(DeterminationHistory, history)
    record_bulk(AuditAction.UPDATE, "mastery.determination", len(dets), detail={"reason": reason})
    return len(dets)


@transaction.atomic
def set_rollup_rule(
    actor: Actor,
    item: Item,
    *,
    method: str,
    threshold: float | None = None,
    points: dict[str, float] | None = None,
    required: Sequence[int] = (),
) -> Any:
    """How a competency (or domain) rolls up from its children."""
    from proficio.core.mastery.rollup import RollupRule
    from proficio.mastery.models import RollupRuleModel

    authorize(actor, Act.CHANGE, Subject.FRAMEWORK, item.framework)
    if item.kind == ItemKind.TARGET:
        raise ValidationError(
            {"item": "Learning targets do not roll up; set the rule on a competency."}
        )
    children = {c.pk for c in engine.children_of(item)}
    unknown = [r for r in required if r not in children]
    if unknown:
        raise ValidationError({"required": "Required items must be children of this item."})
    try:
        RollupRule(
            method, points=points or {}, threshold=threshold, required=frozenset(map(str, required))
        )
    except ValueError as exc:
        field = "threshold" if "threshold" in str(exc) else "method"
        raise ValidationError({field: str(exc)}) from None
    rule, _ = RollupRuleModel.objects.update_or_create(
        item=item,
        defaults={
            "method": method,
            "threshold": threshold,
            "points": points or {},
            "required": list(required),
        },
    )
    return rule


# --- The district's continuum setting --------------------------------------------------------


@transaction.atomic
def set_continuum_setting(
    actor: Actor, district: Organization, *, infer_lower_levels: bool, note: str = ""
) -> ContinuumSetting:
    """A new version of the district's continuum setting (whether showing a level meets the
    levels below it). Those who may change the district's mastery policies may change it;
    every standing reads the newest version from then on."""
    from proficio.orgs.models import OrganizationKind

    authorize_in(actor, Act.CHANGE, Subject.POLICY, district)
    if district.kind != OrganizationKind.DISTRICT:
        raise ValidationError({"district": _("The continuum setting belongs to a district.")})
    newest = (
        ContinuumSetting.objects.select_for_update()
        .filter(district=district)
        .order_by("-version")
        .first()
    )
    return ContinuumSetting.objects.create(
        district=district,
        version=(newest.version + 1) if newest else 1,
        created_by=_person(actor),
        infer_lower_levels=bool(infer_lower_levels),
        note=note.strip(),
    )

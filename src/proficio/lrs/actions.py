"""The only code that writes learning-tool intake: pulls, statement records, alignments.

``pull_statements`` asks the LRS for the statements stored since its cursor, page by page.
Each page is taken in one transaction with the cursor's move, so a page is either taken
whole (and the cursor moves past it) or not at all. An LRS that is down ends the pull
with status ``lrs_down`` and the cursor where it was; the next pull (the periodic task
retries within a minute) starts there again.

``take_statements`` turns statements into evidence (see ``core.standards.xapi``):
- the learner is the Proficio account whose username, or OneRoster sourcedId, is the
  actor's ``account.name``, or whose email is the actor's ``mbox``;
- the learning target is the CASE item named by the activity's extension (by CASE URI or
  identifier), else the one the learner's district aligned the activity to
  (``ActivityAlignment``);
- under a knowledge-tracing (BKT) policy the statement becomes a quiz item response
  (right or wrong); under a rule policy, a score on the target's scale;
- a statement already taken is skipped (idempotent by statement id); a voiding statement
  retracts the evidence of the statement it voids;
- every statement that does not become evidence is counted by reason in the pull's
  report, and malformed ones are listed by statement id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from proficio import policy
from proficio.accounts.models import User
from proficio.bulk import insert_rows
from proficio.core.standards import xapi
from proficio.core.standards.xapi import ToolStatement, XAPIProblem
from proficio.evidence import actions as evidence_actions
from proficio.evidence.models import EvidenceKind
from proficio.frameworks.assessable import why_not_assessable
from proficio.frameworks.models import Item, ItemKind
from proficio.lrs.client import LrsClient, LrsUnavailable
from proficio.lrs.models import (
    ActivityAlignment,
    LrsCursor,
    LrsPull,
    Outcome,
    PullStatus,
    StatementRecord,
)
from proficio.mastery import engine
from proficio.mastery.actions import (
    default_policy,
    rebuild_determinations,
    update_determinations,
)
from proficio.orgs.models import Organization, Student
from proficio.policy import Act, Subject

MAX_PROBLEMS = 500
# Above this many (student, target) pairs, determinations are rebuilt in bulk.
BULK_PAIRS = 200
VOIDED_FEEDBACK = "Withdrawn by the learning tool (the xAPI statement was voided)."


@dataclass
class Intake:
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[dict[str, str]] = field(default_factory=list)
    unmapped: Counter[str] = field(default_factory=Counter)
    # Per (school, target), for the whole pull: why not assessable, and the policy's method
    # with the scale's ends. They depend on the school (its district), not the student.
    checked: dict[tuple[int, int], str | None] = field(default_factory=dict)
    methods: dict[tuple[int, int], tuple[str, float, float]] = field(default_factory=dict)
    resolved: dict[tuple[int, int], Any] = field(default_factory=dict)  # for the rebuild

    def problem(self, statement_id: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"statement": statement_id, "message": message})


def _require_system_or_admin(actor: Any) -> None:
    if actor is not policy.SYSTEM:
        policy.authorize(actor, Act.CHANGE, Subject.LRS)


def pull_statements(
    actor: Any, *, client: LrsClient | None = None, page_size: int | None = None
) -> LrsPull:
    """Pull every statement stored since the cursor; returns the pull's report."""
    _require_system_or_admin(actor)
    client = client or LrsClient.from_settings()
    limit = page_size or settings.PROFICIO_LRS_PAGE
    cursor, _ = LrsCursor.objects.get_or_create(endpoint=client.url)
    pull = LrsPull(
        started_at=timezone.now(),
        endpoint=client.url,
        status=PullStatus.DONE,
        cursor_before=cursor.last_statement_id,
    )
    intake = Intake()
    # The next page is fetched on a thread while this one is written: the LRS's work
    # (reading and serializing statements) and ours overlap. The cursor still moves only
    # with a page taken whole, so a prefetched page that is never taken is simply asked
    # for again by the next pull.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lrs-page") as fetcher:
        pending = fetcher.submit(client.page, cursor.last_statement_id, limit)
        while True:
            try:
                statements, following = pending.result()
            except LrsUnavailable as exc:
                pull.status = PullStatus.LRS_DOWN
                pull.message = str(exc)[:300]
                break
            if not statements:
                break
            if following:
                pending = fetcher.submit(client.page, following, limit)
            with transaction.atomic():
                take_statements(actor, statements, intake)
                last = statements[-1].get("id") if isinstance(statements[-1], dict) else None
                cursor.last_statement_id = str(following or last or cursor.last_statement_id)[:36]
                cursor.save(update_fields=["last_statement_id", "updated_at"])
            if not following:
                break
    pull.finished_at = timezone.now()
    pull.cursor_after = cursor.last_statement_id
    pull.counts = dict(intake.counts)
    pull.problems = intake.problems
    pull.unmapped = dict(intake.unmapped.most_common(50))
    pull.save()
    return pull


def _learners(statements: Sequence[ToolStatement]) -> dict[str, Student]:
    """Students by the key each statement names them with (``account:`` / ``mbox:``)."""
    names = {s.account_name for s in statements if s.account_name}
    mails = {s.mbox.lower() for s in statements if s.mbox}
    students: dict[str, Student] = {}
    if not names and not mails:
        return students
    found = Student.objects.filter(
        Q(user__username__in=names) | Q(user__sourced_id__in=names) | Q(user__email__in=mails)
    ).select_related("user", "school")
    by_sourced: dict[str, list[Student]] = {}
    by_mail: dict[str, list[Student]] = {}
    for student in found:
        user = student.user
        assert user is not None
        if user.username in names:
            students[f"account:{user.username}"] = student
        if user.sourced_id in names:
            by_sourced.setdefault(user.sourced_id, []).append(student)
        if user.email and user.email.lower() in mails:
            by_mail.setdefault(user.email.lower(), []).append(student)
    # A sourcedId or email shared by two people names no one.
    for key, group in by_sourced.items():
        if len(group) == 1:
            students.setdefault(f"account:{key}", group[0])
    for key, group in by_mail.items():
        if len(group) == 1:
            students[f"mbox:{key}"] = group[0]
    return students


def _learner(statement: ToolStatement, learners: dict[str, Student]) -> Student | None:
    if statement.account_name and f"account:{statement.account_name}" in learners:
        return learners[f"account:{statement.account_name}"]
    if statement.mbox:
        return learners.get(f"mbox:{statement.mbox.lower()}")
    return None


def _items(references: Iterable[str]) -> dict[str, Item]:
    refs = set(references)
    if not refs:
        return {}
    identifiers = []
    for ref in refs:
        with contextlib.suppress(XAPIProblem):
            identifiers.append(xapi._uuid(ref, "ref"))
    items = Item.objects.filter(Q(uri__in=refs) | Q(identifier__in=identifiers)).select_related(
        "framework", "framework__owner"
    )
    out: dict[str, Item] = {}
    for item in items:
        out[item.uri] = item
        out[str(item.identifier)] = item
    return out


def take_statements(actor: Any, raw_statements: Sequence[Any], intake: Intake) -> None:
    """Turn one page of statements into evidence (inside the caller's transaction)."""
    now = timezone.now()
    parsed: list[ToolStatement] = []
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in raw_statements:
        intake.counts["fetched"] += 1
        try:
            statement = xapi.read_statement(raw)
        except XAPIProblem as exc:
            statement_id = str(raw.get("id", "")) if isinstance(raw, dict) else ""
            intake.counts["malformed"] += 1
            intake.problem(statement_id or "(no id)", str(exc))
            try:  # a malformed statement with an id is remembered, and reported once
                uid = xapi._uuid(statement_id, "id")
            except XAPIProblem:
                continue
            if uid not in seen:
                seen.add(uid)
                records.append(_record(uid, Outcome.MALFORMED, now, str(exc)))
            continue
        if statement.id in seen:
            intake.counts["duplicate"] += 1
            continue
        seen.add(statement.id)
        parsed.append(statement)
    known = set(
        str(u)
        for u in StatementRecord.objects.filter(statement_id__in=list(seen)).values_list(
            "statement_id", flat=True
        )
    )
    records = [r for r in records if str(r["statement_id"]) not in known]
    fresh = [s for s in parsed if s.id not in known]
    intake.counts["duplicate"] += len(parsed) - len(fresh)
    voiding = [s for s in fresh if s.voids]
    voided_here = {s.voids for s in voiding}
    # A statement voided on the same page is never taken (``_void`` counts it).
    for s in fresh:
        if not s.voids and s.id in voided_here:
            records.append(_record(s.id, Outcome.VOIDED, now, "voided on the same page"))
    taking = [s for s in fresh if not s.voids and s.id not in voided_here]
    learners = _learners(taking)
    items = _items(s.case_item for s in taking if s.case_item)
    alignments = _alignments(taking)
    rows: list[dict[str, Any]] = []
    row_statements: list[ToolStatement] = []
    checked, methods = intake.checked, intake.methods
    for s in taking:
        student = _learner(s, learners)
        if student is None:
            intake.counts["unknown_learner"] += 1
            intake.problem(s.id, "No learner in Proficio matches the actor's account or mbox.")
            records.append(_record(s.id, Outcome.UNKNOWN_LEARNER, now))
            continue
        target = items.get(s.case_item or "") if s.case_item else None
        if target is None:
            target = alignments.get((student.school.parent_id or 0, s.activity or ""))
        if target is None or target.kind != ItemKind.TARGET:
            intake.counts["unmapped"] += 1
            intake.unmapped[s.activity or ""] += 1
            records.append(_record(s.id, Outcome.UNMAPPED, now))
            continue
        key = (student.school_id, target.pk)
        if key not in checked:
            checked[key] = why_not_assessable(student.school, target)
        if checked[key]:
            intake.counts["not_assessable"] += 1
            intake.problem(s.id, str(checked[key]))
            records.append(_record(s.id, Outcome.NOT_ASSESSABLE, now, str(checked[key])[:300]))
            continue
        if key not in methods:
            version = engine.policy_for(student, target) or default_policy(student).current
            scale = engine.core_scale(engine.scale_for(target))
            methods[key] = (version.method, scale.values[0], scale.values[-1])
        method, low, high = methods[key]
        try:
            if method == "bkt":
                responses = [(target.pk, xapi.right_or_wrong(s))]
                scores: list[tuple[int, float]] = []
            else:
                responses = []
                scores = [(target.pk, xapi.score_on(s, low, high))]
        except XAPIProblem as exc:
            intake.counts["malformed"] += 1
            intake.problem(s.id, str(exc))
            records.append(_record(s.id, Outcome.MALFORMED, now, str(exc)))
            continue
        intake.counts["item_responses" if responses else "scores"] += 1
        row_statements.append(s)
        rows.append(
            {
                "student_id": student.pk,
                "kind": EvidenceKind.QUIZ,
                "title": s.activity_name[:200] or "Learning tool activity",
                "assessed_at": s.at,
                "scores": scores,
                "responses": responses,
                "partner_organization": "",
                "verifier": "",
                "_target": target.pk,
            }
        )
    ids = evidence_actions.bulk_record_evidence(actor, rows) if rows else []
    intake.counts["evidence"] += len(ids)
    for s, evidence_id in zip(row_statements, ids, strict=True):
        records.append(_record(s.id, Outcome.EVIDENCE, now, evidence=evidence_id))
    pairs = {(r["student_id"], r["_target"]) for r in rows}
    pairs |= _void(actor, voiding, records, intake, now)
    insert_rows(StatementRecord, records)
    _update_determinations(pairs, intake)


def _record(
    statement_id: str, outcome: str, now: dt.datetime, detail: str = "", evidence: int | None = None
) -> dict[str, Any]:
    return {
        "statement_id": statement_id,
        "outcome": outcome,
        "evidence_id": evidence,
        "detail": detail[:300],
        "pulled_at": now,
    }


def _alignments(statements: Sequence[ToolStatement]) -> dict[tuple[int, str], Item]:
    activities = {s.activity for s in statements if s.activity and not s.case_item}
    if not activities:
        return {}
    return {
        (a.district_id, a.activity_id): a.target
        for a in ActivityAlignment.objects.filter(activity_id__in=activities).select_related(
            "target", "target__framework", "target__framework__owner"
        )
    }


def _void(
    actor: Any,
    voiding: Sequence[ToolStatement],
    records: list[dict[str, Any]],
    intake: Intake,
    now: dt.datetime,
) -> set[tuple[int, int]]:
    """Retract the evidence of voided statements; remember voids of statements not yet
    seen, so they are never taken."""
    if not voiding:
        return set()
    targets = {s.voids for s in voiding if s.voids}
    pending = {r["statement_id"]: r for r in records}
    existing = {
        str(r.statement_id): r for r in StatementRecord.objects.filter(statement_id__in=targets)
    }
    retract: list[int] = []
    for s in voiding:
        intake.counts["voiding"] += 1
        records.append(_record(s.id, Outcome.VOIDING, now, f"voids {s.voids}"))
        assert s.voids is not None
        if s.voids in pending:  # taken on this very page
            row = pending[s.voids]
            if row["evidence_id"]:
                retract.append(row["evidence_id"])
            row["outcome"] = Outcome.VOIDED
            intake.counts["voided"] += 1
        elif s.voids in existing:
            record = existing[s.voids]
            if record.outcome != Outcome.VOIDED:
                if record.evidence_id:
                    retract.append(record.evidence_id)
                record.outcome = Outcome.VOIDED
                record.save(update_fields=["outcome"])
                intake.counts["voided"] += 1
        else:
            records.append(_record(s.voids, Outcome.VOIDED, now, f"voided by {s.id}"))
            intake.counts["voided"] += 1
    if not retract:
        return set()
    return evidence_actions.bulk_retract_evidence(actor, retract, feedback=VOIDED_FEEDBACK)


def _update_determinations(pairs: set[tuple[int, int]], intake: Intake) -> None:
    if not pairs:
        return
    if len(pairs) > BULK_PAIRS:
        rebuild_determinations(
            sorted({s for s, _ in pairs}), reason="evidence", pairs=pairs, resolved=intake.resolved
        )
        return
    students = Student.objects.select_related("school").in_bulk({s for s, _ in pairs})
    targets = Item.objects.select_related("framework").in_bulk({t for _, t in pairs})
    by_student: dict[int, list[Item]] = {}
    for s, t in sorted(pairs):
        by_student.setdefault(s, []).append(targets[t])
    for s, items in by_student.items():
        update_determinations(students[s], items, reason="evidence")


# -- Alignments, kept by a district's administrators ----------------------------------------


@transaction.atomic
def align_activity(
    actor: Any, district: Organization, *, activity_id: str, target: Item
) -> ActivityAlignment:
    """Say that a learning-tool activity assesses ``target`` in ``district``."""
    policy.authorize(actor, Act.CHANGE, Subject.LRS, district)
    activity_id = activity_id.strip()
    errors: dict[str, str] = {}
    if not activity_id or ":" not in activity_id or len(activity_id) > 500:
        errors["activity_id"] = "Give the activity's id, an IRI such as https://tool.example/q/7."
    if target.kind != ItemKind.TARGET or target.archived_at is not None:
        errors["target"] = "Choose a learning target that is not archived."
    elif ActivityAlignment.objects.filter(district=district, activity_id=activity_id).exists():
        errors["activity_id"] = "This activity is already aligned in this district."
    if errors:
        raise ValidationError(errors)
    return ActivityAlignment.objects.create(
        district=district,
        activity_id=activity_id,
        target=target,
        created_by=actor if isinstance(actor, User) else None,
    )


@transaction.atomic
def remove_alignment(actor: Any, alignment: ActivityAlignment) -> None:
    """Stop aligning an activity; evidence already recorded from it stays."""
    policy.authorize(actor, Act.CHANGE, Subject.LRS, alignment.district)
    alignment.delete()

"""Shared by the benchmarks: bulk-load scored evidence as an import would, and p95.

Import after ``django.setup()``. Each piece of evidence gets one score; ids are given
explicitly, so on PostgreSQL the id sequences are moved past them afterwards.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import uuid
from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone

from proficio.bulk import insert_rows
from proficio.evidence.models import Evidence, EvidenceScore

# (student id, target id, score, when the learning was shown)
Point = tuple[int, int, float, dt.datetime]


def p95(times: list[float]) -> float:
    """The 95th percentile of durations in seconds, in milliseconds."""
    return statistics.quantiles(times, n=20)[-1] * 1000


def next_evidence_id() -> int:
    return (Evidence.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1


def insert_points(
    points: Sequence[Point], *, first_id: int, scorer: int, kind: str, title: str
) -> None:
    """One piece of evidence and its one score per point, in one transaction."""
    evidence, scores = [], []
    for k, (student, target, score, when) in enumerate(points):
        pk = first_id + k
        evidence.append(
            {
                "id": pk,
                "uuid": uuid.uuid4(),
                "student_id": student,
                "kind": kind,
                "title": title,
                "description": "",
                "assessed_at": when,
                "recorded_at": when,
                "scorer_id": scorer,
                "submitted_by_id": None,
                "rubric_id": None,
                "feedback": "",
                "status": "accepted",
                "partner_organization": "",
                "verifier": "",
            }
        )
        scores.append(
            {
                "evidence_id": pk,
                "student_id": student,
                "target_id": target,
                "criterion_id": None,
                "score": score,
                "assessed_at": when,
                "kind": kind,
                "counts": True,
            }
        )
    with transaction.atomic():
        insert_rows(Evidence, evidence)
        insert_rows(EvidenceScore, scores)


def finish_load() -> None:
    """After explicit ids: move PostgreSQL's sequences on, then vacuum and analyze, as an
    operator does after a bulk load. ANALYZE alone leaves the insert-driven autovacuum of
    the two million-row tables (and their indexes) to start on its own a minute or so
    later, inside whatever the benchmark times next, on the same cores."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("evidence_evidence", "evidence_evidencescore"):
            # Our own table names; nothing here comes from input.
            top = f"(SELECT max(id) FROM {table})"  # noqa: S608
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {top})")
        cursor.execute("VACUUM (ANALYZE)")


def load_random_evidence(
    rows: int, students: list[int], targets: list[int], scorer: int, rng: random.Random
) -> None:
    """``rows`` observations over the last 700 days, students and targets at random."""
    first_id = next_evidence_id()
    now = timezone.now()
    chunk = 100_000
    for start in range(0, rows, chunk):
        points = [
            (
                rng.choice(students),
                rng.choice(targets),
                float(rng.randint(1, 4)),
                now - dt.timedelta(days=rng.randint(1, 700), seconds=rng.randint(0, 86_400)),
            )
            for _ in range(min(chunk, rows - start))
        ]
        insert_points(
            points,
            first_id=first_id + start,
            scorer=scorer,
            kind="observation",
            title="Earlier evidence",
        )
    finish_load()

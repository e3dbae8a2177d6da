"""Concurrent evidence writes against a real database (run as a subprocess by
tests/test_concurrency.py and benchmarks; its own process, so its threads get their own
database connections, outside any test transaction).

    python tests/race_writer.py --threads 20 --writes 15 --students 2 --targets 2

Threads post evidence through the JSON API (the full request path: middleware, the view,
the action with its retry) for the same few (student, target) pairs, each listing the
targets in its own order, so [A, B] and [B, A] meet. It then checks what the issue asks:
no response was a 500, every successful write is in the database exactly once, and every
determination equals a fresh recompute. It prints one JSON line with the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings.test")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--writes", type=int, default=15)
    parser.add_argument("--students", type=int, default=2)
    parser.add_argument("--targets", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from proficio.accounts.models import User
    from proficio.frameworks.assessable import assessable_targets
    from proficio.orgs.models import Student

    teacher = User.objects.get(username="rivera")
    students = list(
        Student.objects.filter(enrollments__section__staff__user=teacher)
        .distinct()
        .order_by("pk")[: args.students]
    )
    targets = list(
        assessable_targets(students[0].school).filter(human_coding_scheme__startswith="MATH.1.")
    )[: args.targets]
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(teacher)
        rng = random.Random(args.seed * 1000 + n)
        try:
            for k in range(args.writes):
                student = rng.choice(students)
                chosen = rng.sample(targets, len(targets))  # each thread its own order
                title = f"race {n}-{k}"
                body = {
                    "kind": "quiz",
                    "title": title,
                    "assessed_at": (timezone.now() - dt.timedelta(minutes=k)).isoformat(),
                    "scores": [
                        {"target": str(t.identifier), "score": float(rng.randint(1, 4))}
                        for t in chosen
                    ],
                }
                response = client.post(
                    f"/api/v1/students/{student.pk}/evidence",
                    json.dumps(body),
                    content_type="application/json",
                )
                with lock:
                    results.append((response.status_code, title))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    print(json.dumps(check(results, students, targets, prefix="race ")))
    return 0


def check(
    results: list[tuple[int, str]], students: list[Any], targets: list[Any], *, prefix: str
) -> dict[str, Any]:
    """What the issue asks of a race: the answers' statuses (``results``: each answer's
    status and the title it wrote); the titles of successful writes missing from the
    database or stored twice, and stored titles (those starting with ``prefix``) that no
    successful answer wrote; every (student, target) determination that differs from a
    fresh recompute."""
    from proficio.evidence.models import Evidence
    from proficio.mastery import engine
    from proficio.mastery.models import Determination

    statuses: dict[str, int] = {}
    for status, _title in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    saved = [title for status, title in results if status == 201]
    stored = list(Evidence.objects.filter(title__startswith=prefix).values_list("title", flat=True))
    missing = sorted(set(saved) - set(stored))
    duplicated = sorted({t for t in stored if stored.count(t) > 1})
    unexpected = sorted(set(stored) - set(saved))
    stale = []
    for student in students:
        for target in targets:
            det = Determination.objects.filter(student=student, target=target).first()
            version = engine.policy_for(student, target)
            if det is None or version is None:
                stale.append(f"{student.pk}/{target.pk}: missing")
                continue
            fresh, _scale = engine.compute(student, target, version)
            if (det.value, det.evidence_count, det.status) != (
                fresh.value,
                fresh.evidence_count,
                fresh.status.value,
            ):
                stale.append(
                    f"{student.pk}/{target.pk}: stored {det.value}/{det.evidence_count}, "
                    f"recomputed {fresh.value}/{fresh.evidence_count}"
                )
    return {
        "requests": len(results),
        "statuses": statuses,
        "saved": len(saved),
        "missing": missing,
        "duplicated": duplicated,
        "unexpected": unexpected,
        "stale": stale,
    }


if __name__ == "__main__":
    raise SystemExit(main())

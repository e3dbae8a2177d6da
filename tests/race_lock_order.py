"""Two evidence writes on the same student, one naming targets [A, B, C] and the other
[C, B, A], started together, round after round, with some of the pairs' determination rows
already there and some not (run as a subprocess by tests/test_concurrency.py against a
real database, its own process, so its threads get their own connections).

    python tests/race_lock_order.py --rounds 24

Each round takes a student with no determination on A, B or C, first writes evidence on
a random non-empty part of them (so those rows exist and the rest do not: a missing pair
is made by whichever of the two writers gets there first), then lets the two writers go
at once through the JSON API (the whole request path, the action's retry included).
Every conflict the retry sees is noted by its SQLSTATE (a spy on ``retry.is_conflict``),
so a deadlock (40P01) is counted even when the retry hides it from the answer. It prints
one JSON line: ``race_writer.check``'s counts, the conflicts and the rounds run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings.test")

PREFIX = "order race "


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from proficio import retry
    from proficio.accounts.models import User
    from proficio.frameworks.assessable import assessable_targets
    from proficio.mastery.models import Determination
    from proficio.orgs.models import Student
    from race_writer import check

    conflicts: list[str] = []
    seen = threading.Lock()
    is_conflict = retry.is_conflict

    def spy(exc: BaseException) -> bool:
        cause = exc.__cause__ or exc
        with seen:
            conflicts.append(str(getattr(cause, "sqlstate", None) or type(cause).__name__))
        return is_conflict(exc)

    retry.is_conflict = spy  # type: ignore[assignment]

    teacher = User.objects.get(username="rivera")
    students = list(
        Student.objects.filter(enrollments__section__staff__user=teacher).distinct().order_by("pk")
    )
    school_targets = sorted(
        assessable_targets(students[0].school).filter(human_coding_scheme__startswith="MATH."),
        key=lambda t: t.pk,
    )
    # (student, three targets) with no determination yet, taken in turn by the rounds.
    triples = [school_targets[k : k + 3] for k in range(0, len(school_targets) - 2, 3)]
    fresh = []
    for student in students:
        had = set(Determination.objects.filter(student=student).values_list("target_id", flat=True))
        fresh += [(student, t) for t in triples if not had & {x.pk for x in t}]
    rounds = fresh[: args.rounds]
    assert len(rounds) == args.rounds, f"only {len(fresh)} rounds' worth of fresh pairs"

    rng = random.Random(args.seed)
    serial = iter(range(10**9))
    results: list[tuple[int, str]] = []

    def post(client: Client, student: Any, targets: list[Any]) -> tuple[int, str]:
        title = f"{PREFIX}{next(serial)}"
        body = {
            "kind": "quiz",
            "title": title,
            "assessed_at": (timezone.now() - dt.timedelta(minutes=rng.randint(0, 600))).isoformat(),
            "scores": [
                {"target": str(t.identifier), "score": float(rng.randint(1, 4))} for t in targets
            ],
        }
        response = client.post(
            f"/api/v1/students/{student.pk}/evidence",
            json.dumps(body),
            content_type="application/json",
        )
        return response.status_code, title

    start, end = threading.Barrier(3), threading.Barrier(3)
    job: dict[str, Any] = {}

    def writer(reverse: bool) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(teacher)
        try:
            for _ in rounds:
                start.wait()
                targets = job["targets"][::-1] if reverse else job["targets"]
                answer = post(client, job["student"], targets)
                with seen:
                    results.append(answer)
                end.wait()
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(r,)) for r in (False, True)]
    for t in threads:
        t.start()
    setup = Client()
    setup.force_login(teacher)
    existing = []  # per round, how many of the three pairs had a row before the race
    for student, targets in rounds:
        there = rng.sample(targets, rng.randint(1, 2))  # some pairs there, some not
        results.append(post(setup, student, sorted(there, key=lambda t: t.pk)))
        existing.append(Determination.objects.filter(student=student, target__in=targets).count())
        job.update(student=student, targets=targets)
        start.wait()
        end.wait()
    for t in threads:
        t.join()
    report = check(results, [], [], prefix=PREFIX)  # every write kept, once
    report["stale"] = [  # every determination of the rounds equals a fresh recompute
        line
        for student, targets in rounds
        for line in check([], [student], targets, prefix=PREFIX)["stale"]
    ]
    report.update(rounds=len(rounds), existing=existing, conflicts=conflicts)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

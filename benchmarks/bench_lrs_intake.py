"""Learning-tool intake: 100,000 xAPI statements from a real LRS (Ralph) become evidence.

    python benchmarks/bench_lrs_intake.py             # SQLite (a fresh file)
    python tools/with_postgres.py -- python benchmarks/bench_lrs_intake.py   # PostgreSQL

Seeds the demo district without history (1,000 students), starts Ralph with its
filesystem backend, posts 100,000 statements to it (not timed as intake: that is the
tools' side), then times ``pull_statements``: paging them out of Ralph over HTTP, reading
each statement, finding learner and target, writing evidence, statement records and the
determinations. 90% name a CASE item of the district framework (scores), 10% an activity
aligned to nothing (counted). Target: under 60 s. Baseline in the same run:
``bulk_record_evidence`` of the same evidence rows, already built (rolled back).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-lrs-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from proficio.audit.context import acting  # noqa: E402
from proficio.demo import generate  # noqa: E402
from proficio.evidence.actions import bulk_record_evidence  # noqa: E402
from proficio.frameworks.models import Item, ItemKind  # noqa: E402
from proficio.lrs import actions, ralph  # noqa: E402
from proficio.lrs.client import LrsClient  # noqa: E402
from proficio.orgs.models import Student  # noqa: E402
from proficio.policy import SYSTEM  # noqa: E402

USER, PASSWORD = "bench", "bench-lrs-password"


def statements(n: int, usernames: list[str], targets: list[str], seed: int) -> list[dict]:
    rng = random.Random(seed)
    start = timezone.now() - timezone.timedelta(days=60)
    out = []
    for i in range(n):
        aligned = rng.random() < 0.9
        definition: dict = {"name": {"en-US": f"Practice item {i % 500}"}}
        if aligned:
            definition["extensions"] = {"urn:proficio:xapi:case-item": rng.choice(targets)}
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "actor": {
                    "objectType": "Agent",
                    "account": {"homePage": "https://sis.example", "name": rng.choice(usernames)},
                },
                "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                "object": {
                    "objectType": "Activity",
                    "id": f"https://tool.example/items/{i % 500 if aligned else 'free'}",
                    "definition": definition,
                },
                "result": {"score": {"scaled": round(rng.random(), 2)}},
                "timestamp": (start + timezone.timedelta(minutes=i % 80000)).isoformat(),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--students", type=int, default=1000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    generate.generate(students=args.students, seed=0, today=timezone.localdate(), history=False)
    usernames = list(
        Student.objects.filter(user__isnull=False).values_list("user__username", flat=True)
    )
    targets = list(
        Item.objects.filter(
            kind=ItemKind.TARGET, framework__title__startswith="Riverbend", archived_at=None
        ).values_list("uri", flat=True)
    )
    data = statements(args.statements, usernames, targets, seed=1)
    port = ralph.free_port()
    store = Path(tempfile.mkdtemp(prefix="proficio-bench-ralph-"))
    process = ralph.start(store, port=port, username=USER, password=PASSWORD, page=5000)
    try:
        client = LrsClient(f"http://127.0.0.1:{port}/xAPI", USER, PASSWORD, timeout=300)
        started = time.perf_counter()
        for i in range(0, len(data), 5000):
            client.post(data[i : i + 5000])
        posted = time.perf_counter() - started
        print(f"database: {connection.vendor}")
        print(
            f"LRS: Ralph (filesystem backend); {len(data):,} statements posted in {posted:.1f} s"
            f" ({len(usernames):,} learners, {len(targets)} targets)"
        )
        started = time.perf_counter()
        cpu = time.process_time()
        with acting(None, route="bench: lrs pull"):
            pull = actions.pull_statements(SYSTEM, client=client, page_size=5000)
        took = time.perf_counter() - started
        cpu_took = time.process_time() - cpu
        counts = pull.counts
        print(
            f"pull: {took:.1f} s ({cpu_took:.1f} s CPU in Proficio) for {counts['fetched']:,} "
            f"statements -> {counts['evidence']:,} evidence, {counts.get('unmapped', 0):,} "
            f"unmapped (target < 60 s; {counts['fetched'] / took:,.0f} statements/s)"
        )
        # The baseline: the same evidence rows, already built, through bulk_record_evidence.
        students = dict(Student.objects.values_list("user__username", "pk"))
        by_uri = dict(Item.objects.filter(uri__in=targets).values_list("uri", "pk"))
        rows = [
            {
                "student_id": students[s["actor"]["account"]["name"]],
                "kind": "quiz",
                "title": s["object"]["definition"]["name"]["en-US"],
                "assessed_at": timezone.datetime.fromisoformat(s["timestamp"]),
                "scores": [
                    (
                        by_uri[
                            s["object"]["definition"]["extensions"]["urn:proficio:xapi:case-item"]
                        ],
                        1 + 3 * s["result"]["score"]["scaled"],
                    )
                ],
            }
            for s in data
            if "extensions" in s["object"]["definition"]
        ]
        started = time.perf_counter()
        with transaction.atomic(), acting(None, route="bench: baseline"):
            bulk_record_evidence(SYSTEM, rows)
            transaction.set_rollback(True)
        baseline = time.perf_counter() - started
        print(
            f"baseline: bulk_record_evidence of the same {len(rows):,} rows: {baseline:.1f} s; "
            f"pull / baseline: {took / baseline:.1f}x"
        )
    finally:
        ralph.stop(process)


if __name__ == "__main__":
    main()

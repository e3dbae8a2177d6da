"""Evidence write with its determination updated in the same transaction, against a
database already holding a million pieces of evidence.

    python benchmarks/bench_evidence_write.py                          # SQLite
    python tools/with_postgres.py -- python benchmarks/bench_evidence_write.py

Target: p95 under 25 ms. The baseline, measured in the same run, is the same write
against an empty evidence table, so the ratio shows what a million rows cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-evidence-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django

django.setup()

from _bulk_evidence import load_random_evidence, p95  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from proficio.accounts.models import User  # noqa: E402
from proficio.evidence import actions  # noqa: E402
from proficio.evidence.models import Evidence  # noqa: E402
from proficio.frameworks.models import Item, ItemKind  # noqa: E402
from proficio.orgs.models import Student  # noqa: E402


def writes(
    n: int, students: list[Student], targets: list[Item], teacher: User, rng: random.Random
) -> list[float]:
    times = []
    now = timezone.now()
    for _ in range(n):
        student = rng.choice(students)
        target = rng.choice(targets)
        started = time.perf_counter()
        actions.record_evidence(
            teacher,
            student=student,
            kind="performance_task",
            title="Benchmark task",
            assessed_at=now - dt.timedelta(days=rng.randint(0, 60)),
            scores=[actions.ScoreInput(target, float(rng.randint(1, 4)))],
        )
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--students", type=int, default=2_000)
    parser.add_argument("--writes", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("demo", students=args.students, seed=3, no_history=True, verbosity=0)
    rng = random.Random(5)
    students = list(Student.objects.select_related("school", "school__parent"))
    targets = [
        t
        for t in Item.objects.filter(
            kind=ItemKind.TARGET, framework__title__startswith="Riverbend Unified"
        )
        .exclude(category="educator")
        .select_related("framework")
    ]
    teacher = User.objects.get(username="rivera")
    base = writes(args.writes, students, targets, teacher, rng)
    print(f"[{connection.vendor}] evidence write, empty table: p95 {p95(base):.1f} ms")

    started = time.perf_counter()
    load_random_evidence(
        args.rows, [st.pk for st in students], [t.pk for t in targets], teacher.pk, rng
    )
    took = time.perf_counter() - started
    total = Evidence.objects.count()
    print(
        f"[{connection.vendor}] loaded {args.rows:,} rows in {took:.1f} s ({total:,} in the table)"
    )
    loaded = writes(args.writes, students, targets, teacher, rng)
    print(
        f"[{connection.vendor}] evidence write with {args.rows:,} rows: "
        f"p95 {p95(loaded):.1f} ms "
        f"(target < 25 ms; ratio {p95(loaded) / 25:.2f}); "
        f"x{p95(loaded) / p95(base):.2f} the empty-table p95"
    )


if __name__ == "__main__":
    main()

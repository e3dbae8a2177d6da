"""The whole-class scoring autosave: one cell posted through the Django test client, as
the scoring sheet's HTMX request sends it, saved as evidence with the determination
recomputed, and the cell drawn again.

    python benchmarks/bench_scoring_autosave.py                          # SQLite
    python tools/with_postgres.py -- python benchmarks/bench_scoring_autosave.py

Target: round trip p95 under 100 ms. The baseline, measured in the same run, is the
existing single evidence write (``record_evidence`` with one score, no HTTP), so the ratio
shows what the worksheet, its version check and the request add.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-autosave-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")
os.environ["PROFICIO_DEBUG"] = "0"

import django

django.setup()

from _bulk_evidence import p95  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from proficio.audit.context import acting  # noqa: E402
from proficio.classroom import actions as classroom  # noqa: E402
from proficio.evidence import actions as evidence  # noqa: E402
from proficio.frameworks.models import Rubric  # noqa: E402

TARGET_MS = 100.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument("--rows", type=int, default=0, help="evidence rows to load first")
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("demo", students=args.students, seed=3, no_history=True, verbosity=0)
    # The grid benchmark's helpers: the same class of 35 and the same bulk loader.
    from _bulk_evidence import load_random_evidence
    from bench_class_grid import class_of

    rng = random.Random(13)
    section, teacher = class_of(35)
    students = classroom.roster(section)
    rubric = Rubric.objects.get(title="Number sense and operations rubric")
    criteria = list(rubric.criteria.select_related("item__framework").order_by("position", "pk"))
    vendor = connection.vendor
    if args.rows:
        from proficio.orgs.models import Student

        started = time.perf_counter()
        with acting(None, route="bench"):
            load_random_evidence(
                args.rows,
                list(Student.objects.values_list("pk", flat=True)),
                [c.item_id for c in criteria],
                teacher.pk,
                rng,
            )
        print(f"[{vendor}] loaded {args.rows:,} rows in {time.perf_counter() - started:.1f} s")

    # Baseline: the existing evidence write with one score.
    base = []
    with acting(teacher, route="bench"):
        for _ in range(args.saves):
            student, criterion = rng.choice(students), rng.choice(criteria)
            started = time.perf_counter()
            evidence.record_evidence(
                teacher,
                student=student,
                kind="performance_task",
                title="Baseline task",
                assessed_at=timezone.now() - dt.timedelta(days=1),
                scores=[evidence.ScoreInput(criterion.item, float(rng.randint(1, 4)), criterion)],
            )
            base.append(time.perf_counter() - started)
    print(f"[{vendor}] evidence write (baseline): p95 {p95(base):.1f} ms")

    with acting(teacher, route="bench"):
        task = classroom.create_scoring_task(
            teacher,
            section=section,
            title="Benchmark task",
            kind="performance_task",
            assessed_on=timezone.localdate(),
            rubric=rubric,
        )
    client = Client()
    client.force_login(teacher)
    url = reverse("classroom:score", args=[section.pk, task.pk])
    versions: dict[tuple[int, int], int] = {}
    times = []
    for n in range(args.saves + 5):
        student, criterion = rng.choice(students), rng.choice(criteria)
        key = (student.pk, criterion.pk)
        # Mostly new cells, some changes and some clears, as a teacher scores.
        score = "" if rng.random() < 0.05 else str(rng.randint(1, 4))
        started = time.perf_counter()
        response = client.post(
            url,
            {
                "student": student.pk,
                "criterion": criterion.pk,
                "score": score,
                "version": versions.get(key, 0),
            },
            HTTP_HX_REQUEST="true",
        )
        took = time.perf_counter() - started
        assert response.status_code == 200, response.content[:300]
        marker = 'data-version="'
        body = response.content.decode()
        versions[key] = int(body[body.index(marker) + len(marker) :].split('"', 1)[0])
        if n >= 5:  # the first few warm the caches
            times.append(took)
    figure = p95(times)
    print(
        f"[{vendor}] scoring autosave round trip: p95 {figure:.1f} ms, "
        f"median {statistics.median(times) * 1000:.1f} ms over {len(times)} saves "
        f"(target < {TARGET_MS:.0f} ms; ratio {figure / TARGET_MS:.2f}); "
        f"x{figure / p95(base):.2f} the evidence-write p95"
    )


if __name__ == "__main__":
    main()

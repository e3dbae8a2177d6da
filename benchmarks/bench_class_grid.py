"""The teacher's class grid (35 students × the course's learning targets: the 24 of
mathematics for Ms. Rivera's class; widened, every assessable target) with a million
pieces of evidence in the database, timed through the Django test client (the whole request:
middleware, policy, queries, rendering).

    python benchmarks/bench_class_grid.py                          # SQLite
    python tools/with_postgres.py -- python benchmarks/bench_class_grid.py

Target: server time p95 under 150 ms, with the bulk-read audit on (each request writes
one access entry per student; the benchmark counts them). The baseline, measured in the
same run, is the same grid before the million rows are loaded (the class's own evidence
only), so the ratio shows what the big evidence table costs. Wall-clock under a shared
machine's load varies, so each phase also prints its CPU per request: this process (the
whole Django request) and, on PostgreSQL, the database backend serving it; their ratio
is the steadier figure. After the bulk load the evidence tables are vacuumed and analyzed
(``_bulk_evidence.finish_load``), as an operator does after a bulk import.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-grid-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")
os.environ["PROFICIO_DEBUG"] = "0"  # as in production: no debug toolbar of queries kept

import django

django.setup()

from _bulk_evidence import load_random_evidence, p95  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from proficio.accounts.models import User  # noqa: E402
from proficio.audit.context import acting  # noqa: E402
from proficio.audit.models import AuditAction, AuditEntry  # noqa: E402
from proficio.classroom import actions as classroom  # noqa: E402
from proficio.classroom import grid  # noqa: E402
from proficio.evidence.models import EvidenceScore  # noqa: E402
from proficio.mastery.actions import rebuild_determinations  # noqa: E402
from proficio.orgs import actions as orgs  # noqa: E402
from proficio.orgs.models import Section, Student  # noqa: E402
from proficio.policy import SYSTEM  # noqa: E402

TARGET_MS = 150.0


def class_of(size: int) -> tuple[Section, User]:
    """Ms. Rivera's class, topped up to ``size`` students from her school."""
    teacher = User.objects.get(username="rivera")
    section = Section.objects.get(staff__user=teacher)
    enrolled = {s.pk for s in classroom.roster(section)}
    extra = (
        Student.objects.filter(school=section.school)
        .exclude(pk__in=enrolled)
        .order_by("pk")[: max(0, size - len(enrolled))]
    )
    with acting(None, route="bench"):
        for student in extra:
            orgs.enroll(
                SYSTEM, student=student, section=section, start_date=section.term.start_date
            )
    return section, teacher


CPU: dict[str, float] = {}  # mean CPU ms per request of the last timed run: app, database


def _backend_ticks() -> tuple[int, int] | None:
    """The PostgreSQL backend serving this connection and the CPU clock ticks it has used
    (None on SQLite, which runs inside this process and so counts as the app's)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, int(fields[11]) + int(fields[12])


def time_grid(client: Client, url: str, n: int) -> list[float]:
    for _ in range(3):  # warm the caches (templates, translations, the connection)
        assert client.get(url).status_code == 200
    times = []
    cpu, db = time.process_time(), _backend_ticks()
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    db_after = _backend_ticks()
    CPU["app"] = (time.process_time() - cpu) * 1000 / n
    same = db is not None and db_after is not None and db[0] == db_after[0]
    CPU["database"] = (
        (db_after[1] - db[1]) * 1000 / os.sysconf("SC_CLK_TCK") / n
        if same and db is not None and db_after is not None
        else float("nan")
    )
    return times


def cpu_line() -> str:
    return f"CPU per request: app {CPU['app']:.1f} ms + database {CPU['database']:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--students", type=int, default=1_000)
    parser.add_argument("--class-size", type=int, default=35)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("demo", students=args.students, seed=3, no_history=True, verbosity=0)
    rng = random.Random(11)
    section, teacher = class_of(args.class_size)
    columns = grid.section_columns(section, widen=True)
    scoped = grid.section_columns(section)
    class_ids = [s.pk for s in classroom.roster(section)]
    target_ids = [c.target.pk for c in columns]
    client = Client()
    client.force_login(teacher)
    url = reverse("classroom:grid", args=[section.pk])
    vendor = connection.vendor
    print(
        f"[{vendor}] class grid: {len(class_ids)} students × {len(scoped)} learning targets "
        f"of the course ({len(columns)} widened)"
    )

    # Baseline: the class's own evidence only (about 30 pieces per student).
    with acting(None, route="bench"):
        load_random_evidence(len(class_ids) * 30, class_ids, target_ids, teacher.pk, rng)
        rebuild_determinations(class_ids)
    base = time_grid(client, url, args.requests)
    base_cpu = sum(CPU.values())
    print(f"[{vendor}] grid, class evidence only: p95 {p95(base):.1f} ms; {cpu_line()}")

    started = time.perf_counter()
    everyone = list(Student.objects.values_list("pk", flat=True))
    with acting(None, route="bench"):
        load_random_evidence(args.rows, everyone, target_ids, teacher.pk, rng)
        rebuild_determinations(class_ids)
    took = time.perf_counter() - started
    total = EvidenceScore.objects.count()
    print(f"[{vendor}] loaded {args.rows:,} rows in {took:.1f} s ({total:,} evidence scores)")
    reads = AuditEntry.objects.filter(action=AuditAction.READ, actor=teacher)
    before = reads.count()
    loaded = time_grid(client, url, args.requests)
    figure = p95(loaded)
    # The bulk-read audit is part of every request timed: one entry per student each time.
    per_request = (reads.count() - before) / (args.requests + 3)
    assert per_request == len(class_ids), per_request
    print(
        f"[{vendor}] grid with {total:,} evidence rows: p95 {figure:.1f} ms, "
        f"median {statistics.median(loaded) * 1000:.1f} ms "
        f"(target < {TARGET_MS:.0f} ms; ratio {figure / TARGET_MS:.2f}); "
        f"x{figure / p95(base):.2f} the class-only p95; bulk-read audit on: "
        f"{per_request:.0f} access entries written per request, one per student"
    )
    print(
        f"[{vendor}] grid with {total:,} evidence rows: {cpu_line()} "
        f"(x{sum(CPU.values()) / base_cpu:.2f} the class-only CPU, a steadier ratio than "
        f"wall-clock under load)"
    )
    wide = time_grid(client, url + "?scope=all", args.requests)
    print(
        f"[{vendor}] grid widened to every assessable target: p95 {p95(wide):.1f} ms "
        f"(ratio to the course-scoped grid {p95(wide) / figure:.2f})"
    )


if __name__ == "__main__":
    main()

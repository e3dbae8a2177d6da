"""The district dashboard on a generated district: 50,000 students and 10 million pieces
of evidence (one score each), read from the daily snapshot the pace job maintains.

    python benchmarks/bench_dashboard.py                                    # SQLite
    python tools/with_postgres.py -- python benchmarks/bench_dashboard.py   # PostgreSQL
    python benchmarks/bench_dashboard.py --students 5000 --rows 1000000     # a quick run

Steps: the demo roster (no history), then evidence, scores and determinations in bulk
(``proficio.bulk.insert_rows``: COPY on PostgreSQL), then the daily pace job once over
all of it, then 180 earlier days of per-school aggregates (what the job would have left
behind), then the dashboard request, timed in-process (server time, median of 5).

With ``--demo``: the demo district as ``proficio demo`` builds it (600 students, its
history of monthly daily checks), then the school dashboard of Maple Middle School as its
principal reads it, every breakdown in turn, 60 requests: p50 and p95 server time, and
the ratio to the school's JSON export (the same release, no page) timed in the same run.

Targets: under 2 s on PostgreSQL, under 5 s on SQLite. The baseline, in the same run,
is what the dashboard would cost without the snapshot: one aggregate over the raw
evidence (scores per school), which alone is slower than the whole page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-dashboard-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django

django.setup()

import numpy as np  # noqa: E402
from _bulk_evidence import insert_points, next_evidence_id  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Avg, Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from proficio.accounts.models import User  # noqa: E402
from proficio.audit.context import acting  # noqa: E402
from proficio.bulk import insert_rows  # noqa: E402
from proficio.evidence.models import EvidenceScore  # noqa: E402
from proficio.frameworks.models import Item, ItemKind  # noqa: E402
from proficio.mastery import actions as mastery  # noqa: E402
from proficio.mastery.models import Determination, Method, ScopeKind  # noqa: E402
from proficio.orgs.models import Organization, Student  # noqa: E402
from proficio.pace import actions as pace  # noqa: E402
from proficio.pace.models import DistrictDay, SchoolDay  # noqa: E402
from proficio.policy import SYSTEM  # noqa: E402

TARGETS = {"postgresql": 2.0, "sqlite": 5.0}
CHUNK = 250_000


def load_evidence(rows: int, seed: int) -> float:
    """Evidence with one score each, near each student's usual place on the continuum."""
    rng = np.random.default_rng(seed)
    students = np.array(
        Student.objects.order_by("pk").values_list("pk", "grade_level"), dtype=object
    )
    ids = students[:, 0].astype(np.int64)
    grades = ["K", *[str(g) for g in range(1, 13)]]
    usual = np.array([1 + grades.index(g) * 7 / 12 for g in students[:, 1]])
    offset = rng.normal(0, 0.6, ids.size) - 1.2 * (rng.random(ids.size) < 0.14)
    targets = list(
        Item.objects.filter(
            framework__title__startswith="Riverbend Unified",
            kind=ItemKind.TARGET,
            level__isnull=False,
        ).values_list("pk", "level__position")
    )
    target_ids = np.array([t for t, _ in targets], dtype=np.int64)
    positions = np.array([p for _, p in targets], dtype=np.float64)
    by_level = {p: target_ids[positions == p] for p in np.unique(positions)}
    teacher = User.objects.get(username="rivera").pk
    first_id = next_evidence_id()
    now = timezone.now()
    start = now - dt.timedelta(days=200)
    started = time.perf_counter()
    for begin in range(0, rows, CHUNK):
        n = min(CHUNK, rows - begin)
        who = np.sort(rng.integers(0, ids.size, n))  # by student: kinder to the indexes
        place = usual[who] + offset[who]
        level = np.clip(
            np.rint(place + rng.uniform(-1.5, 0.5, n)), positions.min(), positions.max()
        )
        day = rng.uniform(0, 200, n)
        score = np.clip(
            np.rint((2.2 + (place - level) + day / 200 + rng.normal(0, 0.45, n)) * 2) / 2, 1, 4
        )
        pick = rng.random(n)
        points = []
        for k in range(n):
            options = by_level[level[k]]
            points.append(
                (
                    int(ids[who[k]]),
                    int(options[int(pick[k] * options.size)]),
                    float(score[k]),
                    start + dt.timedelta(days=float(day[k])),
                )
            )
        insert_points(
            points,
            first_id=first_id + begin,
            scorer=teacher,
            kind="performance_task",
            title="Generated evidence",
        )
        print(
            f"  evidence {begin + n:,}/{rows:,} ({time.perf_counter() - started:.0f} s)", flush=True
        )
    return time.perf_counter() - started


def load_determinations(district: Organization) -> int:
    """One determination per student and target assessed, as the mastery engine keeps
    them (mean score; proficient at 3), computed in SQL from the scores."""
    policy = mastery.create_policy(
        SYSTEM,
        name="Riverbend default",
        scope=ScopeKind.DISTRICT,
        owner=district,
        organization=district,
        params={"method": Method.MEAN},
    )
    version = policy.current.pk
    now = timezone.now()
    rows = []
    total = 0
    for r in (
        EvidenceScore.objects.values("student_id", "target_id")
        .annotate(mean=Avg("score"), n=Count("pk"))
        .iterator(chunk_size=20_000)
    ):
        mean = float(r["mean"])
        status = "advanced" if mean >= 3.5 else "proficient" if mean >= 3 else "not_yet"
        rows.append(
            {
                "student_id": r["student_id"],
                "target_id": r["target_id"],
                "policy_version_id": version,
                "value": mean,
                "level_value": float(np.floor(mean)),
                "status": status,
                "evidence_count": r["n"],
                "last_assessed_at": now,
                "trend": None,
                "explanation": {},
                "computed_at": now,
            }
        )
        if len(rows) >= CHUNK:
            total += insert_rows(Determination, rows)
            rows = []
    total += insert_rows(Determination, rows)
    return total


def earlier_days(district: Organization, days: int, seed: int) -> int:
    """Per-school aggregates for earlier days, as the daily job would have left them."""
    rng = np.random.default_rng(seed)
    today_rows = list(SchoolDay.objects.filter(school__path__startswith=district.path).values())
    rows = []
    for back in range(1, days + 1):
        drift = 1 - back / (days * 3)
        for r in today_rows:
            row = {k: v for k, v in r.items() if k != "id"}
            row["day"] = r["day"] - dt.timedelta(days=back)
            n = row["students"]
            row["behind"] = min(n, int(row["behind"] * (1 + back / days * 0.3)))
            row["proficient"] = int(row["proficient"] * drift)
            row["evidence"] = int(row["evidence"] * drift)
            row["growth_sum"] = float(row["growth_sum"] * (drift + rng.normal(0, 0.01)))
            rows.append(row)
    insert_rows(SchoolDay, rows)
    today = DistrictDay.objects.get(district=district)
    insert_rows(
        DistrictDay,
        [
            {
                "day": today.day - dt.timedelta(days=back),
                "district_id": district.pk,
                "students": today.students,
                "r2_pace": (today.r2_pace or 0) * (1 + back / days * 0.2),
                "r2_proficiency": (today.r2_proficiency or 0) * (1 + back / days * 0.2),
            }
            for back in range(1, days + 1)
        ],
    )
    return len(rows)


def school_demo(students: int, requests: int) -> None:
    """p50/p95 of the school dashboard on the demo, against its JSON export."""
    from proficio.insights.views import SCHOOL_BREAKDOWNS

    vendor = connection.vendor
    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    call_command("demo", students=students, seed=0, verbosity=0)
    print(f"[{vendor}] demo district of {students:,} students: {time.perf_counter() - t:.0f} s")
    school = Organization.objects.get(code="maple-ms")
    client = Client()
    client.force_login(User.objects.get(username="principal"))
    url = reverse("insights:dashboard", args=[school.pk])
    export = reverse("insights:export", args=[school.pk, "json"])
    client.get(url)  # warm: templates, translations, the first connection
    pages, exports = [], []
    for k in range(requests):
        by = SCHOOL_BREAKDOWNS[k % len(SCHOOL_BREAKDOWNS)]
        t = time.perf_counter()
        response = client.get(url, {"by": by})
        pages.append(time.perf_counter() - t)
        assert response.status_code == 200, response.status_code
        t = time.perf_counter()
        client.get(export)
        exports.append(time.perf_counter() - t)
    q = statistics.quantiles(pages, n=20)
    p50, p95 = statistics.median(pages), q[18]
    base = statistics.median(exports)
    print(
        f"[{vendor}] school dashboard on the demo ({students:,} students), {requests} requests "
        f"over {len(SCHOOL_BREAKDOWNS)} breakdowns: p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms server time"
    )
    print(
        f"[{vendor}] baseline, the school's JSON export (same release): median "
        f"{base * 1000:.0f} ms; the dashboard's p95 is {p95 / base:.1f}× that"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo", action="store_true", help="the school dashboard on the demo")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=180)
    args = parser.parse_args()
    if args.demo:
        school_demo(600 if args.students == 50_000 else args.students, args.requests)
        return
    vendor = connection.vendor
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            # A bulk load: a large page cache keeps the indexes in memory while they grow.
            cursor.execute("PRAGMA cache_size = -2000000")
    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    call_command("demo", students=args.students, seed=3, no_history=True, verbosity=0)
    print(f"[{vendor}] demo roster of {args.students:,} students: {time.perf_counter() - t:.0f} s")
    district = Organization.objects.get(code="riverbend")
    with acting(None, route="bench: dashboard", purpose="benchmark"):
        took = load_evidence(args.rows, seed=11)
        print(f"[{vendor}] loaded {args.rows:,} evidence rows (+ scores) in {took:.0f} s")
        t = time.perf_counter()
        n = load_determinations(district)
        print(f"[{vendor}] {n:,} determinations in {time.perf_counter() - t:.0f} s")
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        t = time.perf_counter()
        result = pace.refresh_pace(district)
        job = time.perf_counter() - t
        print(
            f"[{vendor}] daily pace job over {args.rows:,} rows: {job:.0f} s "
            f"({result['flags']:,} students flagged)"
        )
        earlier_days(district, args.days, seed=5)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = Client()
    client.force_login(User.objects.get(username="district.admin"))
    url = reverse("insights:dashboard", args=[district.pk])
    times = []
    for _ in range(5):
        t = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, response.status_code
    page = statistics.median(times)

    t = time.perf_counter()
    list(
        EvidenceScore.objects.filter(student__school__path__startswith=district.path)
        .values("student__school_id")
        .annotate(n=Count("pk"), mean=Avg("score"))
    )
    raw = time.perf_counter() - t
    target = TARGETS.get(vendor, 5.0)
    print(
        f"[{vendor}] district dashboard, {args.students:,} students, {args.rows:,} evidence rows: "
        f"{page:.2f} s server time (median of 5; min {min(times):.2f} s)"
    )
    print(f"[{vendor}] ratio to the {target:.0f} s target: {page / target:.2f} (< 1 meets it)")
    print(
        f"[{vendor}] baseline, one aggregate over the raw evidence by school: {raw:.2f} s; "
        f"the whole dashboard takes {page / raw:.2f}× that"
    )


if __name__ == "__main__":
    main()

"""The leader views of professional learning (the district dashboard and its pathway
progress page) on the demo district: reading the stored release against computing it
(the joint publication audit) on every page load, in the same run.

    python benchmarks/bench_educator_views.py                                    # SQLite
    python tools/with_postgres.py -- python benchmarks/bench_educator_views.py   # PostgreSQL
    python benchmarks/bench_educator_views.py --students 200 --requests 20       # quicker

Steps: the demo district as ``proficio demo`` builds it (its professional learning:
catalogue, pathways, educators at every stage), then each page requested ``--requests``
times as the system administrator with the release stored (what every load does once
the daily job or the first load has made it), then as many times with the release
marked stale before each request (the page recomputes it, as every load did before):
p50 and p95 server time of each, and the ratio of the p95s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-educators-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from proficio.accounts.models import User  # noqa: E402
from proficio.educators.models import LeaderRelease  # noqa: E402
from proficio.orgs.models import Organization  # noqa: E402


def timed(client: Client, url: str, requests: int, *, stale: bool) -> list[float]:
    out = []
    for _ in range(requests):
        if stale:
            LeaderRelease.objects.update(stale=True)
        t = time.perf_counter()
        response = client.get(url)
        out.append(time.perf_counter() - t)
        assert response.status_code == 200, response.status_code
    return out


def quantiles(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    vendor = connection.vendor
    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    call_command("demo", students=args.students, seed=0, verbosity=0)
    print(
        f"[{vendor}] demo district of {args.students:,} students: {time.perf_counter() - t:.0f} s"
    )
    district = Organization.objects.get(code="riverbend")
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    for name in ("educators:dashboard", "educators:pathway_dashboard"):
        url = reverse(name, args=[district.pk])
        client.get(url)  # warm, and the release is stored
        stored = timed(client, url, args.requests, stale=False)
        computed = timed(client, url, args.requests, stale=True)
        s50, s95 = quantiles(stored)
        c50, c95 = quantiles(computed)
        print(
            f"[{vendor}] {name}, {args.requests} requests each: stored release p50 "
            f"{s50 * 1000:.0f} ms, p95 {s95 * 1000:.0f} ms; computed on load (baseline) p50 "
            f"{c50 * 1000:.0f} ms, p95 {c95 * 1000:.0f} ms; p95 ratio computed/stored "
            f"{c95 / s95:.1f}x"
        )


if __name__ == "__main__":
    main()

"""The teacher's home ("needs me today": the reassessment queue, work to review, new
support flags, check-ins due, moderation samples, and each class with its standings) on
the demo district, timed through the Django test client (the whole request: middleware,
policy, queries, audit of the names shown, rendering).

    python benchmarks/bench_home.py                          # SQLite
    python tools/with_postgres.py -- python benchmarks/bench_home.py

The baseline, measured in the same run, is the roster page of one of the teacher's classes
(``web:section_detail``): a page every teacher opens, so the ratio says what the home's
extra readings cost beside it. The advisor's and principal's homes are timed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-home-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")
os.environ["PROFICIO_DEBUG"] = "0"  # as in production

import django

django.setup()

from _bulk_evidence import p95  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from proficio.accounts.models import User  # noqa: E402
from proficio.orgs.models import Section  # noqa: E402


def timed(client: Client, url: str, n: int) -> list[float]:
    for _ in range(3):  # warm the caches (templates, translations, the connection)
        assert client.get(url).status_code == 200
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, url
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=600)  # the demo's own size
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("demo", students=args.students, seed=0, verbosity=0)
    vendor = connection.vendor
    print(f"[{vendor}] demo of {args.students} students in {time.perf_counter() - started:.0f} s")
    client = Client()
    rivera = User.objects.get(username="rivera")
    client.force_login(rivera)
    section = Section.objects.filter(staff__user=rivera).order_by("pk").first()
    assert section is not None
    base = timed(client, reverse("web:section_detail", args=[section.pk]), args.requests)
    print(f"[{vendor}] baseline, class roster page: p95 {p95(base):.1f} ms")
    home = timed(client, reverse("web:role_home", args=["teacher"]), args.requests)
    figure = p95(home)
    print(
        f"[{vendor}] teacher home: p95 {figure:.1f} ms, median "
        f"{statistics.median(home) * 1000:.1f} ms; "
        f"ratio to the roster page {figure / p95(base):.2f}"
    )
    for username, role in (("counselor", "advisor"), ("principal", "school_leader")):
        other = Client()
        other.force_login(User.objects.get(username=username))
        times = timed(other, reverse("web:role_home", args=[role]), args.requests)
        print(
            f"[{vendor}] {role} home: p95 {p95(times):.1f} ms; "
            f"ratio to the roster page {p95(times) / p95(base):.2f}"
        )


if __name__ == "__main__":
    main()

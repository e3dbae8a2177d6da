"""Server time of the student's home, the family report and its PDF, on the demo district
with its evidence history.

    python benchmarks/bench_learners.py                          # SQLite
    python tools/with_postgres.py -- python benchmarks/bench_learners.py

No target is set by the issue for these pages; as a yardstick, an interactive page should
answer in well under 500 ms at p95. The baseline, measured in the same run, is the existing
student record page (``web:student_detail``) for the same student and guardian, so each
ratio says how much heavier the new page is than the record page.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-learners-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django

django.setup()

from _bulk_evidence import p95  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from proficio.accounts.models import User  # noqa: E402
from proficio.orgs.models import Student  # noqa: E402


def timed(client: Client, url: str, n: int) -> list[float]:
    client.get(url)  # warm caches (templates, scales)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("demo", students=args.students, seed=0, verbosity=0)
    ana = Student.objects.get(user__username="ana")
    student, guardian = Client(), Client()
    student.force_login(User.objects.get(username="ana"))
    guardian.force_login(User.objects.get(username="garcia.family"))
    record = f"/students/{ana.pk}/"
    rows = [
        ("student record (baseline, student)", student, record),
        ("student home", student, "/home/student/"),
        ("student record (baseline, guardian)", guardian, record),
        ("family report", guardian, f"/family/{ana.pk}/"),
        ("family report PDF", guardian, f"/family/{ana.pk}/report.pdf"),
    ]
    results = {name: p95(timed(client, url, args.requests)) for name, client, url in rows}
    base_student = results["student record (baseline, student)"]
    base_guardian = results["student record (baseline, guardian)"]
    print(f"{args.students} students, {args.requests} requests per page (p95, server time)")
    for name, value in results.items():
        base = base_guardian if name.startswith("family") else base_student
        print(f"  {name:38s} {value:8.1f} ms   ×{value / base:.2f} of the record page")


if __name__ == "__main__":
    main()

"""Server time of a reviewer's review queue (``educators:reviews``) with 10,000
submissions in the district, first and last page.

    python benchmarks/bench_review_queue.py                      # SQLite
    python tools/with_postgres.py -- python benchmarks/bench_review_queue.py

The demo district (people only) gets its professional-learning catalogue, pathways and
reviewer pool through the real actions (``educators.demo``); then 10,000 submissions in
review, from 500 added educators over the 20 micro-credentials, are spread over the
reviewer pool (one reviewer holds a fifth: 2,000 in their queue). The baseline, measured
in the same run, is the same reviewer's queue before the 10,000 are added (the demo's
handful), so the ratio is what the volume costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-reviews-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django

django.setup()

from _bulk_evidence import p95  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from proficio.accounts import actions as accounts  # noqa: E402
from proficio.accounts.models import User  # noqa: E402
from proficio.audit.context import acting  # noqa: E402
from proficio.demo.generate import DEMO_PASSWORD  # noqa: E402
from proficio.educators.demo import seed_educators  # noqa: E402
from proficio.educators.models import (  # noqa: E402
    MicroCredential,
    ReviewAssignment,
    ReviewerQualification,
    Submission,
    SubmissionStatus,
)
from proficio.orgs.models import Organization  # noqa: E402


def timed(client: Client, url: str, n: int) -> list[float]:
    client.get(url)  # warm caches (templates, policy)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return times


def add_submissions(district: Organization, total: int) -> User:
    """``total`` submissions in review, spread over the pool; returns the reviewer who
    holds a fifth of them."""
    mcs = list(MicroCredential.objects.filter(issuer=district).order_by("pk"))
    pool = list(
        User.objects.filter(
            pk__in=ReviewerQualification.objects.filter(issuer=district).values("reviewer_id")
        ).order_by("pk")
    )
    people = -(-total // len(mcs))
    users = [
        User(username=f"bench.educator.{i:05d}", display_name=f"Educator {i}")
        for i in range(people)
    ]
    accounts.bulk_create_users(users, password=DEMO_PASSWORD)
    users = list(User.objects.filter(username__startswith="bench.educator.").order_by("pk"))
    school = Organization.objects.get(code="maple-ms")
    now = timezone.now()
    subs = []
    for n in range(total):
        user, mc = users[n // len(mcs)], mcs[n % len(mcs)]
        at = now - dt.timedelta(minutes=total - n)
        subs.append(
            Submission(
                educator=user,
                micro_credential=mc,
                status=SubmissionStatus.IN_REVIEW,
                blind=mc.blind_review,
                versions_submitted=1,
                first_submitted_at=at,
                submitted_at=at,
                school=school,
            )
        )
    Submission.objects.bulk_create(subs, batch_size=1000)
    made = Submission.objects.filter(educator__username__startswith="bench.educator.").order_by(
        "pk"
    )
    ReviewAssignment.objects.bulk_create(
        [
            ReviewAssignment(submission=s, reviewer=pool[i % len(pool)], assigned_at=now)
            for i, s in enumerate(made.only("pk"))
        ],
        batch_size=1000,
    )
    return pool[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("demo", students=200, seed=0, no_history=True, verbosity=0)
    district = Organization.objects.get(code="riverbend")
    with acting(None, route="bench: review queue"):
        seed_educators(district, today=timezone.localdate())
    reviewer = User.objects.get(
        pk=ReviewerQualification.objects.filter(issuer=district)
        .order_by("reviewer_id")
        .values_list("reviewer_id", flat=True)[0]
    )
    client = Client()
    client.force_login(reviewer)
    url = "/educators/reviews/"
    before_n = Submission.objects.filter(
        assignments__reviewer=reviewer,
        assignments__active=True,
        status=SubmissionStatus.IN_REVIEW,
    ).count()
    baseline = p95(timed(client, url, args.requests))
    with acting(None, route="bench: review queue"):
        add_submissions(district, args.submissions)
    queue = Submission.objects.filter(
        assignments__reviewer=reviewer,
        assignments__active=True,
        status=SubmissionStatus.IN_REVIEW,
    ).count()
    last = -(-queue // 50)
    first_page = p95(timed(client, url, args.requests))
    last_page = p95(timed(client, f"{url}?page={last}", args.requests))
    total = Submission.objects.count()
    print(
        f"review queue: {total} submissions in the district, {queue} in this reviewer's queue "
        f"({args.requests} requests per page, p95 server time)"
    )
    print(f"  queue before the load ({before_n} waiting, baseline) {baseline:8.1f} ms")
    print(f"  queue, first page           {first_page:8.1f} ms   ×{first_page / baseline:.2f}")
    print(f"  queue, last page ({last:3d})      {last_page:8.1f} ms   ×{last_page / baseline:.2f}")


if __name__ == "__main__":
    main()

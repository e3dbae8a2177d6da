"""The policy preview on the demo district: how many determinations a new version of the
district's default policy would change, timed through the Django test client (the whole
request the editor's "Preview the effect" button makes: middleware, policy, the governing
policy of every (student, target) pair with evidence, the batch evaluation, rendering).

    python benchmarks/bench_policy_preview.py                 # SQLite, the 600-student demo
    python tools/with_postgres.py -- python benchmarks/bench_policy_preview.py

Target: p95 under 2 s. The baseline, measured in the same run over the same pairs, is the
per-pair lookup the preview used before (one ``policy_for`` query per pair), so the ratio
shows what the bulk lookup saves.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-preview-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")
os.environ["PROFICIO_DEBUG"] = "0"  # as in production: no debug toolbar of queries kept

import django

django.setup()

from _bulk_evidence import p95  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from proficio.accounts.models import User  # noqa: E402
from proficio.frameworks.models import Item  # noqa: E402
from proficio.mastery import actions, engine  # noqa: E402
from proficio.mastery.models import MasteryPolicy, ScopeKind  # noqa: E402
from proficio.orgs.models import Student  # noqa: E402

TARGET_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("demo", students=args.students, seed=3, verbosity=0)
    vendor = connection.vendor
    found = MasteryPolicy.objects.get(scope=ScopeKind.DISTRICT, name="Riverbend default")
    client = Client()
    client.force_login(User.objects.get(username="district.admin"))
    url = reverse("mastery:policy_preview", args=[found.pk])
    proposal = {
        "method": "decaying_average",
        "weight": "0.65",
        "rate": "0.5",
        "n": "",
        "window_last": "",
        "min_evidence": "1",
        "min_kinds": "1",
        "note": "bench",
    }
    first = client.post(url, proposal)
    assert first.status_code == 200, first.status_code
    assert b"would go up" in first.content, first.content[:400]

    pairs = actions._pairs(found)  # the pairs the preview works on
    print(
        f"[{vendor}] policy preview, {args.students}-student demo: {len(pairs):,} "
        "determinations governed by the district default"
    )
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.post(url, proposal)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    figure = p95(times) / 1000  # p95 gives milliseconds
    print(
        f"[{vendor}] preview request: p95 {figure:.2f} s over {args.requests} requests "
        f"(target < {TARGET_S:.0f} s; ratio {figure / TARGET_S:.2f})"
    )

    # Baseline: the per-pair lookup the preview used before, over the same pairs, once.
    students = Student.objects.select_related("school").in_bulk({s for s, _ in pairs})
    targets = Item.objects.select_related("framework").in_bulk({t for _, t in pairs})
    started = time.perf_counter()
    old = {(s, t): engine.policy_for(students[s], targets[t]) for s, t in pairs}
    per_pair = time.perf_counter() - started
    started = time.perf_counter()
    new = engine.policies_for_pairs(pairs)
    bulk = time.perf_counter() - started
    assert old == new, "the bulk lookup disagrees with policy_for"
    print(
        f"[{vendor}] governing policy of {len(pairs):,} pairs: bulk {bulk:.2f} s, "
        f"per pair (before) {per_pair:.2f} s (ratio {bulk / per_pair:.3f})"
    )


if __name__ == "__main__":
    main()

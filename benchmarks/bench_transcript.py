"""Benchmark: server time of the competency transcript page with 1M evidence rows in the
database, p95, against the student record page (``web:student_detail``) for the same
student and reader in the same run. The issue's target: p95 under 300 ms.

    python benchmarks/bench_transcript.py                        # SQLite, 1,000,000 rows
    python benchmarks/bench_transcript.py --rows 200000
    python tools/with_postgres.py -- python benchmarks/bench_transcript.py
    python benchmarks/bench_transcript.py --keep DIR             # build once in DIR, reuse

``--keep DIR`` keeps the SQLite database in DIR (made if missing) and, when DIR holds a
finished build of the same ``--students`` and ``--rows``, times the pages on it without
loading anything: a before/after pair, or another branch's code put first on PYTHONPATH,
runs on the same rows. The counselor's audited views add their audit entries each run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the SQLite database in DIR, and reuse it"
    )
    args = parser.parse_args()
    if args.keep and "DATABASE_URL" in os.environ:
        parser.error("--keep keeps an SQLite database; it does not apply with DATABASE_URL")
    return args


ARGS = arguments()
# What a finished build in a kept folder was built with (written last, so a build cut
# short is not taken for a finished one).
BUILT: Path | None = None
if ARGS.keep:
    BUILT = ARGS.keep / "bench_transcript.json"
    ARGS.keep.mkdir(parents=True, exist_ok=True)
    if not BUILT.exists() and (ARGS.keep / "proficio.sqlite3").exists():
        sys.exit(f"{ARGS.keep} holds an unfinished build (no {BUILT.name}); empty it first")
    os.environ["PROFICIO_DATA_DIR"] = str(ARGS.keep)
elif "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-transcript-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django  # noqa: E402

django.setup()

from _bulk_evidence import load_random_evidence, p95  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from proficio.accounts.models import User  # noqa: E402
from proficio.evidence.models import EvidenceScore  # noqa: E402
from proficio.frameworks.models import Item, ItemKind  # noqa: E402
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


def build(args: argparse.Namespace) -> float:
    """The demo district and ``args.rows`` random evidence; the seconds the load took."""
    call_command("migrate", verbosity=0)
    call_command("demo", students=args.students, seed=0, verbosity=0)
    students = list(Student.objects.values_list("pk", flat=True))
    targets = list(
        Item.objects.filter(
            kind=ItemKind.TARGET, framework__title__icontains="Riverbend"
        ).values_list("pk", flat=True)
    )
    scorer = User.objects.get(username="rivera").pk
    started = time.perf_counter()
    load_random_evidence(args.rows, students, targets, scorer, random.Random(0))
    return time.perf_counter() - started


def main() -> None:
    args = ARGS
    shape = {"students": args.students, "rows": args.rows}
    if BUILT is not None and BUILT.exists():
        kept = json.loads(BUILT.read_text())
        if {k: kept[k] for k in shape} != shape:
            sys.exit(f"{args.keep} was built with {kept}, not {shape}")
        call_command("migrate", verbosity=0)  # nothing to do unless this code adds one
        loaded = kept["loaded_seconds"]
        how = f"reused from {args.keep}, loaded in {loaded:.0f} s when built"
    else:
        loaded = build(args)
        how = f"loaded in {loaded:.0f} s"
        if BUILT is not None:
            BUILT.write_text(json.dumps({**shape, "loaded_seconds": loaded}))
    total = EvidenceScore.objects.count()
    ana = Student.objects.get(user__username="ana")
    mine = EvidenceScore.objects.filter(student=ana).count()
    student, counselor = Client(), Client()
    student.force_login(User.objects.get(username="ana"))
    counselor.force_login(User.objects.get(username="counselor"))
    rows = [
        ("student record (baseline, student)", student, f"/students/{ana.pk}/"),
        ("transcript page (student)", student, f"/transcripts/students/{ana.pk}/"),
        ("student record (baseline, counselor)", counselor, f"/students/{ana.pk}/"),
        ("transcript page (counselor, audited)", counselor, f"/transcripts/students/{ana.pk}/"),
    ]
    results = {name: p95(timed(client, url, args.requests)) for name, client, url in rows}
    print(
        f"{total} evidence rows ({args.rows} {how}), {args.students} "
        f"students, Ana has {mine}; {args.requests} requests per page (p95, server time)"
    )
    for name, value in results.items():
        print(f"  {name}: {value:.0f} ms")
    for who in ("student", "counselor"):
        page = next(v for k, v in results.items() if k.startswith(f"transcript page ({who}"))
        base = results[f"student record (baseline, {who})"]
        print(
            f"ratio transcript / record ({who}): {page / base:.2f}x; "
            f"target p95 < 300 ms: {'met' if page < 300 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()

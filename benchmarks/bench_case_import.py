"""CASE import, export and the provider API against a real database.

    python benchmarks/bench_case_import.py             # SQLite (a fresh file)
    python tools/with_postgres.py -- python benchmarks/bench_case_import.py   # PostgreSQL

Imports a generated package of 20,000 items and 40,000 associations (targets: under
10 s), re-imports it unchanged, exports it (target: under 5 s), and times 200 requests
for a 100-item package from the CASE provider (target: p95 under 50 ms). Each figure is
also given as a ratio against a baseline measured in the same run: import and export
against the codec alone on the same package (the database's share), the API against
serialising the same 100 items without HTTP or database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-case-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django

django.setup()

from bench_case_codec import generate  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from proficio.core.standards import case  # noqa: E402
from proficio.frameworks import case_io  # noqa: E402
from proficio.frameworks.models import Framework  # noqa: E402


def timed(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--associations", type=int, default=40_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    data = generate(args.items, args.associations, seed=1)
    text = json.dumps(data)

    package, parse_s = timed(lambda: case.parse_package(case.load_json(text)))
    report, import_s = timed(lambda: case_io.import_package(package))
    print(
        f"[{vendor}] import {args.items:,} items + {args.associations:,} associations: "
        f"{import_s:.2f} s (target < 10 s; ratio {import_s / 10:.2f}); "
        f"codec parse alone {parse_s:.2f} s, database share x{import_s / parse_s:.1f}"
    )
    _, reimport_s = timed(lambda: case_io.import_package(package))
    print(f"[{vendor}] re-import unchanged: {reimport_s:.2f} s")
    framework = Framework.objects.get(pk=report.framework_id)
    exported, export_s = timed(
        lambda: json.dumps(case.build_package(case_io.export_package(framework)))
    )
    _, build_s = timed(lambda: json.dumps(case.build_package(package)))
    print(
        f"[{vendor}] export: {export_s:.2f} s (target < 5 s; ratio {export_s / 5:.2f}); "
        f"codec build alone {build_s:.2f} s, database share x{export_s / build_s:.1f}"
    )
    assert len(json.loads(exported)["CFItems"]) == args.items

    small = generate(100, 200, seed=2)
    small_report = case_io.import_package(case.parse_package(small))
    small_fw = Framework.objects.get(pk=small_report.framework_id)
    client = Client()
    url = f"/ims/case/v1p1/CFPackages/{small_fw.identifier}"
    assert client.get(url).status_code == 200
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    p95 = statistics.quantiles(times, n=20)[-1] * 1000
    parsed_small = case.parse_package(small)
    base = []
    for _ in range(args.requests):
        started = time.perf_counter()
        json.dumps(case.build_package(parsed_small))
        base.append(time.perf_counter() - started)
    base_p95 = statistics.quantiles(base, n=20)[-1] * 1000
    print(
        f"[{vendor}] CASE API page of 100 items (CFPackages): p95 {p95:.1f} ms "
        f"(target < 50 ms; ratio {p95 / 50:.2f}); serialising alone p95 {base_p95:.1f} ms, "
        f"x{p95 / base_p95:.1f}"
    )


if __name__ == "__main__":
    main()

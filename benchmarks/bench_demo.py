"""Demo-district generator: 600 and 50,000 students, each into a fresh SQLite database.

The 50,000-student figure is the roster (schools, classes, people, guardians, the
demographic mix and the frameworks) without the evidence history, which the 600-student
run also times. Prints the seconds for each size and two ratios: the time against the
2-minute target for 50,000 students, and the per-student cost at 50,000 against the 600-student run
measured in the same process (1.0 = perfectly linear; below 1 = cheaper per student).

    python benchmarks/bench_demo.py [--students 50000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

TARGET_SECONDS = 120.0


def generate(students: int, *extra: str) -> float:
    with tempfile.TemporaryDirectory(prefix="proficio-bench-") as data:
        env = {
            **os.environ,
            "PROFICIO_DATA_DIR": data,
            "DJANGO_SETTINGS_MODULE": "proficio.settings",
        }
        env.pop("DATABASE_URL", None)
        cli = [sys.executable, "-m", "proficio.cli"]
        subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)
        started = time.perf_counter()
        subprocess.run(
            [*cli, "demo", "--students", str(students), "--seed", "1", "-v0", *extra],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=50_000)
    args = parser.parse_args()
    full = generate(600)
    print(f"demo 600 students with evidence history: {full:7.1f} s")
    baseline = generate(600, "--no-history")
    print(f"demo 600 students (roster):   {baseline:7.1f} s  ({600 / baseline:,.0f} students/s)")
    big = generate(args.students, "--no-history")
    print(
        f"demo {args.students:,} students (roster): {big:7.1f} s "
        f"({args.students / big:,.0f} students/s)"
    )
    ratio = big / TARGET_SECONDS
    print(f"ratio to the {TARGET_SECONDS:.0f} s target:     {ratio:7.2f}  (< 1 meets it)")
    per_student = (big / args.students) / (baseline / 600)
    print(f"per-student cost vs 600 run:  {per_student:7.2f}  (1.0 = linear scaling)")


if __name__ == "__main__":
    main()

"""Load: the production server under the issue-19 mix, on real PostgreSQL, at several
numbers of simultaneous users.

    python benchmarks/bench_load.py                       # 2,000 students; 25, 50, 100, 200 users
    python benchmarks/bench_load.py --students 600 --users 25,50 --duration 30
    python benchmarks/bench_load.py --users 100 --duration 30 --think 0,0.2

It starts a throwaway PostgreSQL cluster (tools/with_postgres.py), seeds the demo district,
starts `proficio serve` (gunicorn, its default workers) on a free loopback port, and runs
locust headless against it (benchmarks/_locustfile.py: teachers autosaving scores and
opening the class grid, API evidence writes, students opening their home page, school
leaders opening their dashboard). Every level runs for a bounded time; all traffic stays
on 127.0.0.1.

Each simulated person pauses between requests for a time drawn between ``--think``'s two
bounds, in seconds: 1 to 3 by default, people at a realistic pace. At that pace 100 people
cannot send more than about 50 requests/s (about 27 writes/s in the mix) however fast the
server is, so the writes/s target shows the server's capacity only with a short think time
(e.g. ``--think 0,0.2``): then the users count is how many requests are in flight at once.

For each level it prints requests/s, successful writes/s, p50/p95/p99 and errors per
endpoint, and the peak memory of a worker. Just before each level, pgbench measures
single-row inserts/s on the same cluster: the baseline, measured in the same run, and
writes/s is given as a ratio of it.

Every level also prints the server's CPU per request over the measured span: the gunicorn
workers' and PostgreSQL's CPU time (from /proc) divided by the requests served, and
locust's own for comparison. On a shared machine this is the steadier figure.
``--profile [USERS]`` samples the workers with py-spy (a dev dependency; it needs the right
to read other processes, e.g. root) during one level (100 users by default) and prints
where their CPU went: the share under each view, and the top functions by own time and by
time including what they call, each also as ms of worker CPU per request. The raw samples
(collapsed stacks) stay in the run's temporary folder, whose path is printed.

    python benchmarks/bench_load.py --users 100 --duration 40 --think 0,0.5 --profile

Targets (issue 19): at 100 users, at least 150 writes/s, write p95 under 250 ms, student
home p95 under 400 ms, no 500s.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _profile
from _serving import PYTHON, ROOT, pgbench_inserts, serving, stack

WRITES = ("autosave", "API write")
# The view (its function) behind each endpoint of the mix, for the profile's summary.
ENDPOINT_OF = {
    "score_cell": "autosave",
    "class_grid": "class grid",
    "record_evidence": "API write",
    "student_home": "student home",
    "_school_leader_home": "leader dashboard",
    "role_home": "student home + leader dashboard",  # renders the page the builder filled
}
RAMP = 10  # seconds: users / spawn rate
TARGETS = {"writes/s": 150.0, "write p95 ms": 250.0, "student home p95 ms": 400.0}


def run_level(
    host: str,
    plan: Path,
    level: int,
    users: int,
    duration: int,
    out: Path,
    think: str,
    meter: Meter,
) -> Path:
    prefix = out / f"u{users}"
    env = {
        **os.environ,
        "PROFICIO_LOAD_PLAN": str(plan),
        "PROFICIO_LOAD_LEVEL": str(level),
        "PROFICIO_LOAD_THINK": think,
    }
    locust = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "locust",
            "-f",
            str(ROOT / "benchmarks/_locustfile.py"),
            "--headless",
            "--host",
            host,
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 10)),
            "--run-time",
            f"{duration}s",
            "--reset-stats",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--stop-timeout",
            "10",
            "--exit-code-on-error",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The statistics start when every user runs (the ramp, users / spawn rate = 10 s):
    # the CPU meter and the profile cover the same span.
    time.sleep(RAMP)
    meter.start(locust.pid, max(1, duration - RAMP - 1), out / f"u{users}.pyspy.txt")
    # Wait for locust without reaping it: its CPU time is still readable until then.
    os.waitid(os.P_PID, locust.pid, os.WEXITED | os.WNOWAIT)
    meter.stop()
    if locust.wait() != 0:
        raise subprocess.CalledProcessError(locust.returncode, "locust")
    return prefix


class Meter:
    """The server's CPU (workers, PostgreSQL) and locust's over the measured span of a
    level, and, for the profiled level, py-spy samples of the workers."""

    def __init__(self, master: int, postmaster: int, profile: bool) -> None:
        self.master, self.postmaster, self.profile = master, postmaster, profile
        self.sampler: subprocess.Popen[bytes] | None = None
        self.raw: Path | None = None

    def start(self, locust: int, seconds: int, raw: Path) -> None:
        self.locust = locust
        self.before = _profile.snapshot(self.master, self.postmaster, locust)
        self.sampler = _profile.start_sampling(self.master, seconds, raw) if self.profile else None
        self.raw = raw if self.profile else None

    def stop(self) -> None:
        self.used = _profile.snapshot(self.master, self.postmaster, self.locust).minus(self.before)
        if self.sampler is not None:
            _, err = self.sampler.communicate()
            if self.sampler.returncode != 0 or self.raw is None or not self.raw.exists():
                print(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
                self.raw = None


def report(
    prefix: Path, users: int, duration: int, baseline: float, peak: float, meter: Meter
) -> dict:
    with open(f"{prefix}_stats.csv") as f:
        rows = list(csv.DictReader(f))
    with open(f"{prefix}_failures.csv") as f:
        failures = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    endpoints = [r for r in rows if r["Name"] != "Aggregated"]
    ok_writes = sum(
        int(r["Request Count"]) - int(r["Failure Count"]) for r in endpoints if r["Name"] in WRITES
    )
    # --reset-stats starts counting when every user is running: the measured span is the
    # run time less the ramp (users / spawn rate = 10 s).
    span = max(1.0, duration - float(RAMP))
    writes = ok_writes / span
    print(
        f"\n{users} users: {float(total['Requests/s']):.1f} requests/s, {writes:.1f} writes/s "
        f"= {writes / baseline:.5f} × pgbench ({baseline:,.0f} inserts/s; one write costs "
        f"{baseline / writes if writes else float('inf'):,.0f} inserts), "
        f"errors {total['Failure Count']} of {total['Request Count']}, "
        f"peak worker RSS {peak:.0f} MiB"
    )
    print(f"  {'endpoint':<18}{'requests':>9}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  errors")
    for r in sorted(endpoints, key=lambda r: r["Name"]):
        errors = [f"{f['Error']} ×{f['Occurrences']}" for f in failures if f["Name"] == r["Name"]]
        print(
            f"  {r['Name']:<18}{r['Request Count']:>9}{float(r['Requests/s']):>8.1f}"
            f"{r['50%']:>7}{r['95%']:>7}{r['99%']:>7}  {'; '.join(errors) or '0'}"
        )
    requests = int(total["Request Count"])
    used = meter.used
    per = 1000 / max(requests, 1)
    print(
        f"  server CPU per request: workers {used.workers * per:.1f} ms + PostgreSQL "
        f"{used.postgres * per:.1f} ms = {(used.workers + used.postgres) * per:.1f} ms "
        f"(locust {used.locust * per:.1f} ms; {used.workers + used.postgres:.1f} CPU s "
        f"in {span:.0f} s)"
    )
    if meter.raw is not None:
        served = {r["Name"]: int(r["Request Count"]) for r in endpoints}
        print("\n".join(_profile.summarize(meter.raw, used, served, ENDPOINT_OF)))
        print(f"  raw samples: {meter.raw}")
    by_name = {r["Name"]: r for r in endpoints}
    write_p95 = max((float(by_name[w]["95%"]) for w in WRITES if w in by_name), default=0.0)
    home_p95 = float(by_name["student home"]["95%"]) if "student home" in by_name else 0.0
    return {"writes/s": writes, "write p95 ms": write_p95, "student home p95 ms": home_p95}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--users", default="25,50,100,200")
    parser.add_argument("--duration", type=int, default=60, help="seconds per level")
    parser.add_argument("--workers", type=int, default=None, help="default: proficio serve's")
    parser.add_argument(
        "--think",
        default="1,3",
        help="each user's pause between requests, 'min,max' seconds (default 1,3)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=-1,
        default=None,
        metavar="USERS",
        help="sample the workers with py-spy during the level with USERS users (default: "
        "100 users if run, else the last level) and print where their CPU goes",
    )
    args = parser.parse_args()
    think = [float(x) for x in args.think.split(",")]
    if len(think) != 2 or not 0 <= think[0] <= think[1]:
        parser.error("--think takes two numbers of seconds, 'min,max', with 0 <= min <= max")
    levels = [int(u) for u in args.users.split(",")]
    profiled = args.profile
    if profiled == -1:
        profiled = 100 if 100 in levels else levels[-1]
    if profiled is not None and profiled not in levels:
        parser.error(f"--profile {profiled}: no level with {profiled} users in --users")
    out = Path(tempfile.mkdtemp(prefix="proficio-bench-load-"))
    with stack() as st:
        plan = out / "plan.json"
        started = time.perf_counter()
        seeded = st.run(
            "prepare",
            "--students",
            str(args.students),
            "--teachers",
            "80",
            "--tasks",
            str(len(levels)),
            "--plan",
            str(plan),
        )
        print(f"seeded in {time.perf_counter() - started:.0f} s: {seeded.strip().splitlines()[-1]}")
        with serving(st, args.workers) as server:
            print(
                f"proficio serve: {len(server.workers())} workers on {server.host}; "
                f"think time {think[0]:g}-{think[1]:g} s"
            )
            results = {}
            for level, users in enumerate(levels):
                server.settle()
                baseline = pgbench_inserts(st)
                meter = Meter(
                    server.proc.pid,
                    _profile.postmaster_pid(st.cluster.data),
                    profile=users == profiled,
                )
                prefix = run_level(
                    server.host, plan, level, users, args.duration, out, args.think, meter
                )
                results[users] = report(
                    prefix, users, args.duration, baseline, server.peak_rss_mib(), meter
                )
            log = server.log.read_text()
    errors_500 = log.count('" 500 ') + log.count("Internal Server Error")
    print(f"\nserver log: {errors_500} internal errors logged")
    at = 100 if 100 in results else max(results)
    got = results[at]
    print(
        f"at {at} users: {got['writes/s']:.1f} writes/s (target ≥ {TARGETS['writes/s']:.0f}; "
        f"ratio {got['writes/s'] / TARGETS['writes/s']:.2f}), "
        f"write p95 {got['write p95 ms']:.0f} ms "
        f"(target < {TARGETS['write p95 ms']:.0f}; ratio "
        f"{got['write p95 ms'] / TARGETS['write p95 ms']:.2f}), student home p95 "
        f"{got['student home p95 ms']:.0f} ms (target < {TARGETS['student home p95 ms']:.0f}; "
        f"ratio {got['student home p95 ms'] / TARGETS['student home p95 ms']:.2f})"
    )


if __name__ == "__main__":
    main()

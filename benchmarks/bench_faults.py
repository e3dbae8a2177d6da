"""Faults: a worker killed and PostgreSQL restarted while clients write evidence.

    python benchmarks/bench_faults.py                     # 8 writers, 30 s
    python benchmarks/bench_faults.py --writers 4 --seconds 20

It starts a throwaway PostgreSQL cluster, seeds a small demo district and starts
`proficio serve` on a free loopback port. Writer threads then post evidence through the
JSON API, as a teacher, on a few (student, learning target) pairs, each request listing
its targets in its own order. During the run it kills one gunicorn worker with SIGKILL and
later stops PostgreSQL (fast shutdown, which cuts every connection), keeps it down a few
seconds and starts it again. All traffic stays on 127.0.0.1 and the run is bounded.

It prints what the clients saw in each phase (by when each answer came: statuses,
connection errors, writes/s and p95 against the phase before any fault, the baseline
measured in the same run), then
checks the database: every acknowledged write (201) is stored exactly once, and every
determination the writers touched equals a fresh recompute.

Targets (issue 19): no 500 in any phase (503 with Retry-After while the database is down is
allowed), nothing acknowledged lost or doubled, no stale determination.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serving import WRITE_TITLE, percentile, serving, stack

PHASES = ("before", "worker killed", "database down", "after restart")


class Clock:
    """Which phase the run is in (the faults move it on)."""

    def __init__(self) -> None:
        self.phase = PHASES[0]
        self.started = {PHASES[0]: time.monotonic()}
        self.ended = 0.0

    def enter(self, phase: str) -> None:
        self.phase = phase
        self.started[phase] = time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--pairs-students", type=int, default=3)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="proficio-bench-faults-"))
    with stack() as st:
        plan_path = out / "plan.json"
        seeded = st.run(
            "prepare", "--students", str(args.students), "--teachers", "1", "--plan", str(plan_path)
        )
        print(f"seeded: {seeded.strip().splitlines()[-1]}")
        teacher = json.loads(plan_path.read_text())["teachers"][0]
        students = teacher["students"][: args.pairs_students]
        targets = teacher["targets"][:2]
        with serving(st) as server:
            workers = server.workers()
            print(
                f"proficio serve: {len(workers)} workers; {args.writers} writers on "
                f"{len(students)} students × {len(targets)} targets for {args.seconds:.0f} s"
            )
            clock = Clock()
            seen: list[tuple[str, str, float, float]] = []  # (phase, outcome, seconds, at)
            acknowledged: list[str] = []
            lock = threading.Lock()
            stop = threading.Event()

            def writer(n: int) -> None:
                rng = random.Random(n)
                k = 0
                while not stop.is_set():
                    k += 1
                    title = f"{WRITE_TITLE} {n}-{k}"
                    body = json.dumps(
                        {
                            "kind": "quiz",
                            "title": title,
                            "assessed_at": (
                                dt.datetime.now(dt.UTC) - dt.timedelta(minutes=k)
                            ).isoformat(),
                            "scores": [
                                {"target": t, "score": float(rng.randint(1, 4))}
                                for t in rng.sample(targets, len(targets))
                            ],
                        }
                    )
                    started = time.monotonic()
                    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                    try:
                        conn.request(
                            "POST",
                            f"/api/v1/students/{rng.choice(students)}/evidence",
                            body=body,
                            headers={
                                "Cookie": teacher["cookie"],
                                "X-CSRFToken": teacher["csrf"],
                                "Content-Type": "application/json",
                            },
                        )
                        response = conn.getresponse()
                        response.read()
                        outcome = str(response.status)
                        if response.status == 503 and not response.getheader("Retry-After"):
                            outcome = "503 without Retry-After"
                    except (OSError, http.client.HTTPException) as exc:
                        outcome = f"connection error ({type(exc).__name__})"
                    finally:
                        conn.close()
                    took = time.monotonic() - started
                    phase = clock.phase  # the phase the answer came in
                    with lock:
                        seen.append((phase, outcome, took, time.monotonic()))
                        if outcome == "201":
                            acknowledged.append(title)
                    if outcome != "201":
                        time.sleep(0.2)  # a client backs off a little after a failure

            threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
            for t in threads:
                t.start()
            unit = args.seconds / 6
            time.sleep(unit)
            victim = workers[0]
            os.kill(victim, signal.SIGKILL)  # a worker of the server this run started
            clock.enter("worker killed")
            time.sleep(2 * unit)
            clock.enter("database down")
            st.cluster.stop("fast")
            time.sleep(max(3.0, unit / 2))
            st.cluster.start()
            restarted = time.monotonic()
            clock.enter("after restart")
            time.sleep(max(0.0, 2.5 * unit))
            stop.set()
            clock.ended = time.monotonic()
            for t in threads:
                t.join()
            first_ok_after = min(
                (at for p, o, _s, at in seen if p == "after restart" and o == "201"),
                default=None,
            )
            (out / "acknowledged.json").write_text(json.dumps(acknowledged))
            check = json.loads(
                st.run("verify", "--acknowledged", str(out / "acknowledged.json"))
                .strip()
                .splitlines()[-1]
            )
            log = server.log.read_text()

    print(f"\n  {'phase':<15}{'requests':>9}{'writes/s':>10}{'p95 ms':>8}  what clients saw")
    base_rate = base_p95 = 0.0
    for phase in PHASES:
        rows = [(o, s) for p, o, s, _at in seen if p == phase]
        span = _span(clock, phase)
        ok = [s for o, s in rows if o == "201"]
        rate = len(ok) / span if span else 0.0
        p95 = percentile(ok, 0.95) * 1000 if ok else float("nan")
        if phase == "before":
            base_rate, base_p95 = rate, p95
        outcomes = ", ".join(f"{o} ×{c}" for o, c in sorted(Counter(o for o, _ in rows).items()))
        ratio = (
            f" (×{rate / base_rate:.2f} writes/s, ×{p95 / base_p95:.2f} p95)" if base_rate else ""
        )
        print(f"  {phase:<15}{len(rows):>9}{rate:>10.1f}{p95:>8.0f}  {outcomes}{ratio}")
    all_outcomes = Counter(o for _p, o, _s, _at in seen)
    print(
        f"\n500s: {all_outcomes.get('500', 0)}; first acknowledged write "
        + (
            f"{first_ok_after - restarted:.1f} s after PostgreSQL was back"
            if first_ok_after is not None
            else "never came after the restart"
        )
    )
    print(
        f"database: {check['acknowledged']} acknowledged, {check['missing']} missing, "
        f"{check['duplicated']} doubled, {check['stored_unacknowledged']} stored but not "
        f"acknowledged (cut off mid-answer); {check['pairs']} pairs, {check['stale']} stale "
        f"determinations {check['stale_examples'] or ''}, "
        f"{check['pairs_without_determination']} pairs without one"
    )
    print(f"server log: {log.count('Traceback')} tracebacks")
    held = (
        all_outcomes.get("500", 0) == 0
        and check["missing"] == 0
        and check["duplicated"] == 0
        and check["stale"] == 0
    )
    print("HELD" if held else "DID NOT HOLD")


def _span(clock: Clock, phase: str) -> float:
    starts = clock.started
    order = [p for p in PHASES if p in starts]
    if phase not in starts:
        return 0.0
    i = order.index(phase)
    end = starts[order[i + 1]] if i + 1 < len(order) else clock.ended
    return end - starts[phase]


if __name__ == "__main__":
    main()

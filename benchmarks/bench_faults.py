"""Faults: a worker killed and PostgreSQL restarted while clients write evidence.

    python benchmarks/bench_faults.py                     # 8 writers, 30 s
    python benchmarks/bench_faults.py --writers 4 --seconds 20

It starts a throwaway PostgreSQL cluster, seeds a small demo district and starts
`proficio serve` on a free loopback port. Writer threads then post evidence through the
JSON API, as a teacher, on a few (student, learning target) pairs, each request listing
its targets in its own order. During the run it kills one gunicorn worker with SIGKILL and
later stops PostgreSQL (fast shutdown, which cuts every connection), keeps it down a few
seconds and starts it again. All traffic stays on 127.0.0.1 and the run is bounded.

It prints what the clients saw in each phase (a warm-up until the fresh workers answer,
then the baseline, the two faults and after; by when each answer came: every status
counted, connection errors, writes/s and p95 against the phase before any fault, the
baseline measured in the same run), then checks the database: every acknowledged write is
stored exactly once under the id its answer gave, and every determination the writers
touched equals a fresh recompute. It counts the deadlocks PostgreSQL logged.

A write counts as acknowledged only when the answer is the real one: a 201 whose JSON body
names the stored evidence (its id) and a determination for each target written. A redirect
(to the login page), a 401 or a 403 means the prepared session was not signed in, so the
run would measure refusals: that, no acknowledged write at all, or any 500 fails the run
loudly (exit status 1), as does a 503 without Retry-After or without a JSON body.

Targets (issue 19): no 500 in any phase (503 with Retry-After while the database is down is
allowed), nothing acknowledged lost or doubled, no stale determination, no deadlock.
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

PHASES = ("warm-up", "before", "worker killed", "database down", "after restart")


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
            acknowledged: dict[str, int] = {}  # title: the evidence id answered
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
                        outcome, made = _answer(response, response.read(), targets)
                    except (OSError, http.client.HTTPException) as exc:
                        outcome, made = f"connection error ({type(exc).__name__})", None
                    finally:
                        conn.close()
                    took = time.monotonic() - started
                    phase = clock.phase  # the phase the answer came in
                    with lock:
                        seen.append((phase, outcome, took, time.monotonic()))
                        if made is not None:
                            acknowledged[title] = made
                    if outcome != "201":
                        time.sleep(0.2)  # a client backs off a little after a failure

            threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
            for t in threads:
                t.start()
            unit = args.seconds / 6
            # Warm-up: fresh workers (imports, caches, connections) can take longer than
            # the whole baseline to answer at all under load. The baseline starts once
            # there are as many acknowledged writes as writers (2 minutes at most).
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(acknowledged) < args.writers:
                time.sleep(0.2)
            clock.enter("before")
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
        pg_log = st.cluster.log.read_text() if st.cluster.log.exists() else ""

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
            f" (×{rate / base_rate:.2f} writes/s, ×{p95 / base_p95:.2f} p95)"
            if base_rate and phase != "warm-up"
            else ""
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
        f"{check['duplicated']} doubled, {check['wrong_id']} under another id, "
        f"{check['stored_unacknowledged']} stored but not "
        f"acknowledged (cut off mid-answer); {check['pairs']} pairs, {check['stale']} stale "
        f"determinations {check['stale_examples'] or ''}, "
        f"{check['pairs_without_determination']} pairs without one"
    )
    deadlocks = pg_log.count("deadlock detected")
    serialization = pg_log.count("could not serialize access")
    print(
        f"server log: {sum(_last_lines(log).values())} errors logged with a traceback "
        f"{_last_lines(log)}; PostgreSQL "
        f"log: {deadlocks} deadlocks, {serialization} serialization failures"
    )
    failures = []
    acknowledged_writes = sum(1 for _p, o, _s, _at in seen if o == OK)
    if not acknowledged_writes:
        failures.append("no write was acknowledged: the run measured nothing but refusals")
    if not any(p == "before" and o == OK for p, o, _s, _at in seen):
        failures.append("no write was acknowledged before the faults (no baseline)")
    refused = {o: c for o, c in all_outcomes.items() if o.startswith(REFUSALS)}
    if refused:
        failures.append(f"signed-out or refused answers {refused}: the sessions do not work")
    if all_outcomes.get("500", 0):
        failures.append(f"{all_outcomes['500']} answers of 500")
    bad = {o: c for o, c in all_outcomes.items() if "without" in o or "not JSON" in o}
    if bad:
        failures.append(f"malformed answers {bad}")
    if check["missing"] or check["duplicated"] or check["wrong_id"]:
        failures.append(
            f"acknowledged writes lost ({check['missing']}), doubled ({check['duplicated']}) "
            f"or stored under another id ({check['wrong_id']})"
        )
    if check["stale"] or check["pairs_without_determination"]:
        failures.append(
            f"{check['stale']} stale determinations, "
            f"{check['pairs_without_determination']} pairs without one"
        )
    if deadlocks:
        failures.append(f"{deadlocks} deadlocks")
    if failures:
        print("DID NOT HOLD: " + "; ".join(failures))
        raise SystemExit(1)
    print("HELD")


OK = "201"
# Answers that mean the prepared session was not signed in, or not allowed to write.
REFUSALS = ("3", "401", "403")


def _answer(
    response: http.client.HTTPResponse, raw: bytes, targets: list[str]
) -> tuple[str, int | None]:
    """What one answer was, and the evidence id when it acknowledged the write: a 201
    whose body names the stored evidence and a determination for each target written."""
    status = response.status
    if 300 <= status < 400:
        where = (response.getheader("Location") or "").split("?")[0]
        return f"{status} redirect to {where or '?'}", None
    if status not in (201, 503):
        return str(status), None  # a 500 is a 500, whatever its body
    try:
        body = json.loads(raw)
    except ValueError:
        return f"{status} not JSON", None
    if status == 503:
        return ("503" if response.getheader("Retry-After") else "503 without Retry-After"), None
    if not isinstance(body, dict):
        return "201 without the write's body", None
    written = {str(d.get("target")) for d in body.get("determinations", [])}
    if not isinstance(body.get("id"), int) or not set(targets) <= written:
        return "201 without the write's body", None
    return OK, int(body["id"])


def _last_lines(log: str) -> dict[str, int]:
    """The exceptions the server log's tracebacks ended with, counted: one per logged
    error (a chain's earlier links, "During handling of the above exception", and the
    exception's own continuation lines are not counted again)."""
    ends: Counter[str] = Counter()
    lines = log.splitlines()
    chained = ("During handling of the above exception", "The above exception was")
    for n, line in enumerate(lines):
        if not line.startswith("Traceback"):
            continue
        k = n + 1
        while k < len(lines) and (lines[k].startswith(" ") or not lines[k].strip()):
            k += 1
        if k >= len(lines):
            continue
        after = k + 1
        while after < len(lines) and (lines[after].startswith(("\t", " ")) or not lines[after]):
            after += 1
        if after < len(lines) and lines[after].startswith(chained):
            continue
        ends[lines[k].split(":")[0][:80]] += 1
    return dict(ends.most_common())


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

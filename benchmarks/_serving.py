"""What the load and fault benchmarks share: a throwaway PostgreSQL cluster, the demo
district in it, signed-in sessions for the simulated people, `proficio serve` on a free
loopback port, and the after-the-fact checks of what was written.

The benchmark processes themselves never load Django (locust and the fault clients talk
HTTP only); the parts that need Django run this file as a script, against the cluster:

    python benchmarks/_serving.py prepare --students N --plan plan.json
    python benchmarks/_serving.py verify --acknowledged titles.json
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLI = [PYTHON, "-m", "proficio.cli"]
WRITE_TITLE = "load write"  # every evidence title the clients write starts with it


def postgres_tools() -> Any:
    """tools/with_postgres.py as a module (its throwaway cluster)."""
    spec = importlib.util.spec_from_file_location("with_postgres", ROOT / "tools/with_postgres.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Stack:
    """The cluster, the data folder and the environment every child process gets."""

    cluster: Any
    data: Path
    env: dict[str, str]

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, str(Path(__file__).resolve()), *args],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def manage(self, *args: str) -> None:
        subprocess.run([*CLI, *args], env=self.env, check=True, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def stack() -> Iterator[Stack]:
    """A fresh PostgreSQL cluster (Unix socket only) and data folder, removed afterwards."""
    module = postgres_tools()
    bindir = module.find_bindir()
    if bindir is None:
        print("SKIPPED: PostgreSQL server binaries (initdb, pg_ctl) were not found.")
        raise SystemExit(0)
    cluster = module.Cluster(bindir)
    data = Path(tempfile.mkdtemp(prefix="proficio-bench-serve-"))
    try:
        cluster.start()
        env = {
            **os.environ,
            "DATABASE_URL": cluster.url,
            "PROFICIO_DATA_DIR": str(data),
            "DJANGO_SETTINGS_MODULE": "proficio.settings",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("PROFICIO_DEBUG", "PROFICIO_SECRET_KEY"):
            env.pop(name, None)
        yield Stack(cluster, data, env)
    finally:
        cluster.remove()
        subprocess.run(["rm", "-rf", str(data)], check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The gunicorn workers: the children of the master (``proficio serve``)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                found.append(int(stat.parent.name))
        return sorted(found)

    def cpu_ticks(self) -> int:
        """CPU time the workers have used so far (clock ticks)."""
        total = 0
        for pid in self.workers():
            with contextlib.suppress(OSError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total

    def settle(self, limit: float = 90.0) -> None:
        """Wait until the workers are idle (requests queued by a finished load level are
        done), so a baseline measured next does not share the cores with them."""
        deadline = time.monotonic() + limit
        before = self.cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = self.cpu_ticks()
            if now - before < 5:
                return
            before = now

    def peak_rss_mib(self) -> float:
        """The highest peak resident memory among the current workers (VmHWM)."""
        peak = 0.0
        for pid in self.workers():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
        return peak


@contextlib.contextmanager
def serving(st: Stack, workers: int | None = None) -> Iterator[Server]:
    """`proficio serve` on a free loopback port, stopped (SIGTERM, then SIGKILL) after."""
    port = free_port()
    log = st.data / f"serve-{port}.log"
    extra = ["--workers", str(workers)] if workers else []
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*CLI, "serve", f"127.0.0.1:{port}", *extra],
            env=st.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(port, proc, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.5),
            ):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"proficio serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        # The master listens before it forks its workers: wait until their number holds.
        seen, steady_since = -1, time.monotonic()
        while time.monotonic() - steady_since < 3 and time.monotonic() < deadline:
            now = len(server.workers())
            if now != seen:
                seen, steady_since = now, time.monotonic()
            time.sleep(0.3)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def pgbench_inserts(st: Stack, seconds: int = 5, clients: int = 4) -> float:
    """Single-row inserts per second on the same cluster (pgbench, a custom script)."""
    bindir = st.cluster.bindir
    sock = str(st.cluster.sock)
    psql = [str(bindir / "psql"), "-h", sock, "-U", "postgres", "-q", "-d", "postgres"]
    psql += ["-v", "ON_ERROR_STOP=1", "-c", "SET client_min_messages = warning"]
    subprocess.run(
        [
            *psql,
            "-c",
            "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial, v int, at "
            "timestamptz DEFAULT now())",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    script = st.data / "insert.sql"
    script.write_text("INSERT INTO bench_insert (v) VALUES (1);\n")
    done = subprocess.run(
        [
            str(bindir / "pgbench"),
            "-h",
            sock,
            "-U",
            "postgres",
            "-n",
            "-f",
            str(script),
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            "postgres",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise RuntimeError(f"pgbench printed no tps:\n{done.stdout}\n{done.stderr}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------------------
# The Django side: run as a script in a child process, with the cluster's DATABASE_URL.


def _session(user: Any) -> dict[str, str]:
    """A signed-in session for ``user``, as a login leaves it, and a CSRF secret."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # The backend a password login records (Django reads the session's user through it,
    # and ignores a session naming a backend no longer configured).
    backend = "proficio.accounts.backends.PersonBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS, settings.AUTHENTICATION_BACKENDS
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    csrf = secrets.token_hex(16)  # 32 characters: Django takes it unmasked
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf}",
        "csrf": csrf,
    }


def prepare(students: int, teachers: int, plan_path: Path, tasks: int = 1) -> None:
    """Migrate, seed the demo district, and write the plan: one entry per simulated
    teacher (a class of their own and a scoring task in it), student and leader."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from proficio.accounts.models import User
    from proficio.accounts.roles import Role
    from proficio.audit.context import acting
    from proficio.classroom import actions as classroom
    from proficio.frameworks.assessable import assessable_targets
    from proficio.frameworks.models import Rubric
    from proficio.orgs.models import Section, Student

    call_command("migrate", verbosity=0)
    call_command("demo", students=students, seed=5, no_history=True, verbosity=0)
    plan: dict[str, list[dict[str, Any]]] = {"teachers": [], "students": [], "leaders": []}
    sections = list(
        Section.objects.filter(staff__isnull=False).select_related("school").order_by("pk")
    )
    for section in sections:
        if len(plan["teachers"]) >= teachers:
            break
        roster = classroom.roster(section)
        if len(roster) < 5:
            continue
        teacher = User.objects.filter(section_assignments__section=section).order_by("pk")[0]
        targets = assessable_targets(section.school)
        rubric = Rubric.objects.filter(criteria__item__in=targets).distinct().order_by("pk").first()
        if rubric is None:
            continue
        with acting(teacher, route="bench"):
            made = [
                classroom.create_scoring_task(
                    teacher,
                    section=section,
                    title=f"Load benchmark task {n + 1}",
                    kind="performance_task",
                    assessed_on=timezone.localdate(),
                    rubric=rubric,
                )
                for n in range(tasks)
            ]
        plan["teachers"].append(
            {
                **_session(teacher),
                "section": section.pk,
                "tasks": [t.pk for t in made],
                "students": [s.pk for s in roster],
                "criteria": list(rubric.criteria.values_list("pk", flat=True)),
                "targets": [
                    str(i)
                    for i in targets.filter(kind="target")
                    .order_by("human_coding_scheme", "pk")
                    .values_list("identifier", flat=True)[:6]
                ],
            }
        )
    for student in (
        Student.objects.filter(user__isnull=False, enrollments__isnull=False)
        .distinct()
        .select_related("user")
        .order_by("pk")[: max(teachers, 50)]
    ):
        plan["students"].append(_session(student.user))
    for leader in User.objects.filter(memberships__role=Role.SCHOOL_LEADER).distinct()[:20]:
        plan["leaders"].append(_session(leader))
    plan_path.write_text(json.dumps(plan))
    print(
        json.dumps(
            {
                "students": Student.objects.count(),
                "teachers": len(plan["teachers"]),
                "student_logins": len(plan["students"]),
                "leaders": len(plan["leaders"]),
            }
        )
    )


def verify(acknowledged_path: Path) -> None:
    """Every acknowledged write is stored exactly once; every determination touched by
    the clients equals a fresh recompute. Prints one JSON line."""
    import django

    django.setup()
    from proficio.evidence.models import Evidence, EvidenceScore
    from proficio.mastery import engine
    from proficio.mastery.models import Determination

    # A list of titles, or titles with the evidence id each answer gave.
    answered = json.loads(acknowledged_path.read_text())
    ids: dict[str, int] = answered if isinstance(answered, dict) else {}
    acknowledged = set(answered)
    stored = list(Evidence.objects.filter(title__startswith=WRITE_TITLE).values_list("title", "pk"))
    counts: dict[str, int] = {}
    wrong_id = 0
    for title, pk in stored:
        counts[title] = counts.get(title, 0) + 1
        wrong_id += title in ids and ids[title] != pk
    pairs = set(
        EvidenceScore.objects.filter(evidence__title__startswith=WRITE_TITLE).values_list(
            "student_id", "target_id"
        )
    )
    stale = []
    for det in Determination.objects.filter(
        student_id__in={s for s, _ in pairs}, target_id__in={t for _, t in pairs}
    ).select_related("student__school", "target__framework"):
        if (det.student_id, det.target_id) not in pairs:
            continue
        version = engine.policy_for(det.student, det.target)
        if version is None:
            continue
        fresh, _scale = engine.compute(det.student, det.target, version)
        if (det.value, det.evidence_count, det.status) != (
            fresh.value,
            fresh.evidence_count,
            fresh.status.value,
        ):
            stale.append(f"{det.student_id}/{det.target_id}")
    missing_pairs = [
        p
        for p in pairs
        if not Determination.objects.filter(student_id=p[0], target_id=p[1]).exists()
    ]
    print(
        json.dumps(
            {
                "acknowledged": len(acknowledged),
                "stored": len(stored),
                "missing": len(acknowledged - set(counts)),
                "duplicated": sum(1 for c in counts.values() if c > 1),
                "wrong_id": wrong_id,
                "stored_unacknowledged": len(set(counts) - acknowledged),
                "pairs": len(pairs),
                "stale": len(stale),
                "stale_examples": stale[:5],
                "pairs_without_determination": len(missing_pairs),
            }
        )
    )


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--students", type=int, required=True)
    p.add_argument("--teachers", type=int, required=True)
    p.add_argument("--plan", type=Path, required=True)
    p.add_argument("--tasks", type=int, default=1, help="scoring tasks per class")
    v = sub.add_parser("verify")
    v.add_argument("--acknowledged", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.students, args.teachers, args.plan, args.tasks)
    else:
        verify(args.acknowledged)


if __name__ == "__main__":
    main()

"""Peak memory of one worker during a burst of logins: Django's Argon2 defaults against
OWASP's Argon2id minimum (``proficio.accounts.hashers.Argon2idHasher``).

    python benchmarks/bench_login_memory.py [--threads 8] [--rounds 3]
    python benchmarks/bench_login_memory.py --server [--clients 16] [--rounds 3]

With ``--server`` the burst goes to the production server itself: ``proficio serve``
(gunicorn's sync workers) on PostgreSQL, ``--clients`` people signing in over HTTP at
once (the login form, its CSRF token, then the POST), and the figure is each gunicorn
worker's peak resident memory (VmHWM). The baseline is the same burst against accounts
whose stored hashes still use Django's Argon2 defaults: verifying such a hash costs what
it cost before the change (its parameters are read from the hash), and the login then
re-hashes it with the new ones.

Each configuration runs in a fresh process, as a server worker would: it serves real
POSTs to the login page through Django's test client (the form, Axes, the login throttle,
the session), ``--threads`` at once per round (a threaded worker; 1 is a sync worker),
against accounts whose stored hashes already use that configuration. It prints the
worker's resident memory before the burst, its peak (VmHWM), and the median login time.
Target: peak RSS per worker under 300 MiB. The baseline, measured in the same run, is
Django's own Argon2 hasher (m = 100 MiB, t = 2, p = 8), the setting before this change.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CONFIGS = {
    "before": (
        "Django Argon2 (m=100 MiB, t=2, p=8)",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ),
    "after": ("OWASP Argon2id (m=19 MiB, t=2, p=1)", "proficio.accounts.hashers.Argon2idHasher"),
}
PASSWORD = "bench-login-password-9"  # noqa: S105 - throwaway accounts in a temp database


def _memory() -> dict[str, int]:
    """VmRSS and VmHWM (peak) of this process, in KiB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            found[key] = int(value.split()[0])
    return found


def _setup(env: dict[str, str], users: int) -> None:
    cli = [sys.executable, "-m", "proficio.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)
    script = (
        "import django; django.setup()\n"
        "from django.utils.module_loading import import_string\n"
        "from proficio.accounts.models import User\n"
        f"for key, path in { ({k: v[1] for k, v in CONFIGS.items()})!r}.items():\n"
        "    hasher = import_string(path)()\n"
        f"    encoded = hasher.encode({PASSWORD!r}, hasher.salt())\n"
        "    User.objects.bulk_create(\n"
        f"        [User(username=f'{{key}}{{i}}', password=encoded) for i in range({users})]\n"
        "    )\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True)


def worker(config: str, threads: int, rounds: int) -> None:
    """One server worker: a login burst, then its memory figures as JSON."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.PASSWORD_HASHERS = [CONFIGS[config][1]]
    # Warm up everything but the hashing (imports, templates, the database connection).
    Client().get("/accounts/login/")
    idle = _memory()["VmRSS"]
    times: list[float] = []
    lock = threading.Lock()

    def log_in(username: str, barrier: threading.Barrier) -> None:
        client = Client(REMOTE_ADDR="127.0.0.1")
        barrier.wait()
        start = time.perf_counter()
        response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        elapsed = time.perf_counter() - start
        assert response.status_code == 302, (username, response.status_code)
        with lock:
            times.append(elapsed)

    for r in range(rounds):
        barrier = threading.Barrier(threads)
        pool = [
            threading.Thread(target=log_in, args=(f"{config}{r * threads + i}", barrier))
            for i in range(threads)
        ]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    peak = _memory()["VmHWM"]
    print(json.dumps({"idle": idle, "peak": peak, "p50": statistics.median(times)}))


def _server_burst(server: object, usernames: list[str], clients: int) -> list[float]:
    """``clients`` people at a time sign in through the login form; their times."""
    import re

    import requests

    host = server.host  # type: ignore[attr-defined]
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    times: list[float] = []
    lock = threading.Lock()

    def log_in(username: str, barrier: threading.Barrier) -> None:
        with requests.Session() as session:
            page = session.get(f"{host}/accounts/login/", timeout=300)
            found = token.search(page.text)
            assert found, page.status_code
            barrier.wait()
            start = time.perf_counter()
            response = session.post(
                f"{host}/accounts/login/",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": found.group(1),
                },
                allow_redirects=False,
                timeout=300,
            )
            elapsed = time.perf_counter() - start
            assert response.status_code == 302, (username, response.status_code)
            with lock:
                times.append(elapsed)

    for first in range(0, len(usernames), clients):
        batch = usernames[first : first + clients]
        barrier = threading.Barrier(len(batch))
        pool = [threading.Thread(target=log_in, args=(u, barrier)) for u in batch]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    return times


def _worker_rss(server: object, key: str) -> float:
    """The largest ``key`` (VmRSS or VmHWM) among the server's workers, in MiB."""
    most = 0.0
    for pid in server.workers():  # type: ignore[attr-defined]
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith(f"{key}:"):
                most = max(most, int(line.split()[1]) / 1024)
    return most


def server_main(clients: int, rounds: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _serving

    with _serving.stack() as st:
        _setup(st.env, clients * rounds)
        print(
            f"login burst against proficio serve (sync workers, PostgreSQL): {rounds} rounds "
            f"of {clients} people signing in at once"
        )
        results = {}
        for config in ("before", "after"):
            # A fresh server per configuration: its workers' peaks start from nothing.
            with _serving.serving(st) as server:
                names = [f"{config}{i}" for i in range(clients * rounds)]
                # Warm every worker up on the login page (imports, templates, connection).
                for _ in range(4 * len(server.workers())):
                    requests_get(f"{server.host}/accounts/login/")
                idle = _worker_rss(server, "VmRSS")
                times = _server_burst(server, names, clients)
                results[config] = {
                    "idle": idle,
                    "peak": _worker_rss(server, "VmHWM"),
                    "p50": statistics.median(times),
                    "workers": len(server.workers()),
                }
        print(f"  {'stored hashes':38} {'idle RSS':>10} {'peak RSS':>10} {'p50':>8}  workers")
        for config, (label, _path) in CONFIGS.items():
            r = results[config]
            print(
                f"  {label:38} {r['idle']:7.0f} MiB {r['peak']:7.0f} MiB"
                f" {r['p50'] * 1000:5.0f} ms  {r['workers']}"
            )
        before, after = results["before"], results["after"]
        print(
            f"  ratio after/before: peak RSS {after['peak'] / before['peak']:.2f}, "
            f"p50 {after['p50'] / before['p50']:.2f}; "
            f"target peak RSS per worker < 300 MiB: "
            f"{'met' if after['peak'] < 300 else 'NOT met'}"
        )


def requests_get(url: str) -> None:
    import requests

    requests.get(url, timeout=300).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", choices=sorted(CONFIGS))
    parser.add_argument("--server", action="store_true")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.threads, args.rounds)
        return
    if args.server:
        server_main(args.clients, args.rounds)
        return
    with tempfile.TemporaryDirectory(prefix="proficio-bench-login-") as data:
        env = {
            **os.environ,
            "PROFICIO_DATA_DIR": data,
            "DJANGO_SETTINGS_MODULE": "proficio.settings",
            "PROFICIO_DEBUG": "0",
        }
        env.pop("DATABASE_URL", None)
        _setup(env, args.threads * args.rounds)
        print(f"login burst: {args.rounds} rounds of concurrent logins in one worker process")
        for threads in sorted({1, args.threads}):
            results = {}
            for config in ("before", "after"):
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--worker",
                        config,
                        "--threads",
                        str(threads),
                        "--rounds",
                        str(args.rounds),
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                results[config] = json.loads(out.strip().splitlines()[-1])
            print(f"\n{threads} login(s) at once per worker")
            print(
                f"  {'hasher':38} {'idle RSS':>10} {'peak RSS':>10} {'burst adds':>11} {'p50':>8}"
            )
            for config, (label, _path) in CONFIGS.items():
                r = results[config]
                print(
                    f"  {label:38} {r['idle'] / 1024:7.0f} MiB {r['peak'] / 1024:7.0f} MiB"
                    f" {(r['peak'] - r['idle']) / 1024:8.0f} MiB {r['p50'] * 1000:5.0f} ms"
                )
            before, after = results["before"], results["after"]
            added = (after["peak"] - after["idle"]) / max(1, before["peak"] - before["idle"])
            print(
                f"  ratio after/before: peak RSS {after['peak'] / before['peak']:.2f}, "
                f"burst adds {added:.2f}, p50 {after['p50'] / before['p50']:.2f}"
            )


if __name__ == "__main__":
    main()

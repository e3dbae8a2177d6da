"""Peak memory of one worker during a burst of logins: Django's Argon2 defaults against
OWASP's Argon2id minimum (``proficio.accounts.hashers.Argon2idHasher``).

    python benchmarks/bench_login_memory.py [--threads 8] [--rounds 3]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", choices=sorted(CONFIGS))
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.threads, args.rounds)
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

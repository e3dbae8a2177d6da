"""Run a command against a throwaway PostgreSQL cluster.

    python tools/with_postgres.py -- pytest ...

Creates a cluster in a temporary directory with the machine's PostgreSQL binaries,
listening only on a Unix socket, exports DATABASE_URL for the command, and removes
everything afterwards. As root, the cluster runs as the ``postgres`` system user
(initdb refuses root). Under CI=true a missing PostgreSQL is an error, not a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote


def find_bindir() -> Path | None:
    candidates = [os.environ.get("PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    which = shutil.which("initdb")
    if which:
        candidates.append(str(Path(which).parent))
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def _version(path: str) -> int:
    try:
        return int(Path(path).parent.name)
    except ValueError:
        return 0


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: with_postgres.py -- COMMAND ...", file=sys.stderr)
        return 2
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) were not found."
        if os.environ.get("CI"):
            print(f"ERROR: {message} The PostgreSQL run is required in CI.", file=sys.stderr)
            return 1
        print(f"SKIPPED the PostgreSQL run: {message}", file=sys.stderr)
        return 0

    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="proficio-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    log = base / "server.log"
    started = False
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "--auth=trust",
                "-U",
                "postgres",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-k {sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=50"
        )
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(log),
                "-w",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        started = True
        env = dict(os.environ)
        env["DATABASE_URL"] = f"postgres://postgres@{quote(str(sock), safe='')}/postgres"
        print(
            f"PostgreSQL ({bindir.parent.name}) running on a Unix socket for: {' '.join(argv)}",
            flush=True,
        )
        return subprocess.run(argv, env=env).returncode
    except subprocess.CalledProcessError as exc:
        print(f"ERROR: could not start PostgreSQL: {exc}", file=sys.stderr)
        if log.exists():
            print(log.read_text(), file=sys.stderr)
        return 1
    finally:
        if started:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

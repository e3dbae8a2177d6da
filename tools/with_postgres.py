"""Run a command against a throwaway PostgreSQL cluster.

    python tools/with_postgres.py -- pytest ...

Creates a cluster in a temporary directory with the machine's PostgreSQL binaries,
listening only on a Unix socket, exports DATABASE_URL for the command, and removes
everything afterwards. As root, the cluster runs as the ``postgres`` system user
(initdb refuses root). Under CI=true a missing PostgreSQL is an error, not a skip.
"""

from __future__ import annotations

import contextlib
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


class Cluster:
    """A throwaway cluster in a temporary folder, on a Unix socket only.

    ``start()`` creates it on first use; ``stop()`` and ``start()`` again stop and restart
    the server on the same data (tests use this to take the database away under a running
    app server); ``remove()`` stops it and deletes everything.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.base = Path(tempfile.mkdtemp(prefix="proficio-pg-"))
        self.data, self.sock, self.log = self.base / "data", self.base / "sock", self.base / "log"
        self.running = False
        self.sock.mkdir()
        if self.prefix:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sock, "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@{quote(str(self.sock), safe='')}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        if not self.data.exists():
            subprocess.run(
                [
                    *self.prefix,
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data),
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
            f"-k {self.sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=50"
        )
        self._ctl("-o", options, "-l", str(self.log), "-w", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "stop")
        self.running = False

    def remove(self) -> None:
        if self.running:
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


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

    cluster = Cluster(bindir)
    try:
        cluster.start()
        env = dict(os.environ)
        env["DATABASE_URL"] = cluster.url
        print(
            f"PostgreSQL ({bindir.parent.name}) running on a Unix socket for: {' '.join(argv)}",
            flush=True,
        )
        return subprocess.run(argv, env=env).returncode
    except subprocess.CalledProcessError as exc:
        print(f"ERROR: could not start PostgreSQL: {exc}", file=sys.stderr)
        if cluster.log.exists():
            print(cluster.log.read_text(), file=sys.stderr)
        return 1
    finally:
        cluster.remove()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

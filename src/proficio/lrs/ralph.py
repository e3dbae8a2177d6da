"""Start Ralph, a real Learning Record Store, with its filesystem backend.

Ralph lives in its own virtualenv (``.venv-lrs``, built by ``make install``) because it
pins web-framework versions of its own. ``proficio run`` starts it beside the task worker,
and the tests and benchmarks start their own on a free port. Statements are stored as
JSON lines under ``data_dir``; the credentials file is written by ``ralph auth``.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from django.conf import settings

# Ralph 5.1's filesystem LRS backend writes each POST with the "create" operation, which
# refuses once the statements file exists, so only the first POST would ever be stored.
# Appending is the operation its own data backend offers for this. Its `runserver` also
# always runs uvicorn with auto-reload (a second process, a file watcher). So we serve
# Ralph's own application, `ralph.api:app`, with uvicorn directly, with that one default
# changed; the backend and its directory come from Ralph's environment variables.
LAUNCH = (
    "import sys, uvicorn\n"
    "from ralph.backends.data.base import BaseOperationType\n"
    "from ralph.backends.lrs.fs import FSLRSBackend\n"
    "FSLRSBackend.default_operation_type = BaseOperationType.APPEND\n"
    "uvicorn.run('ralph.api:app', host='127.0.0.1', port=int(sys.argv[1]),"
    " log_level='warning', access_log=False)\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def available(ralph: str | None = None) -> bool:
    return Path(ralph or settings.PROFICIO_RALPH).is_file()


def start(
    data_dir: Path,
    *,
    port: int,
    username: str,
    password: str,
    page: int = 5000,
    ralph: str | None = None,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start Ralph on 127.0.0.1:``port`` and wait until it answers; returns the process."""
    executable = ralph or settings.PROFICIO_RALPH
    app_dir = data_dir / "app"
    store = data_dir / "statements"
    app_dir.mkdir(parents=True, exist_ok=True)
    store.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(app_dir),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": str(page),
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(store),
    }
    auth = app_dir / "auth.json"
    auth.unlink(missing_ok=True)
    subprocess.run(  # noqa: S603 - our own executable and arguments
        [executable, "auth", "-u", username, "-p", password, "-s", "all",
         "-M", f"mailto:{username}@example.org", "-w"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen(  # noqa: S603
        [str(Path(executable).with_name("python")), "-c", LAUNCH, str(port)],
        env=env, stdout=out, stderr=out,
    )  # fmt: skip
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Ralph stopped at start (exit {process.returncode})")
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/whoami", headers={"Authorization": f"Basic {token}"}
            )
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("Ralph did not answer within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

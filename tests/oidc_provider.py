"""A real OpenID Connect provider for tests: node's oidc-provider, started on a free port.

``running_provider`` starts ``tools/oidc_test_provider.mjs`` (installed by ``make install``
from package-lock.json) and yields its issuer URL; ``sign_in_at`` plays the person at the
provider's login form, over HTTP, and returns the URL the provider sends them back to.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "oidc_test_provider.mjs"
CLIENT_ID = "proficio-tests"
CLIENT_SECRET = "a-secret-only-the-tests-know"

# Who can sign in at the test provider (the login is the subject), and their claims.
ACCOUNTS = {
    "rivera": {"email": "rivera@riverbend.example", "email_verified": True, "name": "E. Rivera"},
    "stranger": {"email": "stranger@elsewhere.example", "email_verified": True, "name": "S"},
    "unverified": {"email": "ben@riverbend.example", "email_verified": False, "name": "B"},
    "nameless": {"name": "No email at all"},
    "by-username": {"preferred_username": "counselor", "name": "D. Chen"},
    "student-number": {"preferred_username": "s-2031", "name": "A. Garcia"},
    # A teacher who exists only once a OneRoster import has brought them in.
    "lindqvist": {
        "email": "lindqvist@oakvalley.example",
        "email_verified": True,
        "name": "Erik Lindqvist",
    },
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_provider(redirect_uris: list[str]) -> Iterator[str]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").exists():
        raise RuntimeError("node and node_modules/oidc-provider are needed: run `make install`")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "provider.json"
        config.write_text(
            json.dumps(
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": redirect_uris,
                    "accounts": ACCOUNTS,
                }
            )
        )
        log = open(Path(folder) / "provider.log", "w")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [node, str(SCRIPT), str(port), str(config)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            issuer = _wait_ready(proc, folder)
            yield issuer
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            log.close()


def _wait_ready(proc: subprocess.Popen[str], folder: str) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            if line.startswith("ready "):
                return line.split()[1]
        if proc.poll() is not None:
            break
    log = (Path(folder) / "provider.log").read_text()
    raise RuntimeError(f"the test OpenID provider did not start: {log}")


def sign_in_at(url: str, login: str, back_to: str) -> str:
    """Open the provider's authorization URL, sign in as ``login`` on its form, and return
    the URL (starting with ``back_to``) it redirects the browser to."""
    import requests

    session = requests.Session()
    answer = session.get(url, allow_redirects=False, timeout=10)
    for _ in range(12):
        if answer.is_redirect:
            url = urljoin(url, answer.headers["Location"])
            if url.startswith(back_to):
                return url
            answer = session.get(url, allow_redirects=False, timeout=10)
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"', answer.text)
        assert form, answer.text[:500]
        answer = session.post(
            urljoin(url, form.group(1)),
            data={"prompt": "login", "login": login, "password": "any password"},
            allow_redirects=False,
            timeout=10,
        )
    raise AssertionError(f"the provider never sent the browser back: {answer.text[:500]}")

"""Browser tests: a real server with the demo district, driven by Debian's Chromium.

The server is the product as ``make run`` starts it (its own SQLite database in a
temporary folder, seeded by ``proficio demo``), so these tests see exactly what a
person sees. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("PROFICIO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's data folder (its database, media and mail/, where emails land)."""
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="session")
def server(server_data: Path) -> Iterator[str]:
    from tests.oidc_provider import running_provider

    port = _free_port()
    # A real OpenID provider for single sign-on, registered with this server's callback.
    with running_provider([f"http://127.0.0.1:{port}/accounts/sso/callback/"]) as issuer:
        yield from _serve(server_data, port, issuer)


def _serve(data: Path, port: int, issuer: str) -> Iterator[str]:
    from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

    env = {
        **os.environ,
        "PROFICIO_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "proficio.settings",
        "PROFICIO_DEBUG": "0",  # as `make run` serves it
        "PROFICIO_OIDC_ISSUER": issuer,
        "PROFICIO_OIDC_CLIENT_ID": CLIENT_ID,
        "PROFICIO_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "PROFICIO_OIDC_NAME": "Riverbend Google Workspace",
    }
    env.pop("PROFICIO_EMAIL_HOST", None)  # emails land in files under data/mail/
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "proficio.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*cli, "demo", "--students", "120", "--seed", "0", "-v0"], env=env, check=True)
    log = open(data / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [*cli, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, stdout=log, stderr=log
    )
    # As with `proficio run`, a worker runs background tasks (imports) beside the server.
    worker = subprocess.Popen(
        [*cli, "db_worker", "--interval", "0.2", "--no-startup-delay"],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine runs its system checks slowly
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:  # pragma: no cover
            raise RuntimeError(f"server did not start: {(data / 'server.log').read_text()}")
        yield f"http://127.0.0.1:{port}"
    finally:
        for p in (proc, worker):
            p.terminate()
            p.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: `make test` installs Debian's chromium package"
        )
    # Playwright's sync API runs an event loop; Django code in this process is not touched.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core (from the npm registry, injected into the page) for WCAG 2.x A/AA."""
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: [
                'wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}
        })"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

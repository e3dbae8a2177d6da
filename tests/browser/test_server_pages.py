"""Pages of the serving layer in a real browser: a student's portfolio link opens through a
page that shows where it leads; the error pages (a 404, and a 503 while the database is
unreachable) are friendly, accessible and need neither the database nor the user."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import _free_port, axe_violations, log_in, screenshot

TARGET_LABEL = "MATH.2.6 Modelling with functions"
LINK = "https://example.org/robotics/cost-model?club=riverbend"


def test_a_portfolio_link_opens_through_a_page_that_shows_it(page):
    log_in(page, "ana", DEMO_PASSWORD)
    page.get_by_role("link", name="Share learning from outside school").click()
    page.get_by_label("What did you do?").fill("Cost model shared online")
    page.get_by_label("Which learning target does it show?").select_option(label=TARGET_LABEL)
    page.get_by_label("The level I think it shows").select_option("3")
    page.get_by_label("Where did the learning happen?").fill("Riverbend Robotics Club")
    page.get_by_label("…or a link").fill(LINK)
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Sent to your teachers for review.")).to_be_visible()

    # She lands on her home's evidence panel, where the link is listed.
    expect(page.get_by_role("link", name="My evidence", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_role("link", name=LINK).first.click()
    expect(page.get_by_role("heading", name="A link outside Proficio")).to_be_visible()
    assert "/evidence/artifacts/" in page.url  # a page of ours, not a redirect away
    expect(page.locator(".link-address code")).to_have_text(LINK)
    opener = page.get_by_role("link", name="Open the link")
    expect(opener).to_have_attribute("href", LINK)
    expect(opener).to_have_attribute("rel", "noopener noreferrer nofollow")
    screenshot(page, "server-portfolio-link")
    assert axe_violations(page) == []


def test_the_404_page_is_friendly_and_accessible(page):
    log_in(page, "rivera", DEMO_PASSWORD)
    response = page.goto("/students/999999999/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your home page")).to_be_visible()
    assert response.headers["cache-control"] == "no-store"
    screenshot(page, "server-404")
    assert axe_violations(page) == []


def test_the_503_page_while_the_database_is_unreachable(browser, tmp_path):
    """`proficio serve` pointed at a PostgreSQL socket where nothing listens (it starts
    anyway, as a production server must when its database is late)."""
    dead = tmp_path / "no-server-here"
    dead.mkdir()
    env = {
        **os.environ,
        "PROFICIO_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "proficio.settings",
        "DATABASE_URL": f"postgres://postgres@{str(dead).replace('/', '%2F')}/proficio",
    }
    env.pop("PROFICIO_DEBUG", None)
    port = _free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "proficio.cli", "serve", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert proc.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
        context.add_cookies(
            [{"name": "sessionid", "value": "x" * 32, "url": f"http://127.0.0.1:{port}"}]
        )
        page = context.new_page()
        response = page.goto("/")
        assert response is not None
        assert response.status == 503
        assert response.headers["retry-after"] == "10"
        expect(page.get_by_role("heading", name="Proficio is briefly unavailable")).to_be_visible()
        expect(page.get_by_text("Nothing you entered was lost.")).to_be_visible()
        screenshot(page, "server-503")
        assert axe_violations(page) == []
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()

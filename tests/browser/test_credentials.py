"""Credentials in a real browser: the district turns level credentials on, Ana finds hers
in her wallet and downloads them, the public verify page says a credential is valid, a
principal revokes it with a reason, and the verify page then says revoked (and Ana's
wallet shows why). Every page is checked with axe-core."""

from __future__ import annotations

import json
import time
from pathlib import Path

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, screenshot
from tests.independent_verifier import independently_verify


def _log_out(page) -> None:
    """Leave as a different person would arrive: no session at all."""
    page.context.clear_cookies()


def _log_in(page, username: str) -> None:
    """Log in and wait until the login response has come back (the session is set), not
    for the home page, which can be slow on a loaded machine."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url, wait_until="commit")


def _wait_for_credentials(page, timeout: float = 240) -> None:
    """The district's credentials are issued by the task worker; reload until they show."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.goto("/credentials/wallet/")
        if page.get_by_role("table", name="Credentials issued to me").count():
            return
        time.sleep(2)
    raise AssertionError("no credential was issued in time")


def _verify(page, text: str) -> None:
    page.goto("/credentials/verify/")
    page.get_by_label("Paste a credential (JSON or a JSON Web Token)").fill(text)
    page.get_by_role("button", name="Verify").click()


def test_issue_verify_revoke_in_the_browser(page, server):
    # The district administrator turns level credentials on.
    _log_in(page, "district.admin")
    page.goto("/credentials/verify/")  # the footer link exists on every page
    orgs = page.evaluate(
        "async () => (await (await fetch('/api/v1/organizations?limit=500')).json())"
    )
    riverbend = next(o for o in orgs if o["code"] == "riverbend")
    page.goto(f"/credentials/district/{riverbend['id']}/")
    page.get_by_label("Issue a credential for each competency level a student reaches").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    screenshot(page, "credentials-district")
    assert axe_violations(page) == []
    _log_out(page)

    # Ana's wallet lists her credentials; she downloads them all in one file.
    _log_in(page, "ana")
    ana = page.evaluate("async () => (await (await fetch('/api/v1/students')).json())")[0]
    _wait_for_credentials(page)
    page.get_by_role("link", name="My credentials", exact=True).click()
    table = page.get_by_role("table", name="Credentials issued to me")
    expect(table).to_contain_text("In force")
    screenshot(page, "credentials-wallet")
    assert axe_violations(page) == []
    with page.expect_download() as info:
        page.get_by_role("link", name="Download all my credentials (one file)").click()
    bundle = json.loads(Path(info.value.path()).read_text())
    first = bundle["credentials"][0]
    assert first["credential"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    name = first["name"]
    text = json.dumps(first["credential"])

    # Every credential the server issued to Ana passes the independent verifier too, with
    # the status list the server publishes.
    lists = {}
    for entry in bundle["credentials"]:
        url = entry["credential"]["credentialStatus"]["statusListCredential"]
        lists[url] = page.request.get("/credentials/status/" + url.rsplit("/", 1)[1]).json()
    results = independently_verify(
        [(str(i), e["credential"]) for i, e in enumerate(bundle["credentials"])], documents=lists
    )
    assert all(r["verified"] for r in results.values()), results

    # Anyone can verify it on the public page.
    _log_out(page)
    _verify(page, text)
    expect(page.get_by_role("heading", name="Valid")).to_be_visible()
    expect(page.locator("#verdict")).to_contain_text("is genuine and in force")
    screenshot(page, "credentials-verify-valid")
    assert axe_violations(page) == []

    # A principal revokes it with a reason Ana will read.
    _log_in(page, "principal")
    page.goto(f"/credentials/student/{ana['id']}/")
    screenshot(page, "credentials-student")
    expect(page.get_by_role("table", name="Credentials issued")).to_contain_text(name)
    row = page.get_by_role("row").filter(has_text=name).first
    row.locator("textarea").fill("Recorded for the wrong competency.")
    row.get_by_role("button", name="Revoke", exact=True).click()
    expect(page.get_by_text("Revoked.", exact=True)).to_be_visible()
    screenshot(page, "credentials-student-revoked")
    assert axe_violations(page) == []
    _log_out(page)

    _verify(page, text)
    expect(page.get_by_role("heading", name="Revoked")).to_be_visible()
    expect(page.locator("#verdict")).to_contain_text("Revoked: the issuer has withdrawn")
    screenshot(page, "credentials-verify-revoked")
    assert axe_violations(page) == []

    # A badge image without a credential gets a plain answer, not an error page.
    page.goto("/credentials/verify/")
    page.get_by_label("Or choose a file (JSON, JWT, or a PNG or SVG badge)").set_input_files(
        {
            "name": "badge.svg",
            "mimeType": "image/svg+xml",
            "buffer": b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        }
    )
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verdict")).to_contain_text("picture of a badge")

    _log_in(page, "ana")
    page.goto("/credentials/wallet/")
    expect(page.get_by_role("table", name="Credentials issued to me")).to_contain_text(
        "Recorded for the wrong competency."
    )

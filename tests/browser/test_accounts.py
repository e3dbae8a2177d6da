"""Accounts in the browser: single sign-on through a real OpenID provider, its refusal page,
an administrator inviting a teacher who sets a password from the emailed link, registering
an API client, and the password and lockout pages. Every page is checked with axe-core."""

from __future__ import annotations

import re
import time
from pathlib import Path

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot


def _sign_in_at_provider(page, login: str) -> None:
    page.goto("/accounts/login/")
    assert axe_violations(page) == []
    screenshot(page, "accounts-login-sso")
    page.get_by_role("link", name="Sign in with Riverbend Google Workspace").click()
    # The provider's own login form (node's oidc-provider), on another origin.
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any password")
    page.locator('button[type="submit"]').click()
    page.wait_for_load_state()


def test_a_rostered_teacher_signs_in_through_the_identity_provider(page):
    _sign_in_at_provider(page, "rivera")
    assert page.url.endswith("/home/teacher/")
    assert "My classes" in page.locator("h1").inner_text()
    assert "Ms. Rivera" in page.locator(".who").inner_text()


def test_someone_not_on_the_roster_sees_why_they_are_refused(page):
    _sign_in_at_provider(page, "stranger")
    assert "/accounts/sso/callback/" in page.url
    assert page.locator("h1").inner_text() == "You are not on Proficio's roster"
    alert = page.get_by_role("alert").inner_text()
    assert "stranger@elsewhere.example" in alert
    assert "ask your school's administrator to add you" in alert
    screenshot(page, "accounts-sso-refused")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Back to the login page").click()
    assert page.url.endswith("/accounts/login/")


def _mail_to(data: Path, address: str, after: float) -> str:
    """The newest email to ``address`` written by the server's file backend."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for path in sorted((data / "mail").glob("*.log"), key=lambda p: p.stat().st_mtime):
            text = path.read_text()
            if path.stat().st_mtime >= after and f"To: {address}" in text:
                return text
        time.sleep(0.2)
    raise AssertionError(f"no email to {address}")


def test_an_administrator_invites_a_teacher_who_sets_a_password(page, server_data):
    log_in(page, "district.admin", DEMO_PASSWORD)
    page.get_by_role("link", name="People").first.click()
    assert page.locator("h1").inner_text() == "People"
    screenshot(page, "accounts-people")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Invite someone").click()
    assert axe_violations(page) == []
    page.get_by_label("First name").fill("Noor")
    page.get_by_label("Last name").fill("Haddad")
    page.locator("#id_email").fill("noor.haddad@riverbend.example")
    page.get_by_label("Role").select_option(label="Teacher")
    page.get_by_label("Organization").select_option(label="Maple Middle School (School)")
    screenshot(page, "accounts-invite")
    sent_after = time.time() - 1
    page.get_by_role("button", name="Send the invitation").click()
    assert page.locator("h1").inner_text() == "Noor Haddad"
    assert (
        "Invitation sent to noor.haddad@riverbend.example"
        in page.get_by_role("status").inner_text()
    )
    assert "Invited: not chosen yet" in page.content()
    screenshot(page, "accounts-person")
    assert axe_violations(page) == []

    message = _mail_to(server_data, "noor.haddad@riverbend.example", sent_after)
    link = re.search(r"http://\S+/accounts/invitation/\S+", message)
    assert link, message
    page.get_by_role("button", name="Log out").click()

    page.goto(link.group(0))
    assert page.locator("h1").inner_text() == "Welcome to Proficio"
    screenshot(page, "accounts-invitation")
    assert axe_violations(page) == []
    page.locator("#id_new_password1").fill("maple-leaves-in-october")
    page.locator("#id_new_password2").fill("maple-leaves-in-october")
    page.get_by_role("button", name="Save the password").click()
    assert page.locator("h1").inner_text() == "Password saved"
    assert axe_violations(page) == []
    log_in(page, "noor.haddad", "maple-leaves-in-october")
    assert page.url.endswith("/home/teacher/")


def test_an_administrator_registers_an_api_client(page):
    log_in(page, "district.admin", DEMO_PASSWORD)
    page.goto("/accounts/clients/")
    assert axe_violations(page) == []
    page.get_by_label("Name of the program").fill("Riverbend SIS nightly")
    page.get_by_label("Role").select_option(label="District data lead")
    page.get_by_label("Organization").select_option(
        label="Riverbend Unified School District (District)"
    )
    page.get_by_label(re.compile("Read the Proficio JSON API")).check()
    page.get_by_role("button", name="Register").click()
    assert "Credentials for Riverbend SIS nightly" in page.locator("h1").inner_text()
    secret = page.locator("#client-secret").inner_text()
    assert len(secret) > 30
    screenshot(page, "accounts-client-secret")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Open the client's page").click()
    assert secret not in page.content()
    screenshot(page, "accounts-client")
    assert axe_violations(page) == []


def test_forgot_password_and_lockout_pages_are_accessible(page):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    assert axe_violations(page) == []
    page.get_by_label("Email").fill("ben@riverbend.example")
    page.get_by_role("button", name="Send the link").click()
    assert page.locator("h1").inner_text() == "Check your email"
    assert axe_violations(page) == []
    # A username no other browser test signs in with: the lockout lasts past this test.
    for _ in range(5):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("locked.out.visitor")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
    assert page.locator("h1").inner_text() == "Too many failed logins"
    assert "ask your school's administrator to unlock it" in page.get_by_role("alert").inner_text()
    screenshot(page, "accounts-locked-out")
    assert axe_violations(page) == []

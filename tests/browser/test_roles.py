"""Each demo role logs in, lands on its own home page, and the page is accessible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from proficio.demo.generate import DEMO_LOGINS, DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot

HEADINGS = {
    "student": "Welcome, Ana",
    "guardian": "My children",
    "teacher": "My classes",
    "advisor": "My caseload",
    "school_leader": "My school",
    "district_admin": "District administration",
    "district_data_lead": "District data",
    "state_analyst": "State overview",
    "system_admin": "System administration",
}


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=[login.role.value for login in DEMO_LOGINS])
def test_role_lands_on_its_home_page(page, login):
    log_in(page, login.username, DEMO_PASSWORD)
    assert page.url.endswith(f"/home/{login.role.value}/")
    assert HEADINGS[login.role.value] in page.locator("h1").inner_text()
    screenshot(page, f"home-{login.role.value}")
    assert axe_violations(page) == []


def test_login_page_is_accessible_and_explains_errors(page):
    page.goto("/accounts/login/")
    assert axe_violations(page) == []
    page.get_by_label("Username").fill("rivera")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    alert = page.get_by_role("alert")
    assert "do not match" in alert.inner_text()
    screenshot(page, "login-error")
    assert axe_violations(page) == []


def test_skip_link_is_first_and_moves_focus_to_main(page):
    log_in(page, "principal", DEMO_PASSWORD)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_leader_opens_a_student_and_sees_the_access_recorded(page):
    log_in(page, "principal", DEMO_PASSWORD)
    page.get_by_role("link", name="Students").first.click()
    page.get_by_label("Find a student").fill("Okafor")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Ben Okafor").click()
    assert "Ben Okafor" in page.locator("h1").inner_text()
    assert page.get_by_text("Demographics (restricted)").is_visible()
    screenshot(page, "student-record-leader")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Who has looked at this record").click()
    assert page.get_by_role("cell", name="principal").first.is_visible()
    assert axe_violations(page) == []


def test_family_reads_in_spanish(page):
    log_in(page, "garcia.family", DEMO_PASSWORD)
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    try:
        assert page.locator("h1").inner_text() == "Mis hijos"
        assert page.locator("html").get_attribute("lang") == "es"
        screenshot(page, "home-guardian-es")
        assert axe_violations(page) == []
    finally:
        # The choice is saved as the guardian's preferred language: put English back.
        page.locator("#language-select").select_option("en")
        page.locator("#language-select").locator("xpath=..").get_by_role("button").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


def test_axe_really_finds_problems(page):
    """Guard against a silent checker: a page with known violations must fail."""
    page.goto("/accounts/login/")
    page.set_content(
        "<html><body><input type=text><p style='color:#ccc;background:#fff'>faint</p>"
        "<img src='x.png'></body></html>"
    )
    ids = {v["id"] for v in axe_violations(page)}
    assert "image-alt" in ids or "label" in ids

"""Graduation in a real browser, on the demo district: the counselor sees a senior's
requirements on the caseload (sorted by what is left), a district leader awards the
diploma, the public verify page says its credential is genuine and in force, the leader
rescinds it with a reason and the verify page then says revoked. Every page is checked
with axe-core and photographed."""

from __future__ import annotations

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, screenshot


def _log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url, wait_until="commit")


def _verify(page, text: str) -> None:
    page.goto("/credentials/verify/")
    page.get_by_label("Paste a credential (JSON or a JSON Web Token)").fill(text)
    page.get_by_role("button", name="Verify").click()


def test_counselor_sees_a_senior_and_a_leader_awards_and_rescinds(page, server):
    _log_in(page, "counselor")
    page.get_by_role("link", name="Graduation", exact=True).click()
    table = page.get_by_role("table", name="Students and what is left before graduation")
    expect(table).to_be_visible()
    screenshot(page, "graduation-caseload")
    assert axe_violations(page) == []
    # Sorted by what is left: the first senior has met every requirement.
    first = table.locator("tbody tr").first
    expect(first.locator("td").nth(1)).to_have_text("0")
    first.get_by_role("link").click()
    requirements = page.get_by_role("table", name="Graduation requirements")
    expect(requirements).to_contain_text("Senior defense of learning")
    expect(requirements).to_contain_text("Mathematics")
    expect(page.get_by_text("Every requirement is met.")).to_be_visible()
    expect(page.get_by_role("button", name="Award the diploma")).to_have_count(0)
    screenshot(page, "graduation-student-counselor")
    assert axe_violations(page) == []
    senior_url = page.url

    # The district administrator awards the diploma from the same page (keyboard only).
    _log_in(page, "district.admin")
    page.goto(senior_url)
    award = page.get_by_role("button", name="Award the diploma")
    award.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Diploma awarded and its credential issued.")).to_be_visible()
    screenshot(page, "graduation-awarded")
    assert axe_violations(page) == []
    link = page.get_by_role("link", name="Download the diploma credential")
    href = link.get_attribute("href")
    content = page.evaluate(f"async () => await (await fetch('{href}')).text()")
    assert '"Diploma"' in content

    # Anyone verifies it on the public page.
    page.context.clear_cookies()
    _verify(page, content)
    expect(page.get_by_text("is genuine and in force")).to_be_visible()
    screenshot(page, "graduation-verify-valid")

    # Rescinded with a reason: the verify page then says revoked.
    _log_in(page, "district.admin")
    page.goto(senior_url)
    page.get_by_label("Reason for rescinding, for the record").fill("Awarded in error")
    page.get_by_role("button", name="Rescind the diploma").click()
    expect(page.get_by_text("Diploma rescinded and its credential revoked.")).to_be_visible()
    page.context.clear_cookies()
    _verify(page, content)
    expect(
        page.get_by_role("cell", name="Revoked: the issuer has withdrawn this credential.")
    ).to_be_visible()
    screenshot(page, "graduation-verify-revoked")


def test_district_cohorts_and_my_path_pages(page, server):
    _log_in(page, "district.admin")
    orgs = page.evaluate(
        "async () => (await (await fetch('/api/v1/organizations?limit=500')).json())"
    )
    riverbend = next(o for o in orgs if o["code"] == "riverbend")
    page.goto(f"/graduation/district/{riverbend['id']}/")
    table = page.get_by_role("table", name="Students by graduating class")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() == 4  # the four high-school classes
    screenshot(page, "graduation-cohorts")
    assert axe_violations(page) == []
    _log_in(page, "ana")
    page.get_by_role("link", name="Path to graduation").click()
    expect(page.get_by_role("heading", name="My path to graduation")).to_be_visible()
    screenshot(page, "graduation-mine")
    assert axe_violations(page) == []

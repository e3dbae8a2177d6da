"""Graduation in a real browser, on the demo district: the whole path of the issue in one
run (the counselor sees a senior's requirements, a leader awards the diploma, the senior
downloads the transcript PDF and the CLR, a college reader opens the shared link and the
senior sees that view, the public verify page says valid and, after rescission, revoked),
the requirement pages, and the district's cohorts read from the published release. Every
page is checked with axe-core and photographed."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, screenshot

COLLEGE = "Columbia State University Admissions"


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


def _username(server_data, student_id: int) -> str:
    """The senior's login, read from the server's own database (the pages never show
    a student's username to a counselor)."""
    import sqlite3

    from proficio.accounts.models import User
    from proficio.orgs.models import Student

    db = sqlite3.connect(server_data / "proficio.sqlite3")
    try:
        row = db.execute(
            f"SELECT u.username FROM {Student._meta.db_table} s "  # noqa: S608 - table names
            f"JOIN {User._meta.db_table} u ON u.id = s.user_id WHERE s.id = ?",
            (student_id,),
        ).fetchone()
    finally:
        db.close()
    return row[0]


def test_the_graduation_path_from_caseload_to_revoked_diploma(page, browser, server, server_data):
    """The issue's whole graduation path in one run: the counselor sees a senior's
    requirements; a leader awards the diploma (keyboard only); the senior downloads the
    transcript PDF and the CLR; a college reader opens the senior's shared link and the
    senior sees that view in "who viewed my record"; the public verify page says the
    diploma credential is valid, and after rescission says revoked."""
    from pypdf import PdfReader

    _log_in(page, "counselor")
    page.get_by_role("link", name="Graduation", exact=True).click()
    table = page.get_by_role("table", name="Students and what is left before graduation")
    expect(table).to_be_visible()
    screenshot(page, "graduation-caseload")
    assert axe_violations(page) == []
    # Sorted by what is left: the first senior has met every requirement.
    first = table.locator("tbody tr").first
    expect(first.locator("td").nth(1)).to_have_text("0")
    senior_name = first.get_by_role("link").inner_text().strip()
    first.get_by_role("link").click()
    requirements = page.get_by_role("table", name="Graduation requirements")
    expect(requirements).to_contain_text("Senior defense of learning")
    expect(requirements).to_contain_text("Mathematics")
    expect(page.get_by_text("Every requirement is met.")).to_be_visible()
    expect(page.get_by_role("button", name="Award the diploma")).to_have_count(0)
    screenshot(page, "graduation-student-counselor")
    assert axe_violations(page) == []
    senior_url = page.url
    senior_id = int(senior_url.rstrip("/").rsplit("/", 1)[1])

    # The district administrator awards the diploma from the same page (keyboard only).
    _log_in(page, "district.admin")
    page.goto(senior_url)
    award = page.get_by_role("button", name="Award the diploma")
    award.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Diploma awarded and its credential issued.")).to_be_visible()
    screenshot(page, "graduation-awarded")
    assert axe_violations(page) == []
    href = page.get_by_role("link", name="Download the diploma credential").get_attribute("href")
    diploma = page.evaluate(f"async () => await (await fetch('{href}')).text()")
    assert '"Diploma"' in diploma

    # The senior downloads the transcript as a PDF and as a verifiable CLR.
    _log_in(page, _username(server_data, senior_id))
    page.get_by_role("link", name="My transcript", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Competency transcript")
    screenshot(page, "graduation-senior-transcript")
    assert axe_violations(page) == []
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the transcript (PDF)").click()
    pdf = Path(info.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert senior_name.split(",")[0].strip() in text
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the verifiable transcript (CLR)").click()
    clr = Path(info.value.path()).read_text().strip()
    assert clr.count(".") == 2
    _verify(page, clr)
    expect(page.locator("#verdict-title")).to_have_text("Valid")

    # The senior shares the transcript; a college reader opens it with no account.
    page.goto("/transcripts/mine/")
    page.get_by_label("Who you share it with (a college or program)").fill(COLLEGE)
    page.get_by_label("Days the link works").fill("7")
    page.get_by_role("button", name="Make a link").click()
    link = page.get_by_role("textbox", name=f"Link for {COLLEGE}", exact=True).input_value()
    reader = browser.new_context(base_url=server)
    college = reader.new_page()
    college.goto(link)
    expect(college.get_by_role("heading", level=1)).to_contain_text("Competency transcript")
    screenshot(college, "graduation-shared-transcript")
    assert axe_violations(college) == []
    reader.close()
    # ... and sees that view in "who viewed my record".
    page.goto("/transcripts/mine/")
    page.get_by_role("link", name="Who has looked at this record").click()
    expect(page.locator("main")).to_contain_text(COLLEGE)
    assert axe_violations(page) == []

    # Anyone verifies the diploma on the public page: valid.
    page.context.clear_cookies()
    _verify(page, diploma)
    expect(page.locator("#verdict-title")).to_have_text("Valid")
    expect(page.get_by_text("is genuine and in force")).to_be_visible()
    screenshot(page, "graduation-verify-valid")
    assert axe_violations(page) == []

    # Rescinded with a reason: the verify page then says revoked.
    _log_in(page, "district.admin")
    page.goto(senior_url)
    page.get_by_label("Reason for rescinding, for the record").fill("Awarded in error")
    page.get_by_role("button", name="Rescind the diploma").click()
    expect(page.get_by_text("Diploma rescinded and its credential revoked.")).to_be_visible()
    page.context.clear_cookies()
    _verify(page, diploma)
    expect(
        page.get_by_role("cell", name="Revoked: the issuer has withdrawn this credential.")
    ).to_be_visible()
    screenshot(page, "graduation-verify-revoked")
    assert axe_violations(page) == []


def test_requirement_pages_and_the_record_forms(page, server):
    """The district administrator writes a new version of Riverbend's requirements (a bad
    row is named where it was typed), and the record forms on a student's page."""
    _log_in(page, "district.admin")
    page.goto("/graduation/requirements/")
    expect(page.get_by_role("table", name="Versions")).to_contain_text("Riverbend")
    screenshot(page, "graduation-requirement-sets")
    assert axe_violations(page) == []
    page.get_by_role("link", name="New version of Riverbend").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New version of")
    blank = page.locator("fieldset").last
    blank.get_by_label("Key").fill("extra")
    blank.get_by_label("Title").fill("Extra mathematics")
    blank.get_by_label("Kind").select_option("all_of")
    blank.get_by_label("Competencies (codes or CASE identifiers, separated by commas)").fill(
        "NOPE.1"
    )
    page.get_by_role("button", name="Save the new version").click()
    expect(page.locator("fieldset").last).to_contain_text("Unknown competency: NOPE.1")
    screenshot(page, "graduation-requirement-set-form-error")
    assert axe_violations(page) == []
    page.locator("fieldset").last.get_by_label("Key").fill("")
    page.locator("fieldset").last.get_by_label("Title").fill("")
    page.locator("fieldset").last.get_by_label("Kind").select_option("")
    page.locator("fieldset").last.get_by_label(
        "Competencies (codes or CASE identifiers, separated by commas)"
    ).fill("")
    page.get_by_role("button", name="Save the new version").click()
    expect(page.get_by_text("saved.")).to_be_visible()
    expect(page.get_by_role("table", name="Requirements")).to_be_visible()
    screenshot(page, "graduation-requirement-set")
    assert axe_violations(page) == []


def test_district_cohorts_and_my_path_pages(page, server):
    _log_in(page, "district.admin")
    orgs = page.evaluate(
        "async () => (await (await fetch('/api/v1/organizations?limit=500')).json())"
    )
    riverbend = next(o for o in orgs if o["code"] == "riverbend")
    page.goto(f"/graduation/district/{riverbend['id']}/")
    table = page.get_by_role("table", name="Students by graduating class")
    expect(table).to_be_visible()
    assert table.locator("tbody tr:not(.total-row)").count() == 4  # the four classes
    expect(table.locator("tr.total-row")).to_contain_text("All students held to")
    screenshot(page, "graduation-cohorts")
    assert axe_violations(page) == []
    _log_in(page, "ana")
    page.get_by_role("link", name="Path to graduation").click()
    expect(page.get_by_role("heading", name="My path to graduation")).to_be_visible()
    screenshot(page, "graduation-mine")
    assert axe_violations(page) == []

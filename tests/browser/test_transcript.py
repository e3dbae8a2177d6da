"""The competency transcript in a real browser: Ana opens her transcript, downloads the
PDF and the verifiable transcript (CLR), shares a link with a college; a college reader
opens it with no account; Ana then sees that view in "who viewed my record", withdraws the
link, and the link answers a plain page naming no one. Her guardian reads the page in
Spanish with a long college name. Every page is checked with axe-core."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, screenshot

COLLEGE = "Columbia State University Admissions"
UNIVERSIDAD = (
    "Oficina de Admisiones de la Universidad Autónoma de Ciencias Sociales, "
    "Humanidades y Estudios Interculturales de la Región Metropolitana"
)


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url, wait_until="commit")


def test_transcript_download_share_and_who_viewed(page, browser, server):
    from pypdf import PdfReader

    _log_in(page, "ana")
    page.get_by_role("link", name="My transcript", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Competency transcript")
    expect(page.get_by_role("heading", name="Habits of success")).to_be_visible()
    expect(page.get_by_role("heading", name="Profile of a graduate")).to_be_visible()
    main = page.locator("main").inner_text()
    assert "grade-point average" in main  # said to be absent, never given
    screenshot(page, "transcript-ana")
    assert axe_violations(page) == []

    # The PDF holds the page's competencies.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the transcript (PDF)").click()
    pdf = Path(info.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Ana García" in text
    first_code = page.locator(".transcript-table .code").first.inner_text()
    assert first_code in text

    # The verifiable transcript: a VC-JWT the public verifier calls valid.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the verifiable transcript (CLR)").click()
    jwt = Path(info.value.path()).read_text().strip()
    assert jwt.count(".") == 2
    page.goto("/credentials/verify/")
    page.get_by_label("Paste a credential (JSON or a JSON Web Token)").fill(jwt)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verdict-title")).to_have_text("Valid")
    expect(page.locator(".verdict-headline")).to_contain_text(
        "Competency transcript of Ana García is genuine and in force"
    )

    # Ana shares a link with a college.
    page.goto("/transcripts/mine/")
    page.get_by_label("Who you share it with (a college or program)").fill(COLLEGE)
    page.get_by_label("Days the link works").fill("7")
    page.get_by_role("button", name="Make a link").click()
    link = page.get_by_role("textbox", name=f"Link for {COLLEGE}", exact=True).input_value()
    assert "/transcripts/shared/" in link

    # A college reader opens it, with no account.
    reader = browser.new_context(base_url=server)
    college = reader.new_page()
    college.goto(link)
    expect(college.get_by_role("heading", level=1)).to_contain_text("Ana García")
    assert college.locator("a[href*='/targets/']").count() == 0  # evidence stays at school
    screenshot(college, "transcript-shared")
    assert axe_violations(college) == []

    # Ana sees the view in "who viewed my record".
    page.goto("/transcripts/mine/")
    page.get_by_role("link", name="Who has looked at this record").click()
    expect(page.locator("main")).to_contain_text(COLLEGE)
    screenshot(page, "transcript-who-viewed")
    assert axe_violations(page) == []

    # She withdraws the link: it now opens nothing and names no one.
    page.goto("/transcripts/mine/")
    page.get_by_role("button", name=f"Withdraw the link for {COLLEGE}").click()
    expect(page.get_by_text("The link no longer opens your transcript.")).to_be_visible()
    college.goto(link)
    expect(college.get_by_role("heading", level=1)).to_have_text(
        "This link does not open a transcript"
    )
    assert "Ana" not in college.locator("body").inner_text()
    assert axe_violations(college) == []
    reader.close()


def test_the_guardian_reads_and_shares_in_spanish(page):
    _log_in(page, "garcia.family")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    try:
        students = page.evaluate("async () => (await (await fetch('/api/v1/students')).json())")
        ana = next(s for s in students if s["legal_given_name"] == "Ana")
        page.goto(f"/transcripts/students/{ana['id']}/")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Expediente de competencias")
        expect(page.get_by_role("heading", name="Hábitos de éxito")).to_be_visible()
        page.get_by_label("Con quién lo comparte (una universidad o un programa)").fill(UNIVERSIDAD)
        page.get_by_role("button", name="Crear un enlace").click()
        expect(
            page.get_by_role("textbox", name=f"Enlace para {UNIVERSIDAD}", exact=True)
        ).to_be_visible()
        screenshot(page, "transcript-es")
        assert axe_violations(page) == []
    finally:
        # The choice is saved as the guardian's preferred language: put English back.
        page.locator("#language-select").select_option("en")
        page.locator("#language-select").locator("xpath=..").get_by_role("button").click()

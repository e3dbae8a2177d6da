"""The everyday loop in a real browser: Ana sends a new version of the work Ms. Rivera
returned (the feedback stays on the page), Ms. Rivera finds it in her queue and writes a
comment on MATH.1 for the family report, and Ana's guardian reads it. Each page is
checked with axe-core and kept as a screenshot."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot

FEEDBACK = "Show how you worked out the cost per person, then send it again."
COMMENT = "Ana explains her fraction strategies clearly; next, check each answer."


def test_ana_resubmits_rivera_comments_and_the_family_reads_it(page):
    log_in(page, "ana", DEMO_PASSWORD)
    page.get_by_role("link", name="Send a new version of “Budget for the class trip”").click()
    expect(page.get_by_role("heading", name="Resubmit returned work")).to_be_visible()
    expect(page.get_by_text(FEEDBACK)).to_be_visible()
    # Nothing attached: the message is beside the file field.
    page.get_by_role("button", name="Resubmit for review").click()
    expect(page.locator(".field-error")).to_have_text("Attach the new version: a file or a link.")
    screenshot(page, "resubmit-ana-error")
    assert axe_violations(page) == []
    page.get_by_label("The new version (a file)").set_input_files(
        files=[{"name": "budget-v2.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 v2"}]
    )
    page.get_by_label("What I changed").fill("I added the cost per person for each item.")
    page.get_by_role("button", name="Resubmit for review").click()
    expect(page.get_by_text("Sent back for review.")).to_be_visible()
    # Her history (the home's evidence panel, where she lands) keeps the teacher's feedback.
    expect(page.locator("#my-evidence ~ *").get_by_text(FEEDBACK).first).to_be_attached()
    page.get_by_role("link", name="Feedback history of “Budget for the class trip”").click()
    expect(page.get_by_text("Version 2")).to_be_visible()
    screenshot(page, "resubmit-ana-history")
    assert axe_violations(page) == []

    page.context.clear_cookies()
    log_in(page, "rivera", DEMO_PASSWORD)
    page.goto("/learning/queue/")
    card = page.locator("article", has_text="Budget for the class trip")
    expect(card).to_contain_text("(version 2)")
    expect(card).to_contain_text("I added the cost per person for each item.")
    card.scroll_into_view_if_needed()
    screenshot(page, "resubmit-rivera-queue")
    page.get_by_role("link", name="Students", exact=True).click()
    page.get_by_label("Find a student").fill("Ana García")
    page.get_by_label("Find a student").press("Enter")
    page.get_by_role("link", name=re.compile(r"^Ana García")).first.click()
    page.get_by_role("link", name="Comments for the family report").click()
    page.get_by_label(re.compile(r"^MATH\.1 ")).fill(COMMENT)
    page.get_by_role("button", name="Save the comments").click()
    expect(page.get_by_text("Comments saved.")).to_be_visible()
    screenshot(page, "comments-rivera")
    assert axe_violations(page) == []

    page.context.clear_cookies()
    log_in(page, "garcia.family", DEMO_PASSWORD)
    page.get_by_role("link", name="Ana García's progress report").click()
    comment = page.locator(".teacher-comment", has_text=COMMENT)
    expect(comment).to_contain_text("Ms. Rivera's comment")
    comment.scroll_into_view_if_needed()
    screenshot(page, "comments-family-report")
    assert axe_violations(page) == []

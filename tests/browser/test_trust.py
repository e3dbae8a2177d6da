"""A teacher scores her class; the student and the guardian then see, in "who has looked at
my record", that the teacher read the class grid. axe-core checks every page."""

from __future__ import annotations

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot


def _as(browser, server, username):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, username, DEMO_PASSWORD)
    # Earlier tests may have left a preferred language: read this one in English.
    if page.locator("html").get_attribute("lang") != "en":
        page.locator("#language-select").select_option("en")
        page.locator("#language-select").locator("xpath=..").get_by_role("button").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return context, page


def test_the_class_grid_read_reaches_the_student_and_the_guardian(browser, server):
    teacher, page = _as(browser, server, "rivera")
    page.get_by_role("link", name="Mathematics 7 · A").first.click()
    page.get_by_role("link", name="Whole-class scoring").first.click()
    page.get_by_label("Task title").fill("Exit ticket: fractions")
    page.get_by_label("Kind of task").select_option("performance_task")
    page.get_by_label("Rubric").select_option(label="Number sense and operations rubric")
    page.get_by_role("button", name="Start scoring").click()
    expect(page.get_by_role("heading", name="Exit ticket: fractions")).to_be_visible()
    page.locator("table.scoring-grid td.score-cell").first.click()
    page.keyboard.press("3")
    page.wait_for_function(
        "() => document.querySelector('table[data-pending]').dataset.pending === '0'"
    )
    expect(page.locator("[aria-live]").first).to_contain_text("Saved")
    page.get_by_role("link", name="Class grid").first.click()
    expect(page.get_by_role("heading", name="Class grid: Mathematics 7 · A")).to_be_visible()
    teacher.close()

    for username, link in (
        ("ana", "See who has looked at my record"),
        ("garcia.family", "Who has looked at Ana García's record"),
    ):
        context, page = _as(browser, server, username)
        page.get_by_role("link", name=link).first.click()
        expect(
            page.get_by_role("heading", name="Who has looked at Ana García's record")
        ).to_be_visible()
        grid_read = page.locator("tbody tr", has_text="class grid").first
        expect(grid_read).to_contain_text("Ms. Rivera")
        expect(grid_read).to_contain_text("Viewed")
        assert axe_violations(page) == []
        screenshot(page, f"trust-who-viewed-{username}")
        context.close()

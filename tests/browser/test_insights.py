"""A leader opens the district dashboard, sees who is off pace, drills into a school,
opens a student (the open is audited) and creates a support plan."""

from __future__ import annotations

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot


def test_leader_dashboard_to_support_plan(page):
    log_in(page, "district.admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Insights dashboard").click()
    expect(page.get_by_role("heading", name="Insights: Riverbend Unified")).to_be_visible()
    off_pace = page.get_by_role("region", name="Students off pace")
    expect(off_pace).to_be_visible()
    assert off_pace.get_by_role("listitem").count() > 1
    expect(page.get_by_role("region", name="Summary")).to_be_visible()
    screenshot(page, "insights-district")
    # Each headline figure, "<10 or withheld" included, stays inside its card.
    figures = page.locator(".dash-figure")
    assert figures.count() >= 4
    spill = figures.evaluate_all(
        "els => els.filter(e => e.querySelector('.dash-value').scrollWidth >"
        " e.querySelector('.dash-value').clientWidth + 1).map(e => e.textContent.trim())"
    )
    assert spill == []
    assert axe_violations(page) == []

    page.get_by_role("table", name="By school").get_by_role(
        "link", name="Maple Middle School"
    ).click()
    expect(page.get_by_role("heading", name="Insights: Maple Middle School")).to_be_visible()
    page.get_by_role("navigation", name="Breakdown").get_by_role("link", name="Teacher").click()
    expect(page.get_by_role("table", name="By teacher", exact=False)).to_be_visible()
    screenshot(page, "insights-school")
    assert axe_violations(page) == []

    first = (
        page.get_by_role("region", name="Students off pace")
        .get_by_role("listitem")
        .get_by_role("link")
        .first
    )
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text("Behind pace").first).to_be_visible()
    expect(page.get_by_role("heading", name="Pace")).to_be_visible()
    screenshot(page, "insights-student-pace")
    assert axe_violations(page) == []

    # The open is in the student's access log, with its purpose.
    page.get_by_role("link", name="Who has looked at this record").click()
    opened = page.get_by_role("row").filter(has_text="Viewed: student record page")
    expect(opened.first).to_contain_text("district.admin")
    expect(opened.first).to_contain_text("GET /students/")
    page.go_back()

    page.get_by_role("link", name="Create a support plan").click()
    page.get_by_label("Intervention").fill("Two weeks of ratio reteaching, then a reassessment")
    page.get_by_label("Owner").select_option(label="Ms. Thompson")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_text("Support plan created.")).to_be_visible()
    expect(page.get_by_text("Two weeks of ratio reteaching")).to_be_visible()
    screenshot(page, "insights-support-plan")
    assert axe_violations(page) == []


def test_state_analyst_reads_the_published_release(page):
    """The state analyst's home and the district dashboard show the same published sizes,
    and a withheld figure says so (never a blank that could be read as zero)."""
    log_in(page, "state.analyst", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="State overview")).to_be_visible()
    table = page.get_by_role("table").first
    expect(table).to_be_visible()
    cells = table.locator("tbody td.num")
    assert cells.count() > 0
    for k in range(cells.count()):
        text = cells.nth(k).inner_text().strip()
        assert text == "<10 or withheld" or text.isdigit(), text
    screenshot(page, "insights-state-analyst-home")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Insights dashboard").click()
    page.get_by_role("link", name="Riverbend Unified School District").click()
    expect(page.get_by_role("table", name="By school")).to_be_visible()
    withheld = page.locator("span.withheld")
    if withheld.count():
        assert "withheld" in withheld.first.inner_text()
    screenshot(page, "insights-district-release")
    assert axe_violations(page) == []

"""A teacher records evidence, sees the level and its explanation, and overrides it."""

from __future__ import annotations

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot


def test_teacher_records_evidence_sees_explanation_and_overrides(page):
    log_in(page, "rivera", DEMO_PASSWORD)
    page.get_by_role("link", name="Students").first.click()
    page.get_by_role("link", name="Ben Okafor").click()
    page.get_by_role("link", name="Record evidence").first.click()
    assert axe_violations(page) == []
    page.get_by_label("Kind of evidence").select_option("performance_task")
    page.get_by_label("Title").fill("Ratio table task")
    page.get_by_label("Learning target 1").select_option(
        label="MATH.1.5 Ratios, rates and percents"
    )
    page.get_by_label("Score 1").select_option("3")
    page.get_by_role("button", name="Record").click()
    expect(
        page.get_by_role("heading", name="Why: the evidence, in the order the learning was shown")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Ratio table task")).to_be_visible()
    # The evidence-over-time chart draws (under the strict CSP) with its table alternative.
    expect(page.locator("[data-chart] svg")).to_be_visible()
    screenshot(page, "determination-explanation")
    assert axe_violations(page) == []
    # Override with professional judgment: a rationale is required.
    page.get_by_label("Level:", exact=True).select_option("4")
    page.get_by_role("button", name="Record override").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    page.get_by_label("Rationale (required)").fill(
        "His conference showed he can explain ratios to others."
    )
    page.get_by_role("button", name="Record override").click()
    expect(page.get_by_role("note")).to_contain_text("His conference showed")
    screenshot(page, "determination-override")
    assert axe_violations(page) == []

"""A person browses a framework, opens a competency's continuum, and imports packages."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot
from tests.frameworks.conftest import case_fixture


def test_browse_search_and_open_a_continuum(page):
    log_in(page, "ana", DEMO_PASSWORD)
    page.get_by_role("link", name="Frameworks").click()
    page.get_by_role("link", name="Riverbend Unified School District competency framework").click()
    assert axe_violations(page) == []
    search = page.get_by_label("Search this framework")
    search.fill("WRIT.2")
    # HTMX replaces the tree as the person types (the page's CSP forbids eval, so wait
    # on locators rather than on script predicates).
    expect(page.locator("#tree").get_by_text("MATH.1.1", exact=True)).to_have_count(0)
    expect(page.locator("#tree").get_by_text("WRIT.2.1", exact=True)).to_have_count(1)
    screenshot(page, "framework-search")
    search.fill("")
    expect(page.locator("#tree").get_by_text("MATH.1.1", exact=True)).to_have_count(1)
    page.locator("#tree").get_by_role("link", name="MATH.1 ").first.click()
    assert page.locator(".continuum-level").count() == 8
    assert page.locator("svg.prereq-graph").is_visible()
    screenshot(page, "continuum-math-1")
    assert axe_violations(page) == []


def test_import_shows_progress_then_errors_by_place(page, tmp_path: Path):
    log_in(page, "district.admin", DEMO_PASSWORD)
    page.goto("/frameworks/import/")
    assert axe_violations(page) == []
    broken = tmp_path / "broken-package.json"
    broken.write_text(
        '{"CFDocument": {"title": "No identifier"}, "CFItems": [{"fullStatement": 7}]}'
    )
    page.get_by_label("CASE package (JSON)").set_input_files(str(broken))
    page.get_by_role("button", name="Import").click()
    page.get_by_role("heading", name="Nothing was imported").wait_for(timeout=20000)
    table = page.get_by_role("table", name="Problems, by place in the file")
    assert table.get_by_text("$.CFDocument.identifier").count() == 1
    screenshot(page, "import-errors")
    assert axe_violations(page) == []


def test_import_of_a_real_package_reports_warnings(page):
    log_in(page, "district.admin", DEMO_PASSWORD)
    page.goto("/frameworks/import/")
    page.get_by_label("CASE package (JSON)").set_input_files(
        str(case_fixture("opensalt-Ordering.json"))
    )
    page.get_by_role("button", name="Import").click()
    page.get_by_role("link", name="Open “ACT Holistic Framework, Math”").wait_for(timeout=20000)
    assert page.get_by_role("table", name="What changed").is_visible()
    assert page.locator("progress").get_attribute("value") == "100"
    # Warnings come summarised by kind; every one is a click away.
    summary = page.get_by_role("table", name=re.compile(r"warnings?, by kind"))
    expect(summary.get_by_role("rowheader").first).to_have_text(
        re.compile("fields outside CASE 1.1|CASE 1.0 forms|required fields")
    )
    assert not page.get_by_role("table", name="Warnings, by place in the file").is_visible()
    page.get_by_text("Every warning").click()
    expect(page.get_by_role("table", name="Warnings, by place in the file")).to_be_visible()
    screenshot(page, "import-report")
    assert axe_violations(page) == []

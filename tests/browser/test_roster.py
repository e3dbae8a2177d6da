"""A district administrator previews a OneRoster import (a background job with a progress
bar), reads a failed one's problems by file, row and column, and opens the learning-tools
page. axe-core checks every page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot
from tests.roster import files


def _riverbend_files() -> dict[str, bytes]:
    """Oak Valley's file set, told as Riverbend's: its district row is Riverbend's."""
    data = files.district("1.2")
    out = {}
    for name, content in data.items():
        out[name] = content.replace(b"org-ov,", b"riverbend,").replace(
            b",org-ov\n", b",riverbend\n"
        )
    return out


def test_district_admin_previews_a_roster_and_reads_problems(page, tmp_path: Path):
    log_in(page, "district.admin", DEMO_PASSWORD)
    page.goto("/roster/import/")
    expect(page.get_by_role("heading", name="Import a OneRoster roster")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "roster-import")

    good = tmp_path / "riverbend-roster.zip"
    good.write_bytes(files.zipped(_riverbend_files()))
    page.get_by_label("OneRoster file set (a .zip of CSV files)").set_input_files(str(good))
    page.get_by_label("Preview only: count what would change, import nothing").check()
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Roster preview: riverbend-roster.zip")).to_be_visible()
    report = page.get_by_role("table", name="What would change, by file", exact=False)
    expect(report).to_be_visible(timeout=60_000)
    expect(report.get_by_role("row").filter(has_text="enrollments.csv")).to_contain_text("11")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "100")
    assert axe_violations(page) == []
    screenshot(page, "roster-preview")

    bad = tmp_path / "bad-roster.zip"
    broken = files.replace(_riverbend_files(), "classes.csv", "ALG1-2,scheduled", "ALG1-2,lecture")
    bad.write_bytes(files.zipped(broken))
    page.goto("/roster/import/")
    page.get_by_label("OneRoster file set (a .zip of CSV files)").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    problems = page.get_by_role("table", name="Problems, by file, row and column")
    expect(problems).to_be_visible(timeout=60_000)
    expect(problems.get_by_role("row").nth(1)).to_contain_text("classes.csv")
    expect(problems.get_by_role("row").nth(1)).to_contain_text("classType")
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was imported")
    assert axe_violations(page) == []
    screenshot(page, "roster-problems")

    page.goto("/learning-tools/")
    expect(page.get_by_role("heading", name="Learning tools")).to_be_visible()
    aligned = page.get_by_role("table", name="Activities and the learning targets they assess")
    expect(aligned).to_contain_text("https://practice.example/activities/fractions-1")
    page.get_by_label("Activity id (the IRI the learning tool sends)").fill(
        "https://practice.example/activities/decimals-1"
    )
    page.get_by_label("Learning target (its code, CASE identifier or CASE URI)").fill("MATH.1.3")
    page.get_by_role("button", name="Align", exact=True).click()
    expect(page.get_by_text("The activity is aligned.")).to_be_visible()
    expect(aligned).to_contain_text("decimals-1")
    assert axe_violations(page) == []
    screenshot(page, "learning-tools")

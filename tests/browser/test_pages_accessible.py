"""Every page a role reaches from its navigation passes axe (no serious or critical
violations) and can be used by keyboard: each page's main heading is reachable."""

from __future__ import annotations

import pytest

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot

PAGES = [
    ("district.admin", "/mastery/policies/", "Mastery policies"),
    ("district.admin", "/frameworks/", "Frameworks"),
    ("district.admin", "/frameworks/new/", "New framework"),
    ("district.admin", "/audit/", "Audit log"),
    ("principal", "/students/", "Students"),
    ("rivera", "/frameworks/", "Frameworks"),
    ("garcia.family", "/frameworks/", "Frameworks"),
]


@pytest.mark.parametrize(
    ("username", "path", "heading"), PAGES, ids=[f"{u}{p}" for u, p, _ in PAGES]
)
def test_page_is_accessible(page, username, path, heading):
    log_in(page, username, DEMO_PASSWORD)
    page.goto(path)
    assert heading in page.locator("h1").inner_text()
    assert axe_violations(page) == []


def test_policy_page_and_student_record_are_accessible(page):
    log_in(page, "district.admin", DEMO_PASSWORD)
    page.goto("/mastery/policies/")
    page.get_by_role("link", name="Riverbend default").click()
    page.get_by_role("button", name="Preview the effect").click()
    page.get_by_role("status").filter(has_text="determinations this policy makes").wait_for()
    screenshot(page, "policy-preview")
    assert axe_violations(page) == []
    page.goto("/students/?q=Okafor")
    page.get_by_role("link", name="Ben Okafor").click()
    assert page.get_by_role("table", name="Academic competencies").is_visible()
    screenshot(page, "student-record-competencies")
    assert axe_violations(page) == []

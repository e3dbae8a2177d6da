"""The page-length rule: a leader's dashboards, and every page each role reaches from its
navigation, fit in three screens at 1280 wide (document height at most 2400 px), and
axe-core finds nothing serious or critical on them. Data tables a person asks to expand
(the full off-pace list, a chart's table) are the exception and are not opened here.

Screenshots of both dashboards, in English and Spanish, at 1280×800, go to
test-artifacts/screenshots/."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, axe_violations, log_in

MAX_HEIGHT = 2400  # three screens of 800 px
ROLES = ["rivera", "principal", "district.admin", "counselor", "ana", "garcia.family"]

# Pages still longer than three screens at 1280 wide on the browser demo (height in px
# when last measured). None today: the student's home, the last one (4011 px), now keeps
# its chart, requests, evidence, goals and classes in panels opened one at a time.
KNOWN_LONG: dict[tuple[str, str], int] = {}


def _height(page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def _nav_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "header a[href], nav a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    out: list[str] = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc and f"{parts.scheme}://{parts.netloc}" != base:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith("/") and "logout" not in path and path not in out:
            out.append(path)
    return out


def _wait_for_charts(page) -> None:
    if page.locator("[data-chart]").count():
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-chart]')]"
            ".every(e => ['drawn', 'failed'].includes(e.dataset.chartState))",
            timeout=30_000,
        )


@pytest.fixture
def screen(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    yield pg
    context.close()


@pytest.mark.parametrize("username", ROLES)
def test_every_page_in_the_navigation_fits_three_screens(screen, server, username):
    log_in(screen, username, DEMO_PASSWORD)
    home = screen.url
    paths = [urlsplit(home).path, *_nav_links(screen, server)]
    too_long, serious = {}, {}
    for path in dict.fromkeys(paths):
        response = screen.goto(path)
        if (
            response is None
            or response.status != 200
            or "html" not in response.headers.get("content-type", "")
        ):
            continue
        _wait_for_charts(screen)
        height = _height(screen)
        if height > MAX_HEIGHT and (username, path) not in KNOWN_LONG:
            too_long[path] = height
        violations = axe_violations(screen)
        if violations:
            serious[path] = violations
    assert len(paths) > 1, "the role reaches pages from its navigation"
    assert too_long == {}, f"longer than {MAX_HEIGHT} px at 1280 wide: {too_long}"
    assert serious == {}


DASHBOARDS = [
    ("principal", "school", ["", "?by=section", "?by=race_ethnicity", "?by=fairness"]),
    ("district.admin", "district", ["", "?by=gender&measure=behind", "?by=cohort"]),
]


@pytest.mark.parametrize(("username", "code", "queries"), DASHBOARDS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_dashboards_fit_three_screens_in_both_languages(
    screen, server, username, code, queries, language
):
    log_in(screen, username, DEMO_PASSWORD)
    screen.context.add_cookies([{"name": "django_language", "value": language, "url": server}])
    screen.goto("/insights/")  # the first organization the user leads
    screen.wait_for_load_state()
    base = urlsplit(screen.url).path
    assert base.startswith("/insights/")
    for k, query in enumerate(queries):
        screen.goto(base + query)
        _wait_for_charts(screen)
        assert screen.locator("h1").count() == 1
        summary = screen.locator("#summary")
        assert summary.count() == 1, "the summary comes first"
        assert screen.locator(".dash-figure").count() == 6
        assert screen.locator(".dash-tabs a[aria-current='page']").count() >= 1
        height = _height(screen)
        assert height <= MAX_HEIGHT, f"{base}{query} is {height} px tall"
        assert axe_violations(screen) == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        screen.screenshot(
            path=str(ARTIFACTS / f"dashboard-{code}-{language}-{k}.png"), full_page=True
        )
    if language == "es":
        assert "Resumen" in screen.locator("#summary").inner_text()


# The student's home: what needs the student today and the competencies, then one panel at
# a time. The evidence panel is the history's table the student asked to open (25 to a
# page), the exception the rule allows; every other panel keeps the page within three
# screens.
STUDENT_PANELS = ["", "?show=requests", "?show=progress", "?show=goals", "?show=classes"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_student_home_fits_three_screens_with_each_panel(screen, server, language):
    log_in(screen, "ana", DEMO_PASSWORD)
    screen.context.add_cookies([{"name": "django_language", "value": language, "url": server}])
    heights = {}
    for query in STUDENT_PANELS:
        screen.goto("/home/student/" + query)
        _wait_for_charts(screen)
        assert screen.locator("html").get_attribute("lang") == language
        assert screen.locator(".dash-tabs a[aria-current='page']").count() == 1
        heights[query] = _height(screen)
        assert axe_violations(screen) == [], query
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screen.screenshot(path=str(ARTIFACTS / f"student-home-{language}.png"), full_page=True)
    assert max(heights.values()) <= MAX_HEIGHT, heights

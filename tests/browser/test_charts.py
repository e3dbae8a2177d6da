"""A chart really draws in Chromium under the production Content-Security-Policy.

No route serves the partial yet, and none is added for tests (every route sits in the
permission matrix). Instead Playwright answers one navigation to the real server with a
page rendered here from web/base.html and web/_chart.html, under the very CSP header the
server sends; every script, style and font still comes from the real server.
"""

from __future__ import annotations

import altair as alt
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.template.loader import render_to_string
from django.test import RequestFactory

from proficio.web.charts import chart_context
from tests.browser.conftest import axe_violations, screenshot

PAGE = Template(
    '{% extends "web/base.html" %}{% block title %}Chart{% endblock %}'
    "{% block content %}<h1>Chart check</h1>{{ body|safe }}"
    '{% include "web/_chart.html" with chart=chart %}{% endblock %}'
)
ROWS = [
    {"level": "Beginning", "subject": "Mathematics", "students": 14},
    {"level": "Developing", "subject": "Mathematics", "students": 31},
    {"level": "Proficient", "subject": "Mathematics", "students": 42},
    {"level": "Advanced", "subject": "Mathematics", "students": 18},
    {"level": "Beginning", "subject": "Reading", "students": 9},
    {"level": "Developing", "subject": "Reading", "students": 27},
    {"level": "Proficient", "subject": "Reading", "students": 51},
    {"level": "Advanced", "subject": "Reading", "students": 22},
]
LEVELS = ["Beginning", "Developing", "Proficient", "Advanced"]
SWAP_TARGET = (
    '<button type="button" hx-get="/accounts/login/?chart-fragment" hx-target="#swap-target">'
    'Load a chart</button><div id="swap-target"></div>'
)
# Collected from the first moment of every document, before any page script runs.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def mastery_chart():
    # A grouped bar chart with a legend, tooltips and a text layer: expressions, scales
    # and guides that Vega must evaluate through the interpreter, not new Function.
    base = alt.Chart(alt.Data(values=ROWS)).encode(
        x=alt.X("level:N", sort=LEVELS, title="Mastery level"),
        xOffset=alt.XOffset("subject:N"),
        y=alt.Y("students:Q", title="Students"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("subject:N", title="Subject"),
        tooltip=["subject:N", "level:N", "students:Q"],
    )
    labels = base.mark_text(dy=-8, fontSize=12).encode(text="students:Q")
    return (bars + labels).transform_calculate(share="datum.students / 100")


def render_page(body: str = "") -> str:
    """The page as the server would render it for a visitor, with the chart partial in it."""
    request = RequestFactory().get("/accounts/login/")
    request.user = AnonymousUser()
    chart = chart_context(
        mastery_chart(),
        title="Students at each mastery level, by subject",
        table_columns=[
            ("subject", "Subject"),
            ("level", "Mastery level"),
            ("students", "Students"),
        ],
        rows=ROWS,
        description=(
            "Grouped bar chart of students at each mastery level in Mathematics and Reading"
        ),
    )
    return PAGE.render(RequestContext(request, {"chart": chart, "body": body, "has_charts": True}))


def open_under_real_csp(page, server: str, html: str) -> tuple[str, list[str]]:
    """Serve ``html`` at a real server address with the server's own CSP header."""
    real = page.request.get(f"{server}/accounts/login/")
    csp = real.headers["content-security-policy"]
    console: list[str] = []
    page.on(
        "console",
        lambda msg: (
            console.append(f"{msg.type}: {msg.text}")
            if msg.type == "error" or "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.add_init_script(WATCH_CSP)
    url = f"{server}/accounts/login/?chart-test"
    page.route(
        url,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": csp},
            body=html,
        ),
    )
    page.goto(url)
    return csp, console


def test_chart_draws_under_the_real_csp_without_violations(page, server):
    csp, console = open_under_real_csp(page, server, render_page())
    assert "script-src 'self'" in csp
    assert "unsafe-eval" not in csp
    assert "unsafe-inline" not in csp

    figure = page.locator("figure.chart")
    chart = figure.locator("[data-chart]")
    chart.locator("svg").first.wait_for(state="visible", timeout=15_000)
    assert chart.get_attribute("data-chart-state") == "drawn"
    # Really drawn: eight bars and their labels, an axis title, a legend entry.
    assert chart.locator("svg .mark-rect path").count() == 8
    svg_text = chart.locator("svg").first.text_content() or ""
    assert "Mastery level" in svg_text
    assert "Reading" in svg_text
    assert "51" in svg_text
    # One named picture for screen readers; the table is its alternative.
    assert chart.get_attribute("role") == "img"
    label = chart.get_attribute("aria-label") or ""
    assert label.startswith("Grouped bar chart of students")
    assert page.evaluate("window.__cspViolations") == []
    assert console == []
    assert axe_violations(page) == []

    figure.get_by_text("Show the data as a table").click()
    table = figure.get_by_role("table", name="Students at each mastery level, by subject")
    assert table.is_visible()
    assert table.get_by_role("columnheader").all_inner_texts() == [
        "Subject",
        "Mastery level",
        "Students",
    ]
    assert table.get_by_role("rowheader").count() == len(ROWS)
    assert table.get_by_role("row").nth(7).inner_text().split("\t") == [
        "Reading",
        "Proficient",
        "51",
    ]
    assert axe_violations(page) == []
    screenshot(page, "chart-grouped-bars")
    assert page.evaluate("window.__cspViolations") == []
    assert console == []


def test_chart_swapped_in_by_htmx_is_drawn(page, server):
    rows = [{"week": w, "evidence": n} for w, n in enumerate([3, 5, 4, 8, 11, 9], start=1)]
    line = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(x=alt.X("week:O", title="Week"), y=alt.Y("evidence:Q", title="Evidence"))
    )
    fragment = render_to_string(
        "web/_chart.html",
        {
            "chart": chart_context(
                line,
                title="Evidence recorded each week",
                table_columns=[("week", "Week"), ("evidence", "Evidence")],
                rows=rows,
            )
        },
    )
    page.route(
        f"{server}/accounts/login/?chart-fragment",
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=fragment
        ),
    )
    _csp, console = open_under_real_csp(page, server, render_page(body=SWAP_TARGET))
    page.locator("[data-chart] svg").first.wait_for(state="visible", timeout=15_000)
    page.get_by_role("button", name="Load a chart").click()
    swapped = page.locator("#swap-target [data-chart]")
    swapped.locator("svg").first.wait_for(state="visible", timeout=15_000)
    assert swapped.get_attribute("data-chart-state") == "drawn"
    assert swapped.get_attribute("aria-label") == "Evidence recorded each week"
    assert swapped.locator("svg .mark-line path").count() == 1
    assert page.locator("[data-chart][data-chart-state=drawn]").count() == 2
    assert page.evaluate("window.__cspViolations") == []
    assert console == []
    assert axe_violations(page) == []


def test_csp_watch_really_sees_violations(page, server):
    """Guard against a silent check: an inline script on the same page must be reported."""
    html = render_page(body="<script>document.title = 'ran';</script><p style='color:red'>x</p>")
    _csp, console = open_under_real_csp(page, server, html)
    page.locator("[data-chart] svg").first.wait_for(state="visible", timeout=15_000)
    violations = page.evaluate("window.__cspViolations")
    assert any(v.startswith("script-src") for v in violations), violations
    assert any(v.startswith("style-src") for v in violations), violations
    assert any("Content Security Policy" in line for line in console), console
    assert page.title() != "ran"

"""The leader dashboards: headline figures that agree with the exports and the API, one
breakdown at a time, trends only where there is more than one point, and equity gaps
from published counts only."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from proficio.audit.context import acting
from proficio.audit.models import AuditEntry
from proficio.core.equity.gaps import gap_against_all
from proficio.insights import data, figures
from proficio.insights import views as insights_views
from proficio.insights.models import PublishedRelease
from proficio.pace import actions as pace_actions

EXPORT_OF = {
    "students": "students",
    "behind": "behind_pace_percent",
    "proficient": "proficient_percent",
    "stalled": "stalled_percent",
    "growth": "growth_levels_per_year",
    "unassessed_share": "expected_but_unassessed_percent",
}


def _second_release(world) -> PublishedRelease:
    first = PublishedRelease.objects.filter(district=world.org("riverbend")).latest("pk")
    with acting(None, route="tests: world pace", purpose="daily pace check"):
        pace_actions.refresh_pace(world.org("riverbend"), today=first.day + dt.timedelta(days=1))
    return first


@pytest.mark.parametrize(
    ("user", "org", "breakdown"),
    [("principal", "maple-ms", "grade_band"), ("district.admin", "riverbend", "school")],
)
def test_headlines_agree_with_the_export_and_the_api(paced, world, client, user, org, breakdown):
    client.force_login(world.user(user))
    pk = world.org(org).pk
    page = client.get(reverse("insights:dashboard", args=[pk]))
    headlines = {f["h"].field: f["h"] for f in page.context["headlines"]}
    assert list(headlines) == list(data.SUMMARY_FIELDS)
    exported = json.loads(client.get(reverse("insights:export", args=[pk, "json"])).content)
    api = client.get(f"/api/v1/insights/{pk}/aggregates").json()
    for rows in (exported["rows"], api["rows"]):
        total = [r for r in rows if r["breakdown"] == breakdown][-1]
        for name, key in EXPORT_OF.items():
            assert headlines[name].value == total[key], name
            # A withheld figure reads as withheld on the page, never as a number.
            assert (key in total["suppressed_fields"]) == (name in headlines[name].row.withheld)


def test_one_breakdown_at_a_time_with_the_current_one_marked(paced, world, client):
    client.force_login(world.user("principal"))
    url = reverse("insights:dashboard", args=[world.org("maple-ms").pk])
    text = client.get(url, {"by": "teacher"}).content.decode()
    assert text.count("<caption>") == 1  # one table (the chart's table is absent: one day)
    current = re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]+)</a>', text)
    assert current == ["Teacher", "Proficient"]
    assert "By teacher" in text
    assert "By section" not in text
    fallback = client.get(url, {"by": "<script>", "measure": "x"})
    assert fallback.context["by"] == "grade_band"
    assert fallback.context["measure"] == "proficient"


def test_a_single_release_shows_the_figure_not_a_dot(paced, world, client):
    client.force_login(world.user("principal"))
    page = client.get(reverse("insights:dashboard", args=[world.org("maple-ms").pk]))
    assert page.context["history"] is None
    assert "Only one daily check holds these figures so far" in page.content.decode()
    assert page.context["since"] is None
    assert "No earlier daily check to compare with." in page.content.decode()


def test_the_trend_draws_every_release_with_a_published_figure(paced, world, monkeypatch):
    rows = [
        data.Row(label="Grade 7", students=20, behind=5, proficient=10),
        data.Row(label="All grades", students=20, behind=5, proficient=10, total=True),
    ]
    hidden = data.Row(label="Grade 7", students=None, withheld=["students", "proficient"])
    series = [
        (dt.date(2026, 9, 15), rows),
        (dt.date(2026, 10, 15), [hidden, rows[1]]),
        (dt.date(2026, 11, 15), rows),
    ]
    monkeypatch.setattr(data, "history", lambda org, by: series)
    chart = insights_views._history_chart(world.org("maple-ms"), "cohort", "proficient")
    values = chart.spec["data"]["values"]
    assert len(values) == 5  # the withheld point is left out of the picture...
    assert {v["percent"] for v in values} == {50.0}
    table = [[c.value for c in r] for r in chart.rows]
    assert ["2026-10-15", "Grade 7", "withheld"] in table  # ...and named in the table
    monkeypatch.setattr(data, "history", lambda org, by: series[:1])
    assert insights_views._history_chart(world.org("maple-ms"), "cohort", "proficient") is None


def test_headline_change_is_since_the_earlier_release(paced, world, client):
    first = _second_release(world)
    client.force_login(world.user("principal"))
    page = client.get(reverse("insights:dashboard", args=[world.org("maple-ms").pk]))
    assert page.context["since"] == first.day
    before = data.Row.of(first.totals[str(world.org("maple-ms").pk)])
    for f in page.context["headlines"]:
        h = f["h"]
        then = data.headline_value(before, h.field)
        if h.value is None or then is None:
            assert h.change is None
        else:
            assert h.change == pytest.approx(h.value - then)
    # The trend keeps the last release of each month: both days fall in one month.
    days = [day for day, _ in data.history(world.org("maple-ms"), "grade_band")]
    if (first.day.year, first.day.month) == (page.context["day"].year, page.context["day"].month):
        assert days == [page.context["day"]]
    else:
        assert days == [first.day, page.context["day"]]


def test_gap_marks_use_published_counts_only():
    rows = [
        data.Row(label="A", students=40, behind=10, proficient=30),
        data.Row(label="B", students=None, behind=None, proficient=None, withheld=["students"]),
        data.Row(label="C", students=0, behind=0, proficient=0),
        data.Row(label="All", students=100, behind=40, proficient=50, total=True),
    ]
    marks = {(m.group, m.metric): m for m in data.gap_marks(rows)}
    assert marks[("B", "proficient")].withheld
    assert marks[("B", "proficient")].gap is None
    assert ("C", "behind") not in marks  # an empty group has no rate
    a = marks[("A", "proficient")]
    expected = gap_against_all(30, 40, 50, 100)
    assert a.gap == round(expected.gap, 1) == 25.0
    assert a.low == round(expected.low, 1)
    assert a.high == round(expected.high, 1)
    assert a.low < a.gap < a.high
    assert data.gap_marks([]) == []


def test_gap_chart_marks_withheld_groups_and_keeps_a_table(world):
    marks = [
        data.GapMark("A", "proficient", 5.0, 1.0, 9.0),
        data.GapMark("B", "proficient", withheld=True),
    ]
    chart = insights_views._gap_chart("gender", marks)
    table = [[c.value for c in r] for r in chart.rows]
    assert table[0] == ["A", "Proficient", 5.0, 1.0, 9.0]
    assert table[1] == ["B", "Proficient", "withheld", "withheld", "withheld"]
    assert insights_views._gap_chart("gender", []) is None


def test_off_pace_shows_the_first_names_and_audits_only_those(paced, world, client, monkeypatch):
    monkeypatch.setattr(insights_views, "OFF_PACE_FIRST", 1)
    client.force_login(world.user("district.admin"))
    before = AuditEntry.objects.filter(purpose="off-pace list").count()
    page = client.get(reverse("insights:dashboard", args=[world.org("riverbend").pk]))
    assert len(page.context["off_pace"]) == 1
    total = data.off_pace(world.user("district.admin"), world.org("riverbend")).count()
    assert page.context["off_pace_count"] == total
    text = page.content.decode()
    assert reverse("insights:off_pace", args=[world.org("riverbend").pk]) in text
    read = AuditEntry.objects.filter(purpose="off-pace list").count() - before
    assert read == 1


def test_every_headline_has_one_definition():
    for name in data.SUMMARY_FIELDS:
        assert figures.label(name)
        assert len(figures.definition(name)) > 40
    assert str(pace_actions.STALLED_WEEKS) in figures.definition("stalled")
    assert figures.unit("behind") == "%"
    assert figures.unit("growth") == ""

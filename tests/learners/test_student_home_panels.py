"""The student's home (issue 17): what needs the student today and their competencies, then
one panel at a time (``?show=``: requests, progress, evidence, goals and reflections,
classes), so the page stays within three screens; and issue 19: each thing read once and
shared (the goals due come from the same read as the goal list, by the rule of
``learners.actions.goals_due``)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from proficio.audit.context import acting
from proficio.learners import actions as learners
from proficio.learners.models import Goal, ReassessmentRequest
from proficio.policy import SYSTEM

pytestmark = pytest.mark.django_db

HOME = "/home/student/"


def _ana(world) -> Client:
    client = Client()
    client.force_login(world.user("ana"))
    return client


def _current(html: str) -> list[str]:
    return re.findall(r'href="\?show=(\w+)#more" aria-current="page"', html)


def test_goals_marked_due_agree_with_goals_due(world):
    today = timezone.localdate()
    ana = world.ana
    with acting(ana.user, route="tests: student home"):
        for text, days in [("Past", 0), ("Today", 0), ("Soon", 14), ("Later", 15)]:
            learners.set_goal(
                ana.user, student=ana, text=text, target_date=today + dt.timedelta(days=days)
            )
        reached = Goal.objects.get(student=ana, text="Soon")
        learners.mark_goal_achieved(ana.user, reached)
    # A goal whose date has passed (set earlier, when it was still ahead).
    Goal.objects.filter(student=ana, text="Past").update(target_date=today - dt.timedelta(days=3))
    marked = learners.goals_marked_due(ana, today)
    assert {g.pk for g in marked} == set(
        Goal.objects.filter(student=ana).values_list("pk", flat=True)
    )
    due = {g.text for g in marked if g.is_due}
    assert due == {g.text for g in learners.goals_due(ana, today)}
    assert {"Past", "Today"} <= due
    assert "Later" not in due
    assert "Soon" not in due


def test_one_panel_at_a_time_and_the_requests_by_default(world):
    client = _ana(world)
    learners.request_reassessment(
        SYSTEM, student=world.ana, target=world.target("MATH.1.5"), note="I practised."
    )
    home = client.get(HOME).content.decode()
    assert _current(home) == ["requests"]
    assert 'id="my-requests"' in home
    assert 'id="my-goals"' not in home
    assert 'id="my-evidence"' not in home
    # The needs of today and the competencies are on every panel.
    assert home.count("data-today=") == 4
    assert 'id="my-competencies"' in home
    for panel, heading in [
        ("progress", "my-progress"),
        ("evidence", "my-evidence"),
        ("goals", "my-goals"),
        ("classes", "my-classes"),
    ]:
        page = client.get(HOME, {"show": panel}).content.decode()
        assert _current(page) == [panel], panel
        assert f'id="{heading}"' in page
        assert 'id="my-requests"' not in page
        assert page.count("data-today=") == 4
    # An unknown panel is the default one, never an error.
    assert _current(client.get(HOME, {"show": "nope"}).content.decode()) == ["requests"]


def test_the_requests_table_and_its_counts_come_from_one_read(world):
    client = _ana(world)
    for code in ("MATH.1.5", "MATH.1.4"):
        learners.request_reassessment(
            SYSTEM, student=world.ana, target=world.target(code), note="Ready."
        )
    response = client.get(HOME)
    mine = ReassessmentRequest.objects.filter(student=world.ana)
    assert [r.pk for r in response.context["requests"]] == list(
        mine.order_by("-created_at", "-id").values_list("pk", flat=True)[:20]
    )
    open_n = mine.filter(status__in=["requested", "scheduled"]).count()
    assert f'data-today="requests" data-count="{open_n}"' in response.content.decode()


def test_a_goal_saved_or_refused_lands_on_the_goals_panel(world):
    client = _ana(world)
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    saved = client.post(
        reverse("learners:goal_add"), {"text": "Read a chapter", "target_date": day}
    )
    assert saved.status_code == 302
    assert saved["Location"] == HOME + "?show=goals#more"
    page = client.get(saved["Location"]).content.decode()
    assert "Read a chapter" in page
    assert 'data-today="goals" data-count="1"' in page  # due within the window
    refused = client.post(reverse("learners:goal_add"), {"text": "", "target_date": day})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert _current(html) == ["goals"]
    assert 'id="goal_text"' in html
    assert html.count("data-today=") == 4  # the needs of today are shown with the error too

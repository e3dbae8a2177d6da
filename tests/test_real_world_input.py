"""Small things users notice: dates checked against the real world, and search that
ignores accents ("ana garcia" finds Ana García)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from proficio.evidence import actions as evidence
from proficio.evidence.models import Evidence
from proficio.learners import actions as learners


def test_evidence_dated_before_the_student_was_born_is_refused(world):
    before = Evidence.objects.count()
    with pytest.raises(ValidationError) as exc:
        evidence.record_evidence(
            world.user("rivera"),
            student=world.ana,
            kind="project",
            title="Old work",
            assessed_at=dt.datetime(1900, 1, 1, 12, tzinfo=dt.UTC),
            scores=[evidence.ScoreInput(world.target("MATH.1.2"), 3)],
        )
    assert "before the student was born" in exc.value.message_dict["assessed_at"][0]
    assert Evidence.objects.count() == before


def test_a_goal_more_than_five_years_away_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        learners.set_goal(
            world.user("ana"),
            student=world.ana,
            text="Someday",
            target_date=dt.date(9999, 1, 1),
        )
    assert "five years" in exc.value.message_dict["target_date"][0]
    ok = learners.set_goal(
        world.user("ana"),
        student=world.ana,
        text="Ratios by spring",
        target_date=timezone.localdate() + dt.timedelta(days=120),
    )
    assert ok.pk


def test_outside_learning_dated_in_the_future_is_refused_beside_the_field(world, client):
    client.force_login(world.user("ana"))
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    target = world.target("MATH.1.2")
    page = client.post(
        reverse("learners:outside_learning"),
        {
            "title": "Robotics",
            "target": target.pk,
            "level": "3",
            "assessed_at": tomorrow.isoformat(),
            "partner_organization": "Club",
            "url": "https://example.org/work",
        },
    )
    assert page.status_code == 400
    form = page.context["form"]
    assert "future" in " ".join(form.errors.get("assessed_at", []))


@pytest.mark.parametrize("query", ["ana garcia", "ANA GARCÍA", "garcia", "Garcìa ana"])
def test_search_ignores_accents_and_case(world, client, query):
    client.force_login(world.user("rivera"))
    page = client.get(reverse("web:student_list"), {"q": query})
    names = [s.display_name for s in page.context["page"].object_list]
    assert world.ana.display_name in names
    assert all("García" in n or "Garcia" in n for n in names)

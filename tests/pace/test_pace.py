"""Pace targets (and their bad input), the daily check, the student panel, support plans."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from proficio.audit.models import AuditEntry
from proficio.frameworks.models import Item, ItemKind
from proficio.pace import actions
from proficio.pace.models import (
    DistrictDay,
    SchoolDay,
    StudentPace,
    SupportFlag,
    SupportPlan,
    TargetKind,
)
from proficio.policy import SYSTEM


def _target(world, **extra):
    args = {
        "district": world.org("riverbend"),
        "framework": world.district_framework,
        "grade_level": "PK",  # a grade with no targets yet
        "kind": TargetKind.TERM,
        "level_code": "L5",
        "due_on": dt.date(2099, 1, 1),
        **extra,
    }
    return actions.create_pace_target(SYSTEM, **args)


def test_a_target_naming_a_missing_level_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        _target(world, level_code="L42")
    assert "level" in exc.value.message_dict
    assert "L42" in exc.value.message_dict["level"][0]


def test_a_later_date_expecting_a_lower_level_is_refused(world):
    _target(world, level_code="L6", due_on=dt.date(2099, 1, 1))
    with pytest.raises(ValidationError) as exc:
        _target(world, level_code="L4", due_on=dt.date(2099, 6, 1))
    message = exc.value.message_dict["level"][0]
    assert "contradict" in message
    assert "2099-06-01" in message


def test_a_competency_from_elsewhere_is_refused(world):
    other = Item.objects.filter(
        framework=world.educator_framework, kind=ItemKind.COMPETENCY
    ).first()
    with pytest.raises(ValidationError) as exc:
        _target(world, competency=other)
    assert "competency" in exc.value.message_dict


def test_the_daily_check_finds_ben_behind_and_stalled_and_ana_on_pace(paced, world):
    ben = StudentPace.objects.get(student=world.ben, competency__isnull=True)
    ana = StudentPace.objects.get(student=world.ana, competency__isnull=True)
    assert ben.status == "behind"
    assert ben.stalled
    assert ana.status == "on"
    assert ana.growth_per_year > 1  # more than a year's growth shows as such
    reasons = set(SupportFlag.objects.filter(student=world.ben).values_list("reason", flat=True))
    assert reasons == {"off_pace", "stalled"}
    assert SchoolDay.objects.filter(school=world.ben.school).exists()
    assert DistrictDay.objects.filter(district=world.org("riverbend")).exists()


def test_stalled_weeks_is_configurable_and_flags_resolve(paced, world):
    district = world.org("riverbend")
    actions.refresh_pace(district, stalled_weeks=52)
    assert not SupportFlag.objects.filter(
        student=world.ben, reason="stalled", resolved_on__isnull=True
    ).exists()
    assert (
        SupportFlag.objects.filter(student=world.ben, reason="stalled")
        .exclude(resolved_on=None)
        .exists()
    )
    with pytest.raises(ValidationError) as exc:
        actions.refresh_pace(district, stalled_weeks=0)
    assert "stalled_weeks" in exc.value.message_dict


def test_the_management_command_runs_the_daily_check(world, capsys):
    call_command("daily_pace", "--stalled-weeks", "4")
    assert "students flagged for support" in capsys.readouterr().out


def test_the_student_page_shows_a_pace_panel(paced, world, client):
    client.force_login(world.user("rivera"))
    page = client.get(reverse("web:student_detail", args=[world.ben.pk])).content.decode()
    assert "Pace against the district" in page
    assert "Behind pace" in page
    assert "Create a support plan" in page


def test_a_plan_without_an_owner_or_dates_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        actions.create_support_plan(
            SYSTEM,
            student=world.ben,
            intervention="Tutoring",
            owner=None,
            start_on=None,
            check_in_on=None,
        )
    assert set(exc.value.message_dict) == {"owner", "start_on", "check_in_on"}


def test_teacher_sees_the_support_list_and_creates_a_plan(paced, world, client):
    client.force_login(world.user("rivera"))
    page = client.get(reverse("pace:supports")).content.decode()
    assert world.ben.display_name in page
    assert "No progress in recent weeks" in page
    url = reverse("pace:new_plan", args=[world.ben.pk])
    bad = client.post(url, {"intervention": "Tutoring", "owner": ""})
    assert bad.status_code == 400
    assert "needs an owner" in bad.content.decode()
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "intervention": "Fraction tutoring",
            "owner": world.user("rivera").pk,
            "start_on": today.isoformat(),
            "check_in_on": (today + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    plan = SupportPlan.objects.get(intervention="Fraction tutoring")
    assert plan.owner == world.user("rivera")
    assert AuditEntry.objects.filter(student_id=world.ben.pk, purpose="support plan").exists()
    home = client.get(reverse("web:role_home", args=["teacher"])).content.decode()
    assert "Support check-ins due" in home
    assert "Fraction tutoring" in home


def test_check_in_closes_a_plan_and_the_report_compares_growth(paced, world, client):
    client.force_login(world.user("rivera"))
    plan = SupportPlan.objects.get(student=world.ben)
    response = client.post(reverse("pace:plan", args=[plan.pk]), {"outcome": "partly"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.closed_on is not None
    page = client.get(reverse("pace:effectiveness")).content.decode()
    assert world.ben.display_name in page
    empty = client.post(reverse("pace:plan", args=[plan.pk]), {"outcome": ""})
    assert empty.status_code == 400


def test_district_admin_adds_a_target_and_sees_a_named_error(world, client):
    client.force_login(world.user("district.admin"))
    url = reverse("pace:targets")
    bad = client.post(
        url, {"grade_level": "7", "kind": "term", "level_code": "L99", "due_on": "2099-01-01"}
    )
    assert bad.status_code == 400
    assert "L99 is not on this framework" in bad.content.decode()
    good = client.post(
        url, {"grade_level": "PK", "kind": "term", "level_code": "L8", "due_on": "2099-01-01"}
    )
    assert good.status_code == 302

"""A teacher's comment per competency for a reporting period: written on its page (all or
nothing), shown on the family report in English and Spanish and on the student's page,
replaced or cleared by writing again, refused beside the field when too long."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from proficio.audit.models import AuditEntry
from proficio.frameworks.models import Item
from proficio.learners import actions
from proficio.learners.models import CompetencyComment
from proficio.orgs.models import Term

HOME = "/home/student/"
COMMENT = "Ana explains her strategies clearly; next, she should check her answers."


def _math1(world) -> Item:
    return Item.objects.get(
        human_coding_scheme="MATH.1", framework__title__startswith="Riverbend Unified"
    )


def _page(world):
    return reverse("learners:comments", args=[world.ana.pk])


def test_the_reporting_period_is_the_term_today_falls_in(world):
    today = timezone.localdate()
    term = actions.reporting_period(world.ana)
    assert term is not None
    assert term.start_date <= today <= term.end_date
    assert term.year.district.code == "riverbend"
    # Between terms (after the last one ended), the latest begun.
    last = actions.reporting_periods(world.ana).last()
    later = last.end_date + dt.timedelta(days=3)
    assert actions.reporting_period(world.ana, later) == last
    first = actions.reporting_periods(world.ana).first()
    assert actions.reporting_period(world.ana, first.start_date - dt.timedelta(days=1)) is None


def test_a_teacher_writes_a_comment_and_the_family_and_student_read_it(world, client):
    rivera = world.user("rivera")
    client.force_login(rivera)
    page = client.get(_page(world))
    math1 = _math1(world)
    assert f'name="comment_{math1.pk}"' in page.content.decode()
    term = actions.reporting_period(world.ana)
    answer = client.post(_page(world), {"term": term.pk, f"comment_{math1.pk}": COMMENT})
    assert answer.status_code == 302
    saved = CompetencyComment.objects.get(student=world.ana, competency=math1, term=term)
    assert saved.text == COMMENT
    assert saved.author == rivera
    assert AuditEntry.objects.filter(
        actor=rivera, student_id=world.ana.pk, purpose="competency comments"
    ).exists()
    # Only the competency given a text has a comment.
    assert CompetencyComment.objects.filter(student=world.ana).count() == 1

    client.force_login(world.user("garcia.family"))
    report = client.get(reverse("learners:family_report", args=[world.ana.pk])).content.decode()
    block = report[report.index(COMMENT) - 300 :]
    assert f"comment ({term.name}):" in block
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    client.cookies.load({"django_language": "es"})
    spanish = client.get(reverse("learners:family_report", args=[world.ana.pk])).content.decode()
    assert COMMENT in spanish
    assert f"Comentario de Ms. Rivera ({term.name}):" in spanish

    client.force_login(world.user("ana"))
    client.cookies.load({"django_language": "en"})
    home = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert COMMENT in home


def test_writing_again_replaces_and_an_empty_box_removes(world):
    rivera = world.user("rivera")
    math1 = _math1(world)
    term = actions.reporting_period(world.ana)
    actions.set_competency_comments(rivera, student=world.ana, term=term, comments={math1: "One"})
    actions.set_competency_comments(rivera, student=world.ana, term=term, comments={math1: "Two"})
    assert list(
        CompetencyComment.objects.filter(student=world.ana).values_list("text", flat=True)
    ) == ["Two"]
    actions.set_competency_comments(rivera, student=world.ana, term=term, comments={math1: "  "})
    assert not CompetencyComment.objects.filter(student=world.ana).exists()


def test_too_long_a_comment_is_refused_beside_its_box_and_nothing_is_saved(world, client):
    client.force_login(world.user("rivera"))
    math1 = _math1(world)
    other = (
        Item.objects.filter(framework=math1.framework, kind="competency")
        .exclude(pk=math1.pk)
        .first()
    )
    term = actions.reporting_period(world.ana)
    answer = client.post(
        _page(world),
        {"term": term.pk, f"comment_{other.pk}": "Fine.", f"comment_{math1.pk}": "x" * 1001},
    )
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert list(errors) == [f"comment_{math1.pk}"]
    assert "1000 characters" in errors[f"comment_{math1.pk}"][0]
    assert not CompetencyComment.objects.exists()


def test_the_action_refuses_others_a_foreign_period_and_a_foreign_competency(world):
    math1 = _math1(world)
    term = actions.reporting_period(world.ana)
    for username in ("ana", "garcia.family", "counselor", "lake.parent"):
        with pytest.raises(PermissionDenied):
            actions.set_competency_comments(
                world.user(username), student=world.ana, term=term, comments={math1: "Hi"}
            )
    rivera = world.user("rivera")
    lake_term = Term.objects.filter(year__district__code="lakeside").first()
    with pytest.raises(ValidationError) as period:
        actions.set_competency_comments(
            rivera, student=world.ana, term=lake_term, comments={math1: "Hi"}
        )
    assert period.value.message_dict == {
        "term": ["Choose a reporting period of the student's district."]
    }
    lake_competency = Item.objects.filter(
        framework__title="Lakeside mathematics", kind="competency"
    ).first()
    with pytest.raises(ValidationError) as foreign:
        actions.set_competency_comments(
            rivera, student=world.ana, term=term, comments={lake_competency: "Hi"}
        )
    assert foreign.value.message_dict == {
        f"comment_{lake_competency.pk}": ["Choose a competency of the student's frameworks."]
    }
    assert not CompetencyComment.objects.exists()

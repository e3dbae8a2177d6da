"""The state's pages: the analyst's home with identified schools and their reasons, plan
drafting with every problem on its field, preview against the plan in force and adoption,
scorecards and pilots; another state's objects answer 404 without a name; the public
report cards (no login) never show a count below the threshold; Spanish."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from proficio.orgs.models import Organization
from proficio.state.models import Identification, PlanVersion
from tests.world_state import TODAY

FOREIGN_NAMES = ("Otherland", "Far District", "Far School", "Otherland pilot")


@pytest.fixture
def demo_state(world, settings, tmp_path, django_capture_on_commit_callbacks):
    """The demo state on the world: Riverbend and two synthetic districts imported into
    a fresh store, the batch run, identification under the world's plan in force."""
    from proficio.state.demo import seed_state

    settings.PROFICIO_STATE_STORE = tmp_path / "store"
    from proficio.state.models import Submission

    Submission.objects.all().delete()
    # Imports publish to the store when their transaction commits: inside the test's
    # transaction that is when the captured callbacks run, so the second call's batch
    # (its imports now change nothing) reads the published store.
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            message = seed_state(neighbours=2, students=80, today=TODAY)
    assert message.startswith("State demo: ")
    return world


def login(client, world, username="state.analyst"):
    client.force_login(world.user(username))
    return client


def test_home_lists_identified_schools_with_reasons(demo_state, client):
    page = login(client, demo_state).get(reverse("state:home")).content.decode()
    from proficio.state.models import BatchRun

    run = BatchRun.objects.order_by("-pk").first()
    identified = Identification.objects.filter(run=run, comprehensive=True)
    assert identified.exists()
    for i in identified:
        assert i.school.name in page
    assert "Comprehensive support: among the lowest-performing" in page
    assert "Version 1 is in force." in page


def test_a_plan_is_drafted_previewed_and_adopted(demo_state, client):
    from proficio.state.models import StatePlan

    c = login(client, demo_state)
    plan = StatePlan.objects.get(state__code="columbia")
    before = plan.versions.count()
    form = {
        "weight_proficiency": "50",
        "weight_growth": "30",
        "growth_target": "1",
        "weight_school_quality": "10",
        "min_n": "10",
        "lowest_share": "40",
        "consecutive_years": "2",
        "summative": "none",
        "note": "wider",
    }
    bad = c.post(reverse("state:plan_new"), form)
    assert bad.status_code == 400
    assert "they must add up to 1" in bad.content.decode()
    assert plan.versions.count() == before  # nothing saved
    bad = c.post(reverse("state:plan_new"), {**form, "weight_school_quality": "ten"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert re.search(r'id="id_weight_school_quality" [^>]*aria-invalid="true"', page)
    assert 'href="#id_weight_school_quality"' in page
    assert 'value="ten"' in page  # what was typed is kept
    good = c.post(reverse("state:plan_new"), {**form, "weight_school_quality": "20"})
    version = PlanVersion.objects.get(plan=plan, note="wider")
    assert good.status_code == 302
    assert good["Location"] == reverse("state:plan_version", args=[version.pk])
    page = c.get(good["Location"]).content.decode()
    current = plan.current()
    assert f"Preview against version {current.number}" in page
    counts = re.search(r"Comprehensive support: (\d+) schools now, (\d+) under this version", page)
    assert counts is not None
    assert int(counts[2]) >= int(counts[1])  # a wider lowest share never identifies fewer
    adopted = c.post(reverse("state:plan_adopt", args=[version.pk]))
    assert adopted.status_code == 302
    assert plan.current() == version
    latest = Identification.objects.filter(version=version)
    assert latest.filter(comprehensive=True).count() == int(counts[2])


def test_another_states_objects_answer_404_without_a_name(world, client):
    c = login(client, world)
    urls = [
        reverse("state:plan_version", args=[world.otherland_v1.pk]),
        reverse("state:pilot", args=[world.otherland_pilot.pk]),
        reverse("state:scorecard", args=[world.far_school.pk]),
    ]
    for url in urls:
        response = c.get(url)
        assert response.status_code == 404, url
        body = response.content.decode()
        for name in FOREIGN_NAMES:
            assert name not in body, (url, name)
    for url, data in [
        (reverse("state:plan_adopt", args=[world.otherland_v1.pk]), {}),
        (reverse("state:pilot_accountability", args=[world.otherland_pilot.pk]), {"counted": "1"}),
    ]:
        response = c.post(url, data)
        assert response.status_code == 404
        assert not any(n in response.content.decode() for n in FOREIGN_NAMES)
    assert world.otherland_plan.current() is None  # nothing adopted
    assert world.otherland_pilot.count_in_accountability is False
    # Another district's school, for a district administrator of Riverbend.
    c.force_login(world.user("district.admin"))
    lakeside = Organization.objects.get(code="lakeside-ms")
    response = c.get(reverse("state:scorecard", args=[lakeside.pk]))
    assert response.status_code == 404
    assert lakeside.name not in response.content.decode()


def numbers_shown(page: str) -> list[int]:
    """Every count a report card shows: the n= notes and the Students column."""
    found = [int(n) for n in re.findall(r"\(n=(\d+)\)", page)]
    for row in re.findall(r"<tr><th scope=\"row\">.*?</th><td class=\"num\">(\d+)</td>", page):
        found.append(int(row))
    return found


def test_public_report_cards_show_no_count_below_the_threshold(demo_state, client, settings):
    limit = settings.PROFICIO_MIN_CELL_SIZE
    client.logout()
    index = client.get(reverse("state:report_cards"))
    assert index.status_code == 200
    shown_any = []
    for org in Organization.objects.filter(kind__in=["school", "district"]).exclude(
        code__startswith="far"
    ):
        response = client.get(reverse("state:report_card", args=[org.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "How to read this report card" in page
        numbers = numbers_shown(page)
        assert all(n == 0 or n >= limit for n in numbers), (org.code, numbers)
        shown_any += numbers
    assert shown_any  # the demo's schools do publish figures
    data = client.get(reverse("state:open_data_state"))
    assert data["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(data.content.decode())))
    assert rows
    withheld = [r for r in rows if r["suppressed"] == "1"]
    assert withheld  # something was suppressed at this size
    for r in withheld:
        assert r["value"] == ""
        assert r["count"] == ""
    for r in rows:
        for column in ("count", "n", "students"):
            if r[column] != "":
                assert int(r[column]) == 0 or int(r[column]) >= limit, (
                    column,
                    ",".join(r.values()),
                )


def test_the_state_pages_in_spanish(demo_state, client):
    school = Organization.objects.get(code="maple-ms")
    client.logout()
    page = client.get(
        reverse("state:report_card", args=[school.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert 'lang="es"' in page
    assert "Cómo leer este boletín" in page
    assert "How to read this report card" not in page
    c = login(client, demo_state)
    c.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "es"  # chosen in this browser
    home = c.get(reverse("state:home")).content.decode()
    assert "Rendición de cuentas estatal" in home
    assert "Apoyo integral: entre el" in home
    assert "Comprehensive support" not in home


def test_report_cards_held_back_whole_say_why(demo_state, client, monkeypatch):
    # When the joint audit cannot protect a district's report cards against its
    # dashboards (``core.equity.joint.held``, proven against the attacker in the core
    # tests; forced here), every figure is withheld and the pages say why, in both
    # languages; the next run that can be protected takes the notice away.
    from proficio.state import actions, publication
    from proficio.state import figures as read
    from proficio.state.models import HeldReportCards, SchoolFigure

    school = Organization.objects.get(code="maple-ms")
    district = school.parent
    run = read.latest_run(read.state_of(school))
    url = reverse("state:report_card", args=[school.pk])
    client.logout()
    before = client.get(url).content.decode()
    assert 'id="held-report-cards"' not in before
    assert numbers_shown(before)  # figures are shown before

    monkeypatch.setattr(publication, "held_back", lambda result: 4)
    actions.audit_report_cards(run)
    assert HeldReportCards.objects.filter(run=run, district=district).get().figures == 4
    assert not SchoolFigure.objects.filter(run=run, school__parent=district, published=True)
    assert not SchoolFigure.objects.filter(
        run=run, school__parent=district, students_published=True
    )
    for org in (school, district):
        page = client.get(reverse("state:report_card", args=[org.pk])).content.decode()
        assert 'id="held-report-cards"' in page
        assert "4 figures could have been worked out" in page
        assert numbers_shown(page) == []
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "4 cifras se habrían podido deducir comparando los boletines" in spanish
    # Every surface that shows the card says so, with the same notice: the analyst's
    # scorecard beside the public report card.
    public = notice(client.get(url).content.decode())
    analyst = login(Client(), demo_state)
    scorecard = analyst.get(reverse("state:scorecard", args=[school.pk])).content.decode()
    assert public
    assert notice(scorecard) == public
    assert numbers_shown(scorecard) == []
    # The open-data file says so on every row of a held district (here every district
    # is, the rule being forced for all), and the rows carry nothing else.
    rows = open_data_rows(client)
    mine = [r for r in rows if r["district_code"] == district.code]
    assert mine
    assert {(r["district_held"], r["suppressed"], r["value"]) for r in mine} == {("1", "1", "")}
    held = set(HeldReportCards.objects.filter(run=run).values_list("district__code", flat=True))
    assert len(held) > 1
    for r in rows:
        assert r["district_held"] == ("1" if r["district_code"] in held else "0")

    monkeypatch.undo()
    actions.audit_report_cards(run)
    assert not HeldReportCards.objects.filter(run=run).exists()
    after = client.get(url).content.decode()
    assert 'id="held-report-cards"' not in after
    scorecard = analyst.get(reverse("state:scorecard", args=[school.pk])).content.decode()
    assert notice(scorecard) is None
    assert {r["district_held"] for r in open_data_rows(client)} == {"0"}


def notice(page: str) -> str | None:
    """The held-back notice of a page, whole, or None."""
    found = re.search(r'<div[^>]*id="held-report-cards".*?</div></div>', page, re.S)
    return found.group(0) if found else None


def open_data_rows(client):
    data = client.get(reverse("state:open_data_state")).content.decode()
    return list(csv.DictReader(io.StringIO(data)))

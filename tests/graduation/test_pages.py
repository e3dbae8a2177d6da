"""Graduation pages through the client: what each person reads, in English and Spanish,
the caseload sorted by what is left, the district's cohorts, and the award and rescind
forms (which call the same actions and leave the audit entries)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from proficio.audit.models import AuditEntry
from proficio.graduation.models import Diploma

pytestmark = [pytest.mark.django_db]


def test_student_and_family_read_my_path(world, client):
    client.force_login(world.user("ana"))
    page = client.get(reverse("graduation:mine")).content.decode()
    assert "My path to graduation" in page
    assert "Defense of learning" in page
    assert "A rubric score of at least 3.0" in page
    assert "2 requirements left." in page
    client.force_login(world.user("garcia.family"))
    page = client.get(reverse("graduation:mine"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Ana" in page
    # The family's read is an audited read of Ana's record.
    assert AuditEntry.objects.filter(
        student_id=world.ana.pk, actor=world.user("garcia.family"), purpose="family graduation page"
    ).exists()


def test_spanish_page(world, client):
    user = world.user("ana")
    client.force_login(user)
    client.cookies["django_language"] = "es"
    page = client.get(reverse("graduation:mine"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Mi camino a la graduación" in page
    assert "Requisitos de graduación" in page


def test_caseload_sorts_by_what_is_left_and_audits_each_student(world, client):
    counselor = world.user("counselor")
    client.force_login(counselor)
    page = client.get(reverse("graduation:caseload") + "?sort=left").content.decode()
    # Ben holds his diploma (nothing left), Ana has two requirements left: Ben first.
    assert page.index(world.ben.display_name) < page.index(world.ana.display_name)
    assert 'aria-sort="ascending"' in page
    named = page.index(world.ana.display_name), page.index(world.ben.display_name)
    by_name = client.get(reverse("graduation:caseload") + "?sort=name").content.decode()
    assert (by_name.index(world.ana.display_name) < by_name.index(world.ben.display_name)) == (
        world.ana.legal_family_name < world.ben.legal_family_name
    )
    assert named[0] > 0
    for s in (world.ana, world.ben):
        assert AuditEntry.objects.filter(
            student_id=s.pk, actor=counselor, purpose="graduation caseload"
        ).exists()
    # A bad sort is the default sort, not an error.
    assert client.get(reverse("graduation:caseload") + "?sort=%00").status_code == 200


def test_cohorts_read_the_published_release_with_its_suppression(world, client):
    """The district's classes are counted by the daily check into the district's release
    and pass the publication audit with every other published figure: before any release
    the page says so; at the default threshold (10) the world's three graduating
    students are withheld and marked; at a threshold of 1 the counts are shown and agree
    with each student's path (Ben and the Cedar student hold diplomas)."""
    from django.test import override_settings

    from proficio.audit.context import acting
    from proficio.graduation import actions
    from proficio.insights.actions import publish_release
    from proficio.insights.models import PublishedRelease
    from proficio.policy import SYSTEM
    from tests.world_pace import add_pace_evidence

    riverbend = world.org("riverbend")
    url = reverse("graduation:cohorts", args=[riverbend.pk])
    client.force_login(world.user("district.admin"))
    PublishedRelease.objects.all().delete()
    assert "No figures are published yet" in client.get(url).content.decode()

    add_pace_evidence()  # the daily check publishes the release
    release = PublishedRelease.objects.filter(district=riverbend).latest("pk")
    flat = client.get(url).content.decode().replace("\n", "")
    assert "&lt;10 or withheld" in flat
    assert '<th scope="row">2027</th>' in flat
    graduation = [r for r in release.rows if r["breakdown"] == "graduation"]
    assert {r["key"] for r in graduation} == {"2027:met", "2027:on", "2027:off", ""}
    assert all(r["students"] is None or r["students"] == 0 for r in graduation)

    day = release.day
    with override_settings(PROFICIO_MIN_CELL_SIZE=1):
        with acting(None, route="tests: publish", purpose="daily pace check"):
            publish_release(SYSTEM, riverbend, day=day)
        text = client.get(url).content.decode().replace("\n", "").replace("  ", "")
    held = [s.pk for s in (world.ana, world.ben, world.cedar_kid)]
    statuses = actions.cohort_statuses(held, day)
    counts = {k: sum(1 for c, s in statuses.values() if s == k) for k in ("met", "on", "off")}
    assert counts["met"] == 2  # the two diplomas
    cells = "".join(f'<td class="num">{counts[k]}</td>' for k in ("met", "on", "off"))
    assert f'<th scope="row">2027</th>{cells}' in text
    assert "All students held to graduation requirements" in text
    # No student is named or read one by one: the page shows published counts only.
    assert AuditEntry.objects.filter(purpose="graduation caseload").count() == 0
    assert world.ana.display_name not in text


def test_award_refused_with_the_unmet_list_and_rescind_needs_a_reason(world, client):
    client.force_login(world.user("principal"))
    response = client.post(reverse("graduation:award", args=[world.ana.pk]), follow=True)
    text = response.content.decode()
    assert "Requirements not yet met: Defense of learning; Defense of learning" in text
    assert not Diploma.objects.filter(student=world.ana).exists()
    diploma = world.ben_diploma
    response = client.post(
        reverse("graduation:rescind", args=[diploma.pk]), {"reason": ""}, follow=True
    )
    assert "Give the reason for rescinding" in response.content.decode()
    diploma.refresh_from_db()
    assert diploma.rescinded_at is None
    client.post(reverse("graduation:rescind", args=[diploma.pk]), {"reason": "Entered in error"})
    diploma.refresh_from_db()
    assert diploma.rescission_reason == "Entered in error"
    assert diploma.credential.revoked_at is not None
    page = client.get(reverse("graduation:student", args=[world.ben.pk])).content.decode()
    assert "Award the diploma" in page  # rescinded: it may be awarded again

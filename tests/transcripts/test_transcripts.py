"""The competency transcript: what it says (against the standings and the level rule it
reuses), who reads it and that each read is audited, the PDF and JSON, dual reporting,
share links, the CLR (checked by the independent verifier) and automatic level credentials."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from proficio import policy
from proficio.audit.context import acting
from proficio.audit.models import AuditEntry
from proficio.core.credentials import vc_jwt
from proficio.credentials import publish
from proficio.credentials.levels import levels_reached
from proficio.credentials.models import CredentialKind, IssuedCredential
from proficio.frameworks.models import Category
from proficio.learners.reports import competencies
from proficio.transcripts import actions, transcript
from proficio.transcripts.models import ShareLink
from tests.core.credentials_support import needs_fixtures
from tests.independent_verifier import independently_verify

pytestmark = pytest.mark.django_db


def _line(t, code):
    return next(ln for ln in t.academic + t.habits if ln.code == code)


def test_transcript_reports_the_standing_with_the_date_reached(world, ana_reaches_level):
    t = transcript.build(world.ana)
    rows, _ = competencies(world.ana)
    by_code = {r.competency.human_coding_scheme: r for r in rows}
    math1 = _line(t, "MATH.1")
    # The level is the standing every other page shows; the date the latest evidence of it.
    assert math1.level == by_code["MATH.1"].level_now
    assert math1.level is not None
    assert math1.level.position == 1
    assert math1.reached_on == timezone.localdate() - dt.timedelta(days=1)
    assert math1.proficient == by_code["MATH.1"].shown.proficient
    assert math1.levels_reached == sum(
        1 for r in levels_reached(world.ana) if r.competency.human_coding_scheme == "MATH.1"
    )
    pieces = {e.target.pk: e.pieces for e in math1.evidence}
    # Three pieces on each level-1 target; the world's project adds one on MATH.1.2.
    for target in ana_reaches_level:
        assert pieces[target.pk] == 3 + (target.human_coding_scheme == "MATH.1.2")
    assert set(pieces) == {t.pk for t in ana_reaches_level} | {world.target("MATH.1.2").pk}
    # Habits of success are reported apart from the academic competencies.
    assert t.habits, "the demo district has habits of success"
    assert all(ln.competency.category in (Category.HABITS, Category.SEL) for ln in t.habits)
    assert all(ln.competency.category == Category.ACADEMIC for ln in t.academic)
    # The profile of a graduate counts proficient competencies by area, from the standings.
    assert sum(p.of for p in t.profile) == len(t.academic) + len(t.habits)
    assert sum(p.proficient for p in t.profile) == sum(
        1 for ln in t.academic + t.habits if ln.proficient
    )


def test_page_for_the_student_and_audit_for_others(world, client, ana_reaches_level):
    client.force_login(world.user("ana"))
    response = client.get(reverse("transcripts:student", args=[world.ana.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "MATH.1" in body
    assert "no grade-point average and no rank" in body
    # Evidence links open the level's page, which checks the policy itself.
    target = ana_reaches_level[0]
    assert reverse("mastery:student_target", args=[world.ana.pk, target.pk]) in body
    assert not AuditEntry.objects.filter(student_id=world.ana.pk, purpose="transcript").exists()
    client.force_login(world.user("counselor"))
    before = AuditEntry.objects.filter(student_id=world.ana.pk, purpose="transcript").count()
    assert client.get(reverse("transcripts:student", args=[world.ana.pk])).status_code == 200
    entries = AuditEntry.objects.filter(student_id=world.ana.pk, purpose="transcript")
    assert entries.count() == before + 1
    assert entries.latest("at").actor_name == "counselor"
    # A teacher does not read transcripts; nor does the policy let the action run.
    with pytest.raises(PermissionDenied):
        actions.read_transcript(world.user("rivera"), world.ana)


@pytest.mark.parametrize(
    "username", ["ana", "garcia.family", "counselor", "principal", "district.admin"]
)
def test_share_form_for_exactly_those_the_policy_lets_share(world, client, username):
    """The page asks whether the reader may also share the transcript in the same query
    as the read (``policy.access``'s ``also``): it offers the share form and the CLR to
    exactly those the policy's own question (``policy.can``, outside a request) allows."""
    user = world.user(username)
    client.force_login(user)
    body = client.get(reverse("transcripts:student", args=[world.ana.pk])).content.decode()
    may_share = policy.can(user, policy.Act.CHANGE, policy.Subject.TRANSCRIPT, world.ana)
    assert ("Share with a college" in body) == may_share
    assert (reverse("transcripts:clr", args=[world.ana.pk]) in body) == may_share
    assert may_share == (username in {"ana", "garcia.family"})  # the policy's row, as declared


def test_spanish_page(world, client, ana_reaches_level):
    client.force_login(world.user("ana"))
    client.cookies["django_language"] = "es"
    body = client.get(reverse("transcripts:student", args=[world.ana.pk])).content.decode()
    assert "Expediente de competencias" in body
    assert "Hábitos de éxito" in body
    assert "Perfil del egresado" in body


def test_pdf_holds_the_competencies_and_fetches_nothing(world, client, ana_reaches_level):
    from pypdf import PdfReader

    client.force_login(world.user("garcia.family"))
    response = client.get(reverse("transcripts:pdf", args=[world.ana.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert world.ana.display_name in text
    t = transcript.build(world.ana)
    for ln in t.academic[:5] + t.habits[:3]:
        assert ln.code in text
    assert _line(t, "MATH.1").level.label in text
    assert "Habits of success" in text
    assert AuditEntry.objects.filter(
        student_id=world.ana.pk, purpose="transcript", actor_name="garcia.family"
    ).exists()


def test_json_and_dual_reporting_marked_as_derived(world, client, system, ana_reaches_level):
    client.force_login(world.user("ana"))
    url = reverse("transcripts:json", args=[world.ana.pk])
    doc = json.loads(client.get(url).content)
    assert doc["derived"] is None
    assert "gpa" not in json.dumps(doc).lower()
    assert "rank" not in json.dumps(doc).lower()
    math1 = next(c for c in doc["competencies"] if c["code"] == "MATH.1")
    assert math1["reachedOn"] == (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert "derived" not in math1
    riverbend = world.org("riverbend")
    actions.set_transcript_settings(
        system, riverbend, derived="credits", credits_per_level=Decimal("0.5")
    )
    doc = json.loads(client.get(url).content)
    math1 = next(c for c in doc["competencies"] if c["code"] == "MATH.1")
    assert math1["derived"] == {
        "value": f"{format((Decimal('0.5') * math1['levelsReached']).normalize(), 'f')} credits",
        "primary": False,
    }
    assert doc["derived"]["primary"] is False
    actions.set_transcript_settings(
        system, riverbend, derived="letters", credits_per_level=Decimal("0.5")
    )
    t = transcript.build(world.ana)
    row = next(
        r for r in competencies(world.ana)[0] if r.competency.human_coding_scheme == "MATH.1"
    )
    assert _line(t, "MATH.1").derived == transcript.LETTERS.get(row.status, "—")
    page = client.get(reverse("transcripts:student", args=[world.ana.pk])).content.decode()
    assert "Derived, not the record" in page
    with pytest.raises(ValidationError) as err:
        actions.set_transcript_settings(
            system, riverbend, derived="gpa", credits_per_level=Decimal("1")
        )
    assert "derived" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        actions.set_transcript_settings(
            system, riverbend, derived="credits", credits_per_level=Decimal("0")
        )
    assert "credits_per_level" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.set_transcript_settings(
            world.user("lake.admin"), riverbend, derived="none", credits_per_level=Decimal("1")
        )


def _share(client, world, recipient="Columbia State University", days=30):
    client.force_login(world.user("ana"))
    response = client.post(
        reverse("transcripts:share", args=[world.ana.pk]),
        {"recipient": recipient, "days": days},
    )
    assert response.status_code == 302
    link = ShareLink.objects.filter(student=world.ana).latest("created_at")
    return link, reverse("transcripts:shared", args=[actions.token_for(link)])


def test_shared_link_is_read_audited_and_revocable(world, client, ana_reaches_level):
    link, url = _share(client, world)
    assert link.recipient == "Columbia State University"
    client.logout()
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert world.ana.display_name in body
    assert "MATH.1" in body
    # No evidence links through a share: the evidence opens only for authorized viewers.
    assert "/targets/" not in body
    assert response["X-Robots-Tag"].startswith("noindex")
    entry = AuditEntry.objects.filter(student_id=world.ana.pk, purpose="shared transcript").latest(
        "at"
    )
    assert entry.action == "read"
    assert entry.actor_id is None
    assert "Columbia State University" in entry.actor_name
    link.refresh_from_db()
    assert link.views == 1
    # The student sees the view in "who viewed my record".
    client.force_login(world.user("ana"))
    access = client.get(reverse("web:student_access", args=[world.ana.pk])).content.decode()
    assert "Columbia State University" in access
    # Revoked: a plain page with no name.
    assert client.post(reverse("transcripts:revoke", args=[link.uuid])).status_code == 302
    client.logout()
    gone = client.get(url)
    assert gone.status_code == 404
    assert world.ana.display_name not in gone.content.decode()
    assert "Ana" not in gone.content.decode()


def test_expired_and_tampered_links_name_no_one(world, client, ana_reaches_level):
    link, url = _share(client, world, days=1)
    client.logout()
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = reverse(
        "transcripts:shared", args=[token[:-2] + ("AA" if token[-2:] != "AA" else "BB")]
    )
    other = reverse("transcripts:shared", args=["not-a-token"])
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    before = AuditEntry.objects.filter(purpose="shared transcript", action="read").count()
    for bad in (url, tampered, other):
        response = client.get(bad)
        assert response.status_code == 404
        text = response.content.decode()
        assert "does not open a transcript" in text
        assert world.ana.display_name not in text
        assert "Ana" not in text
    assert AuditEntry.objects.filter(purpose="shared transcript", action="read").count() == before


def test_share_link_bad_input_and_refusals(world, client, ana_reaches_level):
    client.force_login(world.user("ana"))
    url = reverse("transcripts:share", args=[world.ana.pk])
    before = ShareLink.objects.count()
    response = client.post(url, {"recipient": "", "days": 400})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert ShareLink.objects.count() == before
    with pytest.raises(ValidationError) as err:
        actions.create_share_link(world.user("ana"), world.ana, recipient="X", days=0)
    assert "days" in err.value.message_dict
    # Counselors read the transcript but do not share it; the guardian may.
    with pytest.raises(PermissionDenied):
        actions.create_share_link(world.user("counselor"), world.ana, recipient="X", days=3)
    link, token = actions.create_share_link(
        world.user("garcia.family"), world.ana, recipient="A college", days=3
    )
    assert actions.live_link(token) == link
    with pytest.raises(PermissionDenied):
        actions.revoke_share_link(world.user("principal"), link)


def node_check(*credentials):
    documents = {}
    for c in credentials:
        url = publish.status_list_url(c.status_list)
        documents[url] = publish.status_list_by_url(url)
    return independently_verify(
        [
            (str(c.uuid), json.loads(c.content) if c.format == "di" else c.content)
            for c in credentials
        ],
        documents=documents,
    )


@needs_fixtures
def test_transcript_clr_is_verified_independently(world, client, ana_reaches_level):
    client.force_login(world.user("ana"))
    response = client.post(reverse("transcripts:clr", args=[world.ana.pk]))
    assert response["Content-Type"] == "application/jwt"
    clr = IssuedCredential.objects.get(student=world.ana, subject_key="transcript")
    assert response.content.decode() == clr.content
    assert clr.kind == CredentialKind.CLR
    inner = vc_jwt.parse(clr.content).credential["credentialSubject"]["verifiableCredential"]
    levels = IssuedCredential.objects.filter(
        student=world.ana, kind=CredentialKind.LEVEL, subject_key__startswith="level:"
    )
    assert {r.subject_key for r in levels_reached(world.ana)} == {c.subject_key for c in levels}
    assert {c["id"].rsplit("/", 1)[1] for c in inner} == {str(c.uuid) for c in levels}
    result = node_check(clr)[str(clr.uuid)]
    assert result["verified"], result
    assert result["nested"] == levels.count()
    # Asking again hands back the same credential; a corrected level replaces it.
    again = client.post(reverse("transcripts:clr", args=[world.ana.pk]))
    assert again.content.decode() == clr.content
    from proficio.credentials import actions as credentials

    with acting(None, route="test"):
        credentials.revoke_credential(policy.SYSTEM, levels.first(), reason="A scoring error.")
    fresh = client.post(reverse("transcripts:clr", args=[world.ana.pk])).content.decode()
    assert fresh != clr.content
    clr.refresh_from_db()
    assert clr.revoked_at is not None
    assert "newer transcript" in clr.revocation_reason


def test_clr_with_nothing_reached_is_refused_plainly(world, client):
    client.force_login(world.user("ana"))
    response = client.post(reverse("transcripts:clr", args=[world.ana.pk]), follow=True)
    assert "nothing to certify" in response.content.decode()
    assert not IssuedCredential.objects.filter(student=world.ana, kind=CredentialKind.CLR).exists()


def test_level_credentials_follow_the_standing(
    world, system, levels_on, django_capture_on_commit_callbacks
):
    """With the district's setting on, reaching a level issues its credential once the
    change commits; a correction that undoes it revokes it with a reason; again: nothing."""
    from proficio.evidence import actions as evidence
    from proficio.mastery import actions as mastery
    from tests.credentials.conftest import competency_targets

    rivera = world.user("rivera")
    targets = competency_targets(world.district_framework, "MATH.1", 1)
    with acting(rivera, route="tests"), django_capture_on_commit_callbacks(execute=True):
        for target in targets:
            for days in (3, 2, 1):
                evidence.record_evidence(
                    rivera,
                    student=world.ana,
                    kind="project",
                    title="Level check",
                    assessed_at=timezone.now() - dt.timedelta(days=days),
                    scores=[evidence.ScoreInput(target, 4.0)],
                    scorer=rivera,
                )
    live = IssuedCredential.objects.filter(
        student=world.ana, subject_key__startswith="level:", revoked_at__isnull=True
    )
    reached = {r.subject_key for r in levels_reached(world.ana)}
    assert reached
    assert {c.subject_key for c in live} == reached
    result = node_check(*live)
    assert all(r["verified"] for r in result.values()), result
    leader = world.user("principal")
    with acting(leader, route="tests"), django_capture_on_commit_callbacks(execute=True):
        mastery.override_determination(
            leader, world.ana, targets[0], level_value=1.0, rationale="Scored the wrong student."
        )
    math1 = list(
        IssuedCredential.objects.filter(student=world.ana, competency__human_coding_scheme="MATH.1")
    )
    assert math1
    assert all(c.revoked_at is not None for c in math1)
    assert all("no longer shown" in c.revocation_reason for c in math1)
    from proficio.credentials import actions as credentials

    with acting(None, route="tests"):
        assert credentials.sync_level_credentials(system, world.ana) == ([], [])


def test_no_automatic_issuing_when_the_district_has_not_turned_it_on(
    world, django_capture_on_commit_callbacks
):
    from proficio.evidence import actions as evidence
    from tests.credentials.conftest import competency_targets

    rivera = world.user("rivera")
    targets = competency_targets(world.district_framework, "MATH.1", 1)
    with (
        acting(rivera, route="tests"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        for target in targets:
            for days in (3, 2, 1):
                evidence.record_evidence(
                    rivera,
                    student=world.ana,
                    kind="project",
                    title="Level check",
                    assessed_at=timezone.now() - dt.timedelta(days=days),
                    scores=[evidence.ScoreInput(target, 4.0)],
                    scorer=rivera,
                )
    assert callbacks  # the standing changed and was heard
    assert levels_reached(world.ana)  # a level is reached ...
    # ... and nothing is issued: Riverbend has not turned level credentials on.
    assert not IssuedCredential.objects.filter(subject_key__startswith="level:").exists()


def test_graduating_class_issue_with_progress(
    world, system, client, ana_reaches_level, django_capture_on_commit_callbacks
):
    from proficio import progress

    riverbend = world.org("riverbend")
    grade = world.ana.grade_level
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.start_class_issue(system, riverbend, grade_level=grade)
    job.refresh_from_db()
    assert job.finished_at is not None
    assert job.transcripts == 1  # only Ana has reached a level
    assert job.level_credentials == len(levels_reached(world.ana))
    assert progress.read("class_issue", job.pk) == {
        "done": job.students,
        "total": job.students,
        "stage": "done",
    }
    client.force_login(world.user("district.admin"))
    page = client.get(reverse("transcripts:class_issue", args=[job.pk])).content.decode()
    assert "100%" in page
    assert f"{job.students} / {job.students}" in page
    with pytest.raises(ValidationError) as err:
        actions.start_class_issue(system, riverbend, grade_level="99")
    assert "grade_level" in err.value.message_dict

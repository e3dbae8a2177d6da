"""Evidence entry, the determination page (explanation, chart, history), overrides,
portfolio files, and the policy editor with its preview."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from proficio.evidence.models import Evidence
from proficio.mastery.models import Determination, Override
from proficio.policy import SYSTEM


def _post_evidence(client, world, **extra):
    target = world.target("MATH.2.2")
    data = {
        "kind": "performance_task",
        "title": "Pattern task",
        "assessed_at": (timezone.localtime() - timezone.timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "target_1": target.pk,
        "score_1": "3",
        **extra,
    }
    return client.post(reverse("evidence:record", args=[world.ana.pk]), data), target


def test_teacher_records_evidence_and_lands_on_the_explanation(world, client):
    client.force_login(world.user("rivera"))
    response, target = _post_evidence(client, world)
    assert response.status_code == 302
    assert response["Location"] == reverse("mastery:student_target", args=[world.ana.pk, target.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Pattern task" in page
    assert "Weight in the result" in page
    assert "Not enough evidence yet" in page  # the district wants two pieces
    assert "data-chart" in page
    assert "vega-embed" in page  # chart scripts load only where a chart is drawn


def test_bad_scores_and_dates_get_field_errors(world, client):
    client.force_login(world.user("rivera"))
    response, _ = _post_evidence(client, world, score_1="9")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    future = (timezone.localtime() + timezone.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response, _ = _post_evidence(client, world, assessed_at=future)
    assert response.status_code == 400
    assert "cannot have been shown in the future" in response.content.decode()
    assert not Evidence.objects.filter(title="Pattern task").exists()


def test_wrong_artifact_type_is_refused_and_nothing_saved(world, client):
    client.force_login(world.user("rivera"))
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response, _ = _post_evidence(client, world, artifact=fake)
    assert response.status_code == 400
    assert "not a file type we accept" in response.content.decode()
    assert not Evidence.objects.filter(title="Pattern task").exists()


def test_portfolio_files_are_downloads_with_their_checked_type(world, client):
    artifact = world.ana_evidence.artifacts.get()
    client.force_login(world.user("garcia.family"))
    response = client.get(reverse("evidence:artifact", args=[artifact.pk]))
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"My fraction notes"


def test_override_needs_rationale_and_shows_as_override(world, client):
    client.force_login(world.user("rivera"))
    target = world.target("MATH.1.2")
    url = reverse("mastery:override", args=[world.ana.pk, target.pk])
    refused = client.post(url, {"level_value": "4", "rationale": ""})
    assert refused.status_code == 400
    assert not Override.objects.filter(student=world.ana).exists()
    ok = client.post(
        url, {"level_value": "4", "rationale": "Her project shows transfer to new problems."}
    )
    assert ok.status_code == 302
    page = client.get(
        reverse("mastery:student_target", args=[world.ana.pk, target.pk])
    ).content.decode()
    assert "Professional judgment:" in page
    assert "Her project shows transfer" in page
    record = client.get(reverse("web:student_detail", args=[world.ana.pk])).content.decode()
    assert "(override)" in record


def test_time_machine_query(world, client):
    client.force_login(world.user("principal"))
    target = world.target("MATH.1.2")
    url = reverse("mastery:student_target", args=[world.ana.pk, target.pk])
    long_ago = client.get(url, {"as_of": "2001-01-01"}).content.decode()
    assert "not yet assessed" in long_ago
    assert client.get(url, {"as_of": "not-a-date"}).status_code == 200
    assert Determination.objects.filter(student=world.ana, target=target).exists()


def test_policy_editor_previews_then_saves_a_version(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.user("district.admin"))
    policy = world.policy("Riverbend default")
    data = {
        "method": "highest",
        "weight": "0.65",
        "rate": "0.65",
        "min_evidence": "1",
        "min_kinds": "1",
    }
    preview = client.post(reverse("mastery:policy_preview", args=[policy.pk]), data)
    assert "would go up" in preview.content.decode()
    bad = client.post(reverse("mastery:policy", args=[policy.pk]), {**data, "weight": "3"})
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            reverse("mastery:policy", args=[policy.pk]), {**data, "note": "Try highest"}
        )
    assert saved.status_code == 302
    assert policy.current.method == "highest"
    progress = client.get(saved["Location"]).content.decode()
    assert "determinations changed" in progress


def test_the_student_record_shows_the_one_standing_whatever_the_rollup_rule(world, client):
    """The record's competency rows are the continuum standing (the one definition of
    proficient); a competency's roll-up rule does not make a second one."""
    from proficio.audit.context import acting
    from proficio.evidence import actions as evidence
    from proficio.frameworks.models import Item
    from proficio.mastery import actions as mastery
    from proficio.mastery import continuum

    competency = Item.objects.get(framework=world.district_framework, human_coding_scheme="WRIT.3")
    with acting(world.user("rivera"), route="test"):
        for code in ("WRIT.3.1", "WRIT.3.2"):
            for days in (5, 2):
                evidence.record_evidence(
                    world.user("rivera"),
                    student=world.ana,
                    kind="project",
                    title=f"Story {code}",
                    assessed_at=timezone.now() - timezone.timedelta(days=days),
                    scores=[evidence.ScoreInput(world.target(code), 4)],
                )
    client.force_login(world.user("garcia.family"))
    page = client.get(reverse("web:student_detail", args=[world.ana.pk])).content.decode()
    assert "Academic competencies" in page
    (mine,) = continuum.shown_for([world.ana], [competency])[world.ana.pk]
    level = mine.standing.level
    marker = (
        f'data-competency="WRIT.3" data-level="{"" if level is None else level}" '
        f'data-status="{mine.status}"'
    )
    assert marker in page
    mastery.set_rollup_rule(SYSTEM, competency, method="points", threshold=2)
    again = client.get(reverse("web:student_detail", args=[world.ana.pk])).content.decode()
    assert marker in again


def test_rollup_rule_form_validates(world, client):
    from proficio.frameworks.models import Item

    client.force_login(world.user("district.admin"))
    competency = Item.objects.get(framework=world.district_framework, human_coding_scheme="MATH.2")
    url = reverse("mastery:rollup_rule", args=[competency.pk])
    bad = client.post(url, {"method": "points"})
    assert bad.status_code == 400
    assert "threshold" in bad.content.decode()
    assert client.post(url, {"method": "mean"}).status_code == 302
    assert competency.rollup_rule.method == "mean"


def test_student_record_time_machine(world, client):
    client.force_login(world.user("principal"))
    url = reverse("web:student_detail", args=[world.ana.pk])
    now = client.get(url).content.decode()
    assert "MATH.1.2" in now
    long_ago = client.get(url, {"as_of": "2001-01-01"}).content.decode()
    assert "Where this student stood on" in long_ago
    assert "No evidence yet." in long_ago

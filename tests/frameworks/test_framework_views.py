"""Framework pages: browse, search, continuum, import with progress and report, editor."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proficio.frameworks.models import Association, Framework, ImportJob, Item, JobStatus
from tests.frameworks.conftest import case_fixture


def test_browse_and_search_the_tree(world, client):
    client.force_login(world.user("ana"))
    framework = world.district_framework
    body = client.get(reverse("frameworks:detail", args=[framework.pk])).content.decode()
    assert "MATH.1.1" in body
    assert "Level 8" in body
    found = client.get(
        reverse("frameworks:detail", args=[framework.pk]), {"q": "WRIT.2"}, HTTP_HX_REQUEST="true"
    )
    text = found.content.decode()
    assert "WRIT.2.1" in text
    assert "MATH.1.1" not in text
    assert "<html" not in text  # a partial for HTMX


def test_continuum_page_shows_levels_statements_and_graph(world, client):
    client.force_login(world.user("ben"))
    competency = Item.objects.get(framework=world.district_framework, human_coding_scheme="MATH.1")
    body = client.get(
        reverse("frameworks:item", args=[world.district_framework.pk, competency.pk])
    ).content.decode()
    assert body.count('class="continuum-level"') == world.district_framework.levels.count()
    first_statement = competency.level_statements.order_by("level__position").first().statement
    assert first_statement.split(" ")[0] in body
    assert "<svg" in body
    assert 'role="img"' in body


def test_target_page_lists_prerequisites_in_text(world, client):
    client.force_login(world.user("rivera"))
    target = world.target("MATH.1.2")
    body = client.get(
        reverse("frameworks:item", args=[world.district_framework.pk, target.pk])
    ).content.decode()
    assert "Comes after" in body
    assert "MATH.1.1" in body


def test_export_downloads_case_json(world, client):
    client.force_login(world.user("data.lead"))
    response = client.get(reverse("frameworks:export", args=[world.district_framework.pk]))
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["CFDocument"]["caseVersion"] == "1.1"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Imports are enqueued when their transaction commits: a block whose enqueued tasks
    run as it ends, as they would after the request in production."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _upload(client, name, content, **extra):
    return client.post(
        reverse("frameworks:import"),
        {"file": SimpleUploadedFile(name, content, content_type="application/json"), **extra},
    )


def test_import_runs_and_reports(world, client, committed):
    client.force_login(world.user("district.admin"))
    content = case_fixture("opensalt-Ordering.json").read_bytes()
    with committed():
        response = _upload(client, "ordering.json", content)
    job = ImportJob.objects.latest("created_at")
    assert response.status_code == 302
    assert response["Location"] == reverse("frameworks:import_job", args=[job.pk])
    assert job.status == JobStatus.DONE  # the test settings run tasks immediately
    assert job.owner.code == "riverbend"
    page = client.get(response["Location"]).content.decode()
    assert "ACT Holistic Framework" in page
    assert "warnings" in page
    progress = client.get(reverse("frameworks:import_progress", args=[job.pk]))
    assert progress["HX-Refresh"] == "true"
    assert 'value="100"' in progress.content.decode()


def test_import_of_a_broken_file_names_the_place(world, client, committed):
    client.force_login(world.user("district.admin"))
    with committed():
        _upload(client, "broken.json", b'{"CFDocument": {"identifier": "x",}')
    job = ImportJob.objects.latest("created_at")
    assert job.status == JobStatus.FAILED
    page = client.get(reverse("frameworks:import_job", args=[job.pk])).content.decode()
    assert "Nothing was imported" in page
    assert "line 1" in page


def test_import_of_an_invalid_package_lists_every_problem(world, client, committed):
    client.force_login(world.user("district.admin"))
    with committed():
        _upload(
            client,
            "bad.json",
            b'{"CFDocument": {"title": "No id"}, "CFItems": [{"fullStatement": 3}]}',
        )
    job = ImportJob.objects.latest("created_at")
    paths = {e["path"] for e in job.errors}
    assert "$.CFDocument.identifier" in paths
    assert any(p.startswith("$.CFItems[0]") for p in paths)


def test_upload_of_the_wrong_type_is_refused(world, client):
    client.force_login(world.user("district.admin"))
    response = client.post(
        reverse("frameworks:import"),
        {"file": SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")},
    )
    assert response.status_code == 400
    assert "Choose a .json file" in response.content.decode()


def test_editor_adds_items_and_refuses_a_cycle_with_a_message(world, client):
    client.force_login(world.user("district.admin"))
    draft = world.riverbend_draft
    response = client.post(
        reverse("frameworks:item_create", args=[draft.pk]),
        {
            "full_statement": "Compares fractions",
            "human_coding_scheme": "F.1",
            "kind": "target",
            "category": "academic",
        },
    )
    assert response.status_code == 302
    first = Item.objects.get(framework=draft, human_coding_scheme="F.1")
    client.post(
        reverse("frameworks:item_create", args=[draft.pk]),
        {
            "full_statement": "Adds fractions",
            "human_coding_scheme": "F.2",
            "kind": "target",
            "category": "academic",
        },
    )
    second = Item.objects.get(framework=draft, human_coding_scheme="F.2")
    ok = client.post(
        reverse("frameworks:prerequisite_add", args=[draft.pk, second.pk]),
        {"prerequisite": first.pk},
    )
    assert ok.status_code == 302
    refused = client.post(
        reverse("frameworks:prerequisite_add", args=[draft.pk, first.pk]),
        {"prerequisite": second.pk},
    )
    assert refused.status_code == 400
    message = refused.content.decode()
    # The cycle is named, in order, so the author sees exactly which link closes it.
    assert "This would make a prerequisite cycle: F" in message
    assert ("F.1 → F.2 → F.1" in message) or ("F.2 → F.1 → F.2" in message)
    assert not Association.objects.filter(
        association_type="precedes", origin_item=second, destination_item=first
    ).exists()


def test_editor_form_errors(world, client):
    client.force_login(world.user("district.admin"))
    response = client.post(
        reverse("frameworks:item_create", args=[world.riverbend_draft.pk]), {"kind": "target"}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_create_and_publish_a_framework(world, client):
    client.force_login(world.user("district.admin"))
    response = client.post(
        reverse("frameworks:create"), {"title": "Science", "subject": "Science", "language": "en"}
    )
    framework = Framework.objects.get(title="Science")
    assert response["Location"] == reverse("frameworks:detail", args=[framework.pk])
    assert framework.owner.code == "riverbend"
    client.post(reverse("frameworks:publish", args=[framework.pk]))
    framework.refresh_from_db()
    assert framework.status == "published"


def test_level_statements_editor(world, client):
    client.force_login(world.user("district.admin"))
    competency = Item.objects.get(framework=world.district_framework, human_coding_scheme="MATH.2")
    level = world.district_framework.levels.first()
    url = reverse("frameworks:level_statements", args=[world.district_framework.pk, competency.pk])
    assert client.post(url, {f"text-{level.pk}": "I can spot a pattern."}).status_code == 302
    assert competency.level_statements.get(level=level).statement == "I can spot a pattern."


def test_level_statements_editor_takes_spanish_and_how_to_help(world, client):
    from proficio.frameworks.models import HomeSupport, Translation

    client.force_login(world.user("district.admin"))
    framework = world.district_framework
    competency = Item.objects.get(framework=framework, human_coding_scheme="MATH.2")
    first, last = (
        framework.levels.order_by("position")[0],
        framework.levels.order_by("-position")[0],
    )
    url = reverse("frameworks:level_statements", args=[framework.pk, competency.pk])
    page = client.get(url).content.decode()
    assert f'name="help_es-{first.pk}"' in page
    form = {}
    for lv in framework.levels.all():
        for key in ("text", "text_es", "help", "help_es"):
            field = page.split(f'name="{key}-{lv.pk}"')[1].split(">", 1)[1].split("</textarea>")[0]
            form[f"{key}-{lv.pk}"] = field
    form[f"text_es-{first.pk}"] = "Puedo encontrar un patrón."
    form[f"help-{first.pk}"] = "Look for patterns on walks."
    form[f"help_es-{first.pk}"] = "Busquen patrones en los paseos."
    assert client.post(url, form).status_code == 302
    statement = competency.level_statements.get(level=first)
    assert Translation.objects.get(kind="level_statement", object_id=statement.pk).text == (
        "Puedo encontrar un patrón."
    )
    support = HomeSupport.objects.get(item=competency, level=first)
    assert support.text == "Look for patterns on walks."
    # A translation with nothing to translate is refused beside its field; nothing saved.
    form[f"help-{last.pk}"] = ""
    form[f"help_es-{last.pk}"] = "Sin original"
    form[f"help-{first.pk}"] = "Changed, but not saved"
    bad = client.post(url, form)
    assert bad.status_code == 400
    html = bad.content.decode()
    assert f'id="help_es-{last.pk}-error"' in html
    assert "a translation needs something to translate" in html
    assert HomeSupport.objects.get(item=competency, level=first).text == (
        "Look for patterns on walks."
    )


def test_history_page(world, client):
    client.force_login(world.user("ana"))
    url = reverse("frameworks:history", args=[world.district_framework.pk])
    first = client.get(url).content.decode()
    total = world.district_framework.history.count()
    pages = -(-total // 100)
    assert f"Page 1 of {pages}" in first or pages == 1
    # Newest first; every change is on some page, the items' creation included.
    bodies = [client.get(url, {"page": n}).content.decode() for n in range(1, pages + 1)]
    assert any("created item" in body for body in bodies)
    assert sum(body.count("<tr>") - 1 for body in bodies) == total
    assert first.count("<tr>") - 1 == min(total, 100)  # a full page, header row aside


def test_import_through_the_api_and_follow_the_job(world, client, committed):
    client.force_login(world.user("district.admin"))
    upload = SimpleUploadedFile(
        "ordering.json", case_fixture("opensalt-Ordering.json").read_bytes()
    )
    with committed():
        response = client.post("/api/v1/frameworks/imports", {"file": upload})
    assert response.status_code == 202
    job = response.json()
    status = client.get(f"/api/v1/frameworks/imports/{job['id']}").json()
    assert status["status"] == "done"
    assert status["report"]["created"]["Item"] == 28
    client.force_login(world.user("rivera"))
    refused = client.post(
        "/api/v1/frameworks/imports", {"file": SimpleUploadedFile("x.json", b"{}")}
    )
    assert refused.status_code == 403
    assert client.get(f"/api/v1/frameworks/imports/{job['id']}").status_code == 404


def test_exemplars_are_added_and_served_to_readers(world, client):
    client.force_login(world.user("district.admin"))
    competency = Item.objects.get(framework=world.district_framework, human_coding_scheme="WRIT.1")
    level = world.district_framework.levels.get(code="L4")
    url = reverse("frameworks:exemplar_add", args=[world.district_framework.pk, competency.pk])
    bad = client.post(
        url,
        {"title": "Essay", "level": level.pk, "file": SimpleUploadedFile("e.pdf", b"not really")},
    )
    assert bad.status_code == 400
    pdf = SimpleUploadedFile("essay.pdf", b"%PDF-1.4 a short argument essay")
    assert (
        client.post(url, {"title": "Argument essay", "level": level.pk, "file": pdf}).status_code
        == 302
    )
    client.force_login(world.user("ben"))
    page = client.get(
        reverse("frameworks:item", args=[world.district_framework.pk, competency.pk])
    ).content.decode()
    assert "Argument essay" in page
    exemplar = competency.exemplars.get()
    download = client.get(reverse("frameworks:exemplar_file", args=[exemplar.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")


def test_progress_is_visible_while_the_import_transaction_is_open(world, client):
    from proficio import progress

    client.force_login(world.user("district.admin"))
    job = ImportJob.objects.create(
        created_by=world.user("district.admin"), filename="big.json", payload=b"{}"
    )
    progress.report("import", job.pk, done=5000, total=20000, stage="items")
    body = client.get(reverse("frameworks:import_progress", args=[job.pk])).content.decode()
    assert 'value="25"' in body
    assert "items" in body


def test_a_competency_can_override_the_framework_scale(world, client):
    from proficio.frameworks import actions

    client.force_login(world.user("district.admin"))
    scale = actions.create_scale(
        title="Three-point",
        levels=[
            {"value": 1, "label": "Beginning"},
            {"value": 2, "label": "Meeting", "meets_mastery": True},
            {"value": 3, "label": "Exceeding", "meets_mastery": True},
        ],
    )
    competency = Item.objects.get(framework=world.district_framework, human_coding_scheme="SEL.1")
    url = reverse("frameworks:item_edit", args=[world.district_framework.pk, competency.pk])
    form = client.get(url).content.decode()
    assert "Proficiency scale" in form
    response = client.post(
        url,
        {
            "full_statement": competency.full_statement,
            "category": competency.category,
            "scale": scale.pk,
        },
    )
    assert response.status_code == 302
    competency.refresh_from_db()
    assert competency.effective_scale() == scale
    target = Item.objects.get(framework=world.district_framework, human_coding_scheme="SEL.1.1")
    from proficio.mastery import engine

    assert engine.scale_for(target) == scale

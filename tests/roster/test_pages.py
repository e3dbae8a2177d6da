"""The upload page runs the import as a background task; the job page shows its report."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proficio.frameworks.models import JobStatus
from proficio.orgs.models import Student
from proficio.policy import SYSTEM
from proficio.roster.models import RosterImport
from tests.roster import files


def test_world_jobs_failed_naming_the_missing_manifest(world):
    job = world.riverbend_roster_job
    assert job.status == JobStatus.FAILED
    assert job.errors == [
        {"file": "manifest.csv", "row": None, "column": None, "message": "The manifest is missing."}
    ]


def test_upload_preview_then_import(world, client, django_capture_on_commit_callbacks):
    admin = world.user("admin")
    client.force_login(admin)
    page = client.get(reverse("roster:import"))
    assert b"Lakeside District" in page.content
    assert b"Riverbend" in page.content

    from proficio.audit.context import acting
    from proficio.orgs import actions as orgs
    from proficio.orgs.models import Organization

    with acting(None, route="test"):
        oak = orgs.create_organization(
            SYSTEM,
            kind="district",
            name="Oak Valley Unified",
            code="oak-valley",
            parent=Organization.objects.get(code="columbia"),
        )
    zipped = files.zipped(files.district("1.2"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("roster:import"),
            {"district": oak.pk, "dry_run": "on", "file": SimpleUploadedFile("ov.zip", zipped)},
        )
    job = RosterImport.objects.get(filename="ov.zip")
    assert response.status_code == 302
    assert response["Location"] == reverse("roster:import_job", args=[job.pk])
    assert job.status == JobStatus.DONE
    assert job.dry_run
    assert job.report["files"]["enrollments.csv"]["created"] == 11
    assert not Student.objects.filter(school__parent=oak).exists()
    page = client.get(reverse("roster:import_job", args=[job.pk])).content.decode()
    assert "This was a preview: nothing was written." in page
    assert "<code>enrollments.csv</code>" in page
    progress = client.get(reverse("roster:import_progress", args=[job.pk]))
    assert progress["HX-Refresh"] == "true"
    assert 'value="100"' in progress.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("roster:import"),
            {"district": oak.pk, "file": SimpleUploadedFile("ov2.zip", zipped)},
        )
    assert RosterImport.objects.get(filename="ov2.zip").status == JobStatus.DONE
    assert Student.objects.filter(school__parent=oak).count() == 5


def test_a_failed_import_lists_problems_by_file_row_and_column(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.user("district.admin"))
    bad = files.replace(files.district("1.1"), "classes.csv", "ALG1-2,scheduled", "ALG1-2,lecture")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("roster:import"),
            {
                "district": world.org("riverbend").pk,
                "file": SimpleUploadedFile("bad.zip", files.zipped(bad)),
            },
        )
    job = RosterImport.objects.get(filename="bad.zip")
    assert job.status == JobStatus.FAILED
    page = client.get(reverse("roster:import_job", args=[job.pk])).content.decode()
    assert "Nothing was imported" in page
    assert '<code>classes.csv</code></td><td class="num">3</td><td><code>classType</code>' in page


def test_api_upload_and_status(world, oak_valley, client, django_capture_on_commit_callbacks):
    client.force_login(world.user("admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:import_roster"),
            {
                "district_id": oak_valley.pk,
                "dry_run": "true",
                "file": SimpleUploadedFile("api.zip", files.zipped(files.district("1.1"))),
            },
        )
    assert response.status_code == 202
    job_id = response.json()["id"]
    status = client.get(reverse("api:roster_import_status", args=[job_id])).json()
    assert status["status"] == "done"
    assert status["dry_run"] is True
    assert status["report"]["files"]["users.csv"]["created"] == 10
    # Another district's job is not found, and says nothing of what it holds.
    client.force_login(world.user("district.admin"))
    other = client.get(reverse("api:roster_import_status", args=[world.lakeside_roster_job.pk]))
    assert other.status_code == 404
    assert b"lakeside" not in other.content.lower()

"""The roster upload page and its job page, whose progress bar polls with HTMX."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from proficio import policy
from proficio.accounts.models import User
from proficio.frameworks.models import JobStatus
from proficio.policy import Subject
from proficio.roster import actions
from proficio.roster.forms import RosterUploadForm
from proficio.roster.models import RosterImport


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    districts = actions.districts_for(request.user)
    if not districts.exists():
        raise PermissionDenied
    form = RosterUploadForm(request.POST or None, request.FILES or None, districts=districts)
    if request.method == "POST" and form.is_valid():
        assert isinstance(request.user, User)
        upload = form.cleaned_data["file"]
        job = actions.start_import(
            request.user,
            form.cleaned_data["district"],
            filename=upload.name,
            payload=upload.read(),
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect("roster:import_job", job_id=job.pk)
    jobs = actions.visible_jobs(request.user).select_related("district", "created_by")[:10]
    return render(
        request,
        "roster/import.html",
        {"form": form, "jobs": jobs},
        status=400 if form.errors else 200,
    )


def _job(request: HttpRequest, job_id: int) -> RosterImport:
    job: RosterImport = policy.access(request.user, Subject.ROSTER_IMPORT, job_id)
    return job.live()


@login_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(
        request, "roster/import_job.html", {"job": _job(request, job_id), "JobStatus": JobStatus}
    )


@login_required
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """Polled by the job page (HTMX) until the import ends."""
    job = _job(request, job_id)
    response = render(request, "roster/_progress.html", {"job": job, "JobStatus": JobStatus})
    if job.status in (JobStatus.DONE, JobStatus.FAILED):
        response["HX-Refresh"] = "true"  # show the full report
    return response

"""JSON API for frameworks: import a CASE package and follow the import's progress."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from proficio import policy
from proficio.accounts.models import User
from proficio.frameworks.forms import MAX_UPLOAD_BYTES
from proficio.frameworks.models import ImportJob
from proficio.frameworks.tasks import run_import
from proficio.frameworks.views import _owner_for
from proficio.policy import Act, Subject

router = Router(tags=["frameworks"])


class ImportJobOut(Schema):
    id: int
    filename: str
    status: str
    done: int
    total: int
    stage: str
    framework_id: int | None
    report: dict[str, object]
    errors: list[dict[str, object]]


@router.post("/frameworks/imports", response={202: ImportJobOut})
def import_case(
    request: HttpRequest, file: File[UploadedFile], draft: bool = False
) -> Status[ImportJob]:
    """Upload a CASE 1.0/1.1 CFPackage; the import runs in the background (poll the job)."""
    policy.require(request.user, Act.CHANGE, Subject.FRAMEWORK)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise HttpError(413, "The file is larger than 50 MB.")
    assert isinstance(request.user, User)
    job = ImportJob.objects.create(
        created_by=request.user,
        owner=_owner_for(request.user),
        filename=(file.name or "package.json")[:255],
        payload=file.read(),
        as_draft=draft,
    )
    run_import.enqueue(job.pk)
    job.refresh_from_db()
    return Status(202, job)


@router.get("/frameworks/imports/{job_id}", response=ImportJobOut)
def import_status(request: HttpRequest, job_id: int) -> ImportJob:
    if not policy.may(request.user, Act.CHANGE, Subject.FRAMEWORK):
        raise Http404("No such import")
    job = ImportJob.objects.filter(pk=job_id, created_by_id=request.user.pk).first()
    if job is None:
        raise Http404("No such import")
    return job

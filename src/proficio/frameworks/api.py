"""JSON API for frameworks: import a CASE package and follow the import's progress."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from proficio import policy
from proficio.frameworks import actions
from proficio.frameworks.forms import MAX_UPLOAD_BYTES
from proficio.frameworks.models import ImportJob
from proficio.policy import Subject

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
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise HttpError(413, "The file is larger than 50 MB.")
    job = actions.start_import(
        request.user, filename=file.name or "", payload=file.read(), as_draft=draft
    )
    job.refresh_from_db()
    return Status(202, job)


@router.get("/frameworks/imports/{job_id}", response=ImportJobOut)
def import_status(request: HttpRequest, job_id: int) -> ImportJob:
    job: ImportJob = policy.access(request.user, Subject.IMPORT_JOB, job_id)
    return job

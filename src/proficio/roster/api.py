"""JSON API for roster imports: upload a OneRoster zip, then follow the job."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from proficio import policy
from proficio.accounts.models import User
from proficio.policy import Act, Subject
from proficio.roster import actions
from proficio.roster.models import RosterImport

router = Router(tags=["roster"])


class RosterImportOut(Schema):
    id: int
    district_id: int
    filename: str
    dry_run: bool
    status: str
    done: int
    total: int
    stage: str
    report: dict[str, object]
    errors: list[dict[str, object]]


@router.post("/roster/imports", response={202: RosterImportOut})
def import_roster(
    request: HttpRequest,
    file: File[UploadedFile],
    district_id: Form[int],
    dry_run: Form[bool] = False,
) -> Status[RosterImport]:
    """Upload a OneRoster 1.1/1.2 CSV zip for a district; it imports in the background.

    Poll ``GET /roster/imports/{id}``: a failed import lists its problems by file, row and
    column; a dry run reports the counts and writes nothing."""
    district = policy.access(request.user, Subject.ORGANIZATION, district_id, act=Act.CHANGE)
    if district.kind != "district":
        raise HttpError(400, "Import a roster into a district.")
    if file.size is not None and file.size > actions.MAX_UPLOAD_BYTES:
        raise HttpError(413, "The file is larger than 200 MB.")
    assert isinstance(request.user, User)
    job = actions.start_import(
        request.user,
        district,
        filename=file.name or "oneroster.zip",
        payload=file.read(),
        dry_run=dry_run,
    )
    job.refresh_from_db()
    return Status(202, job)


@router.get("/roster/imports/{job_id}", response=RosterImportOut)
def roster_import_status(request: HttpRequest, job_id: int) -> RosterImport:
    job: RosterImport = policy.access(request.user, Subject.ROSTER_IMPORT, job_id)
    return job.live()

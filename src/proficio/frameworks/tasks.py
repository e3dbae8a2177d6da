"""Background work for frameworks: CASE imports run as tasks and report their progress."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from proficio import progress as live
from proficio.audit.context import acting
from proficio.core.standards import case
from proficio.frameworks import case_io
from proficio.frameworks.models import ImportJob, JobStatus, PublicationStatus


@task()
def run_import(job_id: int) -> None:
    job = ImportJob.objects.select_related("created_by", "owner").get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, stage="reading")

    def progress(done: int, total: int, stage: str) -> None:
        # The import's transaction hides its own rows until it commits: report outside it.
        live.report("import", job_id, done=done, total=total, stage=stage)

    with acting(job.created_by, route=f"task: import {job.filename}", purpose="CASE import"):
        try:
            package = case.parse_package(case.load_json(bytes(job.payload), source=job.filename))
            report = case_io.import_package(
                package,
                owner=job.owner,
                status=PublicationStatus.DRAFT if job.as_draft else PublicationStatus.PUBLISHED,
                progress=progress,
            )
        except case.CASEError as exc:
            ImportJob.objects.filter(pk=job_id).update(
                status=JobStatus.FAILED,
                stage="",
                errors=[
                    {"path": i.path, "message": i.message, "identifier": i.identifier}
                    for i in exc.issues
                ],
            )
            return
        except Exception as exc:  # a job page must never poll forever
            ImportJob.objects.filter(pk=job_id).update(
                status=JobStatus.FAILED,
                stage="",
                errors=[{"path": "$", "message": f"The import stopped unexpectedly: {exc}"}],
            )
            raise
    with transaction.atomic():
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.DONE,
            stage="",
            framework_id=report.framework_id,
            report=report.as_dict(),
        )

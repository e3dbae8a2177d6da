"""Background work for frameworks: CASE imports run as tasks and report their progress."""

from __future__ import annotations

from django_tasks import task

from proficio.audit.context import acting
from proficio.frameworks.models import ImportJob


@task()
def run_import(job_id: int) -> None:
    from proficio.frameworks.actions import run_import_job

    job = ImportJob.objects.select_related("created_by", "owner").get(pk=job_id)
    with acting(job.created_by, route=f"task: import {job.filename}", purpose="CASE import"):
        run_import_job(job)

"""Background work for rosters: a OneRoster upload is imported by the task worker."""

from __future__ import annotations

from django_tasks import task

from proficio.audit.context import acting
from proficio.roster import actions
from proficio.roster.models import RosterImport


@task()
def run_roster_import(job_id: int) -> None:
    job = RosterImport.objects.select_related("created_by").get(pk=job_id)
    with acting(
        job.created_by, route=f"task: roster import {job.filename}", purpose="OneRoster import"
    ):
        actions.run_job(job_id)

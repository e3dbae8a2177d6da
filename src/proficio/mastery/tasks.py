from __future__ import annotations

from django_tasks import task

from proficio.audit.context import acting
from proficio.mastery.models import ReplayJob


@task()
def replay(job_id: int) -> None:
    from proficio.mastery.actions import run_replay

    job = ReplayJob.objects.select_related(
        "policy_version__policy", "policy_version__created_by"
    ).get(pk=job_id)
    with acting(
        job.policy_version.created_by,
        route=f"task: replay {job.policy_version}",
        purpose="policy replay",
    ):
        run_replay(job)

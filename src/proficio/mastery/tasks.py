from __future__ import annotations

from django_tasks import task

from proficio.audit.context import acting
from proficio.mastery.models import ReplayJob
from proficio.policy import SYSTEM


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


@task()
def fit_bkt(
    policy_id: int,
    user_id: int | None,
    space: str = "identifiable",
    variants: list[str] | None = None,
) -> None:
    from proficio.accounts.models import User
    from proficio.mastery.actions import fit_bkt_version
    from proficio.mastery.models import MasteryPolicy

    policy = MasteryPolicy.objects.select_related("item").get(pk=policy_id)
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    assert policy.item is not None
    with acting(user, route=f"task: fit BKT for {policy}", purpose="BKT fit"):
        fit_bkt_version(
            user if user is not None else SYSTEM,
            policy,
            policy.item,
            space=space,
            variants=variants or [],
        )

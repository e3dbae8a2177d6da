"""The periodic pull: a task that pulls, then schedules itself again.

After a pull that reached the LRS, the next runs ``PROFICIO_LRS_PULL_SECONDS`` later;
after one that did not, a minute later (or sooner if the interval is shorter).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

from proficio.audit.context import acting
from proficio.lrs import actions
from proficio.lrs.models import PullStatus
from proficio.policy import SYSTEM


@task()
def pull_lrs(repeat: bool = True) -> str:
    with acting(None, route="task: lrs pull", purpose="learning-tool evidence"):
        pull = actions.pull_statements(SYSTEM)
    if repeat and default_task_backend.supports_defer:
        wait = settings.PROFICIO_LRS_PULL_SECONDS
        if pull.status == PullStatus.LRS_DOWN:
            wait = min(60, wait)
        pull_lrs.using(run_after=timezone.now() + dt.timedelta(seconds=wait)).enqueue()
    return str(pull.status)


def ensure_scheduled() -> bool:
    """Enqueue the periodic pull unless one is already waiting (``proficio run`` calls this
    at every start, so restarts do not multiply the schedule). Returns whether it did."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path="proficio.lrs.tasks.pull_lrs", status__in=["READY", "RUNNING"]
    )
    if waiting.exists():
        return False
    pull_lrs.enqueue()
    return True

"""Background work: each immediate email, and the daily digest (which schedules itself)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

from proficio.audit.context import acting
from proficio.notifications import actions
from proficio.policy import SYSTEM

DIGEST_TASK = "proficio.notifications.tasks.send_daily_digest"


@task()
def send_notification_email(notification_id: int) -> bool:
    with acting(None, route="task: notification email", purpose="notification email"):
        return actions.email_notification(SYSTEM, notification_id)


def next_digest_at(now: dt.datetime | None = None) -> dt.datetime:
    """The next ``PROFICIO_DIGEST_HOUR`` o'clock, local time, after ``now``."""
    local = timezone.localtime(now or timezone.now())
    at = local.replace(hour=settings.PROFICIO_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return at if at > local else at + dt.timedelta(days=1)


@task()
def send_daily_digest(repeat: bool = True) -> dict[str, int]:
    with acting(None, route="task: notification digest", purpose="notification email"):
        totals = actions.send_digests(SYSTEM)
    if repeat and default_task_backend.supports_defer:
        send_daily_digest.using(run_after=next_digest_at()).enqueue()
    return totals


def ensure_scheduled() -> bool:
    """Schedule the daily digest unless one is already waiting (``proficio run`` and
    ``proficio notifications schedule`` call this; restarts do not multiply it)."""
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=DIGEST_TASK, status__in=["READY", "RUNNING"]).exists():
        return False
    send_daily_digest.using(run_after=next_digest_at()).enqueue()
    return True

"""Background work: the stored releases of the leader views."""

from __future__ import annotations

from django_tasks import task

from proficio.audit.context import acting


@task()
def refresh_leader_views(stale_only: bool = False) -> int:
    """Recompute the leader views' stored releases (every one daily; only the stale
    ones after an award)."""
    from proficio.educators.actions import refresh_leader_releases
    from proficio.policy import SYSTEM

    with acting(None, route="task: leader views", purpose="leader views release"):
        return refresh_leader_releases(SYSTEM, stale_only=stale_only)

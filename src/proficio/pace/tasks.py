from __future__ import annotations

import datetime as dt

from django_tasks import task

from proficio.audit.context import acting


@task()
def daily_pace(stalled_weeks: int = 6, today: str | None = None) -> dict[str, int]:
    """The daily check: every district's pace, aggregates and support flags."""
    from proficio.notifications.actions import daily_notices
    from proficio.orgs.models import Organization, OrganizationKind
    from proficio.pace.actions import refresh_pace
    from proficio.policy import SYSTEM

    day = dt.date.fromisoformat(today) if today else None
    totals = {"students": 0, "flags": 0, "check_ins": 0, "family_reports": 0}
    with acting(None, route="task: daily pace", purpose="daily pace check"):
        for district in Organization.objects.filter(kind=OrganizationKind.DISTRICT):
            result = refresh_pace(district, today=day, stalled_weeks=stalled_weeks)
            # Then what the day brings people: check-ins due, family reports with news.
            result |= daily_notices(SYSTEM, district, today=day)
            for key in totals:
                totals[key] += result[key]
        # The leader views of professional learning: audited once a day and stored.
        from proficio.educators.actions import refresh_leader_releases

        totals["leader_views"] = refresh_leader_releases(SYSTEM)
    return totals

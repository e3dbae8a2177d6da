"""Pace targets and a few support plans for the demo district (called by the generator)."""

from __future__ import annotations

import datetime as dt
import math

from proficio.accounts.models import User
from proficio.frameworks.models import Category, Framework, Item, ItemKind
from proficio.orgs.models import Organization, Student, active_on
from proficio.pace import actions
from proficio.pace.models import EducatorProfile, SupportFlag, TargetKind
from proficio.policy import SYSTEM

GRADES = ["K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]


def usual_level(grade: int, years_in: float) -> int:
    """The continuum level usual for a grade, as the demo history places students."""
    return max(1, min(8, math.floor(1 + (grade + years_in) * 7 / 12)))


def seed_pace(district: Organization, *, today: dt.date, plans: bool = True) -> int:
    """Term targets for every grade (middle and end of the year), graduation at level 8,
    then the first daily check and, when asked, support plans for a few flagged students."""
    from proficio.demo.generate import school_year_for

    framework = Framework.objects.filter(
        owner=district, title__startswith="Riverbend Unified"
    ).first()
    if framework is None or not framework.levels.exists():
        return 0
    _, end = school_year_for(today)
    middle = dt.date(end.year, 1, 20)
    top = framework.levels.order_by("-position").values_list("code", flat=True).first()
    codes = dict(framework.levels.values_list("position", "code"))
    # Academic competencies only: habits of success are reported separately, not paced.
    academic = Item.objects.filter(
        framework=framework, kind=ItemKind.COMPETENCY, category=Category.ACADEMIC
    )
    for competency in academic:
        for g, grade in enumerate(GRADES):
            for day, years_in in ((middle, 0.5), (end, 1.0)):
                actions.create_pace_target(
                    SYSTEM,
                    district=district,
                    framework=framework,
                    competency=competency,
                    grade_level=grade,
                    kind=TargetKind.TERM,
                    level_code=codes[usual_level(g, years_in)],
                    due_on=day,
                )
            actions.create_pace_target(
                SYSTEM,
                district=district,
                framework=framework,
                competency=competency,
                grade_level=grade,
                kind=TargetKind.GRADUATION,
                level_code=str(top),
                due_on=dt.date(end.year + 12 - g, 6, 15),
            )
    _educator_profiles(district)
    if plans:
        # A history for the dashboards' trends: the daily check as it ran on the 15th of
        # each earlier month of the school year (each sees only the evidence known then).
        for day in history_days(today):
            actions.refresh_pace(district, today=day)
    result = actions.refresh_pace(district, today=today)
    if plans:
        _plans(district, today)
    return result["students"]


def history_days(today: dt.date) -> list[dt.date]:
    """The earlier days the demo's daily check ran: the 15th of each month of the school
    year before ``today``, from the first full month (at most the last four)."""
    from proficio.demo.generate import school_year_for

    start, _ = school_year_for(today)
    days = []
    month = dt.date(start.year, start.month, 15) + dt.timedelta(days=31)
    while month < today:
        days.append(month.replace(day=15))
        month = month.replace(day=15) + dt.timedelta(days=31)
    return days[-4:]


def _educator_profiles(district: Organization) -> None:
    """Years of experience and credentials for every teacher (for the bias checks)."""
    teachers = (
        User.objects.filter(section_assignments__section__school__path__startswith=district.path)
        .distinct()
        .order_by("pk")
    )
    EducatorProfile.objects.bulk_create(
        [
            EducatorProfile(
                user=t,
                years_experience=(t.pk * 7) % 25,
                fully_credentialed=(t.pk % 9) != 0,
            )
            for t in teachers
        ],
        ignore_conflicts=True,
    )


def _plans(district: Organization, today: dt.date) -> None:
    """Support plans for Ben (owned by his teacher) and two other flagged students."""
    flagged = list(
        SupportFlag.objects.filter(
            student__school__path__startswith=district.path, resolved_on__isnull=True
        )
        .order_by("student_id")
        .values_list("student_id", flat=True)
        .distinct()[:3]
    )
    ben = Student.objects.filter(user__username="ben").first()
    chosen = ([ben.pk] if ben else []) + [s for s in flagged if not ben or s != ben.pk][:2]
    for k, student in enumerate(Student.objects.filter(pk__in=chosen).select_related("school")):
        owner = (
            User.objects.filter(
                section_assignments__section__enrollments__student=student,
            )
            .filter(active_on(today, "section_assignments__"))
            .order_by("pk")
            .first()
        )
        if owner is None:
            continue
        actions.create_support_plan(
            SYSTEM,
            student=student,
            reason="Behind pace",
            intervention="Small-group reteaching twice a week, then a reassessment",
            owner=owner,
            start_on=today - dt.timedelta(days=21 + 7 * k),
            check_in_on=today + dt.timedelta(days=2 + k),
        )

"""Graduation in the demo district (called by the generator, with the evidence history):
the State of Columbia's minimum and Riverbend's additions, two district versions (this
year's ninth and tenth graders are held to the newer one), every high-school student's
entry recorded, capstones judged for most seniors, an outside credential accepted for
one, the counselor given the first seniors, and diplomas for the first seniors who meet
everything."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from proficio.accounts.models import User
from proficio.frameworks.models import Category, Framework, Item, ItemKind
from proficio.graduation import actions
from proficio.orgs import actions as orgs
from proficio.orgs.models import Organization, Student
from proficio.policy import SYSTEM

SENIORS_FOR_COUNSELOR = 6
DIPLOMAS = 2


def _codes(framework: Framework, prefix: str, category: str) -> list[str]:
    return [
        code
        for code in Item.objects.filter(
            framework=framework,
            kind=ItemKind.COMPETENCY,
            category=category,
            human_coding_scheme__startswith=prefix,
            archived_at__isnull=True,
        )
        .order_by("human_coding_scheme")
        .values_list("human_coding_scheme", flat=True)
        if code
    ]


def seed_graduation(district: Organization, *, today: dt.date) -> int:
    """Returns the number of students whose entry to high school is recorded."""
    from proficio.demo.generate import school_year_for

    framework = Framework.objects.filter(
        owner=district, title__startswith="Riverbend Unified"
    ).first()
    high = Organization.objects.filter(code="riverbend-hs").first()
    if framework is None or high is None or district.parent is None:
        return 0
    codes = dict(framework.levels.values_list("position", "code"))
    math = _codes(framework, "MATH.", Category.ACADEMIC)
    writing = _codes(framework, "WRIT.", Category.ACADEMIC)
    habits = _codes(framework, "HAB.", Category.HABITS) or _codes(framework, "", Category.HABITS)
    if not math or not codes:
        return 0
    top = max(codes)
    start, _ = school_year_for(today)
    capstone = {
        "key": "capstone",
        "title": "Senior defense of learning",
        "kind": "rubric",
        "minimum_score": 3,
        "accepts_alternative": True,
    }
    actions.define_requirement_set(
        SYSTEM,
        district.parent,
        title="Columbia minimum graduation requirements",
        first_cohort=start.year - 6,
        in_force_from=dt.date(start.year - 10, 7, 1),
        requirements=[
            {
                "key": "mathematics",
                "title": f"Mathematics: {max(1, len(math) - 1)} of {len(math)} "
                f"competencies at level {codes[top - 2]}",
                "kind": "n_of_m",
                "competencies": math,
                "level": codes[top - 2],
                "count": max(1, len(math) - 1),
            }
        ],
    )
    district_v1 = [
        {
            "key": "writing",
            "title": f"Writing: two competencies at level {codes[top - 2]}",
            "kind": "n_of_m",
            "competencies": writing,
            "level": codes[top - 2],
            "count": min(2, len(writing)),
        },
        capstone,
    ]
    actions.define_requirement_set(
        SYSTEM,
        district,
        title="Riverbend graduation requirements",
        first_cohort=start.year - 6,
        in_force_from=dt.date(start.year - 10, 7, 1),
        requirements=district_v1,
    )
    district_v2 = list(district_v1)
    if habits:
        district_v2.append(
            {
                "key": "habits",
                "title": f"Habits of success at level {codes[top - 3]}",
                "kind": "habits",
                "competencies": habits,
                "level": codes[top - 3],
                "count": min(2, len(habits)),
            }
        )
    actions.define_requirement_set(
        SYSTEM,
        district,
        title="Riverbend graduation requirements",
        first_cohort=start.year + 3,
        in_force_from=dt.date(start.year - 1, 7, 1),
        requirements=district_v2,
    )
    students = list(
        Student.objects.filter(school=high, grade_level__in=["9", "10", "11", "12"]).order_by("pk")
    )
    seniors = []
    for s in students:
        years_in = int(s.grade_level) - 9
        entered = dt.date(start.year - years_in, 8, 20)
        actions.enter_high_school(SYSTEM, s, entered_on=entered, cohort=start.year + 4 - years_in)
        if s.grade_level == "12":
            seniors.append(s)
    counselor = User.objects.filter(username="counselor").first()
    judged = today - dt.timedelta(days=30)
    for k, senior in enumerate(seniors):
        if counselor is not None and k < SENIORS_FOR_COUNSELOR:
            orgs.assign_caseload(SYSTEM, advisor=counselor, student=senior, start_date=start)
        path = actions.path_to_graduation(SYSTEM, senior, purpose="demo district")
        row = next(r for r in path.rows if r.requirement.kind == "rubric")
        if k % 7 == 3:
            actions.accept_alternative(
                SYSTEM,
                senior,
                row.requirement,
                name="Columbia Seal of Biliteracy",
                reference="State seal awarded at the end of junior year",
            )
        elif k % 5 != 4:
            score = 2.5 if k % 6 == 5 else 3.0 + (k % 3) * 0.5
            actions.record_rubric_result(
                SYSTEM, senior, row.requirement, score=score, judged_on=judged
            )
    awarded = 0
    for senior in seniors[SENIORS_FOR_COUNSELOR:]:
        if awarded >= DIPLOMAS:
            break
        try:
            actions.award_diploma(SYSTEM, senior)
        except ValidationError:
            continue
        awarded += 1
    # The day's release is published again, now with the graduating classes in it (the
    # first daily check ran before any student had a graduation record).
    from proficio.insights.actions import publish_release

    publish_release(SYSTEM, district, day=today)
    return len(students)

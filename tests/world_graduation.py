"""Graduation in the test world: a state requirement set (Columbia) with one capstone,
a Riverbend and a Lakeside district set, and diplomas awarded (through the real actions,
as the system) to Ben (Maple), a Cedar Elementary student (another school of Riverbend)
and Lia (Lakeside, another district). Ana is held to the requirements but has no diploma,
so her wallet stays as the credential tests expect."""

from __future__ import annotations

import datetime as dt

from proficio.audit.context import acting

DIPLOMAS = {"ben_diploma": "ben", "cedar_diploma": "cedar-es", "lake_diploma": "lake.kid"}
SETS = {
    "state_requirements": "columbia",
    "riverbend_requirements": "riverbend",
    "lakeside_requirements": "lakeside",
}
ENTERED = dt.date(2023, 8, 20)


def _student(key: str):
    from proficio.orgs.models import Student

    if key == "cedar-es":
        return Student.objects.filter(school__code="cedar-es").order_by("pk").first()
    return Student.objects.get(user__username=key)


def capstone(key: str = "capstone") -> dict:
    return {
        "key": key,
        "title": "Defense of learning",
        "kind": "rubric",
        "minimum_score": 3,
        "accepts_alternative": True,
    }


def build() -> None:
    from proficio import policy
    from proficio.graduation import actions
    from proficio.orgs.models import Organization

    with acting(None, route="tests: world graduation"):
        for name, code in SETS.items():
            actions.define_requirement_set(
                policy.SYSTEM,
                Organization.objects.get(code=code),
                title=f"{name.split('_')[0].title()} graduation requirements",
                first_cohort=2027,
                in_force_from=dt.date(2020, 1, 1),
                requirements=[capstone(f"{code}-capstone")],
            )
        for key in ("ana", *DIPLOMAS.values()):
            actions.enter_high_school(policy.SYSTEM, _student(key), entered_on=ENTERED)
        for key in DIPLOMAS.values():
            student = _student(key)
            path = actions.path_to_graduation(policy.SYSTEM, student)
            for row in path.rows:
                actions.record_rubric_result(
                    policy.SYSTEM, student, row.requirement, score=3.5, judged_on=ENTERED
                )
            actions.award_diploma(policy.SYSTEM, student)


def lookup(name: str):
    if name in DIPLOMAS:
        from proficio.graduation.models import Diploma

        return Diploma.objects.get(student=_student(DIPLOMAS[name]), rescinded_at__isnull=True)
    if name in SETS:
        from proficio.graduation.models import RequirementSet

        return RequirementSet.objects.filter(owner__code=SETS[name]).order_by("version").first()
    return None

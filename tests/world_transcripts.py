"""Transcripts in the test world: a share link of Ana's (made by Ana), of a Cedar
Elementary student (another school of Riverbend) and of Lia (Lakeside, another district),
and a graduating-class issue of each district (recorded, not run)."""

from __future__ import annotations

from proficio.audit.context import acting

LINKS = {"ana_share": "ana", "cedar_share": "cedar-es", "lake_share": "lake.kid"}
# name -> (district code, the grade the record names: at most 10 characters)
CLASSES = {"riverbend_class": ("riverbend", "W-RIVER"), "lakeside_class": ("lakeside", "W-LAKE")}


def _student(key: str):
    from proficio.orgs.models import Student

    if key == "cedar-es":
        return Student.objects.filter(school__code="cedar-es").order_by("pk").first()
    return Student.objects.get(user__username=key)


def build() -> None:
    from proficio import policy
    from proficio.orgs.models import Organization
    from proficio.transcripts import actions
    from proficio.transcripts.models import ClassIssue

    with acting(None, route="tests: world transcripts"):
        for name, key in LINKS.items():
            student = _student(key)
            # Made by the student's own account when it has one (the system otherwise).
            actions.create_share_link(
                student.user or policy.SYSTEM,
                student,
                recipient=f"World college {name}",
                days=30,
            )
        for code, grade in CLASSES.values():
            # The record of a run, without running it (the world stays free of credentials).
            ClassIssue.objects.create(
                district=Organization.objects.get(code=code), grade_level=grade, students=0
            )


def lookup(name: str):
    from proficio.transcripts.models import ClassIssue, ShareLink

    if name in LINKS:
        return ShareLink.objects.get(recipient=f"World college {name}")
    if name in CLASSES:
        return ClassIssue.objects.get(grade_level=CLASSES[name][1])
    return None

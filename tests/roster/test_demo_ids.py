"""The demo district carries the sourcedIds a SIS export of it would, so a OneRoster file
set about it updates its records in place."""

from __future__ import annotations

from proficio.orgs.models import Enrollment, Student
from proficio.policy import SYSTEM
from proficio.roster.actions import import_oneroster
from tests.roster import files


def test_a_delta_about_the_demo_district_updates_ana(world):
    ana = world.ana
    assert ana.sourced_id == "riverbend-ana"
    assert ana.user.sourced_id == "riverbend-ana"
    section = world.rivera_section
    enrollment = Enrollment.objects.get(student=ana, section=section)
    assert enrollment.sourced_id == f"riverbend-ana@{section.sourced_id}"
    header = files.USERS_11.splitlines()[0]
    row = (
        f"riverbend-ana,active,2026-01-05T00:00:00Z,true,maple-ms,student,ana,,Ana,García,,"
        f"{ana.local_id},,,,,07,"
    )
    enrollments = (
        files.ENROLLMENTS.splitlines()[0]
        + f"\n{enrollment.sourced_id},tobedeleted,2026-01-05T00:00:00Z,{section.sourced_id},"
        "maple-ms,riverbend-ana,student,false,,\n"
    )
    report = import_oneroster(
        SYSTEM,
        world.org("riverbend"),
        files.delta("1.1", {"users": header + "\n" + row + "\n", "enrollments": enrollments}),
    )
    assert report.files["users.csv"].created == 0
    assert Student.objects.filter(legal_given_name="Ana", legal_family_name="García").count() == 1
    enrollment.refresh_from_db()
    assert enrollment.end_date is not None  # ended, not deleted
    assert report.files["enrollments.csv"].ended == 1

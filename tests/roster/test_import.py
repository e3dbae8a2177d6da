"""OneRoster import into a district: what lands where, idempotence, deltas, dry runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from proficio.accounts.models import User
from proficio.accounts.roles import Role
from proficio.audit.models import AuditEntry
from proficio.orgs.models import (
    AcademicYear,
    Course,
    Enrollment,
    GuardianLink,
    Organization,
    RoleMembership,
    Section,
    SectionStaff,
    Student,
    Term,
)
from proficio.policy import SYSTEM
from proficio.roster.actions import import_oneroster
from tests.roster import files


def _import(district, data, actor=SYSTEM, **kw):
    return import_oneroster(actor, district, data, **kw)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_district_moves_in(oak_valley, version):
    report = _import(oak_valley, files.district(version))
    schools = Organization.objects.filter(parent=oak_valley).order_by("sourced_id")
    assert [(s.sourced_id, s.name, s.kind) for s in schools] == [
        ("org-ovh", "Oak Valley High School, Main Campus", "school"),
        ("org-ovm", "Oak Valley Middle School", "school"),
    ]
    assert schools[0].code == "OVHS"
    oak_valley.refresh_from_db()
    assert oak_valley.sourced_id == "org-ov"
    year = AcademicYear.objects.get(district=oak_valley)
    assert (year.name, year.start_date, year.sourced_id) == (
        "2025-2026",
        dt.date(2025, 8, 15),
        "as-2026",
    )
    assert sorted(Term.objects.filter(year=year).values_list("sourced_id", flat=True)) == [
        "as-2026",  # the whole-year term of Biology, whose term is the school year
        "as-fall",
        "as-spring",
    ]
    assert Course.objects.get(district=oak_valley, sourced_id="c-alg").code == "ALG1"
    alg2 = Section.objects.get(sourced_id="cl-alg-2")
    assert (alg2.name, alg2.term.sourced_id, alg2.school.sourced_id) == (
        "Algebra I, Period 2",
        "as-fall",
        "org-ovh",
    )
    sofia = Student.objects.get(sourced_id="u-s1")
    assert (sofia.legal_given_name, sofia.legal_family_name, sofia.local_id) == (
        "Sofía",
        "Álvarez",
        "S1001",
    )
    assert sofia.grade_level == "09"
    assert sofia.birth_date == dt.date(2010, 4, 2)
    assert sofia.user.username == "s.alvarez"
    assert sofia.user.roster_district == oak_valley
    assert not sofia.user.has_usable_password()
    assert sofia.demographics.hispanic_latino is True
    assert sofia.demographics.races == ["white"]
    assert sofia.demographics.gender == "female"
    if version == "1.2":
        assert sofia.preferred_name == "Sofi"
    assert Student.objects.get(sourced_id="u-s3").demographics.federal_race_ethnicity == (
        "two_or_more"
    )
    assert User.objects.get(sourced_id="u-s5").is_active is False
    # Teachers teach their classes; the principal leads the high school.
    assert set(
        SectionStaff.objects.filter(user__username="okafor").values_list(
            "section__sourced_id", flat=True
        )
    ) == {"cl-alg-1", "cl-bio-1"}
    memberships = {
        (m.user.username, m.role, m.organization.sourced_id)
        for m in RoleMembership.objects.filter(organization__parent=oak_valley)
    }
    assert ("okafor", Role.TEACHER, "org-ovh") in memberships
    assert ("lindqvist", Role.TEACHER, "org-ovm") in memberships
    assert ("osei", Role.SCHOOL_LEADER, "org-ovh") in memberships
    enrolled = Enrollment.objects.filter(section__school__parent=oak_valley)
    assert enrolled.count() == 7
    assert enrolled.get(sourced_id="e-3").start_date == dt.date(2025, 8, 20)
    assert enrolled.get(sourced_id="e-2").start_date == dt.date(2025, 8, 15)  # the term's
    assert enrolled.get(sourced_id="e-8").end_date == dt.date(2026, 1, 31)
    assert set(
        GuardianLink.objects.filter(student__school__parent=oak_valley).values_list(
            "guardian__username", "student__sourced_id"
        )
    ) == {("p.alvarez", "u-s1"), ("g.cohen", "u-s3")}
    counts = report.as_dict()["files"]
    assert counts["enrollments.csv"]["created"] == 11  # 7 students + 4 teachers
    assert counts["enrollments.csv"]["skipped"] == 1  # the class administrator
    assert counts["orgs.csv"] == {
        "created": 2,
        "updated": 1,
        "unchanged": 0,
        "ended": 0,
        "skipped": 1,
    }
    assert AuditEntry.objects.filter(
        object_type="orgs.enrollment", org_path=oak_valley.path
    ).exists()


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_importing_twice_changes_nothing(oak_valley, version):
    _import(oak_valley, files.district(version))
    before = list(Enrollment.objects.order_by("pk").values_list("pk", "start_date", "end_date"))
    report = _import(oak_valley, files.district(version))
    for name, counts in report.as_dict()["files"].items():
        assert counts["created"] == 0, name
        assert counts["updated"] == 0, name
        assert counts["ended"] == 0, name
    assert (
        list(Enrollment.objects.order_by("pk").values_list("pk", "start_date", "end_date"))
        == before
    )
    assert Student.objects.filter(school__parent=oak_valley).count() == 5


def test_dry_run_counts_and_writes_nothing(oak_valley):
    report = _import(oak_valley, files.district("1.2"), dry_run=True)
    assert report.dry_run
    assert report.as_dict()["files"]["users.csv"]["created"] == 10
    assert report.as_dict()["files"]["classes.csv"]["created"] == 4
    assert not Organization.objects.filter(parent=oak_valley).exists()
    assert not User.objects.filter(roster_district=oak_valley).exists()
    oak_valley.refresh_from_db()
    assert oak_valley.sourced_id == ""


def test_delta_ends_enrollments_and_keeps_history(oak_valley):
    _import(oak_valley, files.district("1.1"))
    change = files.delta(
        "1.1",
        {
            "enrollments": (
                "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n"
                "e-2,tobedeleted,2025-10-01T08:00:00Z,cl-alg-1,org-ovh,u-s1,student,false,,\n"
                "e-13,active,2025-10-01T08:00:00Z,cl-alg-2,org-ovh,u-s2,student,false,2025-10-01,\n"
            )
        },
    )
    report = _import(oak_valley, change)
    ended = Enrollment.objects.get(sourced_id="e-2")
    assert ended.end_date == dt.date(2025, 10, 1)  # ended, not deleted
    assert Enrollment.objects.get(sourced_id="e-13").start_date == dt.date(2025, 10, 1)
    # A delta leaves everything it does not name alone.
    assert Enrollment.objects.get(sourced_id="e-3").end_date is None
    assert report.as_dict()["files"]["enrollments.csv"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "ended": 1,
        "skipped": 0,
    }


def test_delta_user_tobedeleted_deactivates_and_ends(oak_valley):
    _import(oak_valley, files.district("1.1"))
    header = files.USERS_11.splitlines()[0]
    change = files.delta(
        "1.1",
        {
            "users": header
            + "\nu-t1,tobedeleted,2025-11-03T00:00:00Z,true,org-ovh,teacher,okafor,,"
            + "Grace,Okafor,,T001,,,,,,\n"
        },
    )
    _import(oak_valley, change)
    okafor = User.objects.get(username="okafor")
    assert okafor.is_active is False
    assert set(SectionStaff.objects.filter(user=okafor).values_list("end_date", flat=True)) == {
        dt.date(2025, 11, 3)
    }
    assert RoleMembership.objects.get(user=okafor).end_date == dt.date(2025, 11, 3)


def test_bulk_file_ends_enrollments_it_no_longer_lists(oak_valley):
    _import(oak_valley, files.district("1.1"))
    data = files.replace(
        files.district("1.1"),
        "enrollments.csv",
        "e-7,,,cl-bio-1,org-ovh,u-s1,student,false,,\n",
        "",
    )
    report = _import(oak_valley, data)
    assert Enrollment.objects.get(sourced_id="e-7").end_date is not None
    assert report.as_dict()["files"]["enrollments.csv"]["ended"] == 1


def test_district_admin_imports_only_into_their_district(world, oak_valley):
    with pytest.raises(PermissionDenied):
        _import(oak_valley, files.district("1.1"), actor=world.user("district.admin"))
    lake_admin = world.user("lake.admin")
    with pytest.raises(PermissionDenied):
        _import(world.org("riverbend"), files.district("1.1"), actor=lake_admin)
    _import(world.org("lakeside"), files.district("1.1"), actor=lake_admin, dry_run=True)


@pytest.mark.parametrize("quirk", ["crlf", "bom"])
def test_sis_quirks(oak_valley, quirk):
    _import(oak_valley, files.district("1.1", **{quirk: True}))
    assert Student.objects.filter(school__parent=oak_valley).count() == 5
    assert Section.objects.get(sourced_id="cl-alg-1").name == "Algebra I, Period 1"


def test_extra_and_empty_columns_and_mixed_manifest(oak_valley):
    data = files.district("1.1")
    data = files.replace(data, "courses.csv", "subjectCodes\n", "subjectCodes,sisCourseColor\n")
    data = files.replace(data, "courses.csv", "Mathematics,\n", "Mathematics,,blue\n")
    # 1.2's roles.csv under a 1.1 manifest, as exporters in transition write.
    data["roles.csv"] = files.ROLES_12.encode()
    data = files.replace(
        data, "manifest.csv", "file.users,bulk", "file.users,bulk\nfile.roles,bulk"
    )
    report = _import(oak_valley, data)
    assert any("sisCourseColor" in w for w in report.warnings)
    assert any("roles.csv" in w and "1.2" in w for w in report.warnings)
    assert RoleMembership.objects.get(sourced_id="r-p1").start_date == dt.date(2025, 7, 1)

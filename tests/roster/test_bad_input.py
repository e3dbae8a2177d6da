"""Bad OneRoster input: every problem named by file, row and column; nothing written."""

from __future__ import annotations

import pytest

from proficio.accounts.models import User
from proficio.core.standards.oneroster import OneRosterError
from proficio.orgs.models import Organization
from proficio.policy import SYSTEM
from proficio.roster.actions import import_oneroster
from tests.roster import files


def _problems(district, data):
    with pytest.raises(OneRosterError) as caught:
        import_oneroster(SYSTEM, district, data)
    # Nothing half-imported: no school, no account of the district.
    assert not Organization.objects.filter(parent=district).exists()
    assert not User.objects.filter(roster_district=district).exists()
    return [(i.file, i.row, i.column) for i in caught.value.issues], [
        str(i) for i in caught.value.issues
    ]


def test_missing_manifest(oak_valley):
    data = files.district("1.1")
    del data["manifest.csv"]
    where, text = _problems(oak_valley, data)
    assert where == [("manifest.csv", None, None)]
    assert text == ["manifest.csv: The manifest is missing."]


def test_missing_file_the_manifest_requires(oak_valley):
    data = files.district("1.2")
    del data["roles.csv"]
    where, text = _problems(oak_valley, data)
    assert where == [("roles.csv", None, None)]
    assert "lists it as bulk" in text[0]


def test_sourced_id_used_twice(oak_valley):
    data = files.replace(files.district("1.1"), "courses.csv", "c-bio,", "c-alg,")
    where, text = _problems(oak_valley, data)
    assert ("courses.csv", 3, "sourcedId") in where
    assert any("used twice (rows 2 and 3)" in t for t in text)


def test_enrollment_to_unknown_class(oak_valley):
    data = files.replace(
        files.district("1.1"), "enrollments.csv", "e-5,,,cl-alg-2", "e-5,,,cl-nope"
    )
    where, text = _problems(oak_valley, data)
    assert where == [("enrollments.csv", 6, "classSourcedId")]
    assert text == [
        "enrollments.csv, row 6, column classSourcedId: No class has sourcedId 'cl-nope'."
    ]


def test_bad_date(oak_valley):
    data = files.replace(files.district("1.1"), "academicSessions.csv", "2025-12-19", "2025-13-19")
    where, text = _problems(oak_valley, data)
    assert where == [("academicSessions.csv", 3, "endDate")]
    assert "not a date of the calendar" in text[0]


def test_bad_date_format(oak_valley):
    data = files.replace(files.district("1.1"), "demographics.csv", "2010-04-02", "04/02/2010")
    where, _ = _problems(oak_valley, data)
    assert where == [("demographics.csv", 2, "birthDate")]


def test_bad_enumeration(oak_valley):
    data = files.replace(files.district("1.1"), "classes.csv", "ALG1-2,scheduled", "ALG1-2,lecture")
    where, text = _problems(oak_valley, data)
    assert where == [("classes.csv", 3, "classType")]
    assert "'lecture' is not one of: homeroom, scheduled." in text[0]


def test_wrong_encoding(oak_valley):
    data = files.district("1.1")
    data["users.csv"] = data["users.csv"].decode("utf-8").encode("latin-1")
    where, text = _problems(oak_valley, data)
    # Sofía Álvarez is on row 5; her given name is the ninth column.
    assert where == [("users.csv", 5, "givenName")]
    assert "not UTF-8" in text[0]


def test_every_problem_is_listed_at_once(oak_valley):
    data = files.replace(files.district("1.1"), "classes.csv", "ALG1-2,scheduled", "ALG1-2,lecture")
    data = files.replace(data, "users.csv", "u-s2,,,true", "u-s2,,,maybe")
    where, _ = _problems(oak_valley, data)
    assert ("classes.csv", 3, "classType") in where
    assert ("users.csv", 6, "enabledUser") in where


def test_delta_row_needs_status_and_date(oak_valley):
    data = files.delta(
        "1.1",
        {"courses": files.COURSES.replace("c-alg,,,", "c-alg,removed,yesterday,")},
    )
    where, _ = _problems(oak_valley, data)
    assert ("courses.csv", 2, "status") in where
    assert ("courses.csv", 2, "dateLastModified") in where
    assert ("courses.csv", 3, "status") in where


def test_enrollment_of_a_student_at_another_school(oak_valley):
    data = files.replace(
        files.district("1.1"),
        "enrollments.csv",
        "e-10,,,cl-m7-1,org-ovm,u-s4",
        "e-10,,,cl-m7-1,org-ovm,u-s1",
    )
    where, _ = _problems(oak_valley, data)
    assert where == [("enrollments.csv", 11, "schoolSourcedId")]


def test_username_of_someone_outside_the_roster(oak_valley):
    data = files.replace(files.district("1.1"), "users.csv", ",okafor,", ",rivera,")
    where, text = _problems(oak_valley, data)
    assert where == [("users.csv", 2, "username")]
    assert "rivera" in text[0]


def test_missing_required_column(oak_valley):
    data = files.replace(files.district("1.1"), "orgs.csv", "name,type", "name,kind")
    where, _ = _problems(oak_valley, data)
    assert ("orgs.csv", 1, "type") in where


def test_not_a_district(world):
    with pytest.raises(OneRosterError) as caught:
        import_oneroster(SYSTEM, world.org("maple-ms"), files.district("1.1"))
    assert "is not a district" in str(caught.value)


def test_a_file_set_of_another_district(world):
    """The demo district carries its own sourcedId: Oak Valley's files are refused."""
    with pytest.raises(OneRosterError) as caught:
        import_oneroster(SYSTEM, world.org("riverbend"), files.district("1.1"))
    assert str(caught.value.issues[0]) == (
        "orgs.csv, row 2, column sourcedId: This district's sourcedId is 'riverbend', not 'org-ov'."
    )

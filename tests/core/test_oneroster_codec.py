"""The OneRoster CSV codec on its own: manifests, column tables, values, references."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proficio.core.standards import oneroster as ors
from proficio.core.standards.oneroster import Issue, OneRosterError


def _files(manifest: str, **texts: str) -> dict[str, bytes]:
    out = {"manifest.csv": ("propertyName,value\n" + manifest).encode()}
    out.update({f"{name}.csv": text.encode() for name, text in texts.items()})
    return out


ORGS = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"


def _issues(data: dict[str, bytes]) -> list[str]:
    with pytest.raises(OneRosterError) as caught:
        ors.read_package(data)
    return [str(i) for i in caught.value.issues]


def test_issue_renders_where_it_is():
    assert str(Issue("users.csv", 4, "role", "bad")) == "users.csv, row 4, column role: bad"
    assert str(Issue("manifest.csv", None, None, "missing")) == "manifest.csv: missing"
    assert Issue("a.csv", 2, None, "m").as_dict() == {
        "file": "a.csv",
        "row": 2,
        "column": None,
        "message": "m",
    }
    assert "a.csv" in str(OneRosterError([Issue("a.csv", 2, None, "m")]))


def test_manifest_problems():
    assert _issues({"manifest.csv": b"a,b\n"}) == [
        "manifest.csv, row 1: The header must be: propertyName,value."
    ]
    assert _issues(_files("manifest.version,1.0\n")) == [
        "manifest.csv, column value: oneroster.version is missing."
    ]
    assert _issues(_files("oneroster.version,1.0\n\nfile.orgs,sometimes\n")) == [
        "manifest.csv, row 2, column value: oneroster.version '1.0' is not 1.1 or 1.2.",
        "manifest.csv, row 4, column value: file.orgs is 'sometimes': use bulk, delta or absent.",
    ]
    assert _issues({"manifest.csv": b"propertyName,value\n\xff\n"})[0].startswith(
        "manifest.csv, row 2"
    )


def test_files_not_imported_and_not_listed_are_warnings():
    package = ors.read_package(
        _files(
            "oneroster.version,1.1\nfile.orgs,bulk\nfile.results,bulk\nfile.gadgets,bulk\n"
            "file.users,absent\nsource.systemName,SIS\n",
            orgs=ORGS + "o1,,,District,district,,\n",
            stray="x\n",
        )
    )
    assert package.source == "SIS"
    assert package.version == "1.1"
    assert package.mode("orgs") == "bulk"
    assert package.mode("users") is None
    assert package.rows("users") == []
    assert package.files["orgs"].filename == "orgs.csv"
    assert package.warnings == [
        "manifest.csv: file.gadgets is not a OneRoster file; ignored",
        "results.csv: not imported (Proficio imports rosters only)",
        "stray.csv: not listed in the manifest; ignored",
    ]


def test_header_problems():
    issues = _issues(
        _files(
            "oneroster.version,1.1\nfile.orgs,delta\n",
            orgs="sourcedId,name,name,type\n",
        )
    )
    assert issues == [
        "orgs.csv, row 1, column status: A delta file needs this column.",
        "orgs.csv, row 1, column dateLastModified: A delta file needs this column.",
        "orgs.csv, row 1, column name: This column appears twice.",
    ]


def test_row_problems():
    issues = _issues(
        _files(
            "oneroster.version,1.1\nfile.orgs,bulk\n",
            orgs=ORGS
            + "o1,,,District,district,,,surplus\n"
            + "o2,,,,district,,\n"
            + "o3,gone,,School,ext:campus,,\n"
            + "o4,,2024-01-01T00:00:00Z,School,planet,,\n"
            + "o5,,soon,School,school,,\n"
            + "\n",
        )
    )
    assert issues == [
        "orgs.csv, row 2: The row has 8 fields; the header has 7.",
        "orgs.csv, row 3, column name: A value is required.",
        "orgs.csv, row 4, column status: 'gone' is not one of: active, tobedeleted.",
        "orgs.csv, row 5, column type: 'planet' is not one of: department, school, "
        "district, local, state, national.",
        "orgs.csv, row 6, column dateLastModified: 'soon' is not a date and time (ISO 8601).",
    ]


def test_tolerated_values():
    package = ors.read_package(
        _files(
            "oneroster.version,1.1\nfile.orgs,delta\nfile.academicSessions,bulk\n",
            orgs=ORGS
            + "o1,Active,2024-01-01T00:00:00.1234567Z,D,District,,\n"
            + "o2,tobedeleted,2024-01-01 08:30,S,ext:campus,,\n",
            academicSessions="sourcedId,title,type,startDate,endDate,schoolYear\n"
            "y,2024,schoolYear,2023-08-01,2024-06-30,2024\n",
        )
    )
    first, second = package.rows("orgs")
    assert (first.status, first.values["type"]) == ("active", "district")
    assert first.modified == dt.datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=dt.UTC)
    assert second.status == "tobedeleted"
    assert second.modified == dt.datetime(2024, 1, 1, 8, 30, tzinfo=dt.UTC)  # naive: UTC
    assert second.values["type"] == "ext:campus"
    assert "orgs.csv: type value 'ext:campus' is an extension Proficio does not map" in (
        package.warnings
    )
    session = package.rows("academicSessions")[0]
    assert session.status == "active"
    assert session.modified is None
    assert session.values["schoolYear"] == 2024


def test_value_parsers():
    assert ors.parse_date("2024-02-29") == dt.date(2024, 2, 29)
    for bad in ("2023-02-29", "24-01-01", "2024/01/01"):
        with pytest.raises(ors.BadValue):
            ors.parse_date(bad)
    with pytest.raises(ors.BadValue, match="of the calendar"):
        ors.parse_datetime("2024-13-01T00:00:00Z")
    assert ors.parse_datetime("2024-01-01T10:00:00+02:00").utcoffset() == dt.timedelta(hours=2)
    table = {c.name: c for c in ors.TABLES["1.1"]["academicSessions"]}
    year = ors._parser(table["schoolYear"], lambda m: None)
    with pytest.raises(ors.BadValue, match="not a year"):
        year("24")
    flag = ors._parser(ors._c("x", "bool"), lambda m: None)
    assert flag("TRUE") is True
    assert flag("false") is False
    with pytest.raises(ors.BadValue):
        flag("yes")
    listing = ors._parser(ors._c("x", "list"), lambda m: None)
    assert listing(" a, ,b ") == ["a", "b"]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_dates_read_back(day):
    assert ors.parse_date(day.isoformat()) == day
    moment = dt.datetime.combine(day, dt.time(12, 30), tzinfo=dt.UTC)
    assert ors.parse_datetime(moment.isoformat()) == moment


def test_encoding_issue_names_row_and_column():
    data = "sourcedId,name\n1,ok\n2,Jos\xe9\n".encode("latin-1")
    _, issue = ors.decode("x.csv", data)
    assert issue == Issue("x.csv", 3, "name", "byte 0xe9 is not UTF-8: save the file as UTF-8.")
    _, beyond = ors.decode("x.csv", b"a\n1,2,\xe9\n")
    assert beyond is not None
    assert beyond.column is None
    text, none = ors.decode("x.csv", b"\xef\xbb\xbfa,b\n")
    assert (text, none) == ("a,b\n", None)


def test_references_between_files_and_known_objects():
    package = ors.read_package(
        _files(
            "oneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\nfile.demographics,bulk\n",
            orgs=ORGS + "o1,,,D,district,,\no2,,,S,school,,o1\no3,,,T,school,,o9\n",
            users="sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
            "givenName,familyName,agentSourcedIds\n"
            'u1,,,true,"o2,o8",student,a,A,B,u7\n'
            "u2,,,true,o-known,teacher,b,A,B,\n",
            demographics="sourcedId\nu1\nu9\n",
        )
    )
    issues = ors.check_references(package, {"orgs": {"o-known"}})
    assert [str(i) for i in issues] == [
        "orgs.csv, row 4, column parentSourcedId: No organization has sourcedId 'o9'.",
        "users.csv, row 2, column orgSourcedIds: No organization has sourcedId 'o8'.",
        "users.csv, row 2, column agentSourcedIds: No user has sourcedId 'u7'.",
        "demographics.csv, row 3, column sourcedId: No user has sourcedId 'u9'.",
    ]


def test_version_12_tables_and_mixed_files():
    users = {c.name: c for c in ors.TABLES["1.2"]["users"]}
    assert not users["role"].required
    assert "primaryOrg" in users
    assert ors.TABLES["1.1"]["users"][4].name == "orgSourcedIds"
    package = ors.read_package(
        _files(
            "oneroster.version,1.1\nfile.roles,bulk\n",
            roles="sourcedId,userSourcedId,roleType,role,orgSourcedId\nr1,u1,primary,principal,o1\n",
        )
    )
    assert package.rows("roles")[0].values["role"] == "principal"
    assert package.warnings == ["roles.csv: a OneRoster 1.2 file under a 1.1 manifest; read as 1.2"]


def test_file_level_problems():
    assert _issues({}) == ["manifest.csv: The manifest is missing."]
    issues = _issues(
        _files(
            "oneroster.version,1.2\nfile.orgs,bulk\nfile.courses,bulk\nfile.classes,bulk\n",
            orgs=("sourcedId,name,type\no1,Caf\xe9,district\n").encode("latin-1").decode("latin-1"),
            courses="sourcedId,title\n",
        )
        | {"orgs.csv": "sourcedId,name,type\no1,Caf\xe9,district\n".encode("latin-1")}
    )
    assert issues == [
        "classes.csv: The manifest lists it as bulk, but it is missing.",
        "courses.csv, row 1, column orgSourcedId: This required column is missing.",
        "orgs.csv, row 2, column name: byte 0xe9 is not UTF-8: save the file as UTF-8.",
    ]


def test_duplicates_extra_columns_and_delta_status():
    issues = _issues(
        _files(
            "oneroster.version,1.1\nfile.orgs,delta\n",
            orgs=ORGS.strip() + ",color\n"
            "o1,active,2024-01-01T00:00:00Z,D,district,,,red\n"
            "o1,,2024-01-01T00:00:00Z,D,district,,,red\n",
        )
    )
    assert issues == [
        "orgs.csv, row 3, column status: A delta row needs a status: active or tobedeleted.",
        "orgs.csv, row 3, column sourcedId: sourcedId 'o1' is used twice (rows 2 and 3).",
    ]
    package = ors.read_package(
        _files(
            "oneroster.version,1.1\nfile.orgs,bulk\n",
            orgs=ORGS.strip() + ",color\no1,,,D,district,,,red\n",
        )
    )
    assert package.files["orgs"].extra_columns == ["color"]
    assert package.warnings == ["orgs.csv: columns Proficio does not read were ignored: color"]


def test_delta_row_without_date_and_deleted_rows_need_no_targets():
    issues = _issues(
        _files("oneroster.version,1.1\nfile.orgs,delta\n", orgs=ORGS + "o1,active,,D,district,,\n")
    )
    assert issues == ["orgs.csv, row 2, column dateLastModified: A delta row needs this date."]
    package = ors.read_package(
        _files(
            "oneroster.version,1.1\nfile.orgs,delta\n",
            orgs=ORGS + "o2,tobedeleted,2024-01-01T00:00:00Z,S,school,,o-gone\n",
        )
    )
    assert ors.check_references(package, {}) == []

"""OneRoster 1.1 and 1.2 CSV binding: read a file set, check it against the column tables.

Pure: bytes in, validated rows out. The tables below follow the 1EdTech OneRoster 1.1 and
1.2 CSV binding (their column tables: name, whether required, the value's type and its
enumeration). Every problem becomes an ``Issue`` naming the file, the row (counting the
header as row 1, as a spreadsheet does) and the column; ``read_package`` collects all of
them before it gives up, so one run lists every problem.

Tolerated, as real SIS exports do: a UTF-8 byte-order mark, CRLF line ends, quoted commas,
empty optional columns, extra columns (ignored, with a warning), enumeration values in
another letter case, ``ext:`` enumeration extensions (kept, with a warning), datetimes
without a time zone (read as UTC), and mixed manifests: 1.2's ``roles.csv`` and
``userProfiles.csv`` under a 1.1 manifest, and 1.1's ``role``/``orgSourcedIds`` columns in a
1.2 ``users.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

VERSIONS = ("1.1", "1.2")
MODES = ("bulk", "delta", "absent")
STATUSES = ("active", "tobedeleted")

# The files Proficio imports, in the order they must be applied.
IMPORTED = (
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "userProfiles",
    "roles",
    "demographics",
    "enrollments",
)
ONLY_12 = frozenset({"roles", "userProfiles"})
# Files the binding defines that Proficio does not import (gradebook and resources).
NOT_IMPORTED = frozenset(
    {
        "categories",
        "classResources",
        "courseResources",
        "lineItems",
        "resources",
        "results",
        "lineItemLearningObjectiveIds",
        "lineItemScoreScales",
        "resultLearningObjectiveIds",
        "resultScoreScales",
        "scoreScales",
        "userResources",
    }
)


@dataclass(frozen=True)
class Issue:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


class OneRosterError(ValueError):
    """A file set that cannot be imported; ``issues`` holds every problem found."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: list[Issue] = list(issues)
        super().__init__("; ".join(str(i) for i in self.issues[:5]))


# -- Column tables -----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id, str, date, enum, bool, list, year
    required: bool = False
    values: tuple[str, ...] = ()


def _c(name: str, kind: str = "str", required: bool = False, values: str = "") -> Column:
    return Column(name, kind, required, tuple(values.split()) if values else ())


ORG_TYPES = "department school district local state national"
SESSION_TYPES = "gradingPeriod semester schoolYear term"
ROLES_11 = "administrator aide guardian parent proctor relative student teacher"
ROLES_12 = (
    "aide counselor districtAdministrator guardian parent principal proctor relative "
    "siteAdministrator student systemAdministrator teacher"
)
ENROLLMENT_ROLES = "administrator proctor student teacher"
SEX_11 = "male female"
SEX_12 = "male female other unspecified"

_HEAD = [_c("sourcedId", "id", True), _c("status"), _c("dateLastModified")]
_RACES = [
    _c(name, "bool")
    for name in (
        "americanIndianOrAlaskaNative",
        "asian",
        "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander",
        "white",
        "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity",
    )
]


def _tables(version: str) -> dict[str, list[Column]]:
    v12 = version == "1.2"
    users_tail = [
        _c("username", "str", True),
        _c("userIds", "list"),
        _c("givenName", "str", True),
        _c("familyName", "str", True),
        _c("middleName"),
        _c("identifier"),
        _c("email"),
        _c("sms"),
        _c("phone"),
        _c("agentSourcedIds", "list"),
        _c("grades", "list"),
        _c("password"),
    ]
    if v12:
        users = [
            *_HEAD,
            _c("enabledUser", "bool", True),
            *users_tail,
            _c("userMasterIdentifier"),
            _c("resourceSourcedIds", "list"),
            _c("preferredGivenName"),
            _c("preferredMiddleName"),
            _c("preferredFamilyName"),
            _c("primaryOrg"),
            _c("pronouns"),
            # 1.1's columns, which some 1.2 exports keep (a mixed file set).
            _c("orgSourcedIds", "list"),
            _c("role", "enum", False, ROLES_11),
        ]
    else:
        users = [
            *_HEAD,
            _c("enabledUser", "bool", True),
            _c("orgSourcedIds", "list", True),
            _c("role", "enum", True, ROLES_11),
            *users_tail,
        ]
    return {
        "orgs": [
            *_HEAD,
            _c("name", "str", True),
            _c("type", "enum", True, ORG_TYPES),
            _c("identifier"),
            _c("parentSourcedId"),
        ],
        "academicSessions": [
            *_HEAD,
            _c("title", "str", True),
            _c("type", "enum", True, SESSION_TYPES),
            _c("startDate", "date", True),
            _c("endDate", "date", True),
            _c("parentSourcedId"),
            _c("schoolYear", "year", True),
        ],
        "courses": [
            *_HEAD,
            _c("schoolYearSourcedId"),
            _c("title", "str", True),
            _c("courseCode"),
            _c("grades", "list"),
            _c("orgSourcedId", "str", True),
            _c("subjects", "list"),
            _c("subjectCodes", "list"),
        ],
        "classes": [
            *_HEAD,
            _c("title", "str", True),
            _c("grades", "list"),
            _c("courseSourcedId", "str", True),
            _c("classCode"),
            _c("classType", "enum", True, "homeroom scheduled"),
            _c("location"),
            _c("schoolSourcedId", "str", True),
            _c("termSourcedIds", "list", True),
            _c("subjects", "list"),
            _c("subjectCodes", "list"),
            _c("periods", "list"),
        ],
        "users": users,
        "enrollments": [
            *_HEAD,
            _c("classSourcedId", "str", True),
            _c("schoolSourcedId", "str", True),
            _c("userSourcedId", "str", True),
            _c("role", "enum", True, ENROLLMENT_ROLES),
            _c("primary", "bool"),
            _c("beginDate", "date"),
            _c("endDate", "date"),
        ],
        "demographics": [
            *_HEAD,
            _c("birthDate", "date"),
            _c("sex", "enum", False, SEX_12 if v12 else SEX_11),
            *_RACES,
            _c("countryOfBirthCode"),
            _c("stateOfBirthAbbreviation"),
            _c("cityOfBirth"),
            _c("publicSchoolResidenceStatus"),
        ],
        "roles": [
            *_HEAD,
            _c("userSourcedId", "str", True),
            _c("roleType", "enum", True, "primary secondary"),
            _c("role", "enum", True, ROLES_12),
            _c("beginDate", "date"),
            _c("endDate", "date"),
            _c("orgSourcedId", "str", True),
            _c("userProfileSourcedId"),
        ],
        "userProfiles": [
            *_HEAD,
            _c("userSourcedId", "str", True),
            _c("profileType", "str", True),
            _c("vendorId", "str", True),
            _c("applicationId"),
            _c("description"),
            _c("credentialType", "str", True),
            _c("username", "str", True),
            _c("password"),
        ],
    }


TABLES = {version: _tables(version) for version in VERSIONS}


# -- Values --------------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?\d*(Z|[+-]\d{2}:?\d{2})?$"
)


class BadValue(ValueError):
    pass


def parse_date(text: str) -> dt.date:
    if not _DATE.match(text):
        raise BadValue(f"{text!r} is not a date (YYYY-MM-DD).")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadValue(f"{text!r} is not a date of the calendar.") from None


def parse_datetime(text: str) -> dt.datetime:
    if not _DATETIME.match(text):
        raise BadValue(f"{text!r} is not a date and time (ISO 8601).")
    # Python reads at most six fractional digits; some systems write more.
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        moment = dt.datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise BadValue(f"{text!r} is not a date and time of the calendar.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _parser(column: Column, warn: Callable[[str], None]) -> Callable[[str], Any]:
    kind = column.kind
    if kind == "date":
        return parse_date
    if kind == "list":
        return lambda text: [part.strip() for part in text.split(",") if part.strip()]
    if kind == "bool":

        def boolean(text: str) -> bool:
            low = text.lower()
            if low in ("true", "false"):
                return low == "true"
            raise BadValue(f"{text!r} is not true or false.")

        return boolean
    if kind == "year":

        def year(text: str) -> int:
            if not _YEAR.match(text):
                raise BadValue(f"{text!r} is not a year (YYYY).")
            return int(text)

        return year
    if kind == "enum":
        by_lower = {v.lower(): v for v in column.values}

        def enum(text: str) -> str:
            if text in column.values:
                return text
            if text.lower() in by_lower:
                return by_lower[text.lower()]
            if text.startswith("ext:") and len(text) > 4:
                warn(f"{column.name} value {text!r} is an extension Proficio does not map")
                return text
            raise BadValue(f"{text!r} is not one of: {', '.join(column.values)}.")

        return enum
    return lambda text: text


# -- Rows and files --------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    line: int  # the row as a spreadsheet numbers it: the header is row 1
    sourced_id: str
    status: str  # "active" or "tobedeleted" ("active" in bulk files)
    modified: dt.datetime | None
    values: dict[str, Any]


@dataclass
class FileData:
    name: str
    mode: str  # bulk or delta
    rows: list[Row]
    extra_columns: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


@dataclass
class Package:
    version: str
    files: dict[str, FileData]
    warnings: list[str]
    source: str = ""

    def rows(self, name: str) -> list[Row]:
        data = self.files.get(name)
        return data.rows if data is not None else []

    def mode(self, name: str) -> str | None:
        data = self.files.get(name)
        return data.mode if data is not None else None


def decode(name: str, data: bytes) -> tuple[str | None, Issue | None]:
    """UTF-8 text without its byte-order mark, or the issue naming where it is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        row = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column_index = before[line_start:].count(b",")
        header = data.split(b"\n", 1)[0].decode("utf-8", "replace").strip().split(",")
        column = header[column_index].strip() if column_index < len(header) else None
        return None, Issue(
            name,
            row,
            column,
            f"byte 0x{data[exc.start]:02x} is not UTF-8: save the file as UTF-8.",
        )


def _records(name: str, text: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    return header, list(reader)


def read_manifest(files: Mapping[str, bytes]) -> tuple[str, dict[str, str], list[Issue], str]:
    """The OneRoster version, each file's mode, the manifest's issues and source name."""
    if "manifest.csv" not in files:
        return "", {}, [Issue("manifest.csv", None, None, "The manifest is missing.")], ""
    text, issue = decode("manifest.csv", files["manifest.csv"])
    if issue is not None or text is None:
        return "", {}, [issue] if issue else [], ""
    header, records = _records("manifest.csv", text)
    issues: list[Issue] = []
    if header[:2] != ["propertyName", "value"]:
        issues.append(Issue("manifest.csv", 1, None, "The header must be: propertyName,value."))
        return "", {}, issues, ""
    props: dict[str, tuple[int, str]] = {}
    for n, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        key = record[0].strip()
        value = record[1].strip() if len(record) > 1 else ""
        props[key] = (n, value)
    version = props.get("oneroster.version", (0, ""))[1]
    if "oneroster.version" not in props:
        issues.append(Issue("manifest.csv", None, "value", "oneroster.version is missing."))
    elif version not in VERSIONS:
        issues.append(
            Issue(
                "manifest.csv",
                props["oneroster.version"][0],
                "value",
                f"oneroster.version {version!r} is not 1.1 or 1.2.",
            )
        )
    modes: dict[str, str] = {}
    for key, (n, value) in props.items():
        if not key.startswith("file."):
            continue
        if value not in MODES:
            issues.append(
                Issue("manifest.csv", n, "value", f"{key} is {value!r}: use bulk, delta or absent.")
            )
            continue
        modes[key[5:]] = value
    source = props.get("source.systemName", (0, ""))[1]
    return version, modes, issues, source


def read_package(files: Mapping[str, bytes]) -> Package:
    """Read and check a OneRoster CSV file set (file name → bytes). Raises OneRosterError."""
    version, modes, issues, source = read_manifest(files)
    if issues:
        raise OneRosterError(issues)
    warnings: list[str] = []
    tables = TABLES[version]
    result: dict[str, FileData] = {}
    for name, mode in sorted(modes.items()):
        if mode == "absent":
            continue
        filename = f"{name}.csv"
        if name not in tables:
            if name in NOT_IMPORTED:
                warnings.append(f"{filename}: not imported (Proficio imports rosters only)")
            else:
                warnings.append(f"manifest.csv: file.{name} is not a OneRoster file; ignored")
            continue
        if filename not in files:
            issues.append(
                Issue(filename, None, None, f"The manifest lists it as {mode}, but it is missing.")
            )
            continue
        if name in ONLY_12 and version == "1.1":
            warnings.append(f"{filename}: a OneRoster 1.2 file under a 1.1 manifest; read as 1.2")
            table = TABLES["1.2"][name]
        else:
            table = tables[name]
        data, file_issues = _read_file(filename, files[filename], table, mode, warnings)
        issues += file_issues
        if data is not None:
            result[name] = FileData(name, mode, data[0], data[1])
    for filename in sorted(files):
        stem = filename.rsplit("/", 1)[-1].removesuffix(".csv")
        if filename != "manifest.csv" and stem not in modes:
            warnings.append(f"{filename}: not listed in the manifest; ignored")
    if issues:
        raise OneRosterError(issues)
    return Package(version, result, warnings, source)


def _read_file(
    filename: str, raw: bytes, table: list[Column], mode: str, warnings: list[str]
) -> tuple[tuple[list[Row], list[str]] | None, list[Issue]]:
    text, issue = decode(filename, raw)
    if issue is not None or text is None:
        return None, [issue] if issue else []
    header, records = _records(filename, text)
    issues: list[Issue] = []
    known = {c.name for c in table}
    missing = [c.name for c in table if c.required and c.name not in header]
    for name in missing:
        issues.append(Issue(filename, 1, name, "This required column is missing."))
    for name in ("status", "dateLastModified"):
        if mode == "delta" and name not in header:
            issues.append(Issue(filename, 1, name, "A delta file needs this column."))
    duplicates = sorted({h for h in header if header.count(h) > 1})
    for name in duplicates:
        issues.append(Issue(filename, 1, name, "This column appears twice."))
    if issues:
        return None, issues
    extra = [h for h in header if h and h not in known]
    if extra:
        warnings.append(
            f"{filename}: columns Proficio does not read were ignored: {', '.join(extra)}"
        )
    kind_warnings: set[str] = set()
    # (position, name, required, parser or None for plain text): read once per column.
    parsers = [
        (
            header.index(c.name),
            c.name,
            c.required,
            None if c.kind in ("str", "id") else _parser(c, kind_warnings.add),
        )
        for c in table
        if c.name in header
    ]
    width = len(header)
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for n, record in enumerate(records, start=2):
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line
        if len(record) > width:
            issues.append(
                Issue(
                    filename, n, None, f"The row has {len(record)} fields; the header has {width}."
                )
            )
            continue
        if len(record) < width:
            record += [""] * (width - len(record))
        values: dict[str, Any] = {}
        for index, name, required, parse in parsers:
            text = record[index].strip()
            if not text:
                if required:
                    issues.append(Issue(filename, n, name, "A value is required."))
                values[name] = None
            elif parse is None:
                values[name] = text
            else:
                try:
                    values[name] = parse(text)
                except BadValue as exc:
                    issues.append(Issue(filename, n, name, str(exc)))
        sourced_id = values.pop("sourcedId") or ""
        status = (values.pop("status", None) or "").lower() or None
        modified_text = values.pop("dateLastModified", None)
        modified = None
        if mode == "delta":
            if status not in STATUSES:
                issues.append(
                    Issue(
                        filename,
                        n,
                        "status",
                        f"{status!r} is not one of: active, tobedeleted."
                        if status
                        else "A delta row needs a status: active or tobedeleted.",
                    )
                )
            if not modified_text:
                issues.append(
                    Issue(filename, n, "dateLastModified", "A delta row needs this date.")
                )
        if modified_text:
            try:
                modified = parse_datetime(modified_text)
            except BadValue as exc:
                issues.append(Issue(filename, n, "dateLastModified", str(exc)))
        if status and status not in STATUSES and mode == "bulk":
            issues.append(
                Issue(filename, n, "status", f"{status!r} is not one of: active, tobedeleted.")
            )
        if sourced_id:
            if sourced_id in seen:
                issues.append(
                    Issue(
                        filename,
                        n,
                        "sourcedId",
                        f"sourcedId {sourced_id!r} is used twice "
                        f"(rows {seen[sourced_id]} and {n}).",
                    )
                )
            else:
                seen[sourced_id] = n
        rows.append(Row(n, sourced_id, status or "active", modified, values))
    for message in sorted(kind_warnings):
        warnings.append(f"{filename}: {message}")
    return (rows, extra), issues


# -- References between files ----------------------------------------------------------------

# (file, column, file it points into, is a list)
REFERENCES: tuple[tuple[str, str, str, bool], ...] = (
    ("orgs", "parentSourcedId", "orgs", False),
    ("academicSessions", "parentSourcedId", "academicSessions", False),
    ("courses", "orgSourcedId", "orgs", False),
    ("courses", "schoolYearSourcedId", "academicSessions", False),
    ("classes", "courseSourcedId", "courses", False),
    ("classes", "schoolSourcedId", "orgs", False),
    ("classes", "termSourcedIds", "academicSessions", True),
    ("users", "orgSourcedIds", "orgs", True),
    ("users", "agentSourcedIds", "users", True),
    ("userProfiles", "userSourcedId", "users", False),
    ("roles", "userSourcedId", "users", False),
    ("roles", "orgSourcedId", "orgs", False),
    ("roles", "userProfileSourcedId", "userProfiles", False),
    ("demographics", "sourcedId", "users", False),
    ("enrollments", "classSourcedId", "classes", False),
    ("enrollments", "schoolSourcedId", "orgs", False),
    ("enrollments", "userSourcedId", "users", False),
)
NOUNS = {
    "orgs": "organization",
    "academicSessions": "academic session",
    "courses": "course",
    "classes": "class",
    "users": "user",
    "userProfiles": "user profile",
}


def check_references(package: Package, known: Mapping[str, set[str]]) -> list[Issue]:
    """Every reference of an active row must name a row of the package or a known object
    (``known``: sourcedIds already imported, by file name)."""
    present = {
        name: {row.sourced_id for row in data.rows if row.status == "active"}
        for name, data in package.files.items()
    }
    issues: list[Issue] = []
    for name, column, target, many in REFERENCES:
        data = package.files.get(name)
        if data is None:
            continue
        targets = present.get(target, set()) | set(known.get(target, ()))
        for row in data.rows:
            if row.status != "active":
                continue
            value = row.sourced_id if column == "sourcedId" else row.values.get(column)
            ids = (value or []) if many else ([value] if value else [])
            for ref in ids:
                if ref not in targets:
                    issues.append(
                        Issue(
                            data.filename,
                            row.line,
                            column,
                            f"No {NOUNS[target]} has sourcedId {ref!r}.",
                        )
                    )
    return issues

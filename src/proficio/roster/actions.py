"""The only code that writes rosters from OneRoster CSV, and the import jobs.

``import_oneroster`` reads a file set with ``core.standards.oneroster`` and writes the
district's schools, years and terms, courses, sections, people, roles, demographics and
enrollments in one transaction: everything or nothing. It is idempotent by ``sourcedId``:
an object already imported is updated in place, and one Proficio already had (same
school and local id, same enrollment, same username) is adopted. Nothing is deleted:
``tobedeleted`` rows, and enrollments or memberships missing from a bulk file, are
*ended* (their end date is set) so the history stays. A dry run does the same work and
rolls it back, so its counts are exactly what the import would do.

How OneRoster maps to Proficio (see docs/architecture.md, "OneRoster import"):
- orgs: the district row is the district being imported into; ``school`` rows become its
  schools; state, national, local and department rows are not imported.
- academicSessions: a ``schoolYear`` becomes an academic year; terms, semesters and grading
  periods become its terms. A class whose term is a school year gets a whole-year term.
- courses → courses; classes → sections (the first of ``termSourcedIds`` is the term).
- users: students become students (with an account); teachers, counselors, principals and
  district administrators get dated role memberships; guardians, parents and relatives
  get accounts linked to the students named in ``agentSourcedIds``.
- enrollments: students → enrollments; teachers → the section's teaching staff.
- demographics: see ``demographics_for``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from proficio import policy
from proficio.accounts.models import User
from proficio.accounts.roles import Role
from proficio.audit.log import record_bulk
from proficio.audit.models import AuditAction
from proficio.bulk import insert_rows, update_rows
from proficio.core.standards import oneroster
from proficio.core.standards.oneroster import Issue, OneRosterError, Package, Row
from proficio.frameworks.models import JobStatus
from proficio.orgs import actions as orgs
from proficio.orgs.models import (
    AcademicYear,
    Course,
    Enrollment,
    GuardianLink,
    Organization,
    OrganizationKind,
    RoleMembership,
    Section,
    SectionStaff,
    Student,
    StudentDemographics,
    Term,
)
from proficio.policy import Act, Subject
from proficio.roster.models import RosterImport

Progress = Callable[[int, int, str], None]
MAX_UPLOAD_BYTES = 200 * 1024 * 1024

# OneRoster roles Proficio grants as memberships, and where each is held.
STAFF_ROLES: dict[str, tuple[Role, str]] = {
    "teacher": (Role.TEACHER, OrganizationKind.SCHOOL),
    "counselor": (Role.ADVISOR, OrganizationKind.SCHOOL),
    "principal": (Role.SCHOOL_LEADER, OrganizationKind.SCHOOL),
    "siteAdministrator": (Role.SCHOOL_LEADER, OrganizationKind.SCHOOL),
    "districtAdministrator": (Role.DISTRICT_ADMIN, OrganizationKind.DISTRICT),
}
GUARDIAN_ROLES = frozenset({"guardian", "parent", "relative"})
# Grade levels are kept as an attribute (at most three characters); CEDS codes fit.
GRADE_CODES = {"Other": "OT", "InfantToddler": "IT", "Preschool": "PR"}


@dataclass
class FileCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class RosterReport:
    version: str
    dry_run: bool
    files: dict[str, FileCounts] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def counts(self, name: str) -> FileCounts:
        return self.files.setdefault(f"{name}.csv", FileCounts())

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "dry_run": self.dry_run,
            "files": {name: c.as_dict() for name, c in self.files.items()},
            "warnings": self.warnings,
        }


class _DryRun(Exception):
    pass


def read_upload(name: str, data: bytes) -> dict[str, bytes]:
    """The CSV files of a zip archive (by base name), or one CSV file by itself."""
    if not zipfile.is_zipfile(BytesIO(data)):
        raise OneRosterError([Issue(name, None, None, "This is not a zip archive of CSV files.")])
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for info in archive.infolist():
            base = info.filename.rsplit("/", 1)[-1]
            if info.is_dir() or not base.endswith(".csv") or base.startswith("."):
                continue
            if info.file_size > MAX_UPLOAD_BYTES:
                raise OneRosterError([Issue(base, None, None, "The file is too large.")])
            files[base] = archive.read(info)
    return files


def read_folder(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.glob("*.csv"))}
    return read_upload(path.name, path.read_bytes())


def _district_of(actor: Any, district: Organization) -> None:
    if district.kind != OrganizationKind.DISTRICT:
        raise OneRosterError(
            [Issue("orgs.csv", None, None, f"{district} is not a district: import into one.")]
        )
    policy.authorize(actor, Act.CHANGE, Subject.ORGANIZATION, district)


def import_oneroster(
    actor: Any,
    district: Organization,
    files: Mapping[str, bytes],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RosterReport:
    """Import a OneRoster 1.1/1.2 CSV file set into ``district``; all or nothing.

    Raises OneRosterError listing every problem (file, row, column); nothing is written.
    """
    _district_of(actor, district)
    package = oneroster.read_package(files)
    report = RosterReport(package.version, dry_run, warnings=list(package.warnings))
    try:
        with transaction.atomic():
            _Importer(actor, district, package, report, progress).run()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


# -- The importer ---------------------------------------------------------------------------


def _code_for(sourced_id: str, identifier: str | None, taken: set[str]) -> str:
    if (
        identifier
        and re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", identifier)
        and identifier.lower() not in taken
    ):
        return identifier
    return "or-" + hashlib.sha1(sourced_id.encode(), usedforsecurity=False).hexdigest()[:12]


def _chunks(values: Sequence[Any], size: int = 900) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _grade(grades: list[str] | None) -> str:
    if not grades:
        return ""
    first = grades[0]
    return GRADE_CODES.get(first, first[:3])


class _Importer:
    def __init__(
        self,
        actor: Any,
        district: Organization,
        package: Package,
        report: RosterReport,
        progress: Progress | None,
    ) -> None:
        self.actor = actor
        self.district = district
        self.package = package
        self.report = report
        self.progress = progress
        self.today = timezone.localdate()
        self.issues: list[Issue] = []
        self.total = sum(len(f.rows) for f in package.files.values())
        self.done = 0
        self.in_district = Q(path__startswith=district.path)
        # sourcedId → pk, filled from the database and as rows are written.
        self.orgs: dict[str, Organization] = {}
        self.years: dict[str, AcademicYear] = {}
        self.terms: dict[str, Term] = {}
        self.courses: dict[str, int] = {}
        self.sections: dict[str, tuple[int, int, dt.date]] = {}  # pk, school, term start
        self.users: dict[str, int] = {}
        self.user_roles: dict[str, str] = {}  # sourcedId → OneRoster role (primary)
        self.students: dict[str, tuple[int, int]] = {}  # pk, school
        self.new_demographics: set[str] = set()  # written with their new student

    # -- helpers

    def _tick(self, stage: str, n: int = 1) -> None:
        self.done += n
        if self.progress is not None and (self.done % 5000 < n or self.done == self.total):
            self.progress(self.done, self.total, stage)

    def _issue(self, name: str, row: Row | None, column: str | None, message: str) -> None:
        self.issues.append(Issue(f"{name}.csv", row.line if row else None, column, message))

    def _stop_if_issues(self) -> None:
        if self.issues:
            raise OneRosterError(self.issues)

    def _rows(self, name: str) -> list[Row]:
        return self.package.rows(name)

    def _known(self) -> dict[str, set[str]]:
        district = self.district
        return {
            "orgs": set(
                Organization.objects.filter(self.in_district)
                .exclude(sourced_id="")
                .values_list("sourced_id", flat=True)
            ),
            "academicSessions": set(
                Term.objects.filter(year__district=district)
                .exclude(sourced_id="")
                .values_list("sourced_id", flat=True)
            )
            | set(
                AcademicYear.objects.filter(district=district)
                .exclude(sourced_id="")
                .values_list("sourced_id", flat=True)
            ),
            "courses": set(
                Course.objects.filter(district=district)
                .exclude(sourced_id="")
                .values_list("sourced_id", flat=True)
            ),
            "classes": set(
                Section.objects.filter(school__parent=district)
                .exclude(sourced_id="")
                .values_list("sourced_id", flat=True)
            ),
            "users": set(
                User.objects.filter(roster_district=district).values_list("sourced_id", flat=True)
            ),
        }

    def run(self) -> None:
        if self.progress is not None:
            self.progress(0, self.total, "checking")
        self.issues += oneroster.check_references(self.package, self._known())
        self._stop_if_issues()
        self._orgs()
        self._sessions()
        self._courses()
        self._classes()
        self._stop_if_issues()
        self._users()
        self._stop_if_issues()
        self._user_profiles()
        self._staff_roles()
        self._demographics()
        self._enrollments()
        self._stop_if_issues()
        for name in ("orgs", "academicSessions", "courses", "classes", "users"):
            counts = self.report.files.get(f"{name}.csv")
            if counts is not None:
                record_bulk(
                    AuditAction.UPDATE,
                    f"oneroster.{name}",
                    counts.created + counts.updated + counts.ended,
                    org_path=self.district.path,
                    detail=counts.as_dict(),
                )

    # -- orgs

    def _orgs(self) -> None:
        district = self.district
        existing = {
            o.sourced_id: o
            for o in Organization.objects.filter(self.in_district).exclude(sourced_id="")
        }
        self.orgs.update(existing)
        counts = self.report.counts("orgs") if "orgs" in self.package.files else None
        rows = self._rows("orgs")
        district_rows = [r for r in rows if r.values.get("type") == "district"]
        if len(district_rows) > 1:
            self._issue(
                "orgs",
                district_rows[1],
                "type",
                "Import one district at a time: two rows name one.",
            )
            return
        for row in district_rows:
            if district.sourced_id and district.sourced_id != row.sourced_id:
                self._issue(
                    "orgs",
                    row,
                    "sourcedId",
                    f"This district's sourcedId is {district.sourced_id!r}, "
                    f"not {row.sourced_id!r}.",
                )
                continue
            other = Organization.objects.filter(sourced_id=row.sourced_id, kind="district").exclude(
                pk=district.pk
            )
            if other.exists():
                self._issue("orgs", row, "sourcedId", "Another district has this sourcedId.")
                continue
            assert counts is not None
            if district.sourced_id:
                counts.unchanged += 1
            else:
                district.sourced_id = row.sourced_id
                district.save(update_fields=["sourced_id"])
                counts.updated += 1
            self.orgs[row.sourced_id] = district
            self._tick("orgs")
        taken = {c.lower() for c in Organization.objects.values_list("code", flat=True)}
        for row in rows:
            kind = row.values.get("type")
            if kind == "district":
                continue
            assert counts is not None
            self._tick("orgs")
            if kind != "school":
                counts.skipped += 1
                continue
            parent = row.values.get("parentSourcedId")
            if parent and parent not in self.orgs and parent not in {r.sourced_id for r in rows}:
                continue  # reported by the reference check
            if parent and self.orgs.get(parent) not in (None, district):
                self._issue(
                    "orgs", row, "parentSourcedId", "A school must belong to the district imported."
                )
                continue
            school = self.orgs.get(row.sourced_id)
            if row.status == "tobedeleted":
                counts.skipped += 1  # schools are kept: their history refers to them
                continue
            name = row.values["name"][:200]
            if school is None:
                code = _code_for(row.sourced_id, row.values.get("identifier"), taken)
                taken.add(code.lower())
                school = orgs.create_organization(
                    self.actor,
                    kind="school",
                    name=name,
                    code=code,
                    parent=district,
                    school_level="",
                )
                school.sourced_id = row.sourced_id
                school.save(update_fields=["sourced_id"])
                self.orgs[row.sourced_id] = school
                counts.created += 1
            elif school.name != name:
                school.name = name
                school.save(update_fields=["name"])
                counts.updated += 1
            else:
                counts.unchanged += 1
        missing = [
            r
            for r in self._rows("classes")
            if r.status == "active"
            and (school := self.orgs.get(r.values.get("schoolSourcedId") or "")) is not None
            and school.kind != OrganizationKind.SCHOOL
        ]
        for row in missing:
            self._issue("classes", row, "schoolSourcedId", "Classes are taught at a school.")

    # -- academic sessions

    def _sessions(self) -> None:
        district = self.district
        self.years = {
            y.sourced_id: y
            for y in AcademicYear.objects.filter(district=district).exclude(sourced_id="")
        }
        self.terms = {
            t.sourced_id: t
            for t in Term.objects.filter(year__district=district)
            .exclude(sourced_id="")
            .select_related("year")
        }
        if "academicSessions" not in self.package.files:
            return
        counts = self.report.counts("academicSessions")
        rows = self._rows("academicSessions")
        by_id = {r.sourced_id: r for r in rows}
        for row in rows:
            start, end = row.values["startDate"], row.values["endDate"]
            if start and end and end <= start:
                self._issue(
                    "academicSessions", row, "endDate", "endDate must come after startDate."
                )
        if self.issues:
            return
        # School years first, then the sessions within them.
        for row in sorted(rows, key=lambda r: r.values["type"] != "schoolYear"):
            self._tick("academicSessions")
            if row.status == "tobedeleted":
                counts.skipped += 1
                continue
            v = row.values
            title, start, end = v["title"][:40], v["startDate"], v["endDate"]
            if v["type"] == "schoolYear":
                year = self.years.get(row.sourced_id)
                if year is None:
                    year = AcademicYear.objects.filter(
                        district=district, name=title, sourced_id=""
                    ).first()
                    if year is not None:  # a year Proficio already had: adopt it
                        year.sourced_id = row.sourced_id
                if year is None:
                    if AcademicYear.objects.filter(district=district, name=title).exists():
                        self._issue(
                            "academicSessions", row, "title", f"Another year is named {title!r}."
                        )
                        continue
                    year = AcademicYear.objects.create(
                        district=district,
                        name=title,
                        start_date=start,
                        end_date=end,
                        sourced_id=row.sourced_id,
                    )
                    counts.created += 1
                elif (year.name, year.start_date, year.end_date) != (
                    title,
                    start,
                    end,
                ) or year._state.adding:
                    year.name, year.start_date, year.end_date = title, start, end
                    year.save()
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                self.years[row.sourced_id] = year
                continue
            year = self._year_for(row, by_id)
            if year is None:
                self._issue(
                    "academicSessions",
                    row,
                    "schoolYear",
                    f"No school year {v['schoolYear']} to put this session in: "
                    "add its schoolYear row.",
                )
                continue
            term = self.terms.get(row.sourced_id)
            if term is None:
                term = Term.objects.create(
                    year=year, name=title, start_date=start, end_date=end, sourced_id=row.sourced_id
                )
                counts.created += 1
            elif (term.year_id, term.name, term.start_date, term.end_date) != (
                year.pk,
                title,
                start,
                end,
            ):
                term.year, term.name, term.start_date, term.end_date = year, title, start, end
                term.save()
                counts.updated += 1
            else:
                counts.unchanged += 1
            self.terms[row.sourced_id] = term

    def _year_for(self, row: Row, by_id: dict[str, Row]) -> AcademicYear | None:
        seen: set[str] = set()
        current: Row | None = row
        while current is not None and current.sourced_id not in seen:
            seen.add(current.sourced_id)
            parent = current.values.get("parentSourcedId")
            if not parent:
                break
            if parent in self.years:
                return self.years[parent]
            if parent in self.terms:
                return self.terms[parent].year
            current = by_id.get(parent)
        school_year = row.values["schoolYear"]
        candidates = [y for y in self.years.values() if y.end_date.year == school_year]
        if not candidates:
            candidates = list(
                AcademicYear.objects.filter(district=self.district, end_date__year=school_year)
            )
        return candidates[0] if len(candidates) == 1 else None

    def _term_for_session(self, sourced_id: str) -> Term | None:
        if sourced_id in self.terms:
            return self.terms[sourced_id]
        year = self.years.get(sourced_id)
        if year is None:
            return None
        term = Term.objects.filter(year=year, sourced_id=sourced_id).first() or Term.objects.create(
            year=year,
            name=year.name[:40],
            start_date=year.start_date,
            end_date=year.end_date,
            sourced_id=sourced_id,
        )
        self.terms[sourced_id] = term
        return term

    # -- courses and classes

    def _courses(self) -> None:
        district = self.district
        existing = {
            c.sourced_id: c for c in Course.objects.filter(district=district).exclude(sourced_id="")
        }
        self.courses = {sid: c.pk for sid, c in existing.items()}
        if "courses" not in self.package.files:
            return
        counts = self.report.counts("courses")
        codes = {
            c.lower(): sid
            for c, sid in Course.objects.filter(district=district).values_list("code", "sourced_id")
        }
        for row in self._rows("courses"):
            self._tick("courses")
            if row.status == "tobedeleted":
                counts.skipped += 1
                continue
            v = row.values
            title = v["title"][:200]
            subject = (v.get("subjects") or [""])[0][:80]
            course = existing.get(row.sourced_id)
            if course is None:
                code = (v.get("courseCode") or row.sourced_id)[:40]
                if codes.get(code.lower(), row.sourced_id) != row.sourced_id:
                    code = row.sourced_id[:40]
                if code.lower() in codes and codes[code.lower()] != row.sourced_id:
                    self._issue(
                        "courses", row, "courseCode", f"Another course has the code {code!r}."
                    )
                    continue
                codes[code.lower()] = row.sourced_id
                course = Course.objects.create(
                    district=district,
                    code=code,
                    title=title,
                    subject=subject,
                    sourced_id=row.sourced_id,
                )
                counts.created += 1
            elif (course.title, course.subject) != (title, subject):
                course.title, course.subject = title, subject
                course.save(update_fields=["title", "subject"])
                counts.updated += 1
            else:
                counts.unchanged += 1
            self.courses[row.sourced_id] = course.pk

    def _classes(self) -> None:
        existing = {
            s.sourced_id: s
            for s in Section.objects.filter(school__parent=self.district)
            .exclude(sourced_id="")
            .select_related("term")
        }
        self.sections = {sid: (s.pk, s.school_id, s.term.start_date) for sid, s in existing.items()}
        if "classes" not in self.package.files:
            return
        counts = self.report.counts("classes")
        new: list[dict[str, Any]] = []
        for row in self._rows("classes"):
            self._tick("classes")
            if row.status == "tobedeleted":
                section = existing.get(row.sourced_id)
                if section is not None:
                    ended = self._end(Enrollment.objects.filter(section=section), row)
                    ended += self._end(SectionStaff.objects.filter(section=section), row)
                    counts.ended += 1 if ended else 0
                    counts.skipped += 0 if ended else 1
                else:
                    counts.skipped += 1
                continue
            v = row.values
            school = self.orgs.get(v["schoolSourcedId"])
            term = None
            for sid in v["termSourcedIds"]:
                term = self._term_for_session(sid)
                if term is not None:
                    break
            if term is None:
                self._issue(
                    "classes", row, "termSourcedIds", "None of these is a term Proficio imported."
                )
                continue
            if school is None or school.kind != OrganizationKind.SCHOOL:
                continue  # reported already
            name = v["title"][:120]
            course_id = self.courses[v["courseSourcedId"]]
            section = existing.get(row.sourced_id)
            if section is None:
                new.append(
                    {
                        "uuid": _uuid(),
                        "school_id": school.pk,
                        "course_id": course_id,
                        "term_id": term.pk,
                        "name": name,
                        "sourced_id": row.sourced_id,
                    }
                )
                self.sections[row.sourced_id] = (0, school.pk, term.start_date)
                counts.created += 1
            elif (section.school_id, section.course_id, section.term_id, section.name) != (
                school.pk,
                course_id,
                term.pk,
                name,
            ):
                section.school_id, section.course_id, section.term_id, section.name = (
                    school.pk,
                    course_id,
                    term.pk,
                    name,
                )
                section.save()
                self.sections[row.sourced_id] = (section.pk, school.pk, term.start_date)
                counts.updated += 1
            else:
                counts.unchanged += 1
        insert_rows(Section, new)
        if new:
            fresh = Section.objects.filter(school__parent=self.district).exclude(sourced_id="")
            for pk, sid in fresh.values_list("pk", "sourced_id"):
                _, school_id, start = self.sections[sid]
                self.sections[sid] = (pk, school_id, start)

    def _end(self, qs: Any, row: Row) -> int:
        """End the open rows of ``qs`` (enrollments, staff, memberships) as of the row's
        date, or as of their start if they start later."""
        day = row.modified.date() if row.modified else self.today
        ending = Case(When(start_date__gt=day, then=F("start_date")), default=Value(day))
        return int(
            qs.filter(Q(end_date__isnull=True) | Q(end_date__gt=day)).update(end_date=ending)
        )

    # -- users

    def _primary_roles(self) -> dict[str, str]:
        """Each user's OneRoster role: 1.1's users.role, else 1.2's primary role row."""
        roles: dict[str, str] = {}
        for row in self._rows("roles"):
            if row.status == "active" and (
                row.values["roleType"] == "primary" or row.values["userSourcedId"] not in roles
            ):
                roles[row.values["userSourcedId"]] = row.values["role"]
        for row in self._rows("users"):
            if row.values.get("role"):
                roles.setdefault(row.sourced_id, row.values["role"])
        return roles

    def _users(self) -> None:
        district = self.district
        existing = {u.sourced_id: u for u in User.objects.filter(roster_district=district)}
        self.users = {sid: u.pk for sid, u in existing.items()}
        self.students = {
            s.sourced_id: (s.pk, s.school_id)
            for s in Student.objects.filter(school__parent=district).exclude(sourced_id="")
        }
        self.user_roles = self._primary_roles()
        if "users" not in self.package.files:
            return
        counts = self.report.counts("users")
        rows = self._rows("users")
        if (
            self.package.version == "1.2"
            and "roles" not in self.package.files
            and any(r.values.get("role") for r in rows)
        ):
            self.report.warnings.append(
                "users.csv: 1.1's role and orgSourcedIds columns were read (no roles.csv)"
            )
        wanted = [r.values["username"].lower() for r in rows if r.sourced_id not in existing]
        taken: set[str] = set()
        for chunk in _chunks(sorted(set(wanted))):
            taken |= {
                name.lower()
                for name in User.objects.filter(username__in=chunk).values_list(
                    "username", flat=True
                )
            }
        # Usernames differ only in case for Django's login: compare them lowered.
        taken |= {
            name.lower()
            for name in User.objects.filter(username__iregex=r"[A-Z]").values_list(
                "username", flat=True
            )
        } & set(wanted)
        primary_school = {
            row.values["userSourcedId"]: row.values["orgSourcedId"]
            for row in self._rows("roles")
            if row.status == "active"
            and row.values["role"] == "student"
            and row.values["roleType"] == "primary"
        }
        now = timezone.now()
        new_users: list[dict[str, Any]] = []
        new_students: list[dict[str, Any]] = []
        student_rows: dict[str, Row] = {}
        seen_names: dict[str, int] = {}
        for row in rows:
            self._tick("users")
            v = row.values
            user = existing.get(row.sourced_id)
            active = row.status == "active" and bool(v["enabledUser"])
            display = " ".join(
                p for p in (v.get("preferredGivenName") or v["givenName"], v["familyName"]) if p
            )
            fields = {
                "username": v["username"][:150],
                "first_name": v["givenName"][:150],
                "last_name": v["familyName"][:150],
                "email": (v.get("email") or "")[:254],
                "display_name": display[:200],
                "is_active": active,
            }
            role = self.user_roles.get(row.sourced_id)
            if user is None:
                if row.status == "tobedeleted":
                    counts.skipped += 1
                    continue
                name = fields["username"].lower()
                if name in taken:
                    self._issue(
                        "users",
                        row,
                        "username",
                        f"The username {fields['username']!r} belongs to an account "
                        "outside this roster.",
                    )
                    continue
                if name in seen_names:
                    self._issue(
                        "users",
                        row,
                        "username",
                        f"The username {fields['username']!r} is also on row {seen_names[name]}.",
                    )
                    continue
                seen_names[name] = row.line
                new_users.append(
                    {
                        "password": "!"
                        + secrets.token_urlsafe(30),  # unusable: sign in by SSO or reset
                        "last_login": None,
                        "is_superuser": False,
                        "is_staff": False,
                        "date_joined": now,
                        "preferred_language": "en",
                        "sourced_id": row.sourced_id,
                        "roster_district_id": district.pk,
                        **fields,
                    }
                )
                counts.created += 1
            else:
                if row.status == "tobedeleted":
                    fields["is_active"] = False
                    self._end(RoleMembership.objects.filter(user=user), row)
                    self._end(SectionStaff.objects.filter(user=user), row)
                    self._end(Enrollment.objects.filter(student__user=user), row)
                    counts.ended += 1
                if any(getattr(user, k) != val for k, val in fields.items()):
                    for k, val in fields.items():
                        setattr(user, k, val)
                    user.save(update_fields=list(fields))
                    counts.updated += row.status == "active"
                elif row.status == "active":
                    counts.unchanged += 1
            if role == "student" and row.status == "active":
                student_rows[row.sourced_id] = row
        insert_rows(User, new_users)
        if new_users:
            self.users.update(
                dict(User.objects.filter(roster_district=district).values_list("sourced_id", "pk"))
            )
        # Students: each at one school of this district.
        existing_students = {
            s.sourced_id: s
            for s in Student.objects.filter(school__parent=district).exclude(sourced_id="")
        }
        local_ids = {
            (school, local.lower()): sid
            for school, local, sid in Student.objects.filter(school__parent=district).values_list(
                "school_id", "local_id", "sourced_id"
            )
        }
        births = {
            r.sourced_id: r.values.get("birthDate")
            for r in self._rows("demographics")
            if r.status == "active"
        }
        for sid, row in student_rows.items():
            v = row.values
            school = self._school_of(row, primary_school)
            if school is None:
                self._issue(
                    "users",
                    row,
                    "orgSourcedIds",
                    "A student must belong to a school of this district.",
                )
                continue
            local_id = (v.get("identifier") or sid)[:40]
            fields = {
                "school_id": school.pk,
                "legal_given_name": v["givenName"][:100],
                "legal_family_name": v["familyName"][:100],
                "preferred_name": (v.get("preferredGivenName") or "")[:100],
                "grade_level": _grade(v.get("grades")),
                "user_id": self.users.get(sid),
            }
            student = existing_students.get(sid)
            if student is None:
                holder = local_ids.get((school.pk, local_id.lower()))
                if holder is not None and holder != sid:
                    adopt = Student.objects.filter(
                        school=school, local_id__iexact=local_id, sourced_id=""
                    ).first()
                    if adopt is None:
                        self._issue(
                            "users",
                            row,
                            "identifier",
                            f"Local id {local_id!r} is already used at {school.name}.",
                        )
                        continue
                    student = adopt
                    student.sourced_id = sid
                    for k, val in fields.items():
                        setattr(student, k, val)
                    student.save()
                    self.students[sid] = (student.pk, school.pk)
                    continue
                local_ids[(school.pk, local_id.lower())] = sid
                new_students.append(
                    {
                        "uuid": _uuid(),
                        "local_id": local_id,
                        "state_id": "",
                        "birth_date": births.get(sid),
                        "sourced_id": sid,
                        **fields,
                    }
                )
                self.students[sid] = (0, school.pk)
            elif any(getattr(student, k) != val for k, val in fields.items()):
                for k, val in fields.items():
                    setattr(student, k, val)
                student.save()
                self.students[sid] = (student.pk, school.pk)
        insert_rows(Student, new_students)
        if new_students:
            fresh = dict(
                Student.objects.filter(school__parent=district)
                .exclude(sourced_id="")
                .values_list("sourced_id", "pk")
            )
            for sid, (_, school_id) in list(self.students.items()):
                self.students[sid] = (fresh[sid], school_id)
            # A new student's demographics come straight from demographics.csv.
            demographics = {
                r.sourced_id: r for r in self._rows("demographics") if r.status == "active"
            }
            demo_rows = []
            for r in new_students:
                given = demographics.get(r["sourced_id"])
                mapped = demographics_for(given.values)[0] if given else {}
                if given:
                    self.new_demographics.add(r["sourced_id"])
                demo_rows.append(
                    {
                        "student_id": fresh[r["sourced_id"]],
                        "hispanic_latino": mapped.get("hispanic_latino", False),
                        "races": mapped.get("races", []),
                        "english_learner": False,
                        "home_language": "English",
                        "disability": "none",
                        "economically_disadvantaged": False,
                        "gender": mapped.get("gender", "not_reported"),
                    }
                )
            insert_rows(StudentDemographics, demo_rows)
        self._guardians(rows)

    def _school_of(self, row: Row, primary_school: dict[str, str]) -> Organization | None:
        v = row.values
        candidates = [
            primary_school.get(row.sourced_id),
            v.get("primaryOrg"),
            *(v.get("orgSourcedIds") or []),
        ]
        for sid in candidates:
            org = self.orgs.get(sid or "")
            if org is not None and org.kind == OrganizationKind.SCHOOL:
                return org
        return None

    def _guardians(self, rows: list[Row]) -> None:
        """Guardian accounts link to the students named in agentSourcedIds (either way)."""
        pairs: set[tuple[str, str]] = set()
        for row in rows:
            if row.status != "active":
                continue
            role = self.user_roles.get(row.sourced_id)
            for agent in row.values.get("agentSourcedIds") or []:
                agent_role = self.user_roles.get(agent)
                if role == "student" and agent_role in GUARDIAN_ROLES:
                    pairs.add((agent, row.sourced_id))
                elif role in GUARDIAN_ROLES and agent_role == "student":
                    pairs.add((row.sourced_id, agent))
        if not pairs:
            return
        existing = set(
            GuardianLink.objects.filter(student__school__parent=self.district).values_list(
                "guardian_id", "student_id"
            )
        )
        new = []
        for guardian_sid, student_sid in sorted(pairs):
            guardian, student = self.users.get(guardian_sid), self.students.get(student_sid)
            if guardian is None or student is None or (guardian, student[0]) in existing:
                continue
            existing.add((guardian, student[0]))
            new.append(
                {
                    "guardian_id": guardian,
                    "student_id": student[0],
                    "relationship": self.user_roles[guardian_sid],
                    "sourced_id": f"{guardian_sid}>{student_sid}",
                }
            )
        insert_rows(GuardianLink, new)

    def _user_profiles(self) -> None:
        # Credentials for other applications: checked and counted, never stored here.
        if "userProfiles" in self.package.files:
            counts = self.report.counts("userProfiles")
            counts.skipped = len(self._rows("userProfiles"))
            self._tick("userProfiles", counts.skipped)
            self.report.warnings.append(
                "userProfiles.csv: checked, not stored "
                "(Proficio keeps no credentials for other applications)"
            )

    # -- staff roles

    def _staff_roles(self) -> None:
        """Memberships from 1.2's roles.csv, or from 1.1's users.csv role and orgs."""
        wanted: list[tuple[str, str, str, Role, dt.date | None, dt.date | None, Row]] = []
        source = "roles" if "roles" in self.package.files else "users"
        if source not in self.package.files:
            return
        counts = self.report.counts(source) if source == "roles" else FileCounts()
        if source == "roles":
            for row in self._rows("roles"):
                self._tick("roles")
                v = row.values
                mapped = STAFF_ROLES.get(v["role"])
                if mapped is None:
                    counts.skipped += 1  # students, guardians: from their records
                    continue
                wanted.append(
                    (
                        row.sourced_id,
                        v["userSourcedId"],
                        v["orgSourcedId"],
                        mapped[0],
                        v["beginDate"],
                        v["endDate"],
                        row,
                    )
                )
        else:
            for row in self._rows("users"):
                role = row.values.get("role")
                if role not in ("teacher", "administrator"):
                    continue
                for org_sid in row.values.get("orgSourcedIds") or []:
                    org = self.orgs.get(org_sid)
                    if org is None:
                        continue
                    if role == "teacher":
                        mapped_role = Role.TEACHER
                    else:
                        mapped_role = (
                            Role.DISTRICT_ADMIN
                            if org.kind == OrganizationKind.DISTRICT
                            else Role.SCHOOL_LEADER
                        )
                    wanted.append(
                        (
                            f"{row.sourced_id}@{org_sid}",
                            row.sourced_id,
                            org_sid,
                            mapped_role,
                            None,
                            None,
                            row,
                        )
                    )
        existing = {
            m.sourced_id: m
            for m in RoleMembership.objects.filter(
                organization__path__startswith=self.district.path
            ).exclude(sourced_id="")
        }
        seen: set[str] = set()
        new = []
        for sid, user_sid, org_sid, role, begin, end, row in wanted:
            org = self.orgs.get(org_sid)
            user_id = self.users.get(user_sid)
            if org is None or user_id is None:
                continue
            _, needed = next(v for k, v in STAFF_ROLES.items() if v[0] == role)
            if org.kind != needed:
                self._issue(
                    source,
                    row,
                    "orgSourcedId" if source == "roles" else "orgSourcedIds",
                    f"{role.label} is held at a {needed}.",
                )
                continue
            seen.add(sid)
            membership = existing.get(sid)
            if row.status == "tobedeleted":
                if membership is not None and self._end(
                    RoleMembership.objects.filter(pk=membership.pk), row
                ):
                    counts.ended += 1
                continue
            start = begin or (membership.start_date if membership else self._roster_start())
            if membership is None:
                new.append(
                    {
                        "user_id": user_id,
                        "role": role.value,
                        "organization_id": org.pk,
                        "start_date": start,
                        "end_date": end,
                        "sourced_id": sid,
                    }
                )
                counts.created += 1
            elif (
                membership.role,
                membership.organization_id,
                membership.start_date,
                membership.end_date,
            ) != (role.value, org.pk, start, end):
                (
                    membership.role,
                    membership.organization_id,
                    membership.start_date,
                    membership.end_date,
                ) = role.value, org.pk, start, end
                membership.save()
                counts.updated += 1
            else:
                counts.unchanged += 1
        if end_bad := [w for w in wanted if w[4] and w[5] and w[5] < w[4]]:
            for w in end_bad:
                self._issue(source, w[6], "endDate", "endDate must not come before beginDate.")
            return
        insert_rows(RoleMembership, new)
        if self.package.mode(source) == "bulk":
            gone = [m.pk for sid, m in existing.items() if sid not in seen]
            for chunk in _chunks(gone):
                counts.ended += (
                    RoleMembership.objects.filter(pk__in=chunk)
                    .filter(Q(end_date__isnull=True) | Q(end_date__gt=self.today))
                    .update(end_date=self.today)
                )

    def _roster_start(self) -> dt.date:
        """When a role without dates (1.1) starts: the roster's school year, else today."""
        years = [
            r.values["startDate"]
            for r in self._rows("academicSessions")
            if r.values["type"] == "schoolYear" and r.values["startDate"] <= self.today
        ]
        return max(years) if years else self.today

    # -- demographics

    def _demographics(self) -> None:
        if "demographics" not in self.package.files:
            return
        counts = self.report.counts("demographics")
        student_ids = {sid: pk for sid, (pk, _) in self.students.items()}
        fresh = self.new_demographics
        current = {
            d["student_id"]: d
            for d in StudentDemographics.objects.filter(
                student__school__parent=self.district
            ).values(
                "pk", "student_id", "hispanic_latino", "races", "gender", "student__birth_date"
            )
        }
        changed_demo: list[dict[str, Any]] = []
        changed_birth: list[dict[str, Any]] = []
        warned: Counter[str] = Counter()
        for row in self._rows("demographics"):
            self._tick("demographics")
            pk = student_ids.get(row.sourced_id)
            if pk is None or row.status == "tobedeleted":
                counts.skipped += 1
                continue
            fields, note = demographics_for(row.values)
            if note:
                warned[note] += 1
            if row.sourced_id in fresh:
                counts.created += 1  # written with the new student
                continue
            demo = current.get(pk)
            if demo is None:
                insert_rows(
                    StudentDemographics,
                    [
                        {
                            "student_id": pk,
                            **fields,
                            "english_learner": False,
                            "home_language": "English",
                            "disability": "none",
                            "economically_disadvantaged": False,
                        }
                    ],
                )
                counts.created += 1
            elif any(demo[k] != val for k, val in fields.items()):  # type: ignore[literal-required]
                changed_demo.append({"pk": demo["pk"], **fields})
                counts.updated += 1
            else:
                counts.unchanged += 1
            birth = row.values.get("birthDate")
            if birth and demo is not None and demo["student__birth_date"] != birth:
                changed_birth.append({"pk": pk, "birth_date": birth})
        update_rows(StudentDemographics, changed_demo)
        update_rows(Student, changed_birth)
        for note, n in warned.items():
            self.report.warnings.append(f"demographics.csv: {note} ({n} rows)")

    # -- enrollments

    def _enrollments(self) -> None:
        if "enrollments" not in self.package.files:
            return
        counts = self.report.counts("enrollments")
        district = self.district
        # (pk, person, section, start, end, sourcedId) by sourcedId and by (person, section)
        students = _Dated(
            Enrollment,
            "student_id",
            Enrollment.objects.filter(section__school__parent=district),
        )
        teachers = _Dated(
            SectionStaff,
            "user_id",
            SectionStaff.objects.filter(section__school__parent=district),
        )
        seen: set[str] = set()
        pair_rows: dict[tuple[str, int, int], int] = {}
        for row in self._rows("enrollments"):
            self._tick("enrollments")
            v = row.values
            seen.add(row.sourced_id)
            role = v["role"]
            table = students if role == "student" else teachers
            if row.status == "tobedeleted":
                found = table.by_sid.get(row.sourced_id)
                day = row.modified.date() if row.modified else self.today
                if found is not None and table.end(found, day):
                    counts.ended += 1
                else:
                    counts.skipped += 1
                continue
            section = self.sections.get(v["classSourcedId"])
            if section is None:
                continue  # reported by the reference check
            section_id, school_id, term_start = section
            start = v["beginDate"] or term_start
            end = v["endDate"]
            if end is not None and end < start:
                self._issue(
                    "enrollments", row, "endDate", "endDate must not come before beginDate."
                )
                continue
            if role == "student":
                student = self.students.get(v["userSourcedId"])
                if student is None:
                    self._issue(
                        "enrollments",
                        row,
                        "userSourcedId",
                        f"User {v['userSourcedId']!r} is not a student of this district.",
                    )
                    continue
                if student[1] != school_id:
                    self._issue(
                        "enrollments",
                        row,
                        "schoolSourcedId",
                        "The student belongs to another school than the class.",
                    )
                    continue
                person = student[0]
            elif role == "teacher":
                user_id = self.users.get(v["userSourcedId"])
                if user_id is None:
                    continue  # reported by the reference check
                person = user_id
            else:
                counts.skipped += 1  # a class's administrators and proctors: not mapped
                continue
            key = (role, person, section_id)
            if key in pair_rows:
                self._issue(
                    "enrollments",
                    row,
                    "userSourcedId",
                    f"This person is already in this class with this role (row {pair_rows[key]}).",
                )
                continue
            pair_rows[key] = row.line
            outcome = table.upsert(row.sourced_id, person, section_id, start, end)
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        if self.issues:
            return
        if self.package.mode("enrollments") == "bulk":
            for table in (students, teachers):
                counts.ended += table.end_missing(seen, self.today)
        students.write()
        teachers.write()
        record_bulk(
            AuditAction.UPDATE,
            "orgs.enrollment",
            counts.created + counts.updated + counts.ended,
            org_path=district.path,
            detail=counts.as_dict(),
        )


class _Dated:
    """Dated section rows (enrollments or teaching staff) of a district, keyed for upserts."""

    def __init__(self, model: type[Enrollment] | type[SectionStaff], person: str, qs: Any) -> None:
        self.model = model
        self.person = person
        rows = list(
            qs.values_list("pk", person, "section_id", "start_date", "end_date", "sourced_id")
        )
        self.by_sid = {r[5]: r for r in rows if r[5]}
        self.by_pair = {(r[1], r[2]): r for r in rows}
        self.new: list[dict[str, Any]] = []
        self.changed: list[Any] = []

    def _changed(self, found: tuple[Any, ...], start: Any, end: Any, sid: str) -> None:
        self.changed.append(
            {"pk": found[0], "start_date": start, "end_date": end, "sourced_id": sid}
        )

    def upsert(self, sid: str, person: int, section: int, start: Any, end: Any) -> str:
        found = self.by_sid.get(sid) or self.by_pair.get((person, section))
        if found is None:
            self.new.append(
                {
                    self.person: person,
                    "section_id": section,
                    "start_date": start,
                    "end_date": end,
                    "sourced_id": sid,
                }
            )
            return "created"
        if (found[1], found[2], found[3], found[4], found[5]) == (person, section, start, end, sid):
            return "unchanged"
        if (found[1], found[2]) != (person, section):
            # The same sourcedId now names another student or class: end the old one.
            self._changed(found, found[3], found[4] or self.today_or(start), found[5])
            self.new.append(
                {
                    self.person: person,
                    "section_id": section,
                    "start_date": start,
                    "end_date": end,
                    "sourced_id": sid,
                }
            )
            return "updated"
        self._changed(found, start, end, sid)
        return "updated"

    @staticmethod
    def today_or(day: dt.date) -> dt.date:
        return min(day, timezone.localdate())

    def end(self, found: tuple[Any, ...], day: dt.date) -> bool:
        if found[4] is not None and found[4] <= day:
            return False
        self._changed(found, found[3], max(day, found[3]), found[5])
        return True

    def end_missing(self, seen: set[str], day: dt.date) -> int:
        ended = 0
        for sid, found in self.by_sid.items():
            if sid not in seen and self.end(found, day):
                ended += 1
        return ended

    def write(self) -> None:
        insert_rows(self.model, self.new)
        update_rows(self.model, self.changed)


def _uuid() -> Any:
    import uuid

    return uuid.uuid4()


def demographics_for(values: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """Our subgroup fields from a OneRoster demographics row, and a note when lossy.

    - sex: male → male, female → female, other (1.2) → nonbinary, unspecified or blank →
      not reported.
    - the five race columns (true/false) → the federal race categories; the federal
      rollup (Hispanic, one race, two or more) follows from them as for every student.
    - hispanicOrLatinoEthnicity → Hispanic or Latino.
    - demographicRaceTwoOrMoreRaces true with fewer than two race columns true cannot be
      represented by category: it is noted, and the categories given are kept.
    - OneRoster carries no English-learner, disability or economic-disadvantage status:
      those subgroups are left as they are.
    """
    races = [
        race
        for column, race in (
            ("americanIndianOrAlaskaNative", "american_indian"),
            ("asian", "asian"),
            ("blackOrAfricanAmerican", "black"),
            ("nativeHawaiianOrOtherPacificIslander", "pacific_islander"),
            ("white", "white"),
        )
        if values.get(column)
    ]
    sex = values.get("sex")
    gender = {"male": "male", "female": "female", "other": "nonbinary"}.get(
        sex or "", "not_reported"
    )
    note = ""
    if values.get("demographicRaceTwoOrMoreRaces") and len(races) < 2:
        note = "two or more races without the races named; kept the races given"
    return {
        "hispanic_latino": bool(values.get("hispanicOrLatinoEthnicity")),
        "races": races,
        "gender": gender,
    }, note


# -- Jobs (the upload page and the API) -----------------------------------------------------


def districts_for(actor: Any) -> Any:
    """The districts ``actor`` may import a roster into."""
    return policy.visible(actor, Subject.ORGANIZATION, Act.CHANGE).filter(
        kind=OrganizationKind.DISTRICT
    )


@transaction.atomic
def start_import(
    actor: User, district: Organization, *, filename: str, payload: bytes, dry_run: bool
) -> RosterImport:
    """Store an upload as a job and enqueue the import (it runs once this commits)."""
    from proficio.roster.tasks import run_roster_import

    policy.authorize(actor, Act.CHANGE, Subject.ORGANIZATION, district)
    job = RosterImport.objects.create(
        created_by=actor,
        district=district,
        filename=filename[:255],
        payload=payload,
        dry_run=dry_run,
    )
    transaction.on_commit(lambda: run_roster_import.enqueue(job.pk))
    return job


def run_job(job_id: int) -> None:
    """Run one stored import (called by the task). Its outcome lands on the job row."""
    from proficio import progress as live

    job = RosterImport.objects.select_related("created_by", "district").get(pk=job_id)
    RosterImport.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, stage="reading")

    def progress(done: int, total: int, stage: str) -> None:
        # The import's transaction hides its own rows until it commits: report outside it.
        live.report("roster", job_id, done=done, total=total, stage=stage)

    try:
        files = read_upload(job.filename, bytes(job.payload))
        report = import_oneroster(
            job.created_by, job.district, files, dry_run=job.dry_run, progress=progress
        )
    except OneRosterError as exc:
        RosterImport.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, stage="", errors=[i.as_dict() for i in exc.issues]
        )
        return
    except Exception as exc:  # a job page must never poll forever
        RosterImport.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            stage="",
            errors=[
                {
                    "file": job.filename,
                    "row": None,
                    "column": None,
                    "message": f"The import stopped unexpectedly: {type(exc).__name__}",
                }
            ],
        )
        raise
    RosterImport.objects.filter(pk=job_id).update(
        status=JobStatus.DONE,
        stage="",
        report=report.as_dict(),
        total=report_total(report),
        done=report_total(report),
    )


def report_total(report: RosterReport) -> int:
    return sum(sum(c.as_dict().values()) for c in report.files.values())


def visible_jobs(actor: Any) -> Any:
    return policy.visible(actor, Subject.ROSTER_IMPORT)


# -- The demo district ---------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@transaction.atomic
def give_sourced_ids(actor: Any, district: Organization) -> int:
    """Give a district Proficio built itself (the demo) the sourcedIds a SIS export of it
    would carry, so a OneRoster file set of the same district updates it in place.

    The scheme: organizations by code; ``<district>-year-<start year>``; terms and courses
    by name or code; sections ``<school>-<name>``; people ``<district>-<username>``;
    enrollments, teaching assignments and memberships ``<person>@<class or org>``.
    """
    policy.authorize(actor, Act.CHANGE, Subject.ORGANIZATION, district)
    prefix = district.code
    schools = list(Organization.objects.filter(parent=district))
    orgs_rows = [{"pk": o.pk, "sourced_id": o.code} for o in [district, *schools]]
    years = AcademicYear.objects.filter(district=district)
    year_rows = [{"pk": y.pk, "sourced_id": f"{prefix}-year-{y.start_date.year}"} for y in years]
    term_rows = [
        {"pk": t.pk, "sourced_id": f"{prefix}-term-{t.start_date.year}-{_slug(t.name)}"}
        for t in Term.objects.filter(year__district=district)
    ]
    course_rows = [
        {"pk": c.pk, "sourced_id": f"{prefix}-course-{_slug(c.code)}"}
        for c in Course.objects.filter(district=district)
    ]
    sections = {
        s.pk: f"{s.school.code}-{_slug(s.name)}-{s.pk}"
        for s in Section.objects.filter(school__parent=district).select_related("school")
    }
    users: dict[int, str] = {}
    for username, pk in Student.objects.filter(
        school__parent=district, user__isnull=False
    ).values_list("user__username", "user_id"):
        users[pk] = f"{prefix}-{username}"
    staff = RoleMembership.objects.filter(organization__path__startswith=district.path)
    for username, pk in staff.values_list("user__username", "user_id"):
        users[pk] = f"{prefix}-{username}"
    guardians = GuardianLink.objects.filter(student__school__parent=district)
    for username, pk in guardians.values_list("guardian__username", "guardian_id"):
        users[pk] = f"{prefix}-{username}"
    students = {
        pk: users.get(user_id, f"{prefix}-student-{local_id}")
        for pk, user_id, local_id in Student.objects.filter(school__parent=district).values_list(
            "pk", "user_id", "local_id"
        )
    }
    update_rows(Organization, orgs_rows)
    update_rows(AcademicYear, year_rows)
    update_rows(Term, term_rows)
    update_rows(Course, course_rows)
    update_rows(Section, [{"pk": pk, "sourced_id": sid} for pk, sid in sections.items()])
    update_rows(
        User,
        [
            {"pk": pk, "sourced_id": sid, "roster_district": district.pk}
            for pk, sid in users.items()
        ],
    )
    update_rows(Student, [{"pk": pk, "sourced_id": sid} for pk, sid in students.items()])
    update_rows(
        Enrollment,
        [
            {"pk": pk, "sourced_id": f"{students[st]}@{sections[se]}"}
            for pk, st, se in Enrollment.objects.filter(section__in=list(sections)).values_list(
                "pk", "student_id", "section_id"
            )
        ],
    )
    update_rows(
        SectionStaff,
        [
            {"pk": pk, "sourced_id": f"{users.get(u, f'{prefix}-user-{u}')}@{sections[se]}"}
            for pk, u, se in SectionStaff.objects.filter(section__in=list(sections)).values_list(
                "pk", "user_id", "section_id"
            )
        ],
    )
    codes = {o.pk: o.code for o in [district, *schools]}
    update_rows(
        RoleMembership,
        [
            {"pk": pk, "sourced_id": f"{users[u]}@{codes.get(org, org)}"}
            for pk, u, org in staff.values_list("pk", "user_id", "organization_id")
        ],
    )
    return len(users)

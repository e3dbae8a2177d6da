"""OneRoster import of a large district against a real database.

    python benchmarks/bench_oneroster.py             # SQLite (a fresh file)
    python tools/with_postgres.py -- python benchmarks/bench_oneroster.py   # PostgreSQL

Generates a OneRoster 1.2 CSV file set for a district of 50,000 students in 20 schools:
four quarters of five classes per student (1,000,000 student enrollments, plus one
teacher per class), 2,000 teachers, roles and demographics. Target: the import (parse,
check, write, all in one transaction) under 60 s. Baseline, in the same run: a plain bulk
insert of the same CSV rows, as text, into one scratch table per file (COPY on
PostgreSQL, executemany on SQLite); the ratio is what reading them as a roster costs on
top of moving the bytes. ``--reimport`` also times importing the same files again.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-roster-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from proficio.audit.context import acting  # noqa: E402
from proficio.orgs import actions as orgs  # noqa: E402
from proficio.orgs.models import Enrollment, Organization  # noqa: E402
from proficio.policy import SYSTEM  # noqa: E402
from proficio.roster.actions import import_oneroster  # noqa: E402

QUARTERS = [
    ("q1", "2025-08-15", "2025-10-24"),
    ("q2", "2025-10-27", "2026-01-16"),
    ("q3", "2026-01-20", "2026-03-27"),
    ("q4", "2026-03-30", "2026-06-10"),
]


def generate(
    students: int, schools: int = 20, per_term: int = 5, size: int = 25
) -> dict[str, bytes]:
    """A OneRoster 1.2 bulk file set; deterministic."""
    out: dict[str, io.StringIO] = {}

    def writer(name: str, header: str) -> io.StringIO:
        buffer = out[name] = io.StringIO()
        buffer.write(header + "\n")
        return buffer

    orgs_f = writer(
        "orgs", "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId"
    )
    orgs_f.write("d,,,Big District,district,,\n")
    sessions = writer(
        "academicSessions",
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
    )
    sessions.write("y26,,,2025-2026,schoolYear,2025-08-15,2026-06-10,,2026\n")
    for sid, start, end in QUARTERS:
        sessions.write(f"{sid},,,{sid.upper()},gradingPeriod,{start},{end},y26,2026\n")
    courses = writer(
        "courses",
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes",
    )
    subjects = ["Mathematics", "English", "Science", "History", "Art"]
    for n, subject in enumerate(subjects):
        courses.write(f"c{n},,,y26,{subject},C{n},,d,{subject},\n")
    classes = writer(
        "classes",
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    )
    users = writer(
        "users",
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrg,pronouns",
    )
    roles = writer(
        "roles",
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId",
    )
    enrollments = writer(
        "enrollments",
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
    )
    demographics = writer(
        "demographics",
        "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus",
    )
    per_school = students // schools
    classes_per_term = per_school * per_term // size
    teachers_per_school = max(1, classes_per_term * len(QUARTERS) // 20)
    enrollment_id = 0
    for s in range(schools):
        school = f"s{s}"
        orgs_f.write(f"{school},,,School {s},school,,d\n")
        for t in range(teachers_per_school):
            uid = f"t{s}-{t}"
            users.write(f"{uid},,,true,{uid},,Teacher,{t},,{uid},,,,,,,,,,,,{school},\n")
            roles.write(f"r{uid},,,{uid},primary,teacher,2025-08-15,,{school},\n")
        for q, (term, _, _) in enumerate(QUARTERS):
            for c in range(classes_per_term):
                cid = f"k{s}-{q}-{c}"
                course = c % per_term
                title = f'"{subjects[course]}, {c}"'
                classes.write(f"{cid},,,{title},,c{course},{cid},scheduled,,{school},{term},,,\n")
                teacher = f"t{s}-{(q * classes_per_term + c) % teachers_per_school}"
                enrollment_id += 1
                enrollments.write(f"e{enrollment_id},,,{cid},{school},{teacher},teacher,true,,\n")
        for i in range(per_school):
            uid = f"u{s}-{i}"
            grade = f"{6 + i % 7:02d}"
            users.write(f"{uid},,,true,{uid},,Student,{i},,{uid},,,,,{grade},,,,,,,{school},\n")
            roles.write(f"r{uid},,,{uid},primary,student,,,{school},\n")
            sex = "female" if i % 2 else "male"
            flags = ["true" if (i + k) % 5 == 0 else "false" for k in range(5)]
            hispanic = "true" if i % 3 == 0 else "false"
            demographics.write(
                f"{uid},,,2012-01-{1 + i % 28:02d},{sex},{','.join(flags)},false,{hispanic},,,,\n"
            )
            for q in range(len(QUARTERS)):
                for k in range(per_term):
                    # Classes of course k in quarter q: fill each with `size` students.
                    slot = (i * per_term + k) // (size * per_term)
                    c = slot * per_term + k
                    enrollment_id += 1
                    enrollments.write(
                        f"e{enrollment_id},,,k{s}-{q}-{c},{school},{uid},student,false,,\n"
                    )
    manifest = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.2"]
    manifest += [f"file.{name},bulk" for name in out]
    files = {"manifest.csv": ("\n".join(manifest) + "\n").encode()}
    files.update({f"{name}.csv": buffer.getvalue().encode() for name, buffer in out.items()})
    return files


def plain_insert(files: dict[str, bytes]) -> int:
    """The baseline: every CSV row, as text, into a scratch table per file."""
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for name, data in files.items():
            reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
            header = next(reader)
            table = f"bench_{name.removesuffix('.csv').lower()}"
            columns = ", ".join(f"c{i} text" for i in range(len(header)))
            cursor.execute(f"CREATE TABLE {table} ({columns})")
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    for record in reader:
                        copy.write_row(record)
                        rows += 1
            else:
                marks = ", ".join(["%s"] * len(header))
                records = list(reader)
                cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", records)  # noqa: S608
                rows += len(records)
        transaction.set_rollback(True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--reimport", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    with acting(None, route="bench"):
        state = orgs.create_organization(
            SYSTEM, kind="state", name="Bench State", code="bench-state"
        )
        district = orgs.create_organization(
            SYSTEM, kind="district", name="Big District", code="big", parent=state
        )
    started = time.perf_counter()
    files = generate(args.students)
    generated = time.perf_counter() - started
    total_rows = sum(data.count(b"\n") - 1 for name, data in files.items())
    megabytes = sum(len(d) for d in files.values()) / 1e6
    print(f"database: {connection.vendor}")
    print(
        f"file set: {args.students:,} students, {total_rows:,} rows, {megabytes:.0f} MB "
        f"(generated in {generated:.1f} s)"
    )
    started = time.perf_counter()
    baseline_rows = plain_insert(files)
    baseline = time.perf_counter() - started
    print(
        f"baseline: plain bulk insert of the same {baseline_rows:,} rows as text: {baseline:.1f} s"
    )
    started = time.perf_counter()
    cpu = time.process_time()
    with acting(None, route="bench"):
        report = import_oneroster(SYSTEM, district, files)
    took = time.perf_counter() - started
    cpu_took = time.process_time() - cpu
    enrollments = Enrollment.objects.filter(section__school__parent=district).count()
    print(
        f"import: {took:.1f} s ({cpu_took:.1f} s CPU in this process; on SQLite that "
        f"includes the database) for {enrollments:,} student enrollments "
        f"(target < 60 s; {total_rows / took:,.0f} rows/s); ratio to the plain insert: "
        f"{took / baseline:.1f}x"
    )
    for name, counts in report.files.items():
        print(f"  {name}: {counts.as_dict()}")
    if args.reimport:
        started = time.perf_counter()
        with acting(None, route="bench"):
            again = import_oneroster(SYSTEM, district, files)
        took2 = time.perf_counter() - started
        changed = sum(c.created + c.updated + c.ended for c in again.files.values())
        print(f"re-import of the same files: {took2:.1f} s, {changed} changes")
    assert Organization.objects.filter(parent=district).count() == 20


if __name__ == "__main__":
    main()

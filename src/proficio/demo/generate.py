"""Generate the demo district, deterministically from a seed.

One state, one district (Riverbend Unified), three schools (elementary, middle, high),
the current academic year with two semesters, courses and sections, teachers, students
with guardians and a realistic demographic mix, counselors with caseloads, leaders,
an analyst and an administrator. The named people that tests and demos rely on, Ms.
Rivera and her students Ana and Ben, are always there.

Everything is written through the orgs and accounts actions; the bulk of the roster goes
through ``bulk_add_roster`` so that 50,000 students take seconds, not hours.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from proficio.accounts import actions as accounts
from proficio.accounts.models import User
from proficio.accounts.roles import Role
from proficio.audit.context import acting
from proficio.demo import people
from proficio.frameworks.seed import seed_all as seed_frameworks
from proficio.orgs import actions as orgs
from proficio.orgs.models import (
    CaseloadAssignment,
    Course,
    Enrollment,
    GuardianLink,
    Organization,
    Student,
    StudentDemographics,
)
from proficio.policy import SYSTEM

DEMO_PASSWORD = "proficio-demo"  # noqa: S105 - published on purpose: it is a demo
DISTRICT_CODE = "riverbend"

GRADES = ["K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]
SCHOOLS = [
    ("cedar-es", "Cedar Elementary School", "elementary", GRADES[0:6]),
    ("maple-ms", "Maple Middle School", "middle", GRADES[6:9]),
    ("riverbend-hs", "Riverbend High School", "high", GRADES[9:13]),
]
CLASS_SIZE = 26
SECTIONS_PER_TEACHER = 5
# Secondary students take these subjects each year; elementary students have a homeroom.
SECONDARY_SUBJECTS = [("MATH", "Mathematics"), ("ELA", "English Language Arts"), ("SCI", "Science")]


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    username: str
    name: str
    where: str


# One login per role, printed by ``proficio demo`` and ``make run``.
DEMO_LOGINS = [
    DemoLogin(Role.STUDENT, "ana", "Ana García", "Maple Middle School"),
    DemoLogin(Role.GUARDIAN, "garcia.family", "Marisol García", "Ana's guardian"),
    DemoLogin(Role.TEACHER, "rivera", "Ms. Rivera", "Maple Middle School"),
    DemoLogin(Role.ADVISOR, "counselor", "Mr. Chen", "Maple Middle School"),
    DemoLogin(Role.SCHOOL_LEADER, "principal", "Dr. Okoye", "Maple Middle School"),
    DemoLogin(Role.DISTRICT_ADMIN, "district.admin", "Ms. Thompson", "Riverbend Unified"),
    DemoLogin(Role.DISTRICT_DATA_LEAD, "data.lead", "Mr. Nguyen", "Riverbend Unified"),
    DemoLogin(Role.STATE_ANALYST, "state.analyst", "Dr. Patel", "State of Columbia"),
    DemoLogin(Role.SYSTEM_ADMIN, "admin", "System administrator", "all organizations"),
]


@dataclass
class DemoResult:
    students: int = 0
    teachers: int = 0
    sections: int = 0
    guardians: int = 0
    evidence: int = 0


def demo_exists() -> bool:
    return Organization.objects.filter(code=DISTRICT_CODE).exists()


def school_year_for(today: dt.date) -> tuple[dt.date, dt.date]:
    """The school year containing ``today``: mid-August to mid-June."""
    start_year = today.year if today.month >= 8 else today.year - 1
    return dt.date(start_year, 8, 15), dt.date(start_year + 1, 6, 15)


Progress = Callable[[str, int], None]


def _weighted(rng: random.Random, pairs: list[tuple[str, float]]) -> str:
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(values, weights=weights, k=1)[0]


def generate(
    *,
    students: int = 600,
    seed: int = 0,
    today: dt.date | None = None,
    progress: Progress | None = None,
    history: bool = True,
) -> DemoResult:
    """Build the demo district. Same seed and same ``today`` → the same district."""
    if students < 10:
        raise ValueError("the demo district needs at least 10 students")
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date, not an instant
    tick = progress or (lambda stage, n: None)
    rng = random.Random(seed)
    result = DemoResult()
    with acting(None, route="cli: proficio demo", purpose="demo district"), transaction.atomic():
        state = orgs.create_organization(
            SYSTEM, kind="state", name="State of Columbia", code="columbia"
        )
        district = orgs.create_organization(
            SYSTEM,
            kind="district",
            name="Riverbend Unified School District",
            code=DISTRICT_CODE,
            parent=state,
        )
        year_start, year_end = school_year_for(today)
        mid = dt.date(year_start.year + 1, 1, 15)
        year = orgs.create_academic_year(
            SYSTEM,
            district=district,
            name=f"{year_start.year}–{year_end.year}",
            start_date=year_start,
            end_date=year_end,
            terms=[
                ("Semester 1", year_start, mid - dt.timedelta(days=1)),
                ("Semester 2", mid, year_end),
            ],
        )
        term = (
            year.terms.order_by("start_date").first()
            if today < mid
            else year.terms.order_by("start_date").last()
        )
        assert term is not None
        schools = {
            code: orgs.create_organization(
                SYSTEM, kind="school", name=name, code=code, parent=district, school_level=level
            )
            for code, name, level, _ in SCHOOLS
        }
        tick("organizations", 1)

        # Named people first, so their ids are stable and small.
        named = _named_people(district, state, schools, year_start)

        # Students: spread evenly over grades K-12.
        per_grade = [
            students // len(GRADES) + (1 if i < students % len(GRADES) else 0)
            for i in range(len(GRADES))
        ]
        roster: list[Student] = []
        demographics: list[StudentDemographics] = []
        users: list[User] = []
        for gi, cohort in enumerate(GRADES):
            cohort_school = next(code for code, _, _, grades in SCHOOLS if cohort in grades)
            for _ in range(per_grade[gi]):
                n = len(roster) + 1
                given = rng.choice(people.GIVEN_NAMES)
                family = rng.choice(people.FAMILY_NAMES)
                grade, school_code, username = cohort, cohort_school, f"s{n:06d}"
                if n == 1:
                    given, family, grade, school_code, username = (
                        "Ana",
                        "García",
                        "7",
                        "maple-ms",
                        "ana",
                    )
                elif n == 2:
                    given, family, grade, school_code, username = (
                        "Ben",
                        "Okafor",
                        "7",
                        "maple-ms",
                        "ben",
                    )
                age = 5 + GRADES.index(grade)
                birth = dt.date(year_start.year - age - 1, 9, 1) + dt.timedelta(
                    days=rng.randrange(365)
                )
                users.append(
                    User(
                        username=username,
                        email=demo_email(username),
                        first_name=given,
                        last_name=family,
                        display_name=f"{given} {family}",
                    )
                )
                roster.append(
                    Student(
                        school=schools[school_code],
                        local_id=f"{n:07d}",
                        state_id=f"CO{seed:02d}{n:08d}",
                        legal_given_name=given,
                        legal_family_name=family,
                        grade_level=grade,
                        birth_date=birth,
                    )
                )
                demographics.append(_demographics(rng, roster[-1]))
                if n <= 2:  # Ana and Ben are the same people in every demo
                    demographics[-1].gender = "female" if n == 1 else "male"
        tick("students", 0)
        accounts.bulk_create_users(users, password=DEMO_PASSWORD)
        for student, user in zip(roster, users, strict=True):
            student.user = user
        tick("student accounts", len(users))

        # Guardians: most students have their own; about one in five shares with a sibling.
        guardian_users: list[User] = []
        guardian_of: list[int] = []  # index into guardian_users; -1 is Ana's named guardian
        for i, student in enumerate(roster):
            if i == 0:
                guardian_of.append(-1)
            elif i > 2 and guardian_users and rng.random() < 0.2:
                guardian_of.append(
                    rng.randrange(max(0, len(guardian_users) - 40), len(guardian_users))
                )
            else:
                guardian_users.append(
                    User(
                        username=f"g{i + 1:06d}",
                        email=demo_email(f"g{i + 1:06d}"),
                        first_name=rng.choice(people.GIVEN_NAMES),
                        last_name=student.legal_family_name,
                        display_name=f"{student.legal_family_name} family",
                    )
                )
                guardian_of.append(len(guardian_users) - 1)
        accounts.bulk_create_users(guardian_users, password=DEMO_PASSWORD)
        links = [
            GuardianLink(guardian=named.guardian if g == -1 else guardian_users[g], student=student)
            for student, g in zip(roster, guardian_of, strict=True)
        ]
        tick("guardians", len(guardian_users))

        # Sections and teachers per school. Ms. Rivera teaches section A of grade-7
        # mathematics at Maple, and Ana and Ben are in it whatever the seed.
        enrollments: list[Enrollment] = []
        teachers = _TeacherPool(rng, year_start)
        section_count = 0
        by_school_grade: dict[tuple[int, str], list[Student]] = {}
        for student in roster:
            by_school_grade.setdefault((id(student.school), student.grade_level), []).append(
                student
            )
        for code, _name, level, grades in SCHOOLS:
            school = schools[code]
            subjects = [("HR", "Homeroom")] if level == "elementary" else SECONDARY_SUBJECTS
            for grade in grades:
                kids = by_school_grade.get((id(school), grade), [])
                if not kids:
                    continue
                n_sections = max(1, round(len(kids) / CLASS_SIZE))
                for subj_code, subj_title in subjects:
                    course = _course(
                        district, f"{subj_code}-{grade}", f"{subj_title}, grade {grade}", subj_title
                    )
                    for k in range(n_sections):
                        if code == "maple-ms" and subj_code == "MATH" and grade == "7" and k == 0:
                            teacher = named.rivera
                        else:
                            teacher = teachers.next_for(school, level)
                        section = orgs.create_section(
                            SYSTEM,
                            school=school,
                            course=course,
                            term=term,
                            name=f"{subj_title} {grade} · {_letter(k)}",
                            teachers=[teacher],
                        )
                        section_count += 1
                        for j, kid in enumerate(kids):
                            named_kid = kid.user is not None and kid.user.username in ("ana", "ben")
                            if (0 if named_kid else j % n_sections) == k:
                                enrollments.append(
                                    Enrollment(
                                        student=kid, section=section, start_date=term.start_date
                                    )
                                )
        tick("sections", section_count)

        caseloads = [
            CaseloadAssignment(advisor=named.counselor, student=s, start_date=year_start)
            for s in roster
            if s.school is schools["maple-ms"]
        ]
        orgs.bulk_add_roster(
            SYSTEM,
            district=district,
            students=roster,
            demographics=demographics,
            enrollments=enrollments,
            guardian_links=links,
            caseloads=caseloads,
        )
        tick("roster", len(roster))
        seed_frameworks(owner=district)
        scope_courses(district)
        tick("frameworks", 3)
        # The sourcedIds a SIS export of this district would carry (see the roster app),
        # and learning-tool activities aligned to targets (see the LRS app).
        from proficio.lrs.demo import seed_alignments
        from proficio.roster.actions import give_sourced_ids

        give_sourced_ids(SYSTEM, district)
        seed_alignments(district)
        if history:
            from proficio.demo.history import seed_history

            result.evidence = seed_history(district, roster, seed=seed, today=today)
            tick("evidence history", result.evidence)
            from proficio.moderation.demo import seed_moderation

            seed_moderation(district, seed=seed)
            tick("moderation", 2)
        from proficio.pace.demo import seed_pace

        tick("pace", seed_pace(district, today=today, plans=history))
        if history:
            from proficio.graduation.demo import seed_graduation

            tick("graduation", seed_graduation(district, today=today))
            from proficio.notifications.demo import seed_notifications

            seed_notifications(district, today=today)
            from proficio.educators.demo import seed_educators

            tick("professional learning", seed_educators(district, today=today, seed=seed))
        result.students = len(roster)
        result.teachers = teachers.count + 1
        result.sections = section_count
        result.guardians = len(guardian_users) + 1
    return result


# Which competencies each demo course teaches, by the codes' prefixes (named by CASE
# identifier on the course): mathematics, writing, the science framework; an elementary
# homeroom teaches every competency of the district framework, habits included.
COURSE_SCOPES = {
    "MATH": ("MATH.",),
    "ELA": ("WRIT.",),
    "SCI": ("SCI.",),
    "HR": ("MATH.", "WRIT.", "HAB.", "SEL."),
}


def scope_courses(district: Organization) -> None:
    """Name each course's competencies (after the frameworks are loaded)."""
    from proficio.frameworks.models import Item, ItemKind

    competencies = list(
        Item.objects.filter(
            framework__owner=district, kind=ItemKind.COMPETENCY, archived_at__isnull=True
        ).values_list("human_coding_scheme", "identifier")
    )
    for course in Course.objects.filter(district=district):
        prefixes = COURSE_SCOPES.get(course.code.split("-")[0])
        if not prefixes:
            continue
        ids = [str(i) for code, i in competencies if (code or "").startswith(prefixes)]
        orgs.set_course_scope(SYSTEM, course, ids)


def _course(district: Organization, code: str, title: str, subject: str) -> Course:
    existing = Course.objects.filter(district=district, code=code).first()
    return existing or orgs.create_course(
        SYSTEM, district=district, code=code, title=title, subject=subject
    )


@dataclass
class _Named:
    rivera: User
    counselor: User
    guardian: User


def _named_people(
    district: Organization, state: Organization, schools: dict[str, Organization], start: dt.date
) -> _Named:
    maple = schools["maple-ms"]

    def person(username: str, display: str, first: str, last: str) -> User:
        return accounts.create_user(
            username=username,
            email=demo_email(username),
            password=None,
            password_hash=_demo_hash(),
            display_name=display,
            first_name=first,
            last_name=last,
        )

    rivera = person("rivera", "Ms. Rivera", "Elena", "Rivera")
    orgs.grant_role(SYSTEM, user=rivera, role=Role.TEACHER, organization=maple, start_date=start)
    counselor = person("counselor", "Mr. Chen", "David", "Chen")
    orgs.grant_role(SYSTEM, user=counselor, role=Role.ADVISOR, organization=maple, start_date=start)
    guardian = person("garcia.family", "Marisol García", "Marisol", "García")
    principal = person("principal", "Dr. Okoye", "Adaeze", "Okoye")
    orgs.grant_role(
        SYSTEM, user=principal, role=Role.SCHOOL_LEADER, organization=maple, start_date=start
    )
    admin = person("district.admin", "Ms. Thompson", "Karen", "Thompson")
    orgs.grant_role(
        SYSTEM, user=admin, role=Role.DISTRICT_ADMIN, organization=district, start_date=start
    )
    lead = person("data.lead", "Mr. Nguyen", "Minh", "Nguyen")
    orgs.grant_role(
        SYSTEM, user=lead, role=Role.DISTRICT_DATA_LEAD, organization=district, start_date=start
    )
    analyst = person("state.analyst", "Dr. Patel", "Priya", "Patel")
    orgs.grant_role(
        SYSTEM, user=analyst, role=Role.STATE_ANALYST, organization=state, start_date=start
    )
    sysadmin = person("admin", "System administrator", "Sam", "Admin")
    orgs.grant_role(
        SYSTEM, user=sysadmin, role=Role.SYSTEM_ADMIN, organization=state, start_date=start
    )
    return _Named(rivera=rivera, counselor=counselor, guardian=guardian)


class _TeacherPool:
    """Hands out teachers: five sections each in secondary schools, one homeroom in elementary."""

    def __init__(self, rng: random.Random, start: dt.date) -> None:
        self.rng = rng
        self.start = start
        self.slots: dict[int, int] = {}
        self.current: dict[int, User] = {}
        self.count = 0

    def next_for(self, school: Organization, level: str) -> User:
        per_teacher = 1 if level == "elementary" else SECTIONS_PER_TEACHER
        used = self.slots.get(school.pk, 0)
        self.slots[school.pk] = used + 1
        if used % per_teacher == 0:
            self.count += 1
            family = self.rng.choice(people.FAMILY_NAMES)
            username = f"t.{school.code}.{used // per_teacher + 1:03d}"
            user = accounts.create_user(
                username=username,
                email=demo_email(username),
                password=None,
                password_hash=_demo_hash(),
                display_name=f"{self.rng.choice(['Ms.', 'Mr.', 'Mx.', 'Dr.'])} {family}",
                first_name=self.rng.choice(people.GIVEN_NAMES),
                last_name=family,
            )
            orgs.grant_role(
                SYSTEM, user=user, role=Role.TEACHER, organization=school, start_date=self.start
            )
            self.current[school.pk] = user
        return self.current[school.pk]


def _letter(k: int) -> str:
    return chr(65 + k) if k < 26 else f"{chr(65 + k // 26 - 1)}{chr(65 + k % 26)}"


def demo_email(username: str) -> str:
    """Every demo account has a mailbox at a reserved domain (RFC 2606), so invitations,
    password resets and single sign-on by email can be tried; mail goes to files."""
    return f"{username}@riverbend.example"


_HASH: list[str] = []


def _demo_hash() -> str:
    """One Argon2 hash of the demo password, shared by generated accounts (see
    ``bulk_create_users`` for why)."""
    from django.contrib.auth.hashers import make_password

    if not _HASH:
        _HASH.append(make_password(DEMO_PASSWORD))
    return _HASH[0]


def _demographics(rng: random.Random, student: Student) -> StudentDemographics:
    group = _weighted(rng, people.RACE_ETHNICITY)
    hispanic = group == "hispanic"
    if group == "two_or_more":
        races = sorted(
            rng.sample(["american_indian", "asian", "black", "pacific_islander", "white"], 2)
        )
    elif hispanic:
        races = [rng.choice(["white", "white", "white", "black", "american_indian"])]
    else:
        races = [group]
    el = rng.random() < people.ENGLISH_LEARNER_SHARE * (3.5 if hispanic else 0.6)
    return StudentDemographics(
        student=student,
        hispanic_latino=hispanic,
        races=races,
        english_learner=el,
        home_language=_weighted(rng, people.HOME_LANGUAGES_EL) if el else "English",
        disability=_weighted(rng, people.DISABILITY),
        economically_disadvantaged=rng.random() < people.ECONOMICALLY_DISADVANTAGED_SHARE,
        gender=_weighted(rng, people.GENDER),
    )


__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DemoLogin", "DemoResult", "demo_exists", "generate"]

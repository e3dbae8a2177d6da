"""One true picture: every surface shows the same standing for every student.

The demo district gets a year of evidence history and the daily check; then, for every
Riverbend student, the student home (as the student), the student record (as the
district administrator), the family report in English and in Spanish (as a guardian),
the class grid and its CSV (as each class's teacher), the JSON API and the daily pace
snapshot behind the dashboards are read, and each standing is compared with the one
definition (``mastery.continuum.standings``, over the kernel). The district dashboard's
"proficient" figure is compared with the kernel's count.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.core.progression.continuum import proficient_overall
from proficio.demo.history import seed_history
from proficio.mastery import continuum
from proficio.orgs.models import GuardianLink, Organization, Section, SectionStaff, Student
from proficio.pace import actions as pace_actions
from proficio.pace.models import StudentPace

STANDING = re.compile(
    r'data-competency="(?P<code>[^"]+)" data-level="(?P<level>\d*)" data-status="(?P<status>\w+)"'
)


def _read_html(html: str) -> dict[str, tuple[int | None, str]]:
    found: dict[str, tuple[int | None, str]] = {}
    for m in STANDING.finditer(html):
        value = (int(m["level"]) if m["level"] else None, m["status"])
        # A page may show a competency twice (a card and a table); both must agree.
        assert found.setdefault(m["code"], value) == value, m["code"]
        found[m["code"]] = value
    return found


@pytest.fixture
def history(world):
    district = Organization.objects.get(code="riverbend")
    students = list(
        Student.objects.filter(school__path__startswith=district.path).select_related("school")
    )
    today = timezone.localdate()
    with acting(None, route="tests: continuum consistency"):
        seed_history(district, students, seed=3, today=today)
        pace_actions.refresh_pace(district, today=today)
    return district, students


def _client(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.mark.slow
def test_every_surface_shows_the_same_standing_for_every_student(history, world):
    district, students = history
    expected: dict[int, dict[str, tuple[int | None, str]]] = {}
    proficient_by_student: dict[int, bool | None] = {}
    for student in students:
        comps = continuum.student_competencies(student)
        shape = continuum.structure(comps)
        by_comp = continuum.standings([student], shape)[student.pk]
        expected[student.pk] = {
            c.human_coding_scheme: (by_comp[c.pk].level, by_comp[c.pk].status.value) for c in comps
        }
        academic = [by_comp[c.pk] for c in comps if c.category == "academic"]
        proficient_by_student[student.pk] = proficient_overall(academic)
    # The history gives most students standings, some above Level 1: a real comparison.
    levels = [lv for e in expected.values() for lv, _ in e.values() if lv]
    assert len(levels) > len(students)
    assert max(levels) >= 5

    admin = _client(world.user("district.admin"))
    compared = defaultdict(int)
    for student in students:
        want = expected[student.pk]
        surfaces: dict[str, dict[str, tuple[int | None, str]]] = {}
        # The student's own home page.
        if student.user_id:
            page = _client(student.user).get(reverse("web:role_home", args=["student"]))
            assert page.status_code == 200
            surfaces["home"] = _read_html(page.content.decode())
        # The student record, as the district administrator.
        page = admin.get(reverse("web:student_detail", args=[student.pk]))
        assert page.status_code == 200
        surfaces["record"] = _read_html(page.content.decode())
        # The family report, in English and in Spanish.
        link = GuardianLink.objects.filter(student=student).select_related("guardian").first()
        if link is not None:
            for language in ("en", "es"):
                page = _client(link.guardian, language).get(
                    reverse("learners:family_report", args=[student.pk])
                )
                assert page.status_code == 200
                assert f'lang="{language}"' in page.content.decode()
                surfaces[f"family report {language}"] = _read_html(page.content.decode())
        # The JSON API.
        answer = admin.get(reverse("api:student_standings", args=[student.pk]))
        assert answer.status_code == 200
        surfaces["api"] = {r["competency_code"]: (r["level"], r["status"]) for r in answer.json()}
        # The daily snapshot behind the dashboards (rows exist where there is evidence).
        surfaces["pace snapshot"] = {
            code: (level, status)
            for code, level, status in StudentPace.objects.filter(
                student=student, competency__isnull=False
            ).values_list("competency__human_coding_scheme", "standing", "standing_status")
        }
        for name, got in surfaces.items():
            assert got, f"{name} shows no standing for {student}"
            for code, value in got.items():
                assert value == want[code], (name, student.display_name, code, value, want[code])
                compared[name] += 1
        overall = StudentPace.objects.get(student=student, competency__isnull=True)
        assert overall.proficient == proficient_by_student[student.pk]

    # The class grid and its CSV, as each class's teacher.
    sections = Section.objects.filter(school__path__startswith=district.path)
    for section in sections:
        staff = SectionStaff.objects.filter(section=section).select_related("user").first()
        if staff is None:
            continue
        teacher = _client(staff.user)
        page = teacher.get(reverse("classroom:grid", args=[section.pk])).content.decode()
        for sid, cell in re.findall(
            r'href="/students/(\d+)/">[^<]*</a></th><td class="num standings" '
            r'data-standings="([^"]*)"',
            page,
        ):
            for part in cell.split():
                code, level, status = part.split(":")
                value = (int(level) if level else None, status)
                assert value == expected[int(sid)][code], ("grid", sid, code)
                compared["class grid"] += 1
        rows = list(
            csv.reader(
                io.StringIO(
                    teacher.get(reverse("classroom:grid_csv", args=[section.pk])).content.decode()
                )
            )
        )
        header = rows[0]
        by_name = {s.display_name: s for s in students}
        for row in rows[1:]:
            student = by_name[row[0]]
            for k, title in enumerate(header):
                if title.endswith(" standing"):
                    code = title.removesuffix(" standing")
                    level, _status = expected[student.pk][code]
                    text = row[k]
                    shown_level = re.match(r"Level (\d+)\b", text)
                    got = int(shown_level.group(1)) if shown_level else None
                    assert got == level, ("grid csv", student.display_name, code, text, level)
                    compared["class grid csv"] += 1
    for name in (
        "home",
        "record",
        "family report en",
        "family report es",
        "api",
        "pace snapshot",
        "class grid",
        "class grid csv",
    ):
        assert compared[name] > 0, name

    # The dashboards count a student proficient by the same definition: the arrays they
    # read, and the published district figure (unless suppressed for a small count).
    from proficio.insights import data

    read = data.students_of(district)
    for sid, flag in zip(read.ids.tolist(), read.proficient.tolist(), strict=True):
        assert flag == bool(proficient_by_student[sid]), sid
    count = sum(1 for p in proficient_by_student.values() if p)
    page = admin.get(reverse("insights:dashboard", args=[district.pk])).content.decode()
    stat = re.search(
        r'<h3 class="usa-card__heading">Proficient</h3>.*?<p class="dash-value">(.*?)</p>',
        page,
        re.S,
    )
    assert stat is not None
    if 'class="withheld"' in stat.group(1):
        # Withheld by the publication audit: the stored release withholds it too.
        schools = data.tables(data.release_of(district), district)["school"]
        assert schools[-1].total
        assert "proficient" in schools[-1].withheld
    else:
        share = round(100 * count / len(students), 1)
        assert float(stat.group(1).rstrip("%")) == pytest.approx(share, abs=0.051)


def test_by_section_figures_follow_each_course(history, world):
    """The same students in Mathematics 7 · A and Science 7 · A: each class's figures
    count them on its own course's competencies (measures of memberships in the
    publication audit), so the published rows differ by course."""
    from proficio.insights import release as rel

    district, _students = history
    roster = rel.read_roster(district, timezone.localdate())
    names = [name for _, _, name in roster.sections]
    k_math, k_science = names.index("Mathematics 7 · A"), names.index("Science 7 · A")
    in_math = roster.enrolled[:, 1] == k_math
    in_science = roster.enrolled[:, 1] == k_science
    assert in_math.sum() == in_science.sum()  # the same students
    # Independently: proficient in every MATH competency, by the one definition.
    section = world.rivera_section
    class_roster = list(
        Student.objects.filter(enrollments__section=section).distinct().select_related("school")
    )
    comps = [
        c
        for c in continuum.student_competencies(class_roster[0])
        if str(c.identifier) in section.course.competencies
    ]
    found = continuum.standings(class_roster, comps)
    expected_math = sum(
        1
        for s in class_roster
        if all(found[s.pk][c.pk].proficient for c in comps)
        and StudentPace.objects.filter(student=s, competency__isnull=False).exists()
    )
    expected_behind = sum(
        1
        for s in class_roster
        if StudentPace.objects.filter(student=s, competency__in=comps, status="behind").exists()
    )
    assert int(roster.course_proficient[in_math].sum()) == expected_math
    assert int(roster.course_behind[in_math].sum()) == expected_behind
    assert not roster.course_proficient[in_science].any()  # no science level expected yet
    assert not roster.course_behind[in_science].any()
    assert (expected_math, expected_behind) != (0, 0)
    # The release publishes each section on its course, audited with everything else.
    computed = rel.compute(roster, 2)
    rows = {r["key"]: r for r in computed.rows if r["breakdown"] == "section"}
    math, science = rows[str(roster.sections[k_math][0])], rows[str(roster.sections[k_science][0])]
    assert math["students"] == science["students"]
    assert math["students"] in (int(in_math.sum()), None)
    # The audit's cells count each section on its course (published or withheld).
    value = dict(zip(computed.system.keys, computed.system.values.tolist(), strict=True))
    math_pk, science_pk = roster.sections[k_math][0], roster.sections[k_science][0]
    assert value[f"section:{math_pk}|proficient@memberships|yes"] == expected_math
    assert value[f"section:{math_pk}|behind@memberships|yes"] == expected_behind
    assert value[f"section:{science_pk}|proficient@memberships|yes"] == 0
    assert value[f"section:{science_pk}|behind@memberships|yes"] == 0
    for row, counts in ((math, (expected_math, expected_behind)), (science, (0, 0))):
        for name, expected in zip(("proficient", "behind"), counts, strict=True):
            assert row[name] in (expected, None)
            assert (row[name] is None) == (name in row["withheld"])
    assert computed.summary["unprotected"] == 0

"""Issue 17 section 2: every role's home opens with what needs that person today, each item
a count with a link to act, and the counts are the database's.

The expected counts are computed here with plain ORM queries over the world (never by
calling ``proficio.web.today``), so a test fails if a home's reading drifts from the data
it reports on. The last tests check the policy: a teacher of another school or district
never sees a name from Ms. Rivera's classes, and the names a home shows are audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from proficio.accounts.models import HomeVisit, User
from proficio.audit.context import acting
from proficio.audit.models import AuditEntry
from proficio.evidence import actions as evidence
from proficio.evidence.models import Evidence
from proficio.learners import actions as learners
from proficio.learners.models import Goal, ReassessmentRequest
from proficio.moderation.models import Assignment
from proficio.orgs.models import Section, Student, active_on
from proficio.pace.models import StudentPace, SupportFlag, SupportPlan
from proficio.policy import SYSTEM

pytestmark = pytest.mark.django_db


def _client(world, username: str) -> Client:
    client = Client()
    client.force_login(world.user(username))
    return client


def _home(world, username: str, role: str, query: str = "") -> str:
    response = _client(world, username).get(reverse("web:role_home", args=[role]) + query)
    assert response.status_code == 200
    return response.content.decode()


def _counts(html: str) -> dict[str, int]:
    return {key: int(n) for key, n in re.findall(r'data-today="([\w-]+)" data-count="(\d+)"', html)}


def _rivera_students(today: dt.date):
    rivera = User.objects.get(username="rivera")
    sections = Section.objects.filter(active_on(today, "staff__"), staff__user=rivera)
    return Student.objects.filter(
        active_on(today, "enrollments__"), enrollments__section__in=sections
    )


def _teacher_work(world) -> None:
    """One of each thing a teacher acts on, made through the actions (and one new flag, as
    the daily job leaves it)."""
    today = timezone.localdate()
    learners.request_reassessment(
        SYSTEM, student=world.ana, target=world.target("MATH.1.5"), note="I practised."
    )
    with acting(world.ana.user, route="tests: homes"):
        evidence.record_evidence(
            world.ana.user,
            student=world.ana,
            kind="extended_learning",
            title="Robotics club build",
            assessed_at=timezone.now() - dt.timedelta(days=1),
            submitted_by_student=True,
            scores=[evidence.ScoreInput(world.target("MATH.1.5"), 3)],
            partner_organization="Library makerspace",
            verifier="Ms. Ortiz",
        )
    SupportFlag.objects.create(student=world.ben, reason="stalled", detected_on=today)
    SupportFlag.objects.create(
        student=world.ana, reason="off_pace", detected_on=today - dt.timedelta(days=30)
    )  # not new: older than a week


def test_teacher_home_counts_match_the_database(world):
    _teacher_work(world)
    today = timezone.localdate()
    mine = _rivera_students(today)
    rivera = world.user("rivera")
    expected = {
        "requests": ReassessmentRequest.objects.filter(
            student__in=mine, status__in=["requested", "scheduled"]
        )
        .distinct()
        .count(),
        "review": Evidence.objects.filter(student__in=mine, status="submitted").distinct().count(),
        "flagged": SupportFlag.objects.filter(
            student__in=mine, resolved_on__isnull=True, detected_on__gt=today - dt.timedelta(days=7)
        )
        .values("student")
        .distinct()
        .count(),
        "checkins": SupportPlan.objects.filter(
            owner=rivera, closed_on__isnull=True, check_in_on__lte=today + dt.timedelta(days=7)
        ).count(),
        "moderation": Assignment.objects.filter(
            rater__user=rivera, submitted_at__isnull=True, rater__session__status="scoring"
        ).count(),
    }
    assert all(expected.values()), expected  # the world has one of each: the test can fail
    html = _home(world, "rivera", "teacher")
    assert _counts(html) == expected
    # The new flag names Ben, with a link to his record; Ana's month-old flag is not new.
    flagged = html[html.index('data-today="flagged"') :]
    flagged = flagged[: flagged.index("</li>")]
    assert world.ben.display_name in flagged
    assert world.ana.display_name not in flagged
    assert reverse("web:student_detail", args=[world.ben.pk]) in flagged
    # Each item links where to act.
    assert reverse("learners:queue") + "#requests" in html
    assert reverse("pace:supports") in html


def test_teacher_home_mini_distribution_matches_the_standings(world):
    today = timezone.localdate()
    section = world.rivera_section
    students = Student.objects.filter(
        active_on(today, "enrollments__"), enrollments__section=section
    )
    # Ana on track in MATH.1 (as last night's check would leave her).
    StudentPace.objects.create(
        student=world.ana,
        competency=world.target("MATH.1"),
        status="on",
        standing_status="on_track",
        computed_on=today,
    )
    rows = StudentPace.objects.filter(competency__isnull=False, student__in=students)
    expected = {
        status: rows.filter(standing_status=status).count()
        for status in ("beyond", "on_track", "working_toward", "not_assessed")
    }
    html = _home(world, "rivera", "teacher")
    row = html[html.index(f'data-section="{section.pk}"') :]
    row = row[: row.index("</tr>")]
    for label, status in (
        ("beyond", "beyond"),
        ("on track", "on_track"),
        ("working toward", "working_toward"),
        ("not yet assessed", "not_assessed"),
    ):
        assert f"{label} {expected[status]}" in row, (label, row)
    good = expected["beyond"] + expected["on_track"]
    total = sum(expected.values())
    assert f'<rect class="bar-fill" width="{round(100 * good / total)}"' in row


def test_teacher_home_empty_states_say_what_to_do(world):
    # Mr. Lake has no submitted work to review and no new flag: each empty item says what
    # to do instead of a count with nothing behind it.
    html = _home(world, "lake.teacher", "teacher")
    counts = _counts(html)
    assert counts["review"] == 0
    assert counts["flagged"] == 0
    assert "Work students send from outside school appears here." in html
    assert "The support list has every open flag." in html


def test_teacher_home_shows_no_foreign_names(world):
    _teacher_work(world)
    mine = list(_rivera_students(timezone.localdate()))
    for username in ("lake.teacher", world.cedar_teacher_person.username):
        html = _home(world, username, "teacher")
        for s in mine:
            assert s.display_name not in html, (username, s.display_name)
            assert s.legal_family_name not in html, (username, s.legal_family_name)


def test_teacher_home_audits_the_names_it_shows(world):
    _teacher_work(world)
    before = AuditEntry.objects.filter(student_id=world.ben.pk, purpose="home: needs me today")
    n = before.count()
    _home(world, "rivera", "teacher")
    assert before.count() == n + 1


def test_student_home_counts_match_the_database(world):
    today = timezone.localdate()
    learners.request_reassessment(
        SYSTEM, student=world.ana, target=world.target("MATH.1.5"), note="I practised."
    )
    with acting(world.ana.user, route="tests: homes"):
        learners.set_goal(
            world.ana.user, student=world.ana, text="Finish unit rates", target_date=today
        )
    ana = world.ana
    expected = {
        "feedback": Evidence.objects.filter(student=ana, status="returned").count(),
        "requests": ReassessmentRequest.objects.filter(
            student=ana, status__in=["requested", "scheduled"]
        ).count(),
        "goals": Goal.objects.filter(
            student=ana, achieved_at__isnull=True, target_date__lte=today + dt.timedelta(days=14)
        ).count(),
    }
    assert all(expected.values()), expected
    counts = _counts(_home(world, "ana", "student"))
    assert {k: counts[k] for k in expected} == expected
    assert "next" in counts


def test_guardian_home_remembers_the_last_visit(world):
    guardian = world.user("garcia.family")
    children = Student.objects.filter(guardian_links__guardian=guardian)
    assert children.exists()
    first = _home(world, "garcia.family", "guardian")
    assert "Your first visit" in first
    visit = HomeVisit.objects.get(user=guardian, role="guardian")
    assert visit.previous is None
    # An hour later the page reports changes since the first visit.
    HomeVisit.objects.filter(pk=visit.pk).update(seen_at=visit.seen_at - dt.timedelta(hours=1))
    second = _home(world, "garcia.family", "guardian")
    assert "What changed since your last visit" in second
    visit.refresh_from_db()
    assert visit.previous is not None
    for child in children:
        assert f'data-child="{child.pk}"' in second
        assert child.display_name in second
    assert len(re.findall(r'data-today="changed"', second)) == children.count()


def test_counselor_caseload_filters_sorts_and_pages(world):
    today = timezone.localdate()
    counselor = world.user("counselor")
    caseload = Student.objects.filter(
        active_on(today, "advisors__"), advisors__advisor=counselor
    ).distinct()
    total = caseload.count()
    assert total > 0
    behind = (
        StudentPace.objects.filter(competency__isnull=True, status="behind", student__in=caseload)
        .values("student")
        .distinct()
        .count()
    )
    flagged = (
        SupportFlag.objects.filter(resolved_on__isnull=True, student__in=caseload)
        .values("student")
        .distinct()
        .count()
    )
    html = _home(world, "counselor", "advisor")
    assert _counts(html) == {"behind": behind, "flagged": flagged}
    rows = re.findall(r'<tr data-student="(\d+)"', html)
    assert len(rows) == min(total, 25)
    names = list(
        caseload.order_by("legal_family_name", "legal_given_name", "pk").values_list(
            "pk", flat=True
        )
    )
    assert [int(r) for r in rows] == names[:25]
    backwards = _home(world, "counselor", "advisor", "?sort=-name")
    assert [int(r) for r in re.findall(r'<tr data-student="(\d+)"', backwards)] == list(
        reversed(names)
    )[:25]
    if total > 25:
        second = _home(world, "counselor", "advisor", "?page=2")
        assert [int(r) for r in re.findall(r'<tr data-student="(\d+)"', second)] == names[25:50]
    bad = _home(world, "counselor", "advisor", "?sort=drop+table&show=nonsense&page=x")
    assert [int(r) for r in re.findall(r'<tr data-student="(\d+)"', bad)] == names[:25]


def test_leader_homes_say_school_in_the_singular_and_list_overdue_plans(world):
    today = timezone.localdate()
    SupportPlan.objects.filter(student=world.ben).update(check_in_on=today - dt.timedelta(days=3))
    html = _home(world, "principal", "school_leader")
    assert "1 schools" not in html
    assert re.search(r'stat-value">1</span> <span class="stat-label">school<', html)
    maple_overdue = SupportPlan.objects.filter(
        closed_on__isnull=True, check_in_on__lt=today, student__school__code="maple-ms"
    ).count()
    assert maple_overdue >= 1
    assert _counts(html)["overdue"] == maple_overdue
    assert world.ben.display_name in html
    admin = _home(world, "district.admin", "district_admin")
    riverbend_overdue = SupportPlan.objects.filter(
        closed_on__isnull=True,
        check_in_on__lt=today,
        student__school__path__startswith=world.org("riverbend").path,
    ).count()
    assert _counts(admin)["overdue"] == riverbend_overdue


def test_state_home_states_the_suppression_status(world):
    html = _home(world, "state.analyst", "state_analyst")
    assert "Districts overview" in html
    assert "Riverbend" in html
    assert "no release published yet" in html or "minimum cell size" in html

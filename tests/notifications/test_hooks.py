"""Each hook point tells the right people, and nobody else: reassessment decisions, work
returned, raters assigned samples, support check-ins due, advisees newly off pace, and
family reports with news. Delivery happens on commit (a rolled-back write tells nobody),
and nobody is ever told about a student the policy would not show them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.evidence import actions as evidence
from proficio.learners import actions as learners
from proficio.learners.models import ReassessmentRequest
from proficio.moderation import actions as moderation
from proficio.notifications import actions
from proficio.notifications.models import Kind, Notification
from proficio.orgs.models import CaseloadAssignment, Organization, active_on
from proficio.policy import SYSTEM
from tests import world_pace  # noqa: F401 - names Ben's support plan on the world view
from tests.world_moderation import third_rater

TODAY = timezone.localdate()


@pytest.fixture
def new(world):
    """The notifications written since the test began: {(username, kind, student id)}."""
    start = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def rows(kind: str | None = None) -> list[Notification]:
        qs = Notification.objects.filter(pk__gt=start).select_related("recipient", "student")
        return list(qs.filter(kind=kind) if kind else qs)

    def who(kind: str | None = None) -> set[str]:
        return {n.recipient.username for n in rows(kind)}

    rows.who = who  # type: ignore[attr-defined]
    return rows


def _ana_request(world) -> ReassessmentRequest:
    return ReassessmentRequest.objects.get(student=world.ana, target=world.target("MATH.1.3"))


FAMILY_OF_ANA = {"ana", "garcia.family"}


# --- Reassessment decisions -----------------------------------------------------------------


@pytest.mark.parametrize("decision", ["schedule", "decline", "accept"])
def test_a_reassessment_decision_tells_the_student_and_their_guardians_only(
    world, new, django_capture_on_commit_callbacks, decision
):
    rivera = world.user("rivera")
    request = _ana_request(world)
    with django_capture_on_commit_callbacks(execute=True), acting(rivera, route="test"):
        if decision == "schedule":
            learners.schedule_reassessment(rivera, request, on=TODAY + dt.timedelta(days=3))
        elif decision == "decline":
            learners.decline_reassessment(rivera, request, reason="Finish the practice set first.")
        else:
            learners.accept_reassessment(rivera, request, score=3)
    kind = {
        "schedule": Kind.REASSESSMENT_SCHEDULED,
        "decline": Kind.REASSESSMENT_DECLINED,
        "accept": Kind.REASSESSMENT_ACCEPTED,
    }[decision]
    rows = new()
    assert {(n.recipient.username, n.kind) for n in rows} == {(u, kind) for u in FAMILY_OF_ANA}
    assert all(n.student == world.ana and n.about == request for n in rows)
    by_user = {n.recipient.username: n for n in rows}
    # The student reads "your"; the guardian reads the child's name.
    assert by_user["ana"].message.startswith("Your ")
    assert "MATH.1.3" in by_user["ana"].message
    assert by_user["garcia.family"].message.startswith("Ana García")
    assert by_user["ana"].link.startswith("/home/student/#my-requests")
    assert by_user["garcia.family"].link == f"/family/{world.ana.pk}/"
    if decision == "decline":
        assert "Finish the practice set first." in by_user["ana"].message
    if decision == "schedule":
        assert (TODAY + dt.timedelta(days=3)).strftime("%Y") in by_user["ana"].message


def test_a_rolled_back_decision_tells_nobody(world, new, django_capture_on_commit_callbacks):
    rivera = world.user("rivera")
    request = _ana_request(world)

    def decide_then_fail() -> None:
        with transaction.atomic():
            learners.schedule_reassessment(rivera, request, on=TODAY + dt.timedelta(days=3))
            raise RuntimeError("something later in the same transaction failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        decide_then_fail()
    assert callbacks == []
    assert new() == []
    request.refresh_from_db()
    assert request.status == "requested"


def test_nothing_is_written_before_the_commit(world, new, django_capture_on_commit_callbacks):
    rivera = world.user("rivera")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        learners.schedule_reassessment(rivera, _ana_request(world), on=TODAY + dt.timedelta(days=3))
        assert new() == []  # still inside the transaction: nobody told yet
    assert len(callbacks) == 1
    callbacks[0]()  # the commit
    assert new.who() == FAMILY_OF_ANA


# --- Work returned ----------------------------------------------------------------------------


def test_returned_work_tells_the_student_and_family(world, new, django_capture_on_commit_callbacks):
    rivera = world.user("rivera")
    with acting(world.ana.user, route="test"):
        shared = learners.submit_outside_learning(
            world.ana.user,
            student=world.ana,
            title="Fraction recipe",
            target=world.target("MATH.1.2"),
            level=3,
            assessed_at=timezone.now() - dt.timedelta(days=1),
            partner_organization="Riverbend Library",
            url="https://example.org/recipe",
        )
    with django_capture_on_commit_callbacks(execute=True), acting(rivera, route="test"):
        evidence.return_evidence(rivera, shared, feedback="Show the working for step 2.")
    rows = new()
    assert {n.recipient.username for n in rows} == FAMILY_OF_ANA
    assert {n.kind for n in rows} == {Kind.WORK_RETURNED}
    own = next(n for n in rows if n.recipient.username == "ana")
    assert own.message == "Ms. Rivera returned “Fraction recipe” to you with feedback."
    assert own.link.endswith("#returned-work")


# --- Raters assigned samples --------------------------------------------------------------------


def test_opening_scoring_tells_each_rater_their_count_and_names_no_student(
    world, new, django_capture_on_commit_callbacks
):
    from proficio.moderation.models import Assignment, ModerationSession

    admin = world.user("district.admin")
    rivera, cedar = world.user("rivera"), third_rater()
    session = ModerationSession.objects.get(title="Setup session")
    moderation.add_rater(SYSTEM, session, cedar)
    for k in range(3):
        moderation.add_anchor_sample(SYSTEM, session, description=f"Sample {k} of Ana's work")
    with django_capture_on_commit_callbacks(execute=True), acting(admin, route="test"):
        moderation.open_scoring(admin, session, seed=1)
    rows = new(Kind.SAMPLES_ASSIGNED)
    raters = set(session.raters.values_list("user__username", flat=True))
    assert {"rivera", "principal", cedar.username} == raters
    assert {n.recipient.username for n in rows} == raters  # the organizer is not a rater
    for n in rows:
        mine = Assignment.objects.filter(rater__session=session, rater__user=n.recipient).count()
        assert n.params["count"] == mine > 0
        assert str(mine) in n.message
        assert "Setup session" in n.message
        assert "Ana" not in n.message  # blind: no student is named
        assert n.student is None
        assert n.link == f"/moderation/{session.pk}/"
    assert rivera.pk in {n.recipient_id for n in rows}


# --- The daily job ------------------------------------------------------------------------------


def test_a_check_in_due_tells_the_plan_owner_once(world, new, django_capture_on_commit_callbacks):
    riverbend, lakeside = world.org("riverbend"), world.org("lakeside")
    # Ben's plan checks in tomorrow (owner Ms. Rivera); Lia's in a week (Mr. Lake).
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.daily_notices(SYSTEM, riverbend, today=TODAY)["check_ins"] == 1
        actions.daily_notices(SYSTEM, lakeside, today=TODAY)
    rows = new(Kind.CHECK_IN_DUE)
    assert [(n.recipient.username, n.student) for n in rows] == [("rivera", world.ben)]
    assert "Reteaching in a small group" in rows[0].message
    assert rows[0].link == f"/supports/{world.ben_plan.pk}/"
    # The next day's run finds the same check-in: she is not told twice.
    with django_capture_on_commit_callbacks(execute=True):
        actions.daily_notices(SYSTEM, riverbend, today=TODAY + dt.timedelta(days=1))
    assert len(new(Kind.CHECK_IN_DUE)) == 1
    # A week on, Lia's comes due: Mr. Lake, and nobody in Riverbend.
    with django_capture_on_commit_callbacks(execute=True):
        actions.daily_notices(SYSTEM, lakeside, today=TODAY + dt.timedelta(days=6))
    assert {(n.recipient.username, n.student) for n in new(Kind.CHECK_IN_DUE)} == {
        ("rivera", world.ben),
        ("lake.teacher", world.lake_kid),
    }


def test_the_daily_task_runs_the_checks_for_every_district(
    world, new, django_capture_on_commit_callbacks
):
    from proficio.pace.tasks import daily_pace

    with django_capture_on_commit_callbacks(execute=True):
        totals = daily_pace.call(today=(TODAY + dt.timedelta(days=6)).isoformat())
    rows = new(Kind.CHECK_IN_DUE)
    # Both districts' check-ins, each to its own teacher (the world has others, elsewhere).
    assert {("rivera", world.ben), ("lake.teacher", world.lake_kid)} <= {
        (n.recipient.username, n.student) for n in rows
    }
    assert totals["check_ins"] == len(rows)


def test_advisors_hear_of_advisees_newly_off_pace(world, new, django_capture_on_commit_callbacks):
    from tests.world_pace import add_pace_evidence

    advisors = set(
        CaseloadAssignment.objects.filter(active_on(TODAY), student=world.ben).values_list(
            "advisor__username", flat=True
        )
    )
    assert advisors  # Ben is on Mr. Chen's caseload
    with django_capture_on_commit_callbacks(execute=True):
        add_pace_evidence()  # Ben falls behind; the daily check runs
    rows = new(Kind.OFF_PACE)
    assert {(n.recipient.username, n.student) for n in rows} == {(a, world.ben) for a in advisors}
    assert rows[0].message == f"{world.ben.display_name}, on your caseload, is newly behind pace."
    assert rows[0].link == f"/students/{world.ben.pk}/"
    # The next check finds him still behind: not newly, so nobody is told again.
    from proficio.pace.actions import refresh_pace

    with django_capture_on_commit_callbacks(execute=True), acting(None, route="test"):
        refresh_pace(world.org("riverbend"))
    assert len(new(Kind.OFF_PACE)) == len(advisors)


def test_a_districts_first_check_tells_no_advisor(world, new, django_capture_on_commit_callbacks):
    from proficio.pace.actions import refresh_pace
    from proficio.pace.models import DistrictDay

    DistrictDay.objects.filter(district=world.org("riverbend")).delete()
    from tests.world_pace import add_pace_evidence

    with django_capture_on_commit_callbacks(execute=True):
        add_pace_evidence()
    assert new(Kind.OFF_PACE) == []
    with django_capture_on_commit_callbacks(execute=True):
        refresh_pace(world.org("riverbend"))
    assert new(Kind.OFF_PACE) == []  # Ben was already behind at the first check


def _new_evidence_for_ana(world) -> None:
    rivera = world.user("rivera")
    with acting(rivera, route="test"):
        evidence.record_evidence(
            rivera,
            student=world.ana,
            kind="quiz",
            title="Quick check",
            assessed_at=timezone.now() - dt.timedelta(hours=1),
            scores=[evidence.ScoreInput(world.target("MATH.1.4"), 3)],
        )


def _age_family_notices(days: int) -> None:
    Notification.objects.filter(kind=Kind.FAMILY_REPORT).update(
        created_at=timezone.now() - dt.timedelta(days=days)
    )


def test_a_new_family_report_tells_the_guardian_at_most_weekly(
    world, new, django_capture_on_commit_callbacks
):
    riverbend = world.org("riverbend")
    _age_family_notices(8)  # the world told Marisol García a while ago
    _new_evidence_for_ana(world)
    with django_capture_on_commit_callbacks(execute=True):
        told = actions.family_reports_ready(SYSTEM, riverbend, timezone.now())
    everyone = new(Kind.FAMILY_REPORT)
    assert told == len(everyone)  # the world's other families with news are told too
    rows = [n for n in everyone if n.student == world.ana]
    assert [(n.recipient.username, n.student) for n in rows] == [("garcia.family", world.ana)]
    assert rows[0].message == "Ana García's progress report has changed since you last read it."
    assert rows[0].link == f"/family/{world.ana.pk}/"
    # More news the same week: not again.
    _new_evidence_for_ana(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.family_reports_ready(SYSTEM, riverbend, timezone.now()) == 0
    assert len(new(Kind.FAMILY_REPORT)) == len(everyone)


def test_no_news_since_the_guardians_last_reading_tells_nobody(
    world, new, django_capture_on_commit_callbacks
):
    _age_family_notices(8)
    _new_evidence_for_ana(world)
    guardian = world.user("garcia.family")
    with acting(guardian, route="test"):
        learners.note_family_report(guardian, student=world.ana, compared_with=None)
    with django_capture_on_commit_callbacks(execute=True):
        actions.family_reports_ready(SYSTEM, world.org("riverbend"), timezone.now())
    # Other families in the world may have news; Ana's guardian has just read hers.
    assert [n for n in new() if n.student == world.ana] == []
    assert "garcia.family" not in new.who()


# --- Never about a student one may not see -------------------------------------------------------


def test_the_policy_drops_recipients_who_may_not_see_the_student(
    world, new, django_capture_on_commit_callbacks
):
    """Even when a hook names the wrong people, nobody outside Ana's circle hears of her:
    a Lakeside guardian, a teacher at another school, a person with no role."""
    outsiders = [
        world.user("lake.parent"),
        world.user("lake.teacher"),
        third_rater(),
        world.user("nobody"),
        world.user("state.analyst"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(
            SYSTEM,
            Kind.WORK_RETURNED,
            world.ana_evidence,
            recipients=[*outsiders, world.user("garcia.family")],
            student=world.ana,
            params={"student": "Ana García", "title": "Fraction strips", "teacher": "Ms. Rivera"},
        )
    assert new.who() == {"garcia.family"}


def test_a_lakeside_person_never_gets_a_riverbend_notification(
    world, new, django_capture_on_commit_callbacks
):
    """Every hook of this suite, run for Riverbend: no Lakeside account is told anything."""
    from tests.world_pace import add_pace_evidence

    rivera = world.user("rivera")
    with django_capture_on_commit_callbacks(execute=True), acting(rivera, route="test"):
        learners.schedule_reassessment(rivera, _ana_request(world), on=TODAY)
        add_pace_evidence()
        actions.daily_notices(SYSTEM, world.org("riverbend"), today=TODAY + dt.timedelta(days=6))
    assert new()  # something was told
    lakeside = Organization.objects.get(code="lakeside")
    from django.db.models import Q

    lake_people = set(
        User.objects.filter(
            Q(memberships__organization__path__startswith=lakeside.path)
            | Q(guardian_links__student__school__path__startswith=lakeside.path)
            | Q(student_profile__school__path__startswith=lakeside.path)
        ).values_list("username", flat=True)
    )
    assert lake_people >= {"lake.teacher", "lake.parent", "lake.kid", "lake.admin"}
    assert not (new.who() & lake_people)


def test_with_no_recipients_given_the_policy_chooses(
    world, new, django_capture_on_commit_callbacks
):
    """``notify`` without recipients tells exactly ``policy.who_may`` (here: who may see
    Ms. Rivera's support plan for Ben), minus the actor."""
    from proficio import policy
    from proficio.policy import Act, Subject

    plan = world.ben_plan
    expected = set(
        policy.who_may(Act.VIEW, Subject.SUPPORT_PLAN, plan).values_list("username", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(
            world.user("rivera"),
            Kind.CHECK_IN_DUE,
            plan,
            student=world.ben,
            params={"student": "Ben", "intervention": "x", "day": TODAY.isoformat()},
        )
    assert new.who() == expected - {"rivera"}
    assert new.who()
    assert "lake.teacher" not in new.who()


# Every kind, with a foreign-school and foreign-district person among its recipients.
def _kind_case(world, kind: str):
    """(what it is about, the student it names, the one person entitled to hear of it)."""
    from proficio.moderation.models import ModerationSession

    ana, ben = world.ana, world.ben
    return {
        Kind.REASSESSMENT_SCHEDULED: (_ana_request(world), ana, "garcia.family"),
        Kind.REASSESSMENT_DECLINED: (_ana_request(world), ana, "garcia.family"),
        Kind.REASSESSMENT_ACCEPTED: (_ana_request(world), ana, "ana"),
        Kind.WORK_RETURNED: (world.ana_evidence, ana, "ana"),
        Kind.WORK_RESUBMITTED: (world.ana_evidence, ana, "rivera"),
        # Raters of the setup session: Ms. Rivera and the Maple principal (not Cedar's teacher).
        Kind.SAMPLES_ASSIGNED: (
            ModerationSession.objects.get(title="Setup session"),
            None,
            "rivera",
        ),
        Kind.CHECK_IN_DUE: (world.ben_plan, ben, "rivera"),
        Kind.FAMILY_REPORT: (ana, ana, "garcia.family"),
        Kind.OFF_PACE: (ben, ben, "counselor"),
    }[Kind(kind)]


PARAMS = {
    "student": "Someone",
    "target": "MATH.1.3",
    "day": "2030-01-01",
    "reason": "r",
    "teacher": "t",
    "title": "w",
    "count": 1,
    "session": "s",
    "intervention": "i",
}


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_reaches_only_people_the_policy_lets_see_its_student(
    world, new, django_capture_on_commit_callbacks, kind
):
    """Whatever a hook passes as recipients, a teacher at another school (Cedar Elementary)
    and Lakeside people (another district) are dropped; whoever is told may see the
    student by the one policy (and, for a notification with no student, its object)."""
    from proficio import policy
    from proficio.notifications.kinds import SPECS
    from proficio.policy import Subject

    about, student, entitled = _kind_case(world, kind)
    foreign_school = third_rater()
    assert foreign_school.memberships.filter(organization__code="cedar-es").exists()
    outsiders = [foreign_school, *(world.user(u) for u in ("lake.teacher", "lake.parent"))]
    outsiders.append(world.user("lake.admin"))
    if student is not None:  # none of them may see the student...
        for person in outsiders:
            assert not policy.visible(person, Subject.STUDENT).filter(pk=student.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify(
            SYSTEM,
            kind,
            about,
            recipients=[*outsiders, world.user(entitled)],
            student=student,
            params=PARAMS,
        )
    # ...so only the entitled person is told.
    assert new.who() == {entitled}
    (row,) = new()
    if student is not None:
        assert row.student == student
        assert policy.visible(row.recipient, Subject.STUDENT).filter(pk=student.pk).exists()
    else:
        spec = SPECS[kind]
        assert policy.visible(row.recipient, spec.subject).filter(pk=about.pk).exists()
    # And what the outsiders' pages and counts show is unchanged: nothing.
    for person in outsiders:
        assert not actions.visible_notifications(person).filter(pk=row.pk).exists()

"""Notification emails: sent by a task after the commit, in the recipient's language, as
each person chose (right away, in the daily digest, or never), grouped by kind in the
digest, and never about a student the recipient may no longer see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from proficio.accounts.actions import set_preferred_language
from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.audit.models import AuditEntry
from proficio.learners import actions as learners
from proficio.learners.models import ReassessmentRequest
from proficio.notifications import actions
from proficio.notifications.models import EmailState, Kind, Notification
from proficio.notifications.tasks import next_digest_at, send_daily_digest
from proficio.orgs.models import CaseloadAssignment
from proficio.policy import SYSTEM
from tests import world_pace  # noqa: F401 - names Ben's support plan on the world view

TODAY = timezone.localdate()


def _mailbox(*usernames: str) -> None:
    """Give these people an address, and nobody else (the demo gives everyone one)."""
    User.objects.update(email="")
    for username in usernames:
        User.objects.filter(username=username).update(email=f"{username}@riverbend.example")


def _schedule_anas_reassessment(world, capture) -> ReassessmentRequest:
    rivera = world.user("rivera")
    request = ReassessmentRequest.objects.get(student=world.ana, target=world.target("MATH.1.3"))
    with capture(execute=True), acting(rivera, route="test"):
        learners.schedule_reassessment(rivera, request, on=dt.date(TODAY.year + 1, 3, 9))
    return request


def _to(outbox, username: str):
    found = [m for m in outbox if m.to == [f"{username}@riverbend.example"]]
    assert len(found) == 1, [m.to for m in outbox]
    return found[0]


def test_each_email_is_in_the_recipients_language(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    _mailbox("ana", "garcia.family")
    set_preferred_language(world.user("garcia.family"), "es")
    _schedule_anas_reassessment(world, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
    year = TODAY.year + 1
    english = _to(mailoutbox, "ana")
    assert english.subject == (
        f"Proficio: Your reassessment on MATH.1.3 is scheduled for March 9, {year}."
    )
    assert "Hello Ana García," in english.body
    spanish = _to(mailoutbox, "garcia.family")
    assert spanish.subject == (
        "Proficio: La nueva evaluación de Ana García en MATH.1.3 está programada "
        f"para el 9 de marzo de {year}."
    )
    assert "Hola, Marisol García:" in spanish.body
    assert "Se programó una nueva evaluación" in spanish.body  # the kind's heading
    assert "reassessment" not in spanish.body.lower()
    html, mimetype = spanish.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="es">' in html
    assert "La nueva evaluación de Ana García" in html
    # Links are absolute and open the notification (which marks it read).
    n = Notification.objects.get(recipient__username="garcia.family", kind="reassessment_scheduled")
    assert f"http://127.0.0.1:8000/notifications/{n.pk}/" in spanish.body
    assert n.email == EmailState.SENT
    assert n.emailed_at is not None


def test_an_email_naming_a_student_is_an_audited_read(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    _mailbox("ana", "garcia.family")
    since = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    _schedule_anas_reassessment(world, django_capture_on_commit_callbacks)
    reads = AuditEntry.objects.filter(
        pk__gt=since, student_id=world.ana.pk, action="read", purpose="notification email"
    )
    # The guardian's email is a read of Ana's record; Ana's own email is not.
    assert list(reads.values_list("actor_name", flat=True)) == ["garcia.family"]


def test_preferences_are_honoured(world, mailoutbox, django_capture_on_commit_callbacks):
    _mailbox("ana", "garcia.family")
    ana, guardian = world.ana.user, world.user("garcia.family")
    actions.set_preferences(guardian, {Kind.REASSESSMENT_SCHEDULED: "never"})
    actions.set_preferences(ana, {Kind.REASSESSMENT_SCHEDULED: "digest"})
    _schedule_anas_reassessment(world, django_capture_on_commit_callbacks)
    assert mailoutbox == []  # neither wants it right away
    states = dict(
        Notification.objects.filter(kind="reassessment_scheduled").values_list(
            "recipient__username", "email"
        )
    )
    assert states == {"ana": EmailState.DIGEST, "garcia.family": EmailState.NONE}
    # In the app, both see it anyway.
    assert actions.unread_count(guardian) == 2  # this and the world's family-report notice
    assert actions.send_digests(SYSTEM) == {"emails": 1, "notifications": 1}
    assert [m.to for m in mailoutbox] == [["ana@riverbend.example"]]
    assert "Your reassessment on MATH.1.3" in mailoutbox[0].body


def test_nobody_without_an_address_is_emailed(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    _mailbox("garcia.family")  # Ana has no address
    _schedule_anas_reassessment(world, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["garcia.family@riverbend.example"]]
    assert Notification.objects.get(
        recipient=world.ana.user, kind="reassessment_scheduled"
    ).email == (EmailState.NONE)


def _told(world, capture, kind: str, about, recipient: str, who=None, **params) -> Notification:
    with capture(execute=True):
        actions.notify(
            SYSTEM,
            kind,
            about,
            recipients=[world.user(recipient)],
            student=who,
            params=params,
        )
    return Notification.objects.filter(recipient__username=recipient, kind=kind).latest("pk")


def test_the_digest_groups_by_kind_and_leaves_out_what_was_read(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    _mailbox("rivera")
    rivera = world.user("rivera")
    capture = django_capture_on_commit_callbacks
    actions.set_preferences(rivera, {Kind.SAMPLES_ASSIGNED: "digest"})
    plan = world.ben_plan
    due = {
        "student": world.ben.display_name,
        "intervention": "Reteaching",
        "day": TODAY.isoformat(),
    }
    first = _told(world, capture, Kind.CHECK_IN_DUE, plan, "rivera", world.ben, **due)
    _told(world, capture, Kind.CHECK_IN_DUE, plan, "rivera", world.ben, **due)
    from proficio.moderation.models import ModerationSession

    session = ModerationSession.objects.get(title="Scoring session")
    _told(
        world, capture, Kind.SAMPLES_ASSIGNED, session, "rivera", count=4, session="Scoring session"
    )
    read = _told(world, capture, Kind.CHECK_IN_DUE, plan, "rivera", world.ben, **due)
    actions.mark_read(rivera, read)
    assert mailoutbox == []
    assert actions.send_digests(SYSTEM) == {"emails": 1, "notifications": 3}
    (digest,) = mailoutbox
    assert digest.subject == "Proficio: your daily digest (3 notifications)"
    body = digest.body
    # Kinds in the table's order, each under its heading, each notification once.
    assert body.index("Work samples to score in moderation") < body.index(
        "A support check-in is due"
    )
    assert body.count("The support check-in for Ben") == 2
    assert body.count("You have 4 work samples to score") == 1
    assert f"/notifications/{first.pk}/" in body
    assert f"/notifications/{read.pk}/" not in body
    read.refresh_from_db()
    assert read.email == EmailState.DROPPED
    # Nothing is waiting any more: the next digest sends nothing.
    assert actions.send_digests(SYSTEM) == {"emails": 0, "notifications": 0}
    assert len(mailoutbox) == 1


def test_the_digest_leaves_out_a_student_no_longer_on_the_caseload(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    _mailbox("counselor")
    counselor = world.user("counselor")
    assignment = CaseloadAssignment.objects.filter(advisor=counselor).first()
    student = assignment.student
    n = _told(
        world,
        django_capture_on_commit_callbacks,
        Kind.OFF_PACE,
        student,
        "counselor",
        student,
        student=student.display_name,
    )
    assert n.email == EmailState.DIGEST
    # The student leaves Mr. Chen's caseload before the digest goes out.
    CaseloadAssignment.objects.filter(pk=assignment.pk).update(
        end_date=TODAY - dt.timedelta(days=1)
    )
    assert actions.send_digests(SYSTEM) == {"emails": 0, "notifications": 0}
    assert mailoutbox == []
    n.refresh_from_db()
    assert n.email == EmailState.DROPPED
    assert actions.visible_notifications(counselor).filter(pk=n.pk).exists() is False


def test_a_stale_notification_about_someone_elses_child_is_never_emailed(world, mailoutbox):
    """Even a row that should never exist (a Lakeside guardian's, naming Ana) is not sent."""
    _mailbox("lake.parent")
    from django.contrib.contenttypes.models import ContentType

    stray = Notification.objects.create(
        recipient=world.user("lake.parent"),
        kind=Kind.FAMILY_REPORT,
        content_type=ContentType.objects.get_for_model(world.ana),
        object_id=world.ana.pk,
        student=world.ana,
        params={"student": "Ana García"},
        link="/",
        email=EmailState.IMMEDIATE,
    )
    with acting(None, route="test"):
        assert actions.email_notification(SYSTEM, stray.pk) is False
    stray.refresh_from_db()
    assert stray.email == EmailState.DROPPED
    assert mailoutbox == []


def test_the_digest_command_and_task(world, mailoutbox, django_capture_on_commit_callbacks, capsys):
    _mailbox("garcia.family")
    guardian = world.user("garcia.family")
    actions.set_preferences(guardian, {Kind.REASSESSMENT_SCHEDULED: "digest"})
    _schedule_anas_reassessment(world, django_capture_on_commit_callbacks)
    call_command("notifications", "digest")
    assert "Sent 1 digest emails (1 notifications)." in capsys.readouterr().out
    assert len(mailoutbox) == 1
    # The task (here run at once: the test backend cannot defer, so it does not reschedule).
    assert send_daily_digest.call(repeat=True) == {"emails": 0, "notifications": 0}


def test_the_digest_goes_out_at_the_configured_hour(settings):
    settings.PROFICIO_DIGEST_HOUR = 17
    tz = timezone.get_current_timezone()
    before = dt.datetime(2026, 3, 2, 16, 59, tzinfo=tz)
    after = dt.datetime(2026, 3, 2, 17, 0, tzinfo=tz)
    assert next_digest_at(before) == dt.datetime(2026, 3, 2, 17, 0, tzinfo=tz)
    assert next_digest_at(after) == dt.datetime(2026, 3, 3, 17, 0, tzinfo=tz)


def test_scheduling_the_digest_twice_queues_it_once(world, settings, capsys):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("notifications", "schedule")
    call_command("notifications", "schedule")
    out = capsys.readouterr().out
    assert "The daily digest is scheduled: next at" in out
    assert "The daily digest was already scheduled." in out
    (queued,) = DBTaskResult.objects.filter(
        task_path="proficio.notifications.tasks.send_daily_digest"
    )
    assert timezone.localtime(queued.run_after).hour == settings.PROFICIO_DIGEST_HOUR


def test_only_the_system_sends_emails(world):
    from django.core.exceptions import PermissionDenied

    rivera = world.user("rivera")
    with pytest.raises(PermissionDenied):
        actions.send_digests(rivera)
    with pytest.raises(PermissionDenied):
        actions.email_notification(rivera, 1)
    with pytest.raises(PermissionDenied):
        actions.daily_notices(rivera, world.org("riverbend"))

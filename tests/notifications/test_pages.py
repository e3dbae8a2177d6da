"""The notifications pages: the header's count, the paged list (mark read, mark all read,
unread only), following a notification, and the preferences form, in both languages."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from proficio.accounts.actions import set_preferred_language
from proficio.audit.models import AuditEntry
from proficio.notifications import actions
from proficio.notifications.models import Kind, Notification, NotificationPreference
from proficio.orgs.models import GuardianLink
from proficio.policy import SYSTEM

LIST = reverse("notifications:list")
PREFS = reverse("notifications:preferences")


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _tell_guardian(world, capture, n: int) -> None:
    with capture(execute=True):
        for k in range(n):
            actions.notify(
                SYSTEM,
                Kind.WORK_RETURNED,
                world.ana_evidence,
                recipients=[world.user("garcia.family")],
                student=world.ana,
                params={
                    "student": "Ana García",
                    "title": f"Draft {k + 1}",
                    "teacher": "Ms. Rivera",
                },
            )


def test_the_header_counts_unread_notifications(world, client):
    client.force_login(world.user("garcia.family"))
    page = client.get(reverse("web:home"), follow=True)
    source = page.content.decode()
    link = re.search(r'<a class="notification-link" href="/notifications/"[^>]*>(.*?)</a>', source)
    assert link is not None
    text = re.sub(r"<[^>]+>", "", link.group(1))
    # A link whose text says what it is and how many: "Notifications 1 unread".
    assert re.sub(r"\s+", " ", text).strip() == "Notifications 1 unread"
    assert 'aria-hidden="true"' in link.group(1)  # the bell icon is decoration


def test_the_header_count_is_queried_only_when_shown(world, rf):
    """The context processor runs for every template, HTMX fragments included: the count
    is a query only once a template shows it, and then it is the person's unread count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from proficio.notifications.context_processors import unread

    guardian = world.user("garcia.family")
    request = rf.get("/")
    request.user = guardian
    with CaptureQueriesContext(connection) as queries:
        context = unread(request)
    assert not [q for q in queries if "notification" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        shown = f"{context['notifications_unread']}"
    assert [q for q in queries if "notification" in q["sql"]]
    assert shown == str(actions.unread_count(guardian)) == "1"
    actions.mark_all_read(guardian)
    assert not unread(request)["notifications_unread"]  # zero hides the badge


def test_the_header_count_is_no_query_when_nothing_is_unread(world, rf):
    """The query that reads each request's user (``policy.load_person``) says whether
    anything addressed to them is unread: when nothing is, the header shows no count and
    asks nothing more; otherwise it is the count, as before. Marking one unread in the same
    request counts again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from proficio import policy
    from proficio.notifications.context_processors import unread

    guardian_id = world.user("garcia.family").pk

    def header(user) -> tuple[str, int]:
        request = rf.get("/")
        request.user = user
        with CaptureQueriesContext(connection) as queries:
            shown = f"{unread(request)['notifications_unread']}"
        return shown, len([q for q in queries if "notification" in q["sql"]])

    assert header(policy.load_person(guardian_id)) == ("1", 1)
    actions.mark_all_read(world.user("garcia.family"))
    user = policy.load_person(guardian_id)
    assert header(user) == ("0", 0)
    assert actions.unread_count(user) == 0  # what the header would have counted
    mine = Notification.objects.filter(recipient_id=guardian_id).first()
    actions.mark_unread(user, mine)
    assert header(user) == ("1", 1)
    assert header(policy.load_person(guardian_id)) == ("1", 1)


def test_the_list_shows_ones_own_notifications_and_audits_the_students_named(world, client):
    guardian = world.user("garcia.family")
    client.force_login(guardian)
    response = client.get(LIST)
    text = _text(response)
    assert "Ana García's progress report has changed since you last read it." in text
    assert "You have 1 unread notification." in text
    assert AuditEntry.objects.filter(
        actor=guardian, student_id=world.ana.pk, purpose="notifications"
    ).exists()
    # Someone else's list holds nothing of theirs.
    client.force_login(world.user("lake.parent"))
    other = _text(client.get(LIST))
    assert "Ana" not in other
    assert "Lia Lake's progress report" in other


def test_following_a_notification_marks_it_read(world, client):
    guardian = world.user("garcia.family")
    n = world.guardian_notification
    client.force_login(guardian)
    response = client.get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/family/{world.ana.pk}/"
    n.refresh_from_db()
    assert n.read_at is not None
    assert actions.unread_count(guardian) == 0


def test_mark_read_unread_and_all(world, client, django_capture_on_commit_callbacks):
    guardian = world.user("garcia.family")
    _tell_guardian(world, django_capture_on_commit_callbacks, 3)
    client.force_login(guardian)
    assert actions.unread_count(guardian) == 4
    n = Notification.objects.filter(recipient=guardian, kind=Kind.WORK_RETURNED).first()
    response = client.post(reverse("notifications:read", args=[n.pk]), {"next": LIST})
    assert response["Location"] == LIST
    assert actions.unread_count(guardian) == 3
    client.post(reverse("notifications:read", args=[n.pk]), {"read": "0"})
    assert actions.unread_count(guardian) == 4
    # A "next" to another site is ignored.
    response = client.post(reverse("notifications:read_all"), {"next": "https://evil.example/"})
    assert response["Location"] == LIST
    assert actions.unread_count(guardian) == 0
    assert "All notifications are marked as read." in _text(client.get(LIST))
    # Marking all read touched only the guardian's own.
    assert Notification.objects.filter(recipient__username="lake.parent", read_at=None).exists()


def test_the_list_is_paged_and_filters_unread(
    world, client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    guardian = world.user("garcia.family")
    _tell_guardian(world, django_capture_on_commit_callbacks, 24)
    actions.mark_read(guardian, world.guardian_notification)
    client.force_login(guardian)
    with django_assert_max_num_queries(25):  # not one query per notification
        first = client.get(LIST)
    text = _text(first)
    assert "Page 1 of 2" in text
    assert first.content.decode().count('<li class="notification') == 20
    assert "Draft 24" in text  # newest first
    assert "Draft 4”" not in text
    page_two = client.get(LIST + "?page=2")
    assert page_two.content.decode().count('<li class="notification') == 5
    second = _text(page_two)
    assert "Draft 4”" in second
    assert "progress report has changed" in second  # the oldest, already read
    unread = _text(client.get(LIST + "?show=unread&page=2"))
    assert "progress report has changed" not in unread
    assert "show=unread" in client.get(LIST + "?show=unread").content.decode()


def test_a_notification_about_a_student_one_can_no_longer_see_disappears(world, client):
    guardian = world.user("garcia.family")
    client.force_login(guardian)
    assert "Ana García's progress report" in _text(client.get(LIST))
    GuardianLink.objects.filter(guardian=guardian, student=world.ana).delete()
    assert "Ana" not in _text(client.get(LIST))
    response = client.get(reverse("notifications:open", args=[world.guardian_notification.pk]))
    assert response.status_code == 404


def test_a_stray_row_naming_someone_elses_child_is_never_shown(world, client):
    Notification.objects.create(
        recipient=world.user("lake.parent"),
        kind=Kind.REASSESSMENT_SCHEDULED,
        content_type=ContentType.objects.get_for_model(world.ana),
        object_id=world.ana.pk,
        student=world.ana,
        params={"student": "Ana García", "target": "MATH.1.3", "day": "2030-01-01"},
        link="/",
    )
    client.force_login(world.user("lake.parent"))
    assert "Ana" not in client.get(LIST).content.decode()
    assert actions.unread_count(world.user("lake.parent")) == 1  # only Lia's


def test_someone_elses_notification_is_a_404_without_a_name(world, client):
    client.force_login(world.user("lake.parent"))
    response = client.get(reverse("notifications:open", args=[world.guardian_notification.pk]))
    assert response.status_code == 404
    assert "Ana" not in response.content.decode()
    assert "García" not in response.content.decode()


def test_preferences_list_the_kinds_of_ones_roles(world, client):
    client.force_login(world.user("garcia.family"))
    text = _text(client.get(PREFS))
    for label in (
        "A reassessment is scheduled",
        "Work is returned with feedback",
        "A progress report has news",
    ):
        assert label in text
    assert "Work samples to score" not in text
    assert "newly behind pace" not in text
    client.force_login(world.user("counselor"))
    text = _text(client.get(PREFS))
    assert "A student on my caseload is newly behind pace" in text
    assert "A progress report has news" not in text


def test_preferences_are_saved_and_defaults_are_not_stored(world, client):
    guardian = world.user("garcia.family")
    client.force_login(guardian)
    page = client.get(PREFS).content.decode()
    # The guardian's defaults: family reports and scheduling right away, the rest daily.
    assert re.search(r'name="family_report" value="immediate"[^>]*checked', page)
    assert re.search(r'name="work_returned" value="digest"[^>]*checked', page)
    choices = dict(actions.preferences(guardian))
    choices[Kind.WORK_RETURNED] = "never"
    response = client.post(PREFS, choices)
    assert response.status_code == 302
    assert list(
        NotificationPreference.objects.filter(user=guardian).values_list("kind", "email")
    ) == [("work_returned", "never")]
    assert "Your choices are saved." in _text(client.get(PREFS))


@pytest.mark.parametrize(
    "data", [{"work_returned": "sometimes"}, {"work_returned": ""}, {"off_pace": "never"}]
)
def test_bad_preferences_are_refused_beside_the_field(world, client, data):
    guardian = world.user("garcia.family")
    client.force_login(guardian)
    choices = {**dict(actions.preferences(guardian)), **data}
    response = client.post(PREFS, choices)
    if "off_pace" in data:  # not one of the guardian's kinds: ignored, nothing stored
        assert response.status_code == 302
    else:
        assert response.status_code == 400
        assert "Select a valid choice" in _text(response) or "This field is required" in _text(
            response
        )
    assert not NotificationPreference.objects.filter(user=guardian).exists()


def test_the_action_refuses_kinds_of_other_roles(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        actions.set_preferences(world.user("garcia.family"), {Kind.OFF_PACE: "never"})
    assert set(exc.value.message_dict) == {"off_pace"}


def test_the_pages_in_spanish(world, client):
    guardian = world.user("garcia.family")
    set_preferred_language(guardian, "es")
    client.force_login(guardian)
    text = _text(client.get(LIST))
    assert "Notificaciones" in text
    assert "Tiene 1 notificación sin leer." in text
    assert "El informe de progreso de Ana García cambió desde la última vez que lo leyó." in text
    prefs = _text(client.get(PREFS))
    assert "Preferencias de notificaciones" in prefs
    assert "Se programó una nueva evaluación" in prefs
    assert "Por correo electrónico, enseguida" in prefs


@pytest.mark.parametrize("route", ["open", "read"])
@pytest.mark.parametrize(
    ("owner", "names", "intruder"),
    [
        # Ana's guardian's notification, tried by a teacher at another school (Cedar
        # Elementary), by Ana's own teacher, and by Lakeside people (another district).
        ("garcia.family", ("Ana", "García"), "cedar"),
        ("garcia.family", ("Ana", "García"), "rivera"),
        ("garcia.family", ("Ana", "García"), "lake.teacher"),
        ("garcia.family", ("Ana", "García"), "lake.parent"),
        # A Lakeside guardian's, tried from Riverbend.
        ("lake.parent", ("Lia", "Lee Lake"), "garcia.family"),
        ("lake.parent", ("Lia", "Lee Lake"), "cedar"),
    ],
)
def test_anyone_elses_notification_by_id_is_a_404_that_names_nobody(
    world, client, route, owner, names, intruder
):
    from tests.world_moderation import third_rater

    theirs = Notification.objects.filter(recipient__username=owner, student__isnull=False).first()
    assert theirs is not None
    assert names[0] in theirs.message  # it does name a student
    person = third_rater() if intruder == "cedar" else world.user(intruder)
    client.force_login(person)
    url = reverse(f"notifications:{route}", args=[theirs.pk])
    response = client.get(url) if route == "open" else client.post(url, {"read": "1"})
    assert response.status_code == 404
    body = response.content.decode()
    for name in names:
        assert name not in body
    theirs.refresh_from_db()
    assert theirs.read_at is None  # and nothing about it changed
    # The same id is as unknown as one that never existed.
    missing = reverse(f"notifications:{route}", args=[theirs.pk + 10_000])
    gone = client.get(missing) if route == "open" else client.post(missing, {"read": "1"})
    assert gone.status_code == 404
    assert re.sub(r"\d+", "", gone.content.decode()) == re.sub(r"\d+", "", body)

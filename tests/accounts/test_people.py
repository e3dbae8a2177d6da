"""Administering people: invite, deactivate, unlock, reset a password, dated roles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from proficio.accounts import actions
from proficio.accounts.models import User
from proficio.audit.models import AuditEntry
from proficio.orgs.models import RoleMembership
from tests.world import PASSWORD

NEW_PASSWORD = "a-long-fresh-passphrase-42"


def _link_in(message) -> str:
    found = re.search(r"https?://\S+", message.body)
    assert found, message.body
    return found.group(0)


def _invite(client, world, **overrides):
    data = {
        "first_name": "Jo",
        "last_name": "Park",
        "email": "jo.park@riverbend.example",
        "preferred_language": "en",
        "role": "teacher",
        "organization": world.org("maple-ms").pk,
        "start_date": timezone.localdate().isoformat(),
        "end_date": "",
        **overrides,
    }
    return client.post(reverse("accounts:invite"), data)


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.user("district.admin"))
    return client


def _set_password_through(client, link: str):
    """Open an emailed link, then choose a password on the page it leads to."""
    page = client.get(link, follow=True)
    assert page.context["validlink"], page.content.decode()[:500]
    url = page.redirect_chain[-1][0]
    return client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def test_invite_creates_the_account_and_role_and_emails_a_one_time_link(world, admin_client):
    response = _invite(admin_client, world)
    person = User.objects.get(email="jo.park@riverbend.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:person", args=[person.pk])
    assert person.username == "jo.park"
    assert not person.has_usable_password()
    membership = person.memberships.get()
    assert (membership.role, membership.organization.code) == ("teacher", "maple-ms")
    assert membership.start_date == timezone.localdate()
    entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(person.pk))
    assert (entry.action, entry.purpose, entry.actor_name) == ("create", "invite", "district.admin")
    assert entry.org_path == world.org("maple-ms").path
    assert AuditEntry.objects.filter(
        object_type="orgs.rolemembership", object_id=str(membership.pk)
    ).exists()
    (message,) = mail.outbox
    assert message.to == ["jo.park@riverbend.example"]
    assert "jo.park" in message.body
    link = _link_in(message)
    assert "/accounts/invitation/" in link

    admin_client.logout()
    done = _set_password_through(admin_client, link)
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(
        object_id=str(person.pk), purpose="invitation accepted", actor_name="jo.park"
    ).exists()
    # The link is spent: it covered the password that no longer exists.
    again = admin_client.get(link, follow=True)
    assert not again.context["validlink"]
    assert "no longer works" in again.content.decode()
    login = admin_client.post(
        reverse("accounts:login"), {"username": "jo.park", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_a_reset_link_cannot_stand_in_for_an_invitation(world, admin_client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    _invite(admin_client, world)
    person = User.objects.get(email="jo.park@riverbend.example")
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    wrong = reverse("accounts:invitation", args=[uid, default_token_generator.make_token(person)])
    admin_client.logout()
    assert not admin_client.get(wrong, follow=True).context["validlink"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "rivera@riverbend.example"}, "email", "already belongs to an account"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"role": "district_admin"}, "organization", "is held at a district"),
        ({"role": "state_analyst"}, "role", "Select a valid choice"),
        ({"organization": "999999"}, "organization", "Select a valid choice"),
        ({"end_date": "2000-01-01"}, "end_date", "must end on or after"),
        ({"first_name": ""}, "first_name", "required"),
    ],
)
def test_a_bad_invitation_names_the_field_and_saves_nothing(
    world, admin_client, overrides, field, message
):
    users, memberships, entries = (
        User.objects.count(),
        RoleMembership.objects.count(),
        AuditEntry.objects.count(),
    )
    response = _invite(admin_client, world, **overrides)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert User.objects.count() == users
    assert RoleMembership.objects.count() == memberships
    assert AuditEntry.objects.count() == entries
    assert mail.outbox == []


def test_invite_at_another_districts_school_is_refused_by_the_action(world):
    with pytest.raises(PermissionDenied):
        actions.invite_person(
            world.user("district.admin"),
            email="x@lakeside.example",
            first_name="X",
            last_name="Y",
            role="teacher",
            organization=world.org("lakeside-ms"),
            start_date=timezone.localdate(),
            site="http://testserver",
        )
    assert not User.objects.filter(email="x@lakeside.example").exists()


def test_a_teacher_cannot_invite(world, client):
    client.force_login(world.user("rivera"))
    assert client.get(reverse("accounts:invite")).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.invite_person(
            world.user("rivera"),
            email="x@riverbend.example",
            first_name="X",
            last_name="Y",
            role="teacher",
            organization=world.org("maple-ms"),
            start_date=timezone.localdate(),
            site="http://testserver",
        )


def test_deactivating_ends_sessions_and_logins_until_reactivated(world, admin_client, client):
    from django.test import Client

    rivera = world.user("rivera")
    her_browser = Client()
    her_browser.force_login(rivera)
    assert her_browser.get(reverse("web:role_home", args=["teacher"])).status_code == 200

    response = admin_client.post(reverse("accounts:deactivate", args=[rivera.pk]), follow=True)
    assert "can no longer sign in" in response.content.decode()
    rivera.refresh_from_db()
    assert not rivera.is_active
    # Her open session ends at its next request, and her password no longer works.
    assert her_browser.get(reverse("web:role_home", args=["teacher"])).status_code == 302
    attempt = Client().post(reverse("accounts:login"), {"username": "rivera", "password": PASSWORD})
    assert attempt.status_code == 200
    assert not rivera.memberships.filter(end_date__isnull=False).exists()  # roles are kept

    admin_client.post(reverse("accounts:reactivate", args=[rivera.pk]))
    rivera.refresh_from_db()
    assert rivera.is_active
    purposes = list(
        AuditEntry.objects.filter(object_id=str(rivera.pk), object_type="accounts.user")
        .order_by("pk")
        .values_list("purpose", flat=True)
    )
    assert purposes == ["deactivate", "reactivate"]


def test_an_administrator_cannot_deactivate_themself(world, admin_client):
    me = world.user("district.admin")
    response = admin_client.post(reverse("accounts:deactivate", args=[me.pk]), follow=True)
    assert "cannot deactivate your own account" in response.content.decode()
    me.refresh_from_db()
    assert me.is_active


def test_an_administrator_sends_a_reset_link_and_can_stop_the_old_password(world, admin_client):
    ben = world.user("ben")
    response = admin_client.post(
        reverse("accounts:send_password_reset", args=[ben.pk]), {"stop_current_password": "on"}
    )
    assert response.status_code == 302
    ben.refresh_from_db()
    assert not ben.check_password(PASSWORD)
    (message,) = mail.outbox
    assert message.to == [ben.email]
    assert "administrator sent this link" in message.body
    admin_client.logout()
    assert _set_password_through(admin_client, _link_in(message)).status_code == 302
    ben.refresh_from_db()
    assert ben.check_password(NEW_PASSWORD)
    assert list(
        AuditEntry.objects.filter(object_id=str(ben.pk), object_type="accounts.user")
        .order_by("pk")
        .values_list("purpose", "actor_name")
    ) == [("password reset link sent", "district.admin"), ("password reset by link", "ben")]


def test_forgot_password_uses_djangos_flow_and_says_nothing_about_who_exists(world, client):
    page = client.post(reverse("accounts:password_reset"), {"email": "nobody@nowhere.example"})
    assert page.status_code == 302
    assert mail.outbox == []
    page = client.post(reverse("accounts:password_reset"), {"email": "BEN@riverbend.example"})
    assert page["Location"] == reverse("accounts:password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["ben@riverbend.example"]
    link = _link_in(message)
    assert "/accounts/reset/" in link
    assert _set_password_through(client, link).status_code == 302
    assert world.user("ben").check_password(NEW_PASSWORD)
    assert not client.get(link, follow=True).context["validlink"]


def test_a_reset_email_is_in_the_persons_language(world, client):
    ben = world.user("ben")
    actions.set_preferred_language(ben, "es")
    client.post(reverse("accounts:password_reset"), {"email": ben.email})
    (message,) = mail.outbox
    assert message.subject == "Elija una nueva contraseña de Proficio"
    assert "Hola" in message.body


def test_a_password_reset_ends_a_lockout(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "ben", "password": "nope-nope"})
    client.post(reverse("accounts:password_reset"), {"email": "ben@riverbend.example"})
    assert _set_password_through(client, _link_in(mail.outbox[0])).status_code == 302
    login = client.post(reverse("accounts:login"), {"username": "ben", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_roles_are_dated_added_and_ended_never_deleted(world, admin_client):
    rivera = world.user("rivera")
    today = timezone.localdate()
    response = admin_client.post(
        reverse("accounts:add_role", args=[rivera.pk]),
        {
            "role": "advisor",
            "organization": world.org("cedar-es").pk,
            "start_date": today.isoformat(),
            "end_date": (today + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    added = rivera.memberships.get(role="advisor")
    assert added.organization.code == "cedar-es"
    assert added.end_date == today + dt.timedelta(days=30)

    teaching = rivera.memberships.get(role="teacher")
    bad = admin_client.post(
        reverse("accounts:end_role", args=[rivera.pk, teaching.pk]),
        {"end_date": (teaching.start_date - dt.timedelta(days=1)).isoformat()},
        follow=True,
    )
    assert "end it then or later" in bad.content.decode()
    teaching.refresh_from_db()
    assert teaching.end_date is None

    admin_client.post(
        reverse("accounts:end_role", args=[rivera.pk, teaching.pk]),
        {"end_date": today.isoformat()},
    )
    teaching.refresh_from_db()
    assert teaching.end_date == today
    assert rivera.memberships.count() == 2  # history kept
    changes = AuditEntry.objects.filter(
        object_type="orgs.rolemembership", actor_name="district.admin"
    )
    assert {(e.action, e.object_id) for e in changes} >= {
        ("create", str(added.pk)),
        ("update", str(teaching.pk)),
    }


def test_a_role_at_the_wrong_kind_of_organization_is_refused_on_its_field(world, admin_client):
    rivera = world.user("rivera")
    response = admin_client.post(
        reverse("accounts:add_role", args=[rivera.pk]),
        {
            "role": "teacher",
            "organization": world.org("riverbend").pk,
            "start_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "is held at a school" in " ".join(
        response.context["membership_form"].errors["organization"]
    )
    assert not rivera.memberships.filter(organization__code="riverbend").exists()


def test_a_person_shared_with_another_district_is_read_only_here(world, admin_client):
    shared = world.user("shared.teacher")
    page = admin_client.get(reverse("accounts:person", args=[shared.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mx. Bridge" in body
    assert reverse("accounts:deactivate", args=[shared.pk]) not in body
    assert admin_client.post(reverse("accounts:deactivate", args=[shared.pk])).status_code == 404
    shared.refresh_from_db()
    assert shared.is_active


@pytest.mark.parametrize(
    ("viewer", "target", "names"),
    [
        # Another district's teacher, and the state analyst above the district.
        ("district.admin", "lake.teacher", ["Mr. Lake", "lake.teacher"]),
        ("district.admin", "state.analyst", ["Dr. Patel", "state.analyst"]),
        ("lake.admin", "rivera", ["Ms. Rivera", "Rivera"]),
        # Another school's teacher, for a school leader (who administers no one).
        ("principal", "t.cedar-es.001", ["t.cedar-es.001"]),
    ],
)
@pytest.mark.parametrize(
    ("route", "method"),
    [
        ("accounts:person", "get"),
        ("accounts:deactivate", "post"),
        ("accounts:unlock", "post"),
        ("accounts:send_password_reset", "post"),
        ("accounts:add_role", "post"),
    ],
)
def test_someone_beyond_reach_is_a_404_that_names_no_one(
    world, client, viewer, target, names, route, method
):
    person = world.user(target)
    names = [n for n in [*names, str(person), person.email] if n]
    client.force_login(world.user(viewer))
    response = getattr(client, method)(reverse(route, args=[person.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    for name in names:
        assert name not in body
    person.refresh_from_db()
    assert person.is_active
    assert mail.outbox == []


def test_the_people_list_shows_the_district_and_audits_student_names(world, admin_client):
    page = admin_client.get(reverse("accounts:people"), {"q": "a"})
    assert page.status_code == 200
    shown = {p.username for p, _student, _locked in page.context["rows"]}
    assert "lake.teacher" not in shown
    assert "state.analyst" not in shown
    assert not any(u.startswith("client.") for u in shown)
    students = [s for _p, s, _locked in page.context["rows"] if s is not None]
    assert students
    reads = AuditEntry.objects.filter(action="read", purpose="account administration")
    assert set(reads.values_list("student_id", flat=True)) == {s.pk for s in students}
    found = admin_client.get(reverse("accounts:people"), {"q": "district.admin"})
    assert [p.username for p, *_ in found.context["rows"]] == ["district.admin"]


def test_an_invitation_lives_its_own_days_not_a_reset_links(world, settings):
    from django.contrib.auth.tokens import default_token_generator

    from proficio.accounts.tokens import invitation_token_generator as invitations

    person = world.user("ben")
    now = invitations._num_seconds(invitations._now())
    five_days = now - 5 * 86400
    token = invitations._make_token_with_timestamp(person, five_days, invitations.secret)
    assert invitations.check_token(person, token)  # 5 days < PROFICIO_INVITATION_DAYS (14)
    reset = default_token_generator._make_token_with_timestamp(
        person, five_days, default_token_generator.secret
    )
    assert not default_token_generator.check_token(person, reset)  # resets last 3 days
    settings.PROFICIO_INVITATION_DAYS = 4
    assert not invitations.check_token(person, token)
    assert not invitations.check_token(person, "garbage")
    assert not invitations.check_token(person, None)


def test_the_people_list_says_who_is_a_guardian(world, admin_client):
    page = admin_client.get(reverse("accounts:people"), {"q": "garcia.family"})
    ((person, student, _locked),) = page.context["rows"]
    assert person.username == "garcia.family"
    assert student is None
    assert person.children == 1
    assert "<td>Guardian</td>" in page.content.decode()

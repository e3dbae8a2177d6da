"""Single sign-on against a real OpenID provider (node's oidc-provider, started by the suite).

Only people already on the roster get in; everyone else sees why, and nothing is created.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from proficio.accounts import actions
from proficio.accounts.models import User
from proficio.audit.models import AuditEntry
from tests.oidc_provider import free_port, sign_in_at

BACK = "http://testserver/accounts/sso/callback/"


def _sign_in(client, login: str, next_url: str = ""):
    start = client.get(reverse("accounts:sso_start"), {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content
    back = sign_in_at(start["Location"], login, BACK)
    return client.get(back.removeprefix("http://testserver"))


def test_a_rostered_teacher_signs_in_and_lands_on_the_teacher_home(world, client, sso):
    accounts = User.objects.count()
    response = _sign_in(client, "rivera")
    assert response.status_code == 302
    home = client.get(response["Location"], follow=True)
    assert home.redirect_chain[-1][0] == reverse("web:role_home", args=["teacher"])
    assert "My classes" in home.content.decode()
    assert home.context["user"].username == "rivera"
    assert User.objects.count() == accounts
    rivera = world.user("rivera")
    assert rivera.last_login is not None


def test_the_login_page_offers_single_sign_on_when_it_is_set_up(world, client, sso):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in with Riverbend Google Workspace" in body
    assert reverse("accounts:sso_start") in body


def test_sign_in_returns_to_the_page_asked_for(world, client, sso):
    wanted = reverse("web:section_detail", args=[world.rivera_section.pk])
    response = _sign_in(client, "rivera", next_url=wanted)
    assert response["Location"] == wanted
    assert client.get(wanted).status_code == 200


@pytest.mark.parametrize(
    ("login", "says"),
    [
        ("stranger", "no one on Proficio's roster has that identity"),
        ("unverified", "has not verified the email address"),
        ("nameless", 'it sent no "email"'),
    ],
)
def test_someone_not_on_the_roster_is_refused_and_nothing_is_created(
    world, client, sso, login, says
):
    accounts, entries = User.objects.count(), AuditEntry.objects.count()
    response = _sign_in(client, login)
    assert response.status_code == 403
    body = response.content.decode()
    assert says in body
    assert "Proficio does not create accounts" in body or login != "stranger"
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == accounts
    assert AuditEntry.objects.count() == entries


def test_the_refusal_names_the_identity_it_was_given(world, client, sso):
    body = _sign_in(client, "stranger").content.decode()
    assert "stranger@elsewhere.example" in body
    assert "Riverbend Google Workspace" in body


def test_a_deactivated_account_is_refused_and_its_session_ends(world, client, sso):
    assert _sign_in(client, "rivera").status_code == 302
    rivera = world.user("rivera")
    actions.deactivate_person(world.user("district.admin"), rivera)
    assert client.get(reverse("web:role_home", args=["teacher"])).status_code == 302
    response = _sign_in(client, "rivera")
    assert response.status_code == 403
    assert "has been deactivated" in response.content.decode()


def test_two_accounts_with_one_email_are_refused_not_guessed(world, client, sso):
    actions.create_user(username="rivera2", password=None, email="RIVERA@riverbend.example")
    response = _sign_in(client, "rivera")
    assert response.status_code == 403
    assert "More than one Proficio account" in response.content.decode()


def test_matching_by_another_claim(world, client, sso, settings):
    settings.PROFICIO_OIDC_CLAIM = "preferred_username"
    settings.PROFICIO_OIDC_MATCH = "username"
    response = _sign_in(client, "by-username")
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).context["user"].username == "counselor"


def test_a_machine_clients_account_never_signs_in(world, settings):
    from proficio.accounts.sso import RosterOIDCBackend

    settings.PROFICIO_OIDC_CLAIM = "preferred_username"
    settings.PROFICIO_OIDC_MATCH = "username"
    name = world.riverbend_client.user.username
    assert User.objects.filter(username=name).exists()
    found = RosterOIDCBackend().filter_users_by_claims({"preferred_username": name})
    assert list(found) == []


def test_a_forged_or_replayed_callback_is_refused_without_signing_in(world, client, sso):
    response = client.get(reverse("accounts:sso_callback"), {"code": "x", "state": "forged"})
    assert response.status_code in (400, 403)
    assert "could not complete the sign-in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_cancelled_sign_in_says_so(world, client, sso):
    response = client.get(
        reverse("accounts:sso_callback"), {"error": "access_denied", "state": "whatever"}
    )
    assert response.status_code == 400
    assert "Sign-in was cancelled." in response.content.decode()


def test_an_unreachable_provider_is_a_clear_503(world, client, settings):
    from proficio.accounts import sso

    settings.PROFICIO_OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"
    settings.OIDC_RP_CLIENT_ID = "x"
    sso._discovered.clear()
    response = client.get(reverse("accounts:sso_start"))
    assert response.status_code == 503
    assert "could not complete the sign-in" in response.content.decode()


def test_without_an_issuer_single_sign_on_is_off(world, client):
    assert client.get(reverse("accounts:sso_start")).status_code == 404
    assert "Sign in with" not in client.get(reverse("accounts:login")).content.decode()


def test_matching_by_oneroster_sourced_id(world, client, sso, settings):
    counselor = world.user("counselor")
    counselor.sourced_id = "counselor"  # as the roster import keeps it
    counselor.save(update_fields=["sourced_id"])
    settings.PROFICIO_OIDC_CLAIM = "preferred_username"
    settings.PROFICIO_OIDC_MATCH = "sourced_id"
    response = _sign_in(client, "by-username")
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).context["user"] == counselor


def test_matching_by_a_students_oneroster_identifier(world, client, sso, settings):
    ana = world.ana
    ana.local_id = "S-2031"  # the OneRoster identifier, as the roster import keeps it
    ana.save(update_fields=["local_id"])
    settings.PROFICIO_OIDC_CLAIM = "preferred_username"
    settings.PROFICIO_OIDC_MATCH = "identifier"
    response = _sign_in(client, "student-number")  # the provider sends "s-2031"
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).context["user"] == ana.user
    client.logout()
    # A staff member has no student identifier: the same setting refuses them.
    refused = _sign_in(client, "by-username")
    assert refused.status_code == 403
    assert "no one on Proficio's roster has that identity" in refused.content.decode()
    assert "_auth_user_id" not in client.session

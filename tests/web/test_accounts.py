"""Logging in and out, lockout, language, and the security headers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.world import PASSWORD


@pytest.fixture
def login_url():
    return reverse("accounts:login")


def test_login_lands_on_role_home(world, client, login_url):
    response = client.post(login_url, {"username": "rivera", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:role_home", args=["teacher"])
    assert "My classes" in response.content.decode()


def test_wrong_password_says_so_and_warns_of_lockout(world, client, login_url):
    response = client.post(login_url, {"username": "rivera", "password": "wrong-password"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "do not match" in body
    assert f"after {settings.AXES_FAILURE_LIMIT} failed tries" in body


def test_empty_form_shows_field_errors(world, client, login_url):
    response = client.post(login_url, {"username": "", "password": ""})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2


def test_lockout_after_repeated_failures_is_announced(world, client, login_url):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert (
            client.post(login_url, {"username": "ben", "password": "nope-nope"}).status_code == 200
        )
    response = client.post(login_url, {"username": "ben", "password": "nope-nope"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post(login_url, {"username": "ben", "password": PASSWORD})
    assert response.status_code == 429


def test_logout_needs_post(world, client):
    client.force_login(world.user("rivera"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302  # back to login


def test_language_switch_to_spanish(world, client):
    user = world.user("garcia.family")
    client.force_login(user)
    response = client.post(
        reverse("accounts:language"), {"language": "es", "next": "/"}, follow=True
    )
    assert response.status_code == 200
    assert "Mis hijos" in response.content.decode()
    user.refresh_from_db()
    assert user.preferred_language == "es"


def test_language_switch_refuses_offsite_redirect(world, client):
    response = client.post(
        reverse("accounts:language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_bad_language_is_ignored_not_an_error(world, client):
    client.force_login(world.user("ana"))
    response = client.post(reverse("accounts:language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert world.user("ana").preferred_language == "en"


def test_security_headers(world, client):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_passwords_are_hashed_with_argon2id_at_owasp_minimum_in_real_settings():
    from proficio.accounts.hashers import Argon2idHasher
    from proficio.settings import base

    assert base.PASSWORD_HASHERS[0] == "proficio.accounts.hashers.Argon2idHasher"
    hasher = Argon2idHasher()  # argon2-cffi is installed and works here
    encoded = hasher.encode("secret-pass", hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify("secret-pass", encoded)
    assert not hasher.verify("other-pass", encoded)
    assert hasher.algorithm == "argon2"  # Django's name: older argon2 hashes still verify

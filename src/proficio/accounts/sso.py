"""Single sign-on with OpenID Connect, for people already on the roster.

mozilla-django-oidc runs the authorization-code flow (with PKCE, state and nonce). Around
it, Proficio adds three things:

* **Discovery.** Only the issuer is configured (``PROFICIO_OIDC_ISSUER``); the endpoints
  and keys come from its ``/.well-known/openid-configuration``, fetched when someone signs
  in and kept for an hour. Google Workspace, Microsoft Entra, Clever and ClassLink all
  publish one (the operator guide lists their issuers).
* **Roster matching, never creation.** A configured claim (``PROFICIO_OIDC_CLAIM``, the
  email by default) must equal one account's field (``PROFICIO_OIDC_MATCH``). No match, a
  deactivated account, or two matches: the person is refused with a page that says why,
  and nothing is written.
* **Checks the library leaves out.** The ID token's issuer and audience are verified, and
  the userinfo answer must be about the same subject as the ID token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from proficio.accounts.backends import active_person

log = logging.getLogger(__name__)
DISCOVERY_SECONDS = 3600

# The account field a claim's value must equal (``PROFICIO_OIDC_MATCH``): the email, the
# username, the OneRoster sourcedId the roster import keeps on each account (exact, since
# sourcedIds are opaque), or a student's OneRoster identifier (their local id). A value
# two accounts share is refused as ambiguous, never guessed.
MATCHERS: dict[str, Callable[[str], Q]] = {
    "email": lambda value: Q(email__iexact=value),
    "username": lambda value: Q(username__iexact=value),
    "sourced_id": lambda value: Q(sourced_id=value),
    "identifier": lambda value: Q(student_profile__local_id__iexact=value),
}


def enabled() -> bool:
    return bool(settings.PROFICIO_OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


class ProviderUnavailable(Exception):
    """The identity provider's discovery document could not be read or does not fit."""


_discovered: dict[str, tuple[float, Provider]] = {}


def provider() -> Provider:
    issuer = settings.PROFICIO_OIDC_ISSUER
    cached = _discovered.get(issuer)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        answer = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        answer.raise_for_status()
        doc = answer.json()
        found = Provider(
            issuer=str(doc["issuer"]),
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            userinfo_endpoint=str(doc.get("userinfo_endpoint") or ""),
            jwks_uri=str(doc["jwks_uri"]),
        )
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise ProviderUnavailable(f"{url}: {exc}") from exc
    if found.issuer.rstrip("/") != issuer:
        raise ProviderUnavailable(f"{url} names the issuer {found.issuer!r}, not {issuer!r}")
    _discovered[issuer] = (time.monotonic(), found)
    return found


@dataclass(frozen=True)
class Refusal:
    """Why a signed-in person was not let in: shown to them, never creating anything."""

    reason: str  # not_on_roster | inactive | ambiguous | no_claim | unverified
    claim: str
    value: str


class RosterOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Signs in the one active rostered account the identity provider vouches for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads its endpoints here; ours come from discovery at sign-in, so
        # that password logins never wait on the identity provider.
        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if request is None or "password" in kwargs or not enabled():
            return None
        if not (request.GET.get("code") and request.GET.get("state")):
            return None
        found = provider()
        self.OIDC_OP_TOKEN_ENDPOINT = found.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = found.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = found.jwks_uri
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        payload = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:  # the ID token itself (userinfo JWTs carry no nonce check)
            audience = payload.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if settings.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("The ID token was issued to another client.")
            if str(payload.get("iss", "")).rstrip("/") != settings.PROFICIO_OIDC_ISSUER:
                raise SuspiciousOperation("The ID token comes from another issuer.")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        info: dict[str, Any] = {}
        if self.OIDC_OP_USER_ENDPOINT:
            info = dict(super().get_userinfo(access_token, id_token, payload))
            if info.get("sub") not in (None, payload.get("sub")):
                raise SuspiciousOperation("The userinfo answer is about someone else.")
        return {**payload, **info}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return True  # the roster match below decides, with a reason to show

    def _refuse(self, reason: str, value: str = "") -> None:
        refusal = Refusal(reason, settings.PROFICIO_OIDC_CLAIM, value)
        self.request.proficio_sso_refusal = refusal
        log.info("single sign-on refused (%s) for %s=%r", reason, refusal.claim, value)

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        value = str(claims.get(settings.PROFICIO_OIDC_CLAIM) or "").strip()
        if not value:
            self._refuse("no_claim")
            return self.UserModel.objects.none()
        if settings.PROFICIO_OIDC_CLAIM == "email" and claims.get("email_verified") is False:
            self._refuse("unverified", value)
            return self.UserModel.objects.none()
        match = MATCHERS[settings.PROFICIO_OIDC_MATCH](value)
        # Machine clients' accounts are not people and never sign in.
        return self.UserModel.objects.filter(match, machine_client__isnull=True)

    def get_or_create_user(self, access_token: str, id_token: str, payload: Any) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        users = list(self.filter_users_by_claims(claims)[:2])
        value = str(claims.get(settings.PROFICIO_OIDC_CLAIM) or "").strip()
        if getattr(self.request, "proficio_sso_refusal", None) is not None:
            return None
        if not users:
            self._refuse("not_on_roster", value)
            return None
        if len(users) > 1:
            self._refuse("ambiguous", value)
            return None
        if not users[0].is_active:
            self._refuse("inactive", value)
            return None
        return users[0]

    def get_user(self, user_id: Any) -> Any:
        # Unlike the library's, a deactivated account's session ends at its next request.
        return active_person(self, user_id)


def _problem(request: HttpRequest, status: int, refusal: Refusal | None = None) -> HttpResponse:
    return render(
        request,
        "accounts/sso_refused.html",
        {
            "refusal": refusal,
            "provider_name": settings.PROFICIO_OIDC_NAME,
            "error": request.GET.get("error", ""),
        },
        status=status,
    )


class AuthenticateView(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """Send the browser to the identity provider (404 while single sign-on is off)."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)  # endpoints come from discovery in get()

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("Single sign-on is not set up.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider().authorization_endpoint
        except ProviderUnavailable as exc:
            log.error("single sign-on: the identity provider is unavailable: %s", exc)
            return _problem(request, 503)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        response: HttpResponse = super().get(request)
        return response


class CallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """Where the identity provider sends the browser back: signs in, or says why not."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("Single sign-on is not set up.")
        try:
            response: HttpResponse = super().get(request)
        except (requests.RequestException, ProviderUnavailable, SuspiciousOperation) as exc:
            log.warning("single sign-on did not complete: %s", exc)
            return _problem(request, 400)
        return response

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, "proficio_sso_refusal", None)
        if refusal is not None:
            return _problem(self.request, 403, refusal)
        return _problem(self.request, 400)

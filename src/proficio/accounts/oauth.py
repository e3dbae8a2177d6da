"""Machine clients: OAuth 2.0 client-credentials bearer tokens with scopes (1EdTech security).

A program gets a token from ``/o/token/`` (django-oauth-toolkit) with its client id and
secret and the scopes it needs, then sends ``Authorization: Bearer <token>``. Routers
require scopes with :class:`ClientToken`::

    router = Router(auth=api_auth(API_READ))      # a token with API_READ, or a signed-in person

How a client maps onto the permission policy: an administrator registers the client *to an
organization, with a role* (``accounts.MachineClient``). The client acts as its own account
holding that one dated membership, so ``proficio.policy`` answers for it exactly as for a
person with that role there (a district data lead's client sees what a data lead sees, no
more). Scopes then narrow which APIs it may call at all. Every use of a token is one audit
entry, filed under the client's organization.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.security.base import AuthBase
from oauth2_provider.models import AccessToken
from oauth2_provider.scopes import BaseScopes

from proficio.audit.context import act_as
from proficio.audit.log import record
from proficio.audit.models import AuditAction

log = logging.getLogger(__name__)

API_READ = "urn:proficio:scope:api.readonly"
API_WRITE = "urn:proficio:scope:api.write"
CASE_READ = "https://purl.imsglobal.org/spec/case/v1p1/scope/all.readonly"
GRADEBOOK_READ = "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.readonly"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
View = Callable[..., HttpResponse]


def all_scopes() -> dict[str, str]:
    scopes: dict[str, str] = dict(getattr(settings, "OAUTH2_PROVIDER", {}).get("SCOPES", {}))
    return scopes


class ClientScopes(BaseScopes):  # type: ignore[misc]
    """A client may ask for the scopes its administrator granted it, and no others; a
    revoked client for none. Asking for nothing gives all it was granted."""

    def get_all_scopes(self) -> dict[str, str]:
        return all_scopes()

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        client = getattr(application, "proficio_client", None)
        if client is None or not client.is_active:
            return []
        return [s for s in client.scopes if s in all_scopes()]

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self.get_available_scopes(application, request)


class TokenRefused(Exception):
    """A bearer token that cannot be used here: 401 (not valid) or 403 (lacks a scope)."""

    def __init__(self, status: int, detail: str, *, error: str, scope: str = "") -> None:
        super().__init__(detail)
        self.status, self.detail, self.error, self.scope = status, detail, error, scope

    def www_authenticate(self) -> str:
        value = f'Bearer realm="proficio", error="{self.error}"'
        return value + (f', scope="{self.scope}"' if self.scope else "")

    def body(self) -> dict[str, str]:
        return {"detail": self.detail, "error": self.error}


def bearer_token(request: HttpRequest) -> str | None:
    header = str(request.headers.get("Authorization", ""))
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or ""


def client_for_token(request: HttpRequest, token: str, scopes: Sequence[str]) -> Any:
    """The machine client's account for ``token`` if it may use ``scopes`` (all of them),
    else :class:`TokenRefused`. The use is audited either way once the client is known;
    the request then acts as the client's account."""
    checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
    access = (
        AccessToken.objects.select_related(
            "application__proficio_client__user", "application__proficio_client__organization"
        )
        .filter(token_checksum=checksum)
        .first()
        if token
        else None
    )
    route = f"{request.method} {request.path}"[:300]
    if access is None or access.is_expired():
        log.warning("refused a bearer token that is unknown or expired: %s", route)
        raise TokenRefused(
            401,
            "The access token is not valid or has expired. Request a new one from /oauth/token/ "
            "with your client credentials.",
            error="invalid_token",
        )
    client = getattr(access.application, "proficio_client", None)
    if client is None or not client.is_active or not client.user.is_active:
        log.warning("refused a token of a revoked client: %s", route)
        raise TokenRefused(
            401, "The client this token was issued to has been revoked.", error="invalid_token"
        )
    granted = set(access.scope.split())
    missing = [s for s in scopes if s not in granted]
    user = client.user
    # From here on the request acts as the client: its reads and writes are attributed to it.
    request.user = user
    act_as(user, route=route, purpose="machine client")
    record(
        AuditAction.READ,
        access,
        object_type="oauth2_provider.accesstoken",
        purpose="token use" if not missing else "token refused: missing scope",
        detail={
            "client": str(client.application.name),
            "client_id": client.application.client_id,
            "scopes": sorted(granted),
            "required": list(scopes),
        },
        org_path=client.organization.path,
    )
    if missing:
        raise TokenRefused(
            403,
            f"This token does not carry the scope {missing[0]}. Ask the administrator who "
            "registered the client to grant it, then request a new token with it.",
            error="insufficient_scope",
            scope=" ".join(scopes),
        )
    return user


class ClientToken(AuthBase):
    """ninja auth: a client-credentials bearer token carrying ``scopes``.

    With ``write_scopes``, requests other than GET/HEAD/OPTIONS need those instead (one
    auth object can then guard a whole router). No ``Authorization: Bearer`` header at all
    returns None, so the next auth in the list (a signed-in session) may answer. The
    OpenAPI document describes it as OAuth 2.0's client-credentials flow, with its scopes.
    """

    openapi_type = "oauth2"
    openapi_description = (
        "OAuth 2.0 client credentials, as the 1EdTech security framework asks: an "
        "administrator registers the client (acting with one role at one organization) "
        "and grants its scopes; send `Authorization: Bearer <token>`."
    )

    def __init__(self, *scopes: str, write_scopes: Sequence[str] | None = None) -> None:
        self.openapi_flows = {
            "clientCredentials": {"tokenUrl": "/oauth/token/", "scopes": all_scopes()}
        }
        super().__init__()
        self.scopes = list(scopes)
        self.write_scopes = list(write_scopes) if write_scopes is not None else None

    def __call__(self, request: HttpRequest) -> Any:
        token = bearer_token(request)
        if token is None:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        needed = self.scopes
        if self.write_scopes is not None and request.method not in SAFE_METHODS:
            needed = self.write_scopes
        return client_for_token(request, token, needed)


def api_auth(*scopes: str, write_scopes: Sequence[str] | None = None) -> list[Any]:
    """A token with the scopes, or else a signed-in person (Django's session)."""
    from ninja.security import django_auth

    return [ClientToken(*scopes, write_scopes=write_scopes), django_auth]


def token_or_login(*scopes: str) -> Callable[[View], View]:
    """For a plain Django view (a download a program fetches): a bearer token with
    ``scopes`` (refused with a 401 or 403 JSON body), or else a signed-in session."""

    def decorate(view: View) -> View:
        needs_login = login_required(view)

        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            token = bearer_token(request)
            if token is None:
                return needs_login(request, *args, **kwargs)
            try:
                client_for_token(request, token, scopes)
            except TokenRefused as exc:
                response = JsonResponse(exc.body(), status=exc.status)
                response["WWW-Authenticate"] = exc.www_authenticate()
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def request_user(request: HttpRequest, scopes: Sequence[str]) -> Any:
    """For routes outside ninja's auth (the CASE provider reads anonymously when public):
    the client's account when a bearer token is sent (or :class:`TokenRefused`), else the
    session's user."""
    token = bearer_token(request)
    if token is None:
        return request.user
    return client_for_token(request, token, scopes)

"""The ninja API object, mounted at /api/v1/. OpenAPI is generated from the typed schemas."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from proficio.accounts.oauth import API_READ, API_WRITE, TokenRefused, api_auth
from proficio.frameworks.api import router as frameworks_router
from proficio.insights.api import router as insights_router
from proficio.mastery.api import router as mastery_router
from proficio.orgs.api import router as orgs_router
from proficio.roster.api import router as roster_router

api = NinjaAPI(
    title="Proficio API",
    version="1",
    description="Competency-based education: people, organizations, framework imports, "
    "evidence and determinations.",
    # A signed-in person (session), or a machine client's bearer token: reading needs the
    # API read scope, anything else the write scope (accounts/oauth.py).
    auth=api_auth(API_READ, write_scopes=[API_WRITE]),
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "The request is not valid.", "errors": exc.errors}, status=422
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "Log in first."}, status=401)


@api.exception_handler(TokenRefused)
def token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    response = api.create_response(request, exc.body(), status=exc.status)
    response["WWW-Authenticate"] = exc.www_authenticate()
    return response


api.add_router("/", orgs_router)
api.add_router("/", frameworks_router)
api.add_router("/", mastery_router)
api.add_router("/", insights_router)
api.add_router("/", roster_router)

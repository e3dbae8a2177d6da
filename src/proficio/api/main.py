"""The ninja API object, mounted at /api/v1/. OpenAPI is generated from the typed schemas.

Every answer is JSON, errors included, and no bad input is answered with a 500:

- 400: a query or path parameter that is malformed or out of range (paging included), or a
  body that cannot be read at all (a multipart request without its boundary, …);
- 401: not logged in; 403: a refusal (``PermissionDenied`` raised anywhere below a route)
  or a failed CSRF check;
- 404: no such object, or one the person may not reach, with no name in the answer;
- 413: a body larger than the server takes (``PROFICIO_MAX_UPLOAD_MB``);
- 422: a body (JSON or multipart) that does not fit its schema, with the failing fields
  listed;
- 503 with ``Retry-After``: the database cannot be reached.

The OpenAPI document lists these answers for every operation (``document_errors``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from proficio.accounts.oauth import API_READ, API_WRITE, TokenRefused, api_auth
from proficio.api.problems import InvalidInput
from proficio.credentials.api import router as credentials_router
from proficio.errors import DETAILS, database_unavailable, json_error
from proficio.frameworks.api import router as frameworks_router
from proficio.graduation.api import router as graduation_router
from proficio.insights.api import router as insights_router
from proficio.mastery.api import router as mastery_router
from proficio.orgs.api import router as orgs_router
from proficio.roster.api import router as roster_router

logger = logging.getLogger("proficio.api")

# How a request proves who it is. Ninja tries each in turn; the first that recognises the
# request wins: a machine client's bearer token (reading needs the API read scope, anything
# else the write scope; accounts/oauth.py), else the signed-in person's session.
AUTHENTICATION: list[Any] = api_auth(API_READ, write_scopes=[API_WRITE])


class ProficioAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_errors(schema)


api = ProficioAPI(
    title="Proficio API",
    version="1",
    description=(
        "Competency-based education: people, organizations, framework imports, evidence, "
        "determinations and aggregates.\n\n"
        "Authentication: log in through the web page (`/accounts/login/`) and send the "
        "`sessionid` cookie. Requests that change something (POST) also send the "
        "`csrftoken` cookie's value in the `X-CSRFToken` header. A program registered as an "
        "API client sends `Authorization: Bearer <token>` instead, with a token from "
        "`/oauth/token/` (OAuth 2.0 client credentials) carrying the scope "
        "`urn:proficio:scope:api.readonly` to read or `urn:proficio:scope:api.write` to "
        "write.\n\n"
        'Errors are JSON: `{"detail": "..."}`, with `errors` (each with its `loc`) for '
        "invalid parameters and bodies; a body the server refuses names each field by its "
        "`label` and its JSON `path` (the detail reads `label: message`). 400: a malformed or "
        "out-of-range parameter, a refused body, or an unreadable body; 401: not logged in, "
        "or a token that is not valid; 403: not allowed, or a token without the scope; "
        "404: no such object (or none you may see); 422: a body that does not fit its "
        "schema; 503: the database is briefly unavailable (see `Retry-After`)."
    ),
    auth=AUTHENTICATION,
    urls_namespace="api",
)


def _parameter_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in errors if e.get("loc", ("",))[0] in {"query", "path"}]


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A bad parameter in the URL is a bad request (400, naming the parameter and the
    bound); a body that does not fit its schema is unprocessable (422)."""
    in_url = _parameter_errors(exc.errors)
    if in_url:
        detail = "; ".join(f"{e['loc'][-1]}: {e.get('msg', 'is not valid')}" for e in in_url)
        return json_error(400, detail, errors=exc.errors)
    return json_error(422, "The request is not valid.", errors=exc.errors)


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    """A body the action refused: each problem labelled and located (``api.problems``)."""
    return json_error(400, exc.detail, errors=exc.problems)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return json_error(401)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return json_error(403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Never the exception's text: a missing object and a forbidden one look the same.
    return json_error(404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return json_error(exc.status_code, str(exc) or DETAILS.get(exc.status_code))


@api.exception_handler(MultiPartParserError)
def unreadable_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return json_error(400, "The multipart body could not be read (is its boundary missing?).")


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return json_error(413)


@api.exception_handler(UnreadablePostError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    return json_error(400)


@api.exception_handler(Exception)
def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if database_unavailable(exc):
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exc)
        return json_error(503)
    logger.exception("Internal Server Error: %s", request.path)
    return json_error(500)


# What each operation may answer besides its success, by what the operation takes.
_ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in a sentence."},
        "errors": {
            "type": "array",
            "description": "For 400 and 422: each invalid parameter or field, with its `loc`.",
            "items": {"type": "object"},
        },
    },
    "required": ["detail"],
}
_ERROR_DESCRIPTIONS = {
    "400": "A parameter is malformed or out of range, or the body cannot be read.",
    "401": "Not logged in.",
    "403": "Not allowed (or the CSRF check failed).",
    "404": "No such object, or none you may see (in the address or named in the body).",
    "413": "The body is larger than the server takes.",
    "414": "The address (with its query) is longer than the server reads (8,190 bytes).",
    "422": "The body does not fit its schema (a field missing or of the wrong type).",
    "503": "The database is briefly unavailable; retry after `Retry-After` seconds.",
}


def document_errors(schema: OpenAPISchema) -> OpenAPISchema:
    """Add the error answers (and their JSON body) to every operation of the document."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            params = operation.get("parameters", [])
            codes = ["400", "401", "403", "503"]
            # A path id, or a body that names an object (``district_id``, a target), may
            # name one that does not exist or that the caller may not see.
            if "requestBody" in operation or any(p.get("in") == "path" for p in params):
                codes.append("404")
            if any(p.get("in") == "query" for p in params):
                codes.append("414")
            if "requestBody" in operation:
                codes += ["413", "422"]
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                answer: dict[str, Any] = {"description": _ERROR_DESCRIPTIONS[code]}
                if code != "414":  # answered by the HTTP server, before the application
                    answer["content"] = ref
                responses.setdefault(code, answer)
            if "503" in responses:
                responses["503"].setdefault(
                    "headers",
                    {
                        "Retry-After": {
                            "description": "Seconds to wait before trying again.",
                            "schema": {"type": "integer"},
                        }
                    },
                )
    return schema


@api.exception_handler(TokenRefused)
def token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    response = api.create_response(request, exc.body(), status=exc.status)
    response["WWW-Authenticate"] = exc.www_authenticate()
    return response


api.add_router("/", orgs_router)
api.add_router("/", frameworks_router)
api.add_router("/", mastery_router)
api.add_router("/", insights_router)
api.add_router("/", credentials_router)
api.add_router("/", roster_router)
api.add_router("/", graduation_router)

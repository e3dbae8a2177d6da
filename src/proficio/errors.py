"""How Proficio answers when a request cannot be served: one place for the rules that the
HTML error pages (``web/views/errors.py``) and the JSON API (``api/main.py``) share.

- A request to a JSON interface (``/api/…``, the CASE provider under ``/ims/…``) is answered
  in JSON, whatever went wrong and wherever (a middleware, the URL resolver, a view).
- A database that cannot be reached is a 503 with ``Retry-After``, never a 500: the request
  was fine and will work once the database is back.
- Answers never echo names or the exception's text: a refusal and a missing object say only
  what kind of answer they are.

Nothing here touches the database or the user, so it works while both are unavailable.
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse

# Paths answered in JSON: the API and the CASE provider.
JSON_PREFIXES = ("/api/", "/ims/")

# Seconds a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 10

DETAILS = {
    400: "The request is not valid.",
    401: "Log in first.",
    403: "You may not do this.",
    404: "Not found.",
    405: "That method is not allowed here.",
    413: "The request is too large.",
    422: "The request is not valid.",
    500: "Something went wrong on our side. The problem has been logged.",
    503: "The service is briefly unavailable. Try again in a moment.",
}


def wants_json(request: HttpRequest) -> bool:
    return request.path_info.startswith(JSON_PREFIXES)


def database_unavailable(exc: BaseException | None) -> bool:
    """Is ``exc`` the database being unreachable (down, restarting, connection lost)?

    Django wraps the driver's connection errors in ``OperationalError`` (no server, the
    server went away, too many connections, SQLite's "database is locked") and
    ``InterfaceError`` (a connection already closed). Each is temporary, so the client may
    retry; none is the client's fault.
    """
    return isinstance(exc, OperationalError | InterfaceError)


def json_error(status: int, detail: str | None = None, **extra: object) -> JsonResponse:
    """The one JSON error body: ``{"detail": "..."}`` plus any ``extra`` fields."""
    response = JsonResponse({"detail": detail or DETAILS.get(status, DETAILS[400]), **extra})
    response.status_code = status
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

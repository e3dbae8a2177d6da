"""Friendly error pages (400, 403, 404, 500, 503); bad input is never answered with a 500.

They render without the database and without the user: the template gets no request, so
no context processor runs (the navigation one asks the policy, which reads the database),
and nothing reads the session. That way a page still comes back when the database is down,
or when the request failed before the user was known (a disallowed ``Host`` fails in
``CommonMiddleware``, before authentication). A request to the JSON API gets the same
answer as JSON (``proficio.errors``).
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from proficio.errors import RETRY_AFTER_SECONDS, database_unavailable, json_error, wants_json


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if wants_json(request):
        return json_error(status)
    html = render_to_string("web/error.html", {"title": title, "message": message})
    response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        400,
        _("That request could not be understood"),
        _("Check the address or the form and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("You don't have access to this page"),
        _(
            "Your roles don't include this page. "
            "If you think they should, ask your school's administrator."
        ),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without a valid CSRF token: most often a page left open too long."""
    return _page(
        request,
        403,
        _("This form has expired"),
        _("Go back, reload the page and try again."),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request, 404, _("Page not found"), _("It may have moved, or you may not have access to it.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception, so it is still at hand: a database
    # that cannot be reached is a 503 (try again), not a fault of ours or of the request.
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return _page(
        request,
        500,
        _("Something went wrong on our side"),
        _("The problem has been logged. Please try again in a moment."),
    )


def service_unavailable(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        503,
        _("Proficio is briefly unavailable"),
        _("Nothing you entered was lost. Please try again in a moment."),
    )

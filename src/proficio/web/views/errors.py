"""Friendly error pages; bad input is answered with 400/403/404, never a 500."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": title, "message": message, "status": status},
        status=status,
    )


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


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request, 404, _("Page not found"), _("It may have moved, or you may not have access to it.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        500,
        _("Something went wrong on our side"),
        _("The problem has been logged. Please try again in a moment."),
    )

"""Attribute every write and read during a request to the logged-in user and the route."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from proficio.audit.context import acting


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        with acting(user, route=f"{request.method} {request.path}"[:300]):
            return self.get_response(request)

"""Answers that may carry student data are never stored by browsers or proxies."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer that does not say otherwise.

    Pages, PDFs, CSVs, the API, files and error pages alike: deciding route by route which
    answers carry student data is how one gets missed, and a shared computer's cache or a
    school's proxy must never keep a copy. Static files never reach this middleware
    (WhiteNoise, above it, answers them with its own long-lived caching); a view that serves
    public, cacheable data sets its own ``Cache-Control``, which is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True)
        return response

"""HTTP helpers: typing for views (behind LoginRequiredMiddleware the user is always a
User), posted numbers, and the middleware that keeps responses out of caches."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers

from revmentor.core.models import User


class AuthedRequest(HttpRequest):
    user: User


def posted_int(value: str) -> int | None:
    """A whole number posted in a form field (a record's number), or None if it is not one.

    Only the digits 0-9, at most 18 of them: ``str.isdigit`` also accepts ``²`` and
    other characters that ``int`` refuses, and thousands of digits make ``int`` fail.
    """
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


class NoStoreMiddleware:
    """Nothing the site answers is kept by a browser or a proxy, unless a view says so.

    Clinicians share computers on wards: after someone signs out, Back must not show the
    pages they saw, and a download of personal data must not stay in a disk cache. Every
    response gets Django's never-cache headers (``Cache-Control: no-store, private``…)
    unless its view set ``Cache-Control`` itself. Static files do not come this far:
    WhiteNoise, earlier in the list, answers them with its own long-lived caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response

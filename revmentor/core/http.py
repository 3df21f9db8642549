"""Typing help for views: behind LoginRequiredMiddleware the user is always a User."""

from __future__ import annotations

from django.http import HttpRequest

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

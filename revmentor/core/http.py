"""Typing help for views: behind LoginRequiredMiddleware the user is always a User."""

from __future__ import annotations

from django.http import HttpRequest

from revmentor.core.models import User


class AuthedRequest(HttpRequest):
    user: User

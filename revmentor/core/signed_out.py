"""A form sent by someone who has been signed out: say so, and keep what they typed.

A session ends eight hours after it was last saved (production settings;
``core.session_time``), or at once when the person signs out in another tab. Django's
``LoginRequiredMiddleware`` then sends whatever they post to the sign-in page and drops
it without a word, and an autosave request follows that redirect to the sign-in page,
gets 200 and reports "Saved". So this middleware, used in its place:

- answers an autosave (``X-Autosave``), or any script asking for JSON, with 401 and
  ``{"saved": false, "signed_out": true}``, which the page shows as not saved;
- tells anyone whose form was not saved that it was not, on the sign-in page;
- for the pages where people type at length (marked with :func:`keeps_typing`: a
  questionnaire page, the group's notes, a feedback document, a mentor's own feedback),
  keeps the fields they sent in their (signed-out) session, with a signed note of who
  typed them, for at most :data:`KEEP_FOR`. Once the same person has signed in again and
  opens the same page, :func:`kept` gives the fields back, once, to be shown in the form
  for them to check and save. Nothing is saved for them: what they sent may be stale.

Signing in keeps the session's contents (Django's ``login`` changes only its key), so
the kept fields survive it. Someone else signing in on the same browser does not get
them: the note of who typed them must match the person signed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from markupsafe import Markup, escape

KEY = "revmentor.kept_typing"
FIELD = "kept_for"
SALT = "revmentor.signed_out.kept_for"
KEEP_FOR = 24 * 3600  # seconds: long enough to sign in again, short enough to be current
NOT_KEPT = ("csrfmiddlewaretoken", FIELD)
# Characters kept at most: a feedback document's sections are 10,000 characters each,
# and a scheme may have more domains than the study's seven.
KEEP_AT_MOST = 200_000

SIGNED_OUT = (
    "You had been signed out, so what you sent was not saved. Sign in again, then send it again."
)
KEPT = (
    "You had been signed out, so the page you sent was not saved. Sign in again to go "
    "back to it: what you typed will be there for you to check and save."
)
GIVEN_BACK = (
    "You had been signed out, so this page was not saved. What you typed is shown below: "
    "check it, then save it."
)

View = TypeVar("View", bound=Callable[..., Any])


def keeps_typing(view: View) -> View:
    """Mark a view whose form is kept when it is posted by someone signed out.

    Its template puts :func:`kept_for_field` in the form, and on showing the page it
    lays :func:`kept` over the stored values.
    """
    view.keeps_typing = True  # type: ignore[attr-defined]
    return view


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def kept_for_field(request: HttpRequest) -> Markup:
    """The hidden field that says who is typing in the form (signed, so it cannot be forged)."""
    value = _signer().sign(str(request.user.pk))
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(value))


def kept(request: HttpRequest) -> dict[str, str]:
    """What the signed-in person typed on this page when they were signed out, or nothing.

    Given once: the kept fields leave the session whether or not they are given back.
    The view keeps only the fields its form has; a notification banner says why the
    form holds them.
    """
    held = request.session.get(KEY)
    if not held or held.get("path") != request.path:
        return {}
    del request.session[KEY]
    if time.time() - held.get("at", 0) > KEEP_FOR:
        return {}
    try:
        typed_by = _signer().unsign(held.get("for", ""))
    except signing.BadSignature:
        return {}
    if typed_by != str(request.user.pk):
        return {}
    messages.warning(request, GIVEN_BACK)
    fields: dict[str, str] = held.get("fields", {})
    return fields


def _to_keep(request: HttpRequest) -> dict[str, str] | None:
    """The fields of a form sent signed out, if they may be kept: None if not.

    Only a form that carries a good note of who typed it (so only from someone who was
    signed in when the page was shown), and only as much as the longest form holds:
    nobody can fill sessions with what they send without signing in first.
    """
    try:
        _signer().unsign(request.POST.get(FIELD, ""))
    except signing.BadSignature:
        return None
    fields = {k: str(v) for k, v in request.POST.items() if k not in NOT_KEPT}
    if sum(len(k) + len(v) for k, v in fields.items()) > KEEP_AT_MOST:
        return None
    return fields


def _wants_json(request: HttpRequest) -> bool:
    """A page's script asking for JSON (the session's time, say), not a person's browser."""
    return request.headers.get("Accept", "").startswith("application/json")


class SignedOutMiddleware(LoginRequiredMiddleware):
    """Django's ``LoginRequiredMiddleware``, which says what became of a form sent signed out."""

    # Django's stubs say a redirect; an autosave is answered with JSON instead.
    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: Any
    ) -> HttpResponse:
        if request.headers.get("X-Autosave") or _wants_json(request):
            return JsonResponse(
                {"saved": False, "signed_out": True, "error": "You have been signed out."},
                status=401,
            )
        if request.method == "POST":
            fields = _to_keep(request) if getattr(view_func, "keeps_typing", False) else None
            if fields is not None:
                request.session[KEY] = {
                    "path": request.path,
                    "for": request.POST[FIELD],
                    "at": time.time(),
                    "fields": fields,
                }
                messages.warning(request, KEPT)
            else:
                messages.warning(request, SIGNED_OUT)
        response: HttpResponse = super().handle_no_permission(request, view_func)
        return response

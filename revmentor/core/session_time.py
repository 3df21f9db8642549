"""How long a sign-in lasts, and a warning before it ends (WCAG 2.2 "Timing adjustable").

A session ends ``SESSION_COOKIE_AGE`` after it was last saved: eight hours after signing
in, in production. Django does not note when that was, so this module does: at sign-in,
when the person chooses to stay signed in, and whenever anything else changes the
session (:class:`SessionTimeMiddleware`). Every page a signed-in person opens
says how many seconds are left (``data-session-left`` on the timeout dialog in the
layout); the site's script (``session.js``) opens the dialog :data:`WARN_BEFORE` the end,
with a button to stay signed in (``session_extend``: the session is saved afresh, so its
time starts again) and a link to sign out. When the time is up the script asks
``session_status`` before it says the person has been signed out: a page open in another
tab may have kept them signed in.

Both views answer JSON and read nothing but the session. ``session_status`` changes
nothing, so asking does not keep anyone signed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET, require_POST

SAVED_AT = "revmentor.session_saved_at"
WARN_BEFORE = 5 * 60  # seconds: time to finish a sentence, press Stay signed in, or save


def note_saved(session: SessionBase) -> None:
    """Note that ``session`` is saved now (it is: changing it saves it), so its time starts."""
    session[SAVED_AT] = time.time()


def seconds_left(request: HttpRequest) -> int | None:
    """Seconds until the signed-in person's session ends, or None (not signed in, or not known)."""
    if not request.user.is_authenticated:
        return None
    saved_at = request.session.get(SAVED_AT)
    if saved_at is None:
        return None
    return max(0, int(saved_at + request.session.get_expiry_age() - time.time()))


class SessionTimeMiddleware:
    """Keep the noted time right: whatever changes a signed-in session saves it afresh.

    Django saves a changed session at the end of the request, and its time starts again
    then: a kept form given back, a reauthentication, and so on. Placed after
    ``SessionMiddleware`` in the list, this runs just before that save. A request that
    changes nothing (nearly all of them) costs one attribute read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.modified and SAVED_AT in session:
            note_saved(session)
        return response


def _answer(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"signed_in": request.user.is_authenticated, "seconds_left": seconds_left(request)}
    )


@login_not_required
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """Whether the browser is still signed in, and for how long."""
    return _answer(request)


@require_POST
def session_extend(request: HttpRequest) -> JsonResponse:
    """Stay signed in: the session is saved afresh and its time starts again."""
    note_saved(request.session)
    return _answer(request)

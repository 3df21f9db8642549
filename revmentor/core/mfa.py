"""Two-step verification for the people who can see and change the most: leads and admins.

A lead of any scheme, or a site admin, must protect their account with an authenticator
app (TOTP, django-allauth's mfa app) before they can use any page other than signing out
and setting it up. Everyone else may set it up and is then asked for a code at sign-in
too, but is never made to. ``REVMENTOR_REQUIRE_MFA`` turns the rule off (demo, tests).
See docs/adr/0009-two-step-verification.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from revmentor.schemes.models import SchemeMembership, StaffRole

# Pages a person who still has to set up two-step verification may use, besides every
# page of the mfa app itself (URL names starting "mfa_").
OPEN_DURING_SETUP = frozenset({"account_logout", "about", "session_status", "session_extend"})


def _leads_a_scheme(user: Any) -> bool:
    facts = getattr(user, "signed_in_facts", None)  # read with the user (core.backends)
    if facts is not None:
        return bool(facts.leads_a_scheme)
    return SchemeMembership.objects.filter(user=user.pk, role=StaffRole.LEAD).exists()


def mfa_required(user: Any) -> bool:
    """Whether ``user`` must use two-step verification: a site admin or a lead of any scheme.

    False for anonymous users, and for everyone when ``REVMENTOR_REQUIRE_MFA`` is off.
    """
    if not settings.REVMENTOR_REQUIRE_MFA or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_site_admin) or _leads_a_scheme(user)


def needs_totp_setup(user: Any) -> bool:
    """Whether ``user`` must use two-step verification but has no authenticator app yet.

    It runs on every page a signed-in person opens, so it asks as little as it can: for
    the person signed in, nothing more (the sign-in backend read both facts with them,
    ``core.backends``); for anyone else, one small query (are they a lead?), and a second
    only for leads and admins.
    """
    if not mfa_required(user):
        return False
    facts = getattr(user, "signed_in_facts", None)
    if facts is not None:
        return not facts.has_authenticator_app
    return not Authenticator.objects.filter(user=user.pk, type=Authenticator.Type.TOTP).exists()


class RequireMFAMiddleware:
    """Send leads and site admins without an authenticator app to set one up.

    Runs after URL resolution (``process_view``), so it knows which page was asked for.
    The mfa pages see ``request.mfa_required`` (this person may not turn it off) and
    ``request.mfa_setup_required`` (they were sent here), and explain themselves.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        name = (match.url_name or "") if match else ""
        if name in OPEN_DURING_SETUP:
            return None
        if name.startswith("mfa_"):
            request.mfa_required = mfa_required(request.user)  # type: ignore[attr-defined]
            request.mfa_setup_required = needs_totp_setup(request.user)  # type: ignore[attr-defined]
            return None
        if needs_totp_setup(request.user):
            return redirect("mfa_activate_totp")
        return None

"""Pages that belong to no one scheme."""

from __future__ import annotations

from allauth.account.utils import perform_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from sesame.utils import get_user

from revmentor.core import audit
from revmentor.core.backends import LINK_BACKEND
from revmentor.core.http import AuthedRequest
from revmentor.core.models import AuditEvent
from revmentor.schemes import selectors


def home(request: AuthedRequest) -> HttpResponse:
    """Send staff to their schemes and participants to their tasks."""
    user = request.user
    if user.has_perm("schemes.create_scheme") or selectors.schemes_managed_by(user).exists():
        return redirect("schemes:list")
    return redirect("tasks")


@login_not_required
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.jinja", {"page_title": "About revmentor"})


def not_offered(request: HttpRequest) -> HttpResponse:
    """A page of django-allauth that revmentor does not offer: Page not found.

    The email address page would let anyone add an address they do not own and make it
    their sign-in; a lead who later adds that address to a scheme would give its role to
    them. The email address is the identity, and whoever invites a person sets it.
    """
    raise Http404("This page is not offered.")


@login_not_required
def sign_in_link(request: HttpRequest) -> HttpResponse:
    """Sign in with the one-time link from an invitation email.

    Opening the link only shows a button; pressing it signs in and uses the link up.
    Email security scanners open links on their own, and must not use up the link.
    Someone who has set up an authenticator app is then asked for its code, as at any
    other sign-in: the link alone does not sign them in.
    """
    token = request.POST.get("token") or request.GET.get("token", "")
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    user = get_user(token, update_last_login=False) if token else None
    if user is None:
        return render(
            request,
            "account/link_expired.jinja",
            {"page_title": "Sign-in link cannot be used"},
            status=400,
        )
    if request.method == "POST" and is_mfa_enabled(user):
        audit.record(
            actor=user,
            action=AuditEvent.Action.SIGN_IN,
            obj=user,
            summary="Used an invitation link; asked for their authenticator code",
            request=request,
        )
        return perform_login(request, user, redirect_url=next_url or reverse("home"))
    if request.method == "POST":
        login(request, user, backend=LINK_BACKEND)
        audit.record(
            actor=user,
            action=AuditEvent.Action.SIGN_IN,
            obj=user,
            summary="Signed in with an invitation link",
            request=request,
        )
        return redirect(next_url or "home")
    return render(
        request,
        "account/sign_in_link.jinja",
        {"page_title": "Sign in", "email": user.email, "token": token, "next": next_url},
    )

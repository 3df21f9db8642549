"""Pages that belong to no one scheme."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from sesame.utils import get_user

from revmentor.core import audit
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


@login_not_required
def sign_in_link(request: HttpRequest) -> HttpResponse:
    """Sign in with the one-time link from an invitation email.

    Opening the link only shows a button; pressing it signs in and uses the link up.
    Email security scanners open links on their own, and must not use up the link.
    """
    token = request.POST.get("token") or request.GET.get("token", "")
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    user = get_user(token, update_last_login=False) if token else None
    if user is None:
        return render(
            request, "account/link_expired.jinja", {"page_title": "Link expired"}, status=400
        )
    if request.method == "POST":
        login(request, user, backend="sesame.backends.ModelBackend")
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

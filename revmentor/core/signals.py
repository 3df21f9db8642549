"""Sign-ins, and changes to a person's two-step verification, go into the audit trail.

The invitation link view records its own event (it knows it was a link), so a sign-in
through the link's backend is not recorded twice here. Setting up, removing or renewing
an authenticator (the app, recovery codes) on one's own account pages is recorded from
django-allauth's signals; in the admin, ``core.admin_audit`` records it.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from revmentor.core import audit
from revmentor.core.backends import LINK_BACKEND
from revmentor.core.models import AuditEvent, User
from revmentor.core.session_time import note_saved


@receiver(user_logged_in, dispatch_uid="revmentor-audit-sign-in")
def record_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Record a sign-in by password, emailed code or authenticator code."""
    if getattr(user, "backend", "") == LINK_BACKEND:
        return
    audit.record(
        actor=user,
        action=AuditEvent.Action.SIGN_IN,
        obj=user,
        summary="Signed in",
        request=request,
    )


@receiver(user_logged_in, dispatch_uid="revmentor-session-time")
def start_session_time(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """A sign-in saves the session afresh: its time starts now (``core.session_time``)."""
    if request is not None and hasattr(request, "session"):
        note_saved(request.session)


_KIND = {
    Authenticator.Type.TOTP: "authenticator app",
    Authenticator.Type.RECOVERY_CODES: "recovery codes",
}


def _authenticator_event(action: AuditEvent.Action, what: str) -> Any:
    """A receiver recording ``what`` happened to an authenticator, by its owner."""

    def record(
        sender: Any,
        request: HttpRequest | None,
        user: User,
        authenticator: Authenticator,
        **kwargs: Any,
    ) -> None:
        kind = _KIND.get(authenticator.type, str(authenticator.type))
        audit.record(
            actor=user,
            action=action,
            obj=authenticator,
            summary=f"Two-step verification: {kind} {what}",
            request=request,
        )

    return record


record_authenticator_added = _authenticator_event(AuditEvent.Action.CREATE, "set up")
record_authenticator_removed = _authenticator_event(AuditEvent.Action.DELETE, "removed")
record_authenticator_reset = _authenticator_event(AuditEvent.Action.UPDATE, "renewed")
authenticator_added.connect(record_authenticator_added, dispatch_uid="revmentor-mfa-added")
authenticator_removed.connect(record_authenticator_removed, dispatch_uid="revmentor-mfa-removed")
authenticator_reset.connect(record_authenticator_reset, dispatch_uid="revmentor-mfa-reset")

"""Sign-ins go into the audit trail, whichever way a person signs in.

The invitation link view records its own event (it knows it was a link), so a sign-in
through the link's backend is not recorded twice here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from revmentor.core import audit
from revmentor.core.models import AuditEvent, User

LINK_BACKEND = "sesame.backends.ModelBackend"


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

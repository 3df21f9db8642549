"""The one door to the audit trail.

Every create, update, delete, send and export of personal data calls :func:`record`.
"""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest

from revmentor.core.models import AuditEvent, User

INSTALLATION = "installation"


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    *,
    actor: User | None,
    action: AuditEvent.Action,
    obj: models.Model | None,
    summary: str,
    scheme_id: int | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Add one event to the audit trail and return it.

    ``summary`` says what happened in plain words; it must not contain free text that a
    participant wrote. ``actor`` is None for the system (scheduled tasks, the demo).
    ``obj`` is None for an event about the whole installation (a backup, a restore),
    recorded with the object type ``installation``.
    """
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label if obj is not None else INSTALLATION,
        object_id=str(obj.pk) if obj is not None else "",
        scheme_id=scheme_id,
        summary=summary[:300],
        ip_address=_client_ip(request),
    )

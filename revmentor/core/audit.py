"""The one door to the audit trail.

Every create, update, delete, send and export of personal data calls :func:`record`
(or :func:`record_each`, for many rows written at once).
Where from: the client address of the request being served, which
:class:`AuditContextMiddleware` makes known to services that are not handed the request
(none outside a request: scheduled tasks, commands).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse

from revmentor.core.models import AuditEvent, User

INSTALLATION = "installation"


_request_ip: ContextVar[str | None] = ContextVar("revmentor_audit_ip", default=None)


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return _request_ip.get()
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Make the client address of the request known to :func:`record` while it is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            _request_ip.reset(token)


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
        **_fields(actor, action, obj, summary, scheme_id, _client_ip(request))
    )


def record_each(
    *,
    actor: User | None,
    action: AuditEvent.Action,
    events: Iterable[tuple[models.Model, str]],
    scheme_id: int | None = None,
) -> list[AuditEvent]:
    """Add an event for each ``(object, summary)`` in one insert, as :func:`record` would.

    For a write of many rows at once (a participants CSV): the trail holds the same
    events, one per object, without a round trip to the database for each.
    """
    address = _client_ip(None)
    return AuditEvent.objects.bulk_create(
        AuditEvent(**_fields(actor, action, obj, summary, scheme_id, address))
        for obj, summary in events
    )


def _fields(
    actor: User | None,
    action: AuditEvent.Action,
    obj: models.Model | None,
    summary: str,
    scheme_id: int | None,
    address: str | None,
) -> dict[str, Any]:
    return {
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "action": action,
        "object_type": obj._meta.label if obj is not None else INSTALLATION,
        "object_id": str(obj.pk) if obj is not None else "",
        "scheme_id": scheme_id,
        "summary": summary[:300],
        "ip_address": address,
    }

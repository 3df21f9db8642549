"""Reads of the audit trail, always scoped: one scheme's events, or (site admins) all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from revmentor.core.models import AuditEvent
from revmentor.schemes.models import Scheme


@dataclass(frozen=True)
class AuditFilters:
    """What to narrow the trail to: one action, and who did it (all or part of an email).

    Empty strings mean "any".
    """

    action: str = ""
    actor_email: str = ""

    @property
    def active(self) -> bool:
        return bool(self.action or self.actor_email)

    def describe(self) -> str:
        """The filters in words, for the audit record of a download ("" if none)."""
        parts = []
        if self.action:
            parts.append(f"action {self.action}")
        if self.actor_email:
            parts.append(f"who {self.actor_email}")
        return ", ".join(parts)


def audit_events(*, scheme: Scheme | None, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, with each event's actor (one query however long).

    ``scheme`` None means the whole installation: every scheme's events and those that
    belong to no scheme (sign-ins, backups). Only a site admin may be shown that; the
    caller checks ``core.read_audit_trail``. An actor filter matches the email address
    case-insensitively, in whole or in part; events by the system (no actor) never
    match one.
    """
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-pk")
    if scheme is not None:
        events = events.filter(scheme_id=scheme.pk)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor_email:
        events = events.filter(actor__email__icontains=filters.actor_email)
    return events


def scheme_names(scheme_ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the schemes with these ids, in one query (ids of deleted schemes and
    None are left out)."""
    wanted = {pk for pk in scheme_ids if pk is not None}
    if not wanted:
        return {}
    return dict(Scheme.objects.filter(pk__in=wanted).values_list("pk", "name"))

"""The audit trail shaped for its page and its CSV file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.core.paginator import Page
from django.utils import timezone

from revmentor.core.audit import INSTALLATION
from revmentor.core.models import AuditEvent, User

#: Columns of the audit trail's CSV file, in order.
CSV_COLUMNS = [
    "at",
    "actor_email",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "scheme_id",
    "scheme",
    "summary",
    "ip_address",
]


@dataclass(frozen=True)
class AuditRow:
    """One event as the page shows it."""

    at: datetime
    who: str
    email: str
    action: str
    record: str
    scheme: str
    summary: str


def _who(actor: User | None) -> tuple[str, str]:
    if actor is None:
        return "System", ""
    return actor.full_name or actor.email, actor.email


def record_label(object_type: str, object_id: str) -> str:
    """The record an event is about, in words: ``Participant 12``, ``Installation``.

    ``object_type`` is a model label (``schemes.Participant``); one that no longer
    names a model is shown as it is.
    """
    if object_type == INSTALLATION:
        return "Installation"
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        name = object_type
    else:
        name = str(model._meta.verbose_name).capitalize()
    return f"{name} {object_id}".strip()


def audit_rows(events: Iterable[AuditEvent], names: Mapping[int, str]) -> list[AuditRow]:
    """The events as rows of the page; ``names`` maps scheme ids to scheme names."""
    rows = []
    for event in events:
        who, email = _who(event.actor)
        rows.append(
            AuditRow(
                at=event.at,
                who=who,
                email=email,
                action=event.get_action_display().capitalize(),
                record=record_label(event.object_type, event.object_id),
                scheme=names.get(event.scheme_id, "") if event.scheme_id is not None else "",
                summary=event.summary,
            )
        )
    return rows


def csv_values(event: AuditEvent, names: Mapping[int, str]) -> list[str]:
    """One event as the values of a CSV row, in the order of :data:`CSV_COLUMNS`."""
    actor = event.actor
    return [
        timezone.localtime(event.at).isoformat(timespec="seconds"),
        actor.email if actor is not None else "",
        actor.full_name if actor is not None else "",
        event.action,
        event.object_type,
        event.object_id,
        "" if event.scheme_id is None else str(event.scheme_id),
        names.get(event.scheme_id, "") if event.scheme_id is not None else "",
        event.summary,
        event.ip_address or "",
    ]


def pagination(page: Page[Any], query: Mapping[str, str]) -> dict[str, Any]:
    """Options for the NHS.UK pagination macro: previous, next and numbered pages.

    Each link keeps the filters in ``query``. Long runs of pages between the first, the
    last and the two either side of the current one are shown as an ellipsis.
    """

    def href(number: int) -> str:
        return "?" + urlencode({**{k: v for k, v in query.items() if v}, "page": number})

    paginator = page.paginator
    shown = sorted(
        {1, paginator.num_pages}
        | {n for n in range(page.number - 2, page.number + 3) if 1 <= n <= paginator.num_pages}
    )
    items: list[dict[str, Any]] = []
    previous = 0
    for number in shown:
        if previous and number > previous + 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.number})
        previous = number
    return {
        "items": items,
        "previous": {"href": href(page.previous_page_number())} if page.has_previous() else {},
        "next": {"href": href(page.next_page_number())} if page.has_next() else {},
    }

"""Writes that belong to no one room: downloading the audit trail (itself audited)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db import transaction
from django.http import HttpRequest

from revmentor.core import audit, presenters, selectors, spreadsheet
from revmentor.core.models import AuditEvent, User
from revmentor.core.selectors import AuditFilters
from revmentor.schemes.models import Scheme

#: Events read from the database at a time while the CSV file is written.
CHUNK = 2000


def _line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(spreadsheet.csv_row(values))
    return buffer.getvalue()


@transaction.atomic
def audit_trail_export(
    *,
    actor: User,
    scheme: Scheme | None,
    filters: AuditFilters,
    request: HttpRequest | None = None,
) -> Iterator[str]:
    """Record the download of the (filtered) audit trail, then return its CSV lines.

    ``scheme`` None is the whole installation's trail (site admins; the caller checks).
    The download is recorded before the file is read, so it lists itself when nothing
    filters it out. The lines are produced as they are read, in chunks of :data:`CHUNK`
    events, so a long trail is never held in memory at once. Text that a spreadsheet
    would run as a formula gets a leading apostrophe (:mod:`revmentor.core.spreadsheet`).
    """
    described = filters.describe()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=scheme,
        summary="Downloaded the audit trail" + (f" ({described})" if described else ""),
        scheme_id=scheme.pk if scheme is not None else None,
        request=request,
    )
    events = selectors.audit_events(scheme=scheme, filters=filters)
    if scheme is not None:
        names = {scheme.pk: scheme.name}
    else:
        names = selectors.scheme_names(
            events.order_by().values_list("scheme_id", flat=True).distinct()
        )

    def lines() -> Iterator[str]:
        yield _line(presenters.CSV_COLUMNS)
        for event in events.iterator(chunk_size=CHUNK):
            yield _line(presenters.csv_values(event, names))

    return lines()

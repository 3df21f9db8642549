"""``sessions.csv`` of the study data folder: held sessions, pseudonymised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils import timezone

from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.core.spreadsheet import csv_row
from revmentor.meetings import selectors
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.interchange import pseudonym
from revmentor.schemes.models import Scheme

COLUMNS = ["mentor_id", "mentee_id", "duration_minutes", "held_on", "mode"]


def mode(meeting: Meeting) -> str:
    """``online`` for a video link, ``in person`` for a room, empty if no place was given."""
    if not meeting.place.strip():
        return ""
    return "online" if meeting.is_online else "in person"


def held_on(meeting: Meeting) -> str:
    """The (UK) date of the arranged time, or empty if the pair arranged it elsewhere."""
    if meeting.starts_at is None:
        return ""
    return timezone.localtime(meeting.starts_at).date().isoformat()


def session_rows(scheme: Scheme) -> Iterator[list[object]]:
    """One row of :data:`COLUMNS` per held session of the scheme's published pairs.

    Research IDs only; a fixed number of queries whatever the number of sessions.
    """
    for meeting in selectors.held_meetings(scheme):
        yield [
            pseudonym(meeting.pair.mentor),
            pseudonym(meeting.pair.mentee),
            meeting.duration_minutes,
            held_on(meeting),
            mode(meeting),
        ]


def sessions_csv(*, actor: User, scheme: Scheme) -> str:
    """Every session of the published pairs logged as held, one a row, with research IDs.

    Sessions that did not take place or were never logged are left out. The export is
    recorded in the audit trail.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(csv_row(row) for row in session_rows(scheme))
    audit.record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=scheme,
        summary="Exported sessions.csv",
        scheme_id=scheme.pk,
    )
    return out.getvalue()

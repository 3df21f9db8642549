"""The iCalendar (.ics) invite for a session, and its cancellation.

It carries only the arrangements: a fixed title, the time, the place or link, and the
two people's email addresses. Nothing about what the session is for or what is said.
Times are written in UTC so no time-zone block (with its own text) is needed.

Every calendar file of a meeting has the same UID, and each new time raises its
SEQUENCE, so a calendar replaces (or, for a cancellation, removes) the event it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from revmentor.allocation.models import Pair
from revmentor.meetings.models import Meeting
from revmentor.schemes.models import Participant

TITLE = "Reverse mentoring session"
# Calendars need an end; the pair decide the real length and log it afterwards.
PLANNED_MINUTES = 60
PRODUCT_ID = "-//revmentor//Reverse mentoring//EN"


def uid(meeting: Meeting) -> str:
    """A stable identifier, so a new time replaces the old event in people's calendars."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "revmentor"
    return f"revmentor-meeting-{meeting.pk}@{host}"


@dataclass(frozen=True)
class Withdrawn:
    """A confirmed time taken back (cancelled, replaced by a new proposal, or called off
    because someone stopped taking part), as its invite had it: what the cancellation
    needs once the meeting no longer holds it.

    ``sequence`` is the cancellation's, above the invite's; ``organizer_id`` the
    participant who proposed the time (the invite's organiser); ``by_id`` the one who
    took it back (or stopped taking part), and ``at`` when. :meth:`to_task` and
    :meth:`from_task` carry it through a task as plain data.
    """

    starts_at: datetime
    place: str
    sequence: int
    organizer_id: int | None
    by_id: int
    at: datetime

    @classmethod
    def of(cls, meeting: Meeting, *, by: Participant, at: datetime) -> Withdrawn:
        """The confirmed time ``meeting`` still holds, its sequence already raised for
        the cancellation (ValueError if it has no confirmed time)."""
        if meeting.starts_at is None or not meeting.is_confirmed:
            raise ValueError("The session has no confirmed time.")
        return cls(
            meeting.starts_at, meeting.place, meeting.sequence, meeting.proposed_by_id, by.pk, at
        )

    def to_task(self) -> dict[str, Any]:
        return {
            "starts_at": self.starts_at.isoformat(),
            "place": self.place,
            "sequence": self.sequence,
            "organizer_id": self.organizer_id,
            "by_id": self.by_id,
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_task(cls, data: dict[str, Any]) -> Withdrawn:
        organizer = data.get("organizer_id")
        return cls(
            starts_at=datetime.fromisoformat(data["starts_at"]),
            place=str(data["place"]),
            sequence=int(data["sequence"]),
            organizer_id=None if organizer is None else int(organizer),
            by_id=int(data["by_id"]),
            at=datetime.fromisoformat(data["at"]),
        )


# What a meeting's time is made of; cleared together when the time is taken back.
TIME_FIELDS = ("starts_at", "place", "proposed_at", "proposed_by", "confirmed_at", "confirmed_by")


def clear_time(meeting: Meeting, *, by: Participant, at: datetime) -> Withdrawn | None:
    """Take back the meeting's time (not saved): raise its SEQUENCE, then clear
    :data:`TIME_FIELDS`. Returns the time as its invite had it if it was confirmed (for
    the calendar file that removes it, above the invite sent), None otherwise."""
    meeting.sequence += 1
    withdrawn = Withdrawn.of(meeting, by=by, at=at) if meeting.is_confirmed else None
    meeting.starts_at, meeting.place = None, ""
    meeting.proposed_at = meeting.confirmed_at = None
    meeting.proposed_by = meeting.confirmed_by = None
    return withdrawn


def invite(meeting: Meeting, pair: Pair, *, method: str = "PUBLISH") -> bytes:
    """The session as an iCalendar file (``method`` PUBLISH to download, REQUEST by email).

    Raises ValueError if no time has been proposed.
    """
    if meeting.starts_at is None:
        raise ValueError("The session has no time yet.")
    return _calendar(
        meeting,
        pair,
        method=method,
        sequence=meeting.sequence,
        stamp=meeting.confirmed_at or meeting.proposed_at or timezone.now(),
        starts_at=meeting.starts_at,
        place=meeting.place,
        organizer_id=meeting.proposed_by_id,
        status="CONFIRMED" if meeting.is_confirmed else "TENTATIVE",
    )


def cancellation(meeting: Meeting, pair: Pair, withdrawn: Withdrawn) -> bytes:
    """The iCalendar file that removes the ``withdrawn`` time's event from a calendar:
    METHOD:CANCEL, the invite's UID, organiser and attendee, a higher SEQUENCE."""
    return _calendar(
        meeting,
        pair,
        method="CANCEL",
        sequence=withdrawn.sequence,
        stamp=withdrawn.at,
        starts_at=withdrawn.starts_at,
        place=withdrawn.place,
        organizer_id=withdrawn.organizer_id,
        status="CANCELLED",
    )


def cancellation_attachment(
    meeting: Meeting, pair: Pair, withdrawn: Withdrawn
) -> tuple[str, bytes, str]:
    """The :func:`cancellation` of the ``withdrawn`` time as an email attachment: its
    file name, content and MIME type."""
    return (
        filename(meeting, cancelled=True),
        cancellation(meeting, pair, withdrawn),
        "text/calendar; method=CANCEL",
    )


def _calendar(
    meeting: Meeting,
    pair: Pair,
    *,
    method: str,
    sequence: int,
    stamp: datetime,
    starts_at: datetime,
    place: str,
    organizer_id: int | None,
    status: str,
) -> bytes:
    proposer = pair.mentee if organizer_id == pair.mentee_id else pair.mentor
    other = pair.mentee if proposer.pk == pair.mentor_id else pair.mentor
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid(meeting))
    event.add("sequence", sequence)
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(starts_at))
    event.add("dtend", _utc(starts_at + timedelta(minutes=PLANNED_MINUTES)))
    event.add("summary", TITLE)
    event.add("location", place)
    event.add("status", status)
    event.add("organizer", vCalAddress(f"mailto:{proposer.user.email}"))
    event.add("attendee", vCalAddress(f"mailto:{other.user.email}"))
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def filename(meeting: Meeting, *, cancelled: bool = False) -> str:
    return f"reverse-mentoring-session-{meeting.pk}{'-cancelled' if cancelled else ''}.ics"


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)

"""The iCalendar (.ics) invite for a session.

It carries only the arrangements: a fixed title, the time, the place or link, and the
two people's email addresses. Nothing about what the session is for or what is said.
Times are written in UTC so no time-zone block (with its own text) is needed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from revmentor.allocation.models import Pair
from revmentor.meetings.models import Meeting

TITLE = "Reverse mentoring session"
# Calendars need an end; the pair decide the real length and log it afterwards.
PLANNED_MINUTES = 60
PRODUCT_ID = "-//revmentor//Reverse mentoring//EN"


def uid(meeting: Meeting) -> str:
    """A stable identifier, so a new time replaces the old event in people's calendars."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "revmentor"
    return f"revmentor-meeting-{meeting.pk}@{host}"


def invite(meeting: Meeting, pair: Pair, *, method: str = "PUBLISH") -> bytes:
    """The session as an iCalendar file (``method`` PUBLISH to download, REQUEST by email).

    Raises ValueError if no time has been proposed.
    """
    if meeting.starts_at is None:
        raise ValueError("The session has no time yet.")
    proposer = meeting.proposed_by or pair.mentor
    other = pair.mentee if proposer.pk == pair.mentor_id else pair.mentor
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", _utc(meeting.confirmed_at or meeting.proposed_at or timezone.now()))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.starts_at + timedelta(minutes=PLANNED_MINUTES)))
    event.add("summary", TITLE)
    event.add("location", meeting.place)
    event.add("status", "CONFIRMED" if meeting.is_confirmed else "TENTATIVE")
    event.add("organizer", vCalAddress(f"mailto:{proposer.user.email}"))
    event.add("attendee", vCalAddress(f"mailto:{other.user.email}"))
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def filename(meeting: Meeting) -> str:
    return f"reverse-mentoring-session-{meeting.pk}.ics"


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)

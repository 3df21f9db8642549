"""The calendar invite: valid iCalendar, the right time, nothing but the arrangements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from revmentor.allocation.models import Pair
from revmentor.core.models import User
from revmentor.meetings import services
from revmentor.schemes.models import Participant
from tests.meetings.conftest import local

NOW = local(2027, 6, 1, 10, 0)
# 14:30 in London in summer time is 13:30 UTC.
SESSION = local(2027, 7, 1, 14, 30)
SESSION_UTC = datetime(2027, 7, 1, 13, 30, tzinfo=UTC)
PLACE = "https://teams.example.net/meet/abc"
EVENT_PROPERTIES = {
    "UID",
    "SEQUENCE",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "LOCATION",
    "STATUS",
    "ORGANIZER",
    "ATTENDEE",
}


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def confirmed(pair: Pair, mentor: Participant, mentee: Participant) -> Pair:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place=PLACE)
    services.meeting_confirm(participant=mentee, pair=pair)
    return pair


def _check_invite(content: bytes, mentor: Participant, mentee: Participant) -> None:
    calendar = Calendar.from_ical(content)
    assert {c.name for c in calendar.walk()} == {"VCALENDAR", "VEVENT"}
    assert set(calendar.keys()) == {"PRODID", "VERSION", "METHOD"}
    (event,) = calendar.walk("VEVENT")
    assert set(event.keys()) == EVENT_PROPERTIES
    assert event.decoded("DTSTART") == SESSION_UTC
    assert event.decoded("DTSTART") == SESSION
    assert str(event["SUMMARY"]) == "Reverse mentoring session"
    assert str(event["LOCATION"]) == PLACE
    assert str(event["ORGANIZER"]) == f"mailto:{mentor.user.email}"
    assert str(event["ATTENDEE"]) == f"mailto:{mentee.user.email}"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_each_person_downloads_the_invite_with_the_right_time_and_nothing_else(
    client_for: Callable[[User | None], Client],
    confirmed: Pair,
    mentor: Participant,
    mentee: Participant,
) -> None:
    for person in (mentor, mentee):
        response = client_for(person.user).get(
            reverse("own_meeting_ics", args=[confirmed.allocation.scheme_id, confirmed.pk])
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar"
        assert response["Content-Disposition"].startswith("attachment;")
        _check_invite(response.content, mentor, mentee)


def test_confirming_emails_both_people_the_invite(
    confirmed: Pair, mentor: Participant, mentee: Participant
) -> None:
    arranged = [m for m in mail.outbox if "arranged" in m.subject]
    assert sorted(m.to[0] for m in arranged) == sorted([mentor.user.email, mentee.user.email])
    for message in arranged:
        assert "1 July 2027 at 14:30" in message.body
        assert PLACE in message.body
        ((name, content, mimetype),) = message.attachments
        assert name.endswith(".ics")
        assert mimetype.startswith("text/calendar")
        raw = content if isinstance(content, bytes) else content.encode()
        assert b"METHOD:REQUEST" in raw
        _check_invite(raw, mentor, mentee)


def test_no_invite_is_sent_until_the_time_is_confirmed(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place=PLACE)
    # Only the other person, asked to confirm; no invite yet
    assert [(m.to, m.attachments) for m in mail.outbox] == [([mentee.user.email], [])]


def test_there_is_no_invite_before_a_time_is_proposed(
    client_for: Callable[[User | None], Client], pair: Pair, mentor: Participant
) -> None:
    response = client_for(mentor.user).get(
        reverse("own_meeting_ics", args=[pair.allocation.scheme_id, pair.pk])
    )
    assert response.status_code == 404


def test_a_time_only_proposed_has_no_calendar_file_to_download(
    client_for: Callable[[User | None], Client],
    pair: Pair,
    mentor: Participant,
    mentee: Participant,
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place=PLACE)
    url = reverse("own_meeting_ics", args=[pair.allocation.scheme_id, pair.pk])
    # Not confirmed: it may still change, and no invite of it went out.
    for person in (mentor, mentee):
        assert client_for(person.user).get(url).status_code == 404
    services.meeting_confirm(participant=mentee, pair=pair)
    for person in (mentor, mentee):
        assert client_for(person.user).get(url).status_code == 200


def test_a_logged_session_has_no_calendar_file_to_download(
    client_for: Callable[[User | None], Client], confirmed: Pair, mentor: Participant
) -> None:
    url = reverse("own_meeting_ics", args=[confirmed.allocation.scheme_id, confirmed.pk])
    with time_machine.travel(SESSION_UTC.replace(hour=16), tick=False):
        services.meeting_log(participant=mentor, pair=confirmed, held=True, duration_minutes=45)
        assert client_for(mentor.user).get(url).status_code == 404

"""``sessions.csv``: held sessions only, with research IDs, in the study folder format."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from revmentor.allocation.models import Pair
from revmentor.core.models import AuditEvent, User
from revmentor.meetings import services
from revmentor.questionnaires.interchange import pseudonym
from revmentor.schemes.models import ParticipantRole, Scheme
from tests.meetings.conftest import local, person, publish

NOW = local(2027, 3, 1, 10, 0)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_only_held_sessions_are_exported_with_research_ids(
    client_for: Callable[[User | None], Client], phase_2: Scheme, researcher: User
) -> None:
    people = [
        (person(phase_2, ParticipantRole.MENTOR), person(phase_2, ParticipantRole.MENTEE))
        for _ in range(4)
    ]
    # The fourth pair never logs its session: like the one not held, it is left out.
    online, in_person, not_held, _unlogged = publish(phase_2, people)
    services.meeting_propose(
        participant=online.mentor,
        pair=online,
        starts_at=local(2027, 3, 15, 0, 30),
        place="https://teams.example.net/meet/1",
    )
    services.meeting_propose(
        participant=in_person.mentee,
        pair=in_person,
        starts_at=local(2027, 7, 2, 0, 30),
        place="Seminar room 2, Ward block",
    )
    with time_machine.travel(local(2027, 7, 3, 12, 0), tick=False):  # after both sessions
        services.meeting_log(participant=online.mentee, pair=online, held=True, duration_minutes=45)
        services.meeting_log(
            participant=in_person.mentor, pair=in_person, held=True, duration_minutes=60
        )
    services.meeting_log(
        participant=not_held.mentor, pair=not_held, held=False, duration_minutes=None
    )

    response = client_for(researcher).get(reverse("schemes:sessions_csv", args=[phase_2.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sessions.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == ["mentor_id", "mentee_id", "duration_minutes", "held_on", "mode"]
    # held_on is the UK date (00:30 in summer time is still 2 July, 23:30 UTC the day before).
    assert sorted(rows, key=lambda r: r["held_on"]) == [
        {
            "mentor_id": pseudonym(online.mentor),
            "mentee_id": pseudonym(online.mentee),
            "duration_minutes": "45",
            "held_on": "2027-03-15",
            "mode": "online",
        },
        {
            "mentor_id": pseudonym(in_person.mentor),
            "mentee_id": pseudonym(in_person.mentee),
            "duration_minutes": "60",
            "held_on": "2027-07-02",
            "mode": "in person",
        },
    ]
    body = response.content.decode()
    for mentor, mentee in people:
        assert mentor.user.email not in body and mentee.user.full_name not in body
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, summary="Exported sessions.csv", actor=researcher
    ).exists()


def test_a_session_logged_without_a_time_here_has_no_date_or_mode(
    client_for: Callable[[User | None], Client], lead: User, pair: Pair
) -> None:
    services.meeting_log(participant=pair.mentor, pair=pair, held=True, duration_minutes=30)
    response = client_for(lead).get(
        reverse("schemes:sessions_csv", args=[pair.allocation.scheme_id])
    )
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (row["duration_minutes"], row["held_on"], row["mode"]) == ("30", "", "")

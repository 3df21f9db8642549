"""The other person of a pair is emailed when a time is proposed, to confirm or change it,
and when what they logged about the session is changed."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from revmentor.allocation.models import Pair
from revmentor.core.models import AuditEvent
from revmentor.meetings import services
from revmentor.meetings.tasks import send_log_changed, send_meeting_proposed
from revmentor.schemes.models import Participant
from revmentor.schemes.services import consent_withdraw
from tests.meetings.conftest import local

NOW = local(2027, 3, 1, 10, 0)
SESSION = local(2027, 3, 15, 14, 30)


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_other_person_is_emailed_the_time_proposed_and_where_to_confirm_it(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Seminar room 2"
    )

    assert [message.to for message in mail.outbox] == [[mentee.user.email]]
    message = mail.outbox[0]
    assert message.subject.endswith("a time is proposed for your session")
    assert f"{mentor.user.full_name} has proposed a time" in message.body
    assert "instead of the one proposed before" not in message.body
    assert "Where: Seminar room 2" in message.body
    assert reverse("own_meeting", args=[pair.allocation.scheme_id]) in message.body
    assert not message.attachments  # the invite comes once the time is agreed
    assert AuditEvent.objects.filter(summary="Sent the email that a time is proposed").count()


def test_a_new_time_from_the_other_side_is_emailed_to_the_first_proposer(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Seminar room 2"
    )
    services.meeting_propose(participant=mentee, pair=pair, starts_at=SESSION, place="Room 9")

    assert [message.to for message in mail.outbox] == [
        [mentee.user.email],
        [mentor.user.email],
    ]
    assert "instead of the one proposed before" in mail.outbox[1].body
    assert "Where: Room 9" in mail.outbox[1].body


def test_nothing_is_sent_for_a_proposal_changed_confirmed_or_left_behind(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    first = services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Seminar room 2"
    )
    old = first.sequence
    services.meeting_propose(participant=mentee, pair=pair, starts_at=SESSION, place="Room 9")
    assert send_meeting_proposed.call(first.pk, old) == 0  # changed since

    confirmed = services.meeting_confirm(participant=mentor, pair=pair)
    assert send_meeting_proposed.call(confirmed.pk, confirmed.sequence) == 0

    again = services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Room 10"
    )
    consent_withdraw(participant=mentee)
    assert send_meeting_proposed.call(again.pk, again.sequence) == 0


AFTER = local(2027, 3, 16, 9, 0)


def _log(who: Participant, pair: Pair, minutes: int | None) -> object:
    return services.meeting_log(
        participant=who, pair=pair, held=minutes is not None, duration_minutes=minutes
    )


def _changed() -> list[object]:
    return [m for m in mail.outbox if m.subject.endswith("has changed")]


@pytest.mark.parametrize("confirmed", [False, True])
def test_changing_the_length_the_other_person_logged_or_confirmed_emails_them(
    pair: Pair, mentor: Participant, mentee: Participant, confirmed: bool
) -> None:
    with time_machine.travel(AFTER, tick=False):
        _log(mentor, pair, 45)
        if confirmed:
            _log(mentee, pair, 45)
            _log(mentor, pair, 60)  # the mentor corrects what the mentee confirmed
            told, by = mentee, mentor
        else:
            _log(mentee, pair, 60)  # the mentee corrects what the mentor logged
            told, by = mentor, mentee

    (message,) = _changed()
    assert message.to == [told.user.email]
    body = " ".join(message.body.split())
    assert f"{by.user.full_name} has changed what was recorded" in body
    assert "Your answer was that it took place, 45 minutes; they now say it took place, " in body
    assert "60 minutes." in body


def test_changing_ones_own_answer_or_a_stale_task_emails_nobody(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    with time_machine.travel(AFTER, tick=False):
        _log(mentor, pair, 45)
        _log(mentor, pair, 50)  # their own answer: nobody else's replaced
        assert _changed() == []
        _log(mentee, pair, 55)
        meeting = _log(mentor, pair, 50)
    assert len(_changed()) == 2  # mentor told (mentee replaced theirs), then mentee
    assert send_log_changed.call(meeting.pk, meeting.log_version - 1) == 0  # changed since

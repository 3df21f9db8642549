"""The other person of a pair is emailed when a time is proposed, to confirm or change it,
when a time only proposed is withdrawn or turned down, when a confirmed time is cancelled
or replaced (with the calendar file that removes it), and when what they logged about the
session is changed."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse
from icalendar import Calendar

from revmentor.allocation.models import Pair
from revmentor.core.models import AuditEvent
from revmentor.meetings import services
from revmentor.meetings.models import Meeting
from revmentor.meetings.tasks import (
    send_log_changed,
    send_meeting_cancelled,
    send_meeting_proposed,
    send_proposal_turned_down,
    send_proposal_withdrawn,
)
from revmentor.schemes.models import Participant, Phase, Scheme
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


# A confirmed time cancelled, or replaced by a new proposal: both people's calendars hold
# its invite, so each is emailed the calendar file that removes it.

LATER = local(2027, 3, 20, 9, 0)


def _arranged(pair: Pair, mentor: Participant, mentee: Participant) -> Any:
    """The mentor proposes SESSION, the mentee confirms; return the invite's VEVENT and
    empty the outbox."""
    services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Seminar room 2"
    )
    services.meeting_confirm(participant=mentee, pair=pair)
    first, second = (_event(m, "REQUEST") for m in mail.outbox if m.attachments)
    assert first.to_ical() == second.to_ical()  # the same invite to each
    mail.outbox.clear()
    return first


def _event(message: EmailMessage, method: str) -> Any:
    """The one event of the message's one calendar file, checked to be ``method``."""
    ((name, content, mimetype),) = message.attachments
    assert name.endswith(".ics")
    assert mimetype == f"text/calendar; method={method}"
    raw = content if isinstance(content, bytes) else content.encode()
    calendar = Calendar.from_ical(raw)
    assert str(calendar["METHOD"]) == method
    (event,) = calendar.walk("VEVENT")
    return event


def _cancels(event: Any, invite: Any) -> None:
    """``event`` removes the invite's event: same UID and time, a higher SEQUENCE."""
    assert str(event["UID"]) == str(invite["UID"])
    assert event.decoded("SEQUENCE") > invite.decoded("SEQUENCE")
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("DTSTART") == SESSION
    assert str(event["LOCATION"]) == "Seminar room 2"
    assert str(event["ORGANIZER"]) == str(invite["ORGANIZER"])
    assert str(event["ATTENDEE"]) == str(invite["ATTENDEE"])


def _body(message: EmailMessage) -> str:
    return " ".join(str(message.body).split())


def _sent(summary: str) -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.SEND, summary=summary).count()


def test_cancelling_a_confirmed_time_emails_both_the_calendar_cancellation(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    invite = _arranged(pair, mentor, mentee)

    services.meeting_cancel(participant=mentee, pair=pair)

    assert [m.to for m in mail.outbox] == [[mentor.user.email], [mentee.user.email]]
    told, own = mail.outbox
    for message in (told, own):
        assert message.subject.endswith("the time of your session is cancelled")
        assert "When: 15 March 2027 at 14:30" in message.body
        assert "Where: Seminar room 2" in message.body
        assert "remove it from your calendar" in message.body
        assert reverse("own_meeting", args=[pair.allocation.scheme_id]) in message.body
        _cancels(_event(message, "CANCEL"), invite)
    assert f"{mentee.user.full_name} has cancelled the time of your one-to-one" in _body(told)
    assert "You cancelled the time of your one-to-one reverse mentoring session with " in (
        _body(own)
    )
    assert f"We have told {mentor.user.full_name}." in _body(own)
    assert _sent(
        "Sent the mentor the email that the time of the session is cancelled, "
        "with the calendar cancellation"
    )
    assert _sent(
        "Sent the mentee the email that the time of the session is cancelled, "
        "with the calendar cancellation"
    )


def test_withdrawing_a_time_not_yet_confirmed_tells_the_person_asked_to_confirm_it(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    mail.outbox.clear()
    services.meeting_cancel(participant=mentor, pair=pair)
    (told,) = mail.outbox
    assert told.to == [mentee.user.email]
    assert told.subject.endswith("the time proposed for your session is withdrawn")
    body = _body(told)
    assert (
        f"{mentor.user.full_name} has withdrawn the time they proposed for your one-to-one "
        "reverse mentoring session, so there is nothing to confirm: "
        "When: 15 March 2027 at 14:30 Where: Room 2"
    ) in body
    assert "No calendar invite was sent for it, as it was never confirmed." in body
    assert reverse("own_meeting", args=[pair.allocation.scheme_id]) in body
    assert told.attachments == []  # no invite went out, so there is nothing to take back
    assert _sent("Sent the email that the time proposed is withdrawn") == 1


def test_turning_down_a_time_not_yet_confirmed_tells_whoever_proposed_it(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    mail.outbox.clear()
    services.meeting_cancel(participant=mentee, pair=pair)
    (told,) = mail.outbox
    assert told.to == [mentor.user.email]
    assert told.subject.endswith("the time you proposed for your session was turned down")
    body = _body(told)
    assert body.startswith(f"Dear {mentor.user.full_name},")
    assert (
        f"{mentee.user.full_name} has turned down the time you proposed for your one-to-one "
        "reverse mentoring session: When: 15 March 2027 at 14:30 Where: Room 2"
    ) in body
    assert "No calendar invite was sent for it, as it was never confirmed." in body
    assert "Either of you can propose a new time on your session page:" in body
    assert reverse("own_meeting", args=[pair.allocation.scheme_id]) in body
    assert "You do not need a password" in body
    assert told.attachments == []  # no invite went out, so there is nothing to take back
    assert _sent("Sent the email that the time proposed was turned down") == 1
    assert _sent("Sent the email that the time proposed is withdrawn") == 0


def _into_analysis(pair: Pair) -> None:
    Scheme.objects.filter(pk=pair.allocation.scheme_id).update(phase=Phase.ANALYSIS)
    pair.allocation.scheme.refresh_from_db()


ONLY_LOGGED = (
    "Times can no longer be arranged on the site, but either of you can still tell us on "
    "your session page whether the session took place and, if it did, how long it lasted:"
)


@pytest.mark.parametrize("by_proposer", [False, True])
def test_a_time_proposed_cancelled_during_analysis_says_the_session_can_still_be_logged(
    pair: Pair, mentor: Participant, mentee: Participant, by_proposer: bool
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    _into_analysis(pair)
    mail.outbox.clear()
    services.meeting_cancel(participant=mentor if by_proposer else mentee, pair=pair)
    (told,) = mail.outbox
    assert told.to == [(mentee if by_proposer else mentor).user.email]
    done = "has withdrawn the time they proposed" if by_proposer else "has turned down the time"
    assert done in _body(told)
    assert ONLY_LOGGED in _body(told)
    assert "propose a new time" not in told.body  # no new time can be arranged now
    assert told.attachments == []


def test_a_confirmed_time_cancelled_during_analysis_says_the_session_can_still_be_logged(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    invite = _arranged(pair, mentor, mentee)
    _into_analysis(pair)
    services.meeting_cancel(participant=mentee, pair=pair)
    assert [m.to for m in mail.outbox] == [[mentor.user.email], [mentee.user.email]]
    told, own = mail.outbox
    for message in (told, own):
        _cancels(_event(message, "CANCEL"), invite)
        assert ONLY_LOGGED in _body(message)
        assert "propose a new time" not in message.body
    assert f"We have told {mentor.user.full_name}. {ONLY_LOGGED}" in _body(own)


# The emails of a time only proposed may be sent out of the order they were queued in:
# each, when it runs, says nothing if what it announces no longer holds.


@pytest.mark.parametrize("by_proposer", [False, True])
def test_the_time_proposed_email_is_not_sent_once_that_time_was_cancelled(
    pair: Pair, mentor: Participant, mentee: Participant, by_proposer: bool
) -> None:
    proposed = services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Room 2"
    )
    services.meeting_cancel(participant=mentor if by_proposer else mentee, pair=pair)
    mail.outbox.clear()
    # The proposal's email, run after the one that it was withdrawn or turned down.
    assert send_meeting_proposed.call(proposed.pk, proposed.sequence) == 0
    assert mail.outbox == []


@pytest.mark.parametrize("by_proposer", [False, True])
def test_a_withdrawn_or_turned_down_email_is_not_sent_once_a_new_time_was_proposed(
    pair: Pair, mentor: Participant, mentee: Participant, by_proposer: bool
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    by = mentor if by_proposer else mentee
    mail.outbox.clear()
    cancelled = services.meeting_cancel(participant=by, pair=pair)
    assert [m.to for m in mail.outbox] == [[pair.other(by.pk).user.email]]  # run at once
    services.meeting_propose(participant=by, pair=pair, starts_at=LATER, place="Room 9")
    assert Meeting.objects.get(pair=pair).sequence > cancelled.sequence
    mail.outbox.clear()
    task = send_proposal_withdrawn if by_proposer else send_proposal_turned_down

    # Run only after the new time's email, it would say there is nothing to confirm.
    args = (cancelled.pk, SESSION.isoformat(), "Room 2", by.pk, cancelled.sequence)
    assert task.call(*args) == 0
    assert mail.outbox == []


def test_a_withdrawn_email_queued_without_a_sequence_is_still_sent(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    # As queued before the sequence was added: such a task still runs, unchecked.
    meeting = services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Room 2"
    )
    mail.outbox.clear()
    assert send_proposal_withdrawn.call(meeting.pk, SESSION.isoformat(), "Room 2", mentor.pk) == 1
    assert [m.to for m in mail.outbox] == [[mentee.user.email]]


def test_a_new_time_over_a_confirmed_one_cancels_its_invite_in_both_calendars(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    invite = _arranged(pair, mentor, mentee)

    services.meeting_propose(participant=mentee, pair=pair, starts_at=LATER, place="Room 9")

    assert [m.to for m in mail.outbox] == [[mentor.user.email], [mentee.user.email]]
    proposal, own = mail.outbox
    body = _body(proposal)
    assert f"{mentee.user.full_name} has proposed a new time for your one-to-one" in body
    assert "instead of the time you had both confirmed: 15 March 2027 at 14:30." in body
    assert "instead of the one proposed before" not in body
    assert "When: 20 March 2027 at 09:00 Where: Room 9" in body
    _cancels(_event(proposal, "CANCEL"), invite)
    assert "You proposed a new time for your one-to-one reverse mentoring session" in _body(own)
    assert f"Once {mentor.user.full_name} confirms the new time" in _body(own)
    _cancels(_event(own, "CANCEL"), invite)
    assert _sent(
        "Sent the email that a new time is proposed, with the calendar cancellation of "
        "the time confirmed before"
    )

    # Once the new time is confirmed, its invite (same UID) outranks the cancellation.
    cancelled = _event(proposal, "CANCEL")
    mail.outbox.clear()
    services.meeting_confirm(participant=mentor, pair=pair)
    new = _event(mail.outbox[0], "REQUEST")
    assert str(new["UID"]) == str(invite["UID"])
    assert new.decoded("SEQUENCE") > cancelled.decoded("SEQUENCE")
    assert new.decoded("DTSTART") == LATER


def test_a_new_time_after_a_cancelled_one_is_not_said_to_replace_a_proposal(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    services.meeting_cancel(participant=mentor, pair=pair)
    mail.outbox.clear()
    services.meeting_propose(participant=mentor, pair=pair, starts_at=LATER, place="Room 9")
    (message,) = mail.outbox
    assert f"{mentor.user.full_name} has proposed a time for your one-to-one" in _body(message)
    assert "instead of" not in message.body
    assert not message.attachments


def test_the_confirmed_time_replaced_is_still_cancelled_if_the_new_one_moved_on_first(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    invite = _arranged(pair, mentor, mentee)
    meeting = services.meeting_propose(
        participant=mentee, pair=pair, starts_at=LATER, place="Room 9"
    )
    withdrawn = {  # what the proposal's task was given: the confirmed time it replaced
        "starts_at": SESSION.isoformat(),
        "place": "Seminar room 2",
        "sequence": meeting.sequence - 1,
        "organizer_id": mentor.pk,
        "by_id": mentee.pk,
        "at": NOW.isoformat(),
    }
    services.meeting_cancel(participant=mentor, pair=pair)  # the new time, not confirmed
    mail.outbox.clear()

    # The proposal's email, run late, finds the new time gone: it still cancels the old.
    assert send_meeting_proposed.call(meeting.pk, meeting.sequence, False, withdrawn) == 1
    (message,) = mail.outbox
    assert message.to == [mentor.user.email]
    assert "so the time you had both confirmed is cancelled" in _body(message)
    _cancels(_event(message, "CANCEL"), invite)


def test_no_cancellation_is_sent_once_someone_stopped_taking_part(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _arranged(pair, mentor, mentee)
    meeting = services.meeting_cancel(participant=mentee, pair=pair)
    withdrawn = {
        "starts_at": SESSION.isoformat(),
        "place": "Seminar room 2",
        "sequence": meeting.sequence,
        "organizer_id": mentor.pk,
        "by_id": mentee.pk,
        "at": NOW.isoformat(),
    }
    consent_withdraw(participant=mentee)  # the mentor is told it will not go ahead
    mail.outbox.clear()
    assert send_meeting_cancelled.call(meeting.pk, withdrawn) == 0
    assert mail.outbox == []

"""Arranging, confirming, cancelling and logging a session, through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from revmentor.allocation.models import Allocation, Pair
from revmentor.core.models import AuditEvent
from revmentor.meetings import services
from revmentor.meetings.models import Meeting
from revmentor.meetings.services import MeetingError
from revmentor.schemes.models import Participant, Phase, Scheme
from revmentor.schemes.services import consent_give, consent_withdraw
from tests.meetings.conftest import local, publish

NOW = local(2027, 3, 1, 10, 0)
SESSION = local(2027, 3, 15, 14, 30)


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _propose(who: Participant, pair: Pair, starts_at: datetime = SESSION) -> Meeting:
    return services.meeting_propose(
        participant=who, pair=pair, starts_at=starts_at, place="Seminar room 2"
    )


def test_either_person_proposes_and_the_other_confirms(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _propose(mentee, pair)
    meeting = services.meeting_confirm(participant=mentor, pair=pair)
    assert meeting.starts_at == SESSION
    assert meeting.place == "Seminar room 2"
    assert (meeting.proposed_by, meeting.confirmed_by) == (mentee, mentor)
    assert meeting.confirmed_at == NOW
    summaries = list(
        AuditEvent.objects.filter(object_type="meetings.Meeting")
        .exclude(action=AuditEvent.Action.SEND)
        .order_by("pk")
        .values_list("summary", flat=True)
    )
    assert summaries[:2] == ["Proposed a time for the session", "Confirmed the time of the session"]


def test_the_person_who_proposed_cannot_confirm_their_own_time(
    pair: Pair, mentor: Participant
) -> None:
    _propose(mentor, pair)
    with pytest.raises(MeetingError, match="You proposed this time"):
        services.meeting_confirm(participant=mentor, pair=pair)


def test_nothing_to_confirm_before_a_time_is_proposed(pair: Pair, mentee: Participant) -> None:
    with pytest.raises(MeetingError, match="No time has been proposed yet"):
        services.meeting_confirm(participant=mentee, pair=pair)


def test_someone_outside_the_pair_cannot_propose(
    pair: Pair, other_mentor: Participant, other_mentee: Participant
) -> None:
    for stranger in (other_mentor, other_mentee):
        with pytest.raises(MeetingError, match="You are not in this pair"):
            _propose(stranger, pair)
    assert not Meeting.objects.exists()


def test_sessions_are_arranged_only_in_phase_2(pair: Pair, mentor: Participant) -> None:
    pair.allocation.scheme.phase = Phase.ALLOCATION
    pair.allocation.scheme.save()
    with pytest.raises(MeetingError, match="only during phase 2"):
        _propose(mentor, pair)


def test_pairs_that_are_not_published_cannot_arrange_a_session(
    pair: Pair, mentor: Participant
) -> None:
    Allocation.objects.filter(pk=pair.allocation_id).update(status=Allocation.Status.DRAFT)
    pair.allocation.refresh_from_db()
    with pytest.raises(MeetingError, match="not been published"):
        _propose(mentor, pair)


def test_a_new_proposal_replaces_the_confirmed_time_and_needs_confirming_again(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _propose(mentor, pair)
    first = services.meeting_confirm(participant=mentee, pair=pair)
    later = local(2027, 3, 20, 9, 0)
    again = _propose(mentee, pair, later)
    assert again.starts_at == later
    assert again.confirmed_at is None and again.confirmed_by is None
    # One for the cancellation of the confirmed time's invite, one for the new time.
    assert again.sequence == first.sequence + 2
    assert services.meeting_confirm(participant=mentor, pair=pair).confirmed_by == mentor


def test_cancelling_clears_the_time_and_place(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _propose(mentor, pair)
    services.meeting_confirm(participant=mentee, pair=pair)
    meeting = services.meeting_cancel(participant=mentee, pair=pair)
    assert (meeting.starts_at, meeting.place, meeting.confirmed_at) == (None, "", None)
    with pytest.raises(MeetingError, match="no session time to cancel"):
        services.meeting_cancel(participant=mentor, pair=pair)


@pytest.mark.parametrize(
    ("place", "message"),
    [
        ("", "Enter where you will meet"),
        ("   ", "Enter where you will meet"),
        ("Room 2\nWe will talk about", "on one line"),
        ("x" * 201, "200 characters or fewer"),
    ],
)
def test_the_place_must_be_a_short_room_or_link(
    pair: Pair, mentor: Participant, place: str, message: str
) -> None:
    with pytest.raises(MeetingError, match=message):
        services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place=place)


def test_a_place_of_200_characters_is_accepted(pair: Pair, mentor: Participant) -> None:
    link = "https://teams.example.net/" + "a" * 174
    meeting = services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place=link)
    assert meeting.place == link and meeting.is_online


def test_the_session_must_be_in_the_future_and_within_a_year(
    pair: Pair, mentor: Participant
) -> None:
    with pytest.raises(MeetingError, match="must be in the future"):
        _propose(mentor, pair, local(2027, 2, 28, 14, 0))
    with pytest.raises(MeetingError, match="within the next year"):
        _propose(mentor, pair, local(2028, 3, 2, 14, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        _propose(mentor, pair, datetime(2027, 3, 15, 14, 30))


def test_a_held_session_is_logged_with_its_duration_by_either_person(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    meeting = services.meeting_log(participant=mentee, pair=pair, held=True, duration_minutes=45)
    assert (meeting.held, meeting.duration_minutes, meeting.logged_by) == (True, 45, mentee)
    corrected = services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=50)
    assert (corrected.duration_minutes, corrected.logged_by) == (50, mentor)
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize("minutes", [1, 600])
def test_durations_from_1_to_600_minutes_are_accepted(
    pair: Pair, mentor: Participant, minutes: int
) -> None:
    meeting = services.meeting_log(
        participant=mentor, pair=pair, held=True, duration_minutes=minutes
    )
    assert meeting.duration_minutes == minutes


@pytest.mark.parametrize(
    ("minutes", "message"),
    [(None, "Enter how long"), (0, "between 1 and 600"), (601, "between 1 and 600")],
)
def test_a_held_session_needs_a_duration_from_1_to_600_minutes(
    pair: Pair, mentor: Participant, minutes: int | None, message: str
) -> None:
    with pytest.raises(MeetingError, match=message):
        services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=minutes)
    assert not Meeting.objects.filter(held__isnull=False).exists()


def test_a_session_that_did_not_take_place_has_no_duration(pair: Pair, mentor: Participant) -> None:
    meeting = services.meeting_log(participant=mentor, pair=pair, held=False, duration_minutes=30)
    assert (meeting.held, meeting.duration_minutes) == (False, None)


def test_a_logged_session_cannot_be_rearranged_or_cancelled(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _propose(mentor, pair)
    with time_machine.travel(local(2027, 3, 15, 16, 0), tick=False):  # after the session
        services.meeting_log(participant=mentee, pair=pair, held=True, duration_minutes=45)
    with pytest.raises(MeetingError, match="already been logged"):
        _propose(mentee, pair)
    with pytest.raises(MeetingError, match="already been logged"):
        services.meeting_cancel(participant=mentor, pair=pair)
    with pytest.raises(MeetingError, match="already been logged"):
        services.meeting_confirm(participant=mentee, pair=pair)


def test_sessions_may_be_logged_late_during_analysis_but_not_once_closed(
    pair: Pair, mentor: Participant
) -> None:
    scheme = pair.allocation.scheme
    scheme.phase = Phase.ANALYSIS
    scheme.save()
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=30)
    with pytest.raises(MeetingError, match="only during phase 2"):
        _propose(mentor, pair)
    scheme.phase = Phase.CLOSED
    scheme.save()
    with pytest.raises(MeetingError, match="can be logged only"):
        services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=30)


def test_no_session_is_arranged_with_someone_who_has_withdrawn(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    mentee.status = "withdrawn"
    mentee.withdrawn_on = NOW.date()
    mentee.save()
    with pytest.raises(MeetingError, match="has withdrawn from the scheme"):
        _propose(mentor, pair)


@pytest.mark.parametrize(
    ("held", "minutes"), [(True, 0), (True, 601), (True, None), (False, 30), (None, 30)]
)
def test_the_database_refuses_impossible_durations(
    pair: Pair, held: bool | None, minutes: int | None
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(pair=pair, held=held, duration_minutes=minutes)


def test_the_database_refuses_a_confirmation_without_a_time(pair: Pair) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(pair=pair, confirmed_at=NOW)


def test_the_reminder_is_at_9am_the_day_before_in_uk_time() -> None:
    assert services.reminder_time(local(2027, 7, 1, 8, 0)) == local(2027, 6, 30, 9, 0)
    assert services.reminder_time(local(2027, 3, 28, 14, 0)) == local(2027, 3, 27, 9, 0)


@pytest.mark.parametrize("held", [True, False])
def test_nothing_is_logged_before_a_time_only_proposed(pair: Pair, held: bool) -> None:
    # Logged "did not take place" days before, the partner would still expect the
    # session, and their tasks would say it is done: the time is cancelled first.
    _propose(pair.mentor, pair)  # proposed only
    with pytest.raises(services.NotYet) as refused:
        services.meeting_log(
            participant=pair.mentee, pair=pair, held=held, duration_minutes=45 if held else None
        )
    assert str(refused.value) == (
        "You can log the session from 15 March 2027 at 14:30, the time proposed for it. "
        "If you met earlier, or it is not going to take place then, cancel the proposed "
        "time first"
    )
    assert refused.value.field == "held"
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.held, meeting.logged_by, meeting.log_version) == (None, None, 0)
    assert meeting.starts_at == SESSION


# Whether it took place and how long it lasted: one answer for the pair, given by either
# person, that neither may silently overwrite.

AFTER = SESSION + timedelta(days=1)


def _log(who: Participant, pair: Pair, minutes: int | None, **version: int) -> Meeting:
    """Log the session as held for ``minutes`` (None: it did not take place)."""
    return services.meeting_log(
        participant=who, pair=pair, held=minutes is not None, duration_minutes=minutes, **version
    )


def _summaries(pair: Pair) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="meetings.Meeting", object_id=str(pair.meeting.pk))
        .exclude(action=AuditEvent.Action.SEND)
        .order_by("pk")
        .values_list("summary", flat=True)
    )


# Nothing is logged before the arranged time: the pair cancel it instead, which tells
# the partner and takes it out of their calendar.


def _arranged(pair: Pair, mentor: Participant, mentee: Participant) -> None:
    _propose(mentor, pair)
    services.meeting_confirm(participant=mentee, pair=pair)


@pytest.mark.parametrize("held", [True, False])
def test_nothing_is_logged_before_the_arranged_time_starts(
    pair: Pair, mentor: Participant, mentee: Participant, held: bool
) -> None:
    _arranged(pair, mentor, mentee)
    with pytest.raises(services.NotYet) as refused:
        _log(mentee, pair, 45 if held else None)
    assert str(refused.value) == (
        "You can log the session from 15 March 2027 at 14:30, when it is due to start. "
        "If it is not going to take place then, cancel the time instead: we will tell "
        "Dr Mentor One"
    )
    assert refused.value.field == "held"
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.held, meeting.logged_by, meeting.log_version) == (None, None, 0)
    assert meeting.is_confirmed  # the invite stands, as the partner was told
    assert "Logged" not in " ".join(_summaries(pair))


def test_the_session_can_be_logged_from_the_moment_it_starts(
    pair: Pair, mentor: Participant, mentee: Participant, frozen: time_machine.Traveller
) -> None:
    _arranged(pair, mentor, mentee)
    frozen.move_to(SESSION)
    assert _log(mentee, pair, None).held is False


def _into_analysis(pair: Pair) -> None:
    Scheme.objects.filter(pk=pair.allocation.scheme_id).update(phase=Phase.ANALYSIS)
    pair.allocation.scheme.refresh_from_db()


def test_during_analysis_the_refusal_offers_to_cancel_the_arranged_time(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _arranged(pair, mentor, mentee)
    _into_analysis(pair)
    with pytest.raises(services.NotYet) as refused:
        _log(mentee, pair, None)
    assert str(refused.value) == (
        "You can log the session from 15 March 2027 at 14:30, when it is due to start. "
        "If it is not going to take place then, cancel the time instead: we will tell "
        "Dr Mentor One"
    )


def test_that_it_did_not_take_place_is_still_logged_without_a_time_agreed(
    pair: Pair, mentor: Participant, frozen: time_machine.Traveller
) -> None:
    assert _log(mentor, pair, None).held is False  # nothing arranged here
    Meeting.objects.filter(pair=pair).delete()
    pair.refresh_from_db()
    _propose(mentor, pair)  # proposed, never confirmed: no invite went out
    services.meeting_cancel(participant=mentor, pair=pair)
    assert _log(pair.mentee, pair, None).held is False  # once the time is cancelled
    Meeting.objects.filter(pair=pair).delete()
    pair.refresh_from_db()
    _propose(mentor, pair)
    frozen.move_to(SESSION)  # or once the time proposed has come
    assert _log(pair.mentee, pair, None).held is False


def test_during_analysis_the_refusal_offers_to_cancel_a_time_only_proposed(
    pair: Pair, mentor: Participant
) -> None:
    _propose(mentor, pair)
    _into_analysis(pair)
    with pytest.raises(services.NotYet) as refused:
        _log(pair.mentee, pair, None)
    assert str(refused.value) == (
        "You can log the session from 15 March 2027 at 14:30, the time proposed for it. "
        "If you met earlier, or it is not going to take place then, cancel the proposed "
        "time first"
    )


# A time still to come stops the session being logged, so it can be cancelled wherever
# the session can be logged: during analysis too, where no new time can be arranged.


@pytest.mark.parametrize(
    ("confirmed", "by_proposer"), [(False, False), (False, True), (True, False), (True, True)]
)
def test_during_analysis_a_time_still_to_come_is_cancelled_and_the_session_then_logged(
    pair: Pair, mentor: Participant, mentee: Participant, confirmed: bool, by_proposer: bool
) -> None:
    _propose(mentor, pair)
    if confirmed:
        services.meeting_confirm(participant=mentee, pair=pair)
    _into_analysis(pair)
    with pytest.raises(services.NotYet):
        _log(mentee, pair, 45)
    who = mentor if by_proposer else mentee

    cancelled = services.meeting_cancel(participant=who, pair=pair)

    assert (cancelled.starts_at, cancelled.place, cancelled.confirmed_at) == (None, "", None)
    assert "Cancelled the time of the session" in _summaries(pair)
    logged = _log(mentee, pair, 45)  # met earlier than the time proposed
    assert (logged.held, logged.duration_minutes, logged.logged_by) == (True, 45, mentee)


def test_during_analysis_times_are_still_not_proposed_or_confirmed(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _propose(mentor, pair)
    _into_analysis(pair)
    with pytest.raises(MeetingError, match="only during phase 2"):
        services.meeting_confirm(participant=mentee, pair=pair)
    services.meeting_cancel(participant=mentee, pair=pair)
    with pytest.raises(MeetingError, match="only during phase 2"):
        _propose(mentee, pair)
    assert Meeting.objects.get(pair=pair).starts_at is None


@pytest.mark.parametrize("phase", [Phase.ALLOCATION, Phase.CLOSED])
def test_a_time_cannot_be_cancelled_before_phase_2_or_once_the_scheme_is_closed(
    pair: Pair, mentor: Participant, phase: Phase
) -> None:
    _propose(mentor, pair)
    Scheme.objects.filter(pk=pair.allocation.scheme_id).update(phase=phase)
    pair.allocation.scheme.refresh_from_db()
    with pytest.raises(MeetingError) as refused:
        services.meeting_cancel(participant=mentor, pair=pair)
    assert str(refused.value) == (
        "Session times can be cancelled only from phase 2 until analysis ends."
    )
    assert Meeting.objects.get(pair=pair).starts_at == SESSION


# Confirm and Cancel act only on the time the person's page showed.

LATER = SESSION + timedelta(days=1)


def test_confirming_a_time_changed_since_the_page_was_shown_is_refused(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    shown = _propose(mentor, pair).sequence  # the mentee opens the page
    services.meeting_propose(participant=mentor, pair=pair, starts_at=LATER, place="Car park")
    with pytest.raises(services.TimeChanged) as refused:
        services.meeting_confirm(participant=mentee, pair=pair, sequence=shown)
    assert str(refused.value) == (
        "The time has changed since you opened the page: it is now 16 March 2027 at 14:30, "
        "Car park. Check it before you confirm it"
    )
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.confirmed_at, meeting.starts_at) == (None, LATER)
    assert "Confirmed the time of the session" not in _summaries(pair)
    # From the page shown afresh, it is confirmed.
    confirmed = services.meeting_confirm(participant=mentee, pair=pair, sequence=meeting.sequence)
    assert (confirmed.confirmed_by, confirmed.starts_at) == (mentee, LATER)


def test_confirming_a_time_cancelled_since_the_page_was_shown_is_refused(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    shown = _propose(mentor, pair).sequence
    services.meeting_cancel(participant=mentor, pair=pair)
    with pytest.raises(services.TimeChanged) as refused:
        services.meeting_confirm(participant=mentee, pair=pair, sequence=shown)
    assert str(refused.value) == (
        "The time has changed since you opened the page: it has been cancelled. "
        "Check what the page shows now"
    )


def test_cancelling_a_time_changed_since_the_page_was_shown_is_refused(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    shown = _propose(mentor, pair).sequence  # the mentee opens the page
    services.meeting_propose(participant=mentor, pair=pair, starts_at=LATER, place="Car park")
    with pytest.raises(services.TimeChanged) as refused:
        services.meeting_cancel(participant=mentee, pair=pair, sequence=shown)
    assert "it is now 16 March 2027 at 14:30, Car park. Check it before you cancel it" in str(
        refused.value
    )
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.starts_at, meeting.place) == (LATER, "Car park")


def test_cancelling_a_time_confirmed_since_the_page_was_shown_cancels_that_time(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    shown = _propose(mentor, pair).sequence  # the mentor's page: waiting for the mentee
    services.meeting_confirm(participant=mentee, pair=pair, sequence=shown)
    cancelled = services.meeting_cancel(participant=mentor, pair=pair, sequence=shown)
    assert cancelled.starts_at is None  # the same time, now confirmed


def test_the_other_person_confirming_the_answer_keeps_who_logged_it(
    pair: Pair, mentor: Participant, mentee: Participant, frozen: time_machine.Traveller
) -> None:
    _log(mentor, pair, 45)
    frozen.shift(timedelta(days=1))
    meeting = _log(mentee, pair, 45)
    assert (meeting.held, meeting.duration_minutes, meeting.logged_by, meeting.logged_at) == (
        True,
        45,
        mentor,
        NOW,
    )
    assert (meeting.agreed_by, meeting.agreed_at) == (mentee, NOW + timedelta(days=1))
    assert (meeting.previous_held, meeting.log_version) == (None, 1)
    assert (
        _summaries(pair)[-1]
        == 'Confirmed the session as logged by the mentor: "took place, 45 minutes"'
    )


def test_correcting_the_other_persons_answer_keeps_the_answer_it_replaced_and_is_audited(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentor, pair, 45)
    meeting = _log(mentee, pair, 60)
    assert (meeting.held, meeting.duration_minutes, meeting.logged_by) == (True, 60, mentee)
    assert (meeting.previous_held, meeting.previous_minutes, meeting.log_version) == (True, 45, 2)
    event = (
        AuditEvent.objects.filter(object_type="meetings.Meeting")
        .exclude(action=AuditEvent.Action.SEND)  # the email telling the mentor
        .latest("pk")
    )
    assert (event.actor, event.summary) == (
        mentee.user,
        "Changed the session logged by the mentor from 45 to 60 minutes",
    )


def test_a_correction_that_it_did_not_take_place_is_worded_in_full(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentor, pair, 45)
    meeting = _log(mentee, pair, None)
    assert (meeting.held, meeting.duration_minutes) == (False, None)
    assert (meeting.previous_held, meeting.previous_minutes) == (True, 45)
    assert _summaries(pair)[-1] == (
        'Changed the session logged by the mentor from "took place, 45 minutes" '
        'to "did not take place"'
    )


def test_changing_ones_own_answer_is_no_correction_and_saving_it_again_changes_nothing(
    pair: Pair, mentor: Participant
) -> None:
    _log(mentor, pair, 45)
    meeting = _log(mentor, pair, 50)
    assert (meeting.duration_minutes, meeting.previous_held, meeting.log_version) == (50, None, 2)
    assert _summaries(pair) == [
        "Logged the session as held, 45 minutes",
        "Changed the session from 45 to 50 minutes",
    ]
    again = _log(mentor, pair, 50)
    assert (again.log_version, again.agreed_by) == (2, None)
    assert len(_summaries(pair)) == 2


def test_changing_an_answer_the_other_person_confirmed_is_a_correction(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentor, pair, 45)
    _log(mentee, pair, 45)
    meeting = _log(mentor, pair, 50)
    assert (meeting.previous_minutes, meeting.agreed_by, meeting.agreed_at) == (45, None, None)
    assert (
        _summaries(pair)[-1] == "Changed the session confirmed by the mentee from 45 to 50 minutes"
    )


def test_a_correction_changed_again_still_shows_the_other_persons_answer_until_it_gives_it_back(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentor, pair, 45)
    _log(mentee, pair, 60)
    assert _log(mentee, pair, 50).previous_minutes == 45
    back = _log(mentee, pair, 45)
    assert (back.duration_minutes, back.previous_held, back.previous_minutes) == (45, None, None)


def test_two_people_saving_from_pages_opened_before_either_logged_do_not_overwrite(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    # Both opened the page while nothing was logged (version 0); the mentor saves first.
    _log(mentor, pair, 45, version=0)
    with pytest.raises(services.LogChanged) as refused:
        _log(mentee, pair, 60, version=0)
    assert str(refused.value) == (
        "Your partner logged this session while you were on this page: Dr Mentor One says it "
        "took place, 45 minutes. Check it and save again if it is wrong"
    )
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.duration_minutes, meeting.logged_by, meeting.log_version) == (45, mentor, 1)
    assert meeting.previous_held is None and meeting.agreed_by is None
    assert _summaries(pair) == ["Logged the session as held, 45 minutes"]
    # Saved again from the page now showing the mentor's answer, it is a correction.
    assert _log(mentee, pair, 60, version=1).previous_minutes == 45


def test_a_stale_page_giving_the_answer_already_stored_confirms_it(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentor, pair, 45, version=0)
    meeting = _log(mentee, pair, 45, version=0)
    assert (meeting.logged_by, meeting.agreed_by, meeting.log_version) == (mentor, mentee, 1)


def test_a_stale_page_of_the_same_person_says_they_changed_it_elsewhere(
    pair: Pair, mentor: Participant
) -> None:
    _log(mentor, pair, 45, version=0)
    _log(mentor, pair, 50, version=1)
    with pytest.raises(services.LogChanged, match="You logged this session in another window"):
        _log(mentor, pair, 55, version=1)
    assert Meeting.objects.get(pair=pair).duration_minutes == 50


# Consent: a person who withdrew their consent no longer takes part, as one who withdrew.


def _actions(pair: Pair) -> dict[str, Callable[[Participant], object]]:
    return {
        "propose": lambda who: _propose(who, pair),
        # Not held: a session arranged for later may be logged as not having taken place.
        "log": lambda who: _log(who, pair, None),
        "confirm": lambda who: services.meeting_confirm(participant=who, pair=pair),
        "cancel": lambda who: services.meeting_cancel(participant=who, pair=pair),
    }


@pytest.mark.parametrize("action", ["propose", "log", "confirm", "cancel"])
def test_someone_who_withdrew_consent_can_no_longer_arrange_or_log_the_session(
    pair: Pair, mentor: Participant, mentee: Participant, action: str
) -> None:
    Meeting.objects.create(pair=pair, starts_at=SESSION, place="Room 2", proposed_by=mentor)
    consent_withdraw(participant=mentee)  # which also cancels the time proposed
    with pytest.raises(MeetingError) as refused:
        _actions(pair)[action](mentee)
    assert str(refused.value) == (
        "You withdrew your consent, so you can no longer arrange or log this session."
    )
    with pytest.raises(MeetingError) as refused:
        _actions(pair)[action](mentor)
    assert str(refused.value) == (
        "Dr Mentee One is no longer taking part in the scheme, so the session cannot go ahead."
    )
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.starts_at, meeting.sequence, meeting.confirmed_at, meeting.held) == (
        None,
        1,
        None,
        None,
    )


def test_someone_who_never_consented_cannot_arrange_a_session(
    phase_2: Scheme, mentor: Participant, mentee: Participant
) -> None:
    (pair,) = publish(phase_2, [(mentor, mentee)])
    with pytest.raises(MeetingError, match="Give your consent to take part before"):
        _propose(mentor, pair)
    assert not Meeting.objects.exists()


def test_someone_who_consents_again_can_arrange_the_session_again(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    consent_withdraw(participant=mentee)
    consent_give(participant=mentee, take_part=True, research_use=False)
    assert _propose(mentee, pair).proposed_by == mentee

"""Writes for sessions: propose a time, confirm it, cancel it, log what happened.

Every function is keyword-only, atomic and audited, and takes the participant acting and
their published pair. Only the pair's two people may act; the views make sure nobody
else can reach a pair. A :class:`MeetingError` says, in plain English, why not.

Only arrangements are stored, plus whether the session took place and how long it
lasted. Nothing said in the session is ever stored.

That answer is one for the pair, which either person may give. The other person can
confirm it or correct it; a correction keeps the answer it replaced, so both pages say
what changed and who changed it, and a save from a page opened before the answer changed
is refused rather than overwriting it (:class:`LogChanged`). In the same way, Confirm and
Cancel act only on the time the person's page showed (:class:`TimeChanged`).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend

from revmentor.allocation.models import Allocation, Pair
from revmentor.core import audit
from revmentor.core.models import AuditEvent
from revmentor.meetings.answers import Answer, answer_text, change_text
from revmentor.meetings.invites import Withdrawn, clear_time
from revmentor.meetings.models import MAX_MINUTES, MAX_PLACE, MIN_MINUTES, Meeting
from revmentor.meetings.selectors import ConsentState, consent_states
from revmentor.meetings.tasks import (
    send_log_changed,
    send_meeting_cancelled,
    send_meeting_confirmation,
    send_meeting_proposed,
    send_meeting_reminder,
    send_proposal_turned_down,
    send_proposal_withdrawn,
)
from revmentor.schemes.models import Participant, Phase

logger = logging.getLogger(__name__)

# Sessions are arranged in phase 2; a late log is still welcome during analysis.
LOG_PHASES = (Phase.PHASE_2, Phase.ANALYSIS)
# Nothing is logged before a time still to come (NotYet), and the way past that is to
# cancel the time: so a time can be cancelled for as long as the session can be logged,
# and no pair is left unable to log theirs. Proposing and confirming stay in phase 2.
CANCEL_PHASES = LOG_PHASES
FURTHEST_AHEAD = timedelta(days=365)
REMINDER_AT = time(9, 0)


class MeetingError(Exception):
    """The action cannot be done; the message tells the person why.

    ``field``: the form field the message is about, for the page to link to, if any.
    """

    field: str | None = None


class LogChanged(MeetingError):
    """The logged answer changed after the page was shown; nothing was saved."""


class TimeChanged(MeetingError):
    """The session's time changed after the page was shown; nothing was done."""


class NotYet(MeetingError):
    """The session's time has not come, so what happened cannot be logged yet."""

    field = "held"


def name_of(participant: Participant) -> str:
    """How a participant is named to the other person of their pair."""
    return participant.user.full_name or participant.user.email


def _other(participant: Participant, pair: Pair) -> Participant:
    """The other person of the pair; raise MeetingError if ``participant`` is not in it."""
    if participant.pk == pair.mentor_id:
        return pair.mentee
    if participant.pk == pair.mentee_id:
        return pair.mentor
    raise MeetingError("You are not in this pair.")


def _check(
    participant: Participant, pair: Pair, phases: tuple[Phase, ...], *, outside: str = ""
) -> Participant:
    """Check the pair is published, the phase allows it and both people take part.

    ``outside``: what to say when the phase does not allow it (by default, that sessions
    are arranged only in phase 2, or logged only from phase 2 until analysis ends).
    Returns the other person of the pair.
    """
    other = _other(participant, pair)
    if pair.allocation.status != Allocation.Status.PUBLISHED:
        raise MeetingError("The pairs have not been published yet.")
    if pair.allocation.scheme.phase not in phases:
        if outside:
            raise MeetingError(outside)
        if phases == (Phase.PHASE_2,):
            raise MeetingError("Sessions can be arranged only during phase 2.")
        raise MeetingError("Sessions can be logged only from phase 2 until analysis ends.")
    if not participant.is_active:
        raise MeetingError("You have withdrawn from this scheme.")
    if not other.is_active:
        raise MeetingError(
            f"{other.user.full_name or 'The other person'} has withdrawn from the scheme, "
            "so the session cannot go ahead."
        )
    consent = consent_states([participant, other])
    mine = consent.get(participant.pk, ConsentState.NONE)
    if mine == ConsentState.WITHDRAWN:
        raise MeetingError(
            "You withdrew your consent, so you can no longer arrange or log this session."
        )
    if mine != ConsentState.CURRENT:
        raise MeetingError("Give your consent to take part before you arrange or log a session.")
    if consent.get(other.pk, ConsentState.NONE) != ConsentState.CURRENT:
        # Whether they withdrew consent or never gave it is theirs to tell, not ours.
        raise MeetingError(
            f"{other.user.full_name or 'The other person'} is no longer taking part in "
            "the scheme, so the session cannot go ahead."
        )
    return other


def _locked(pair: Pair) -> Meeting:
    """The pair's meeting, created empty the first time, locked for this transaction."""
    Meeting.objects.get_or_create(pair=pair)
    return Meeting.objects.select_for_update().get(pair=pair)


def _audit(actor: Participant, meeting: Meeting, pair: Pair, summary: str) -> None:
    audit.record(
        actor=actor.user,
        action=AuditEvent.Action.UPDATE,
        obj=meeting,
        summary=summary,
        scheme_id=pair.allocation.scheme_id,
    )


def clean_place(place: str) -> str:
    """The place or link, trimmed; raise MeetingError if it is empty, long or not one line.

    The field is for a room or a link only, so free text is refused.
    """
    cleaned = place.strip()
    if not cleaned:
        raise MeetingError("Enter where you will meet: a room or a video link")
    if "\n" in cleaned or "\r" in cleaned:
        raise MeetingError("Enter where you will meet on one line: a room or a video link")
    if len(cleaned) > MAX_PLACE:
        raise MeetingError(
            f"Where you will meet must be {MAX_PLACE} characters or fewer: "
            "enter just a room or a video link"
        )
    return cleaned


@transaction.atomic
def meeting_propose(
    *, participant: Participant, pair: Pair, starts_at: datetime, place: str
) -> Meeting:
    """Propose (or change) the time and place of the pair's session; return the meeting.

    Either person may propose. A new proposal replaces the old one and needs confirming
    again by the other person, who is emailed (``tasks.send_meeting_proposed``). When it
    replaces a confirmed time, that time's invite is cancelled: the other person's email
    carries the cancellation, and the person proposing is emailed it too
    (``tasks.send_meeting_cancelled``), so neither calendar keeps the old time.
    ``starts_at`` must be timezone-aware (ValueError if not), in the future and within a
    year. Raises MeetingError outside phase 2, after the session was logged, or if the
    place is not a short room or link.
    """
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be timezone-aware")
    _check(participant, pair, (Phase.PHASE_2,))
    meeting = _locked(pair)
    if meeting.is_logged:
        raise MeetingError("The session has already been logged, so it cannot be rearranged.")
    now = timezone.now()
    if starts_at <= now:
        raise MeetingError("The session must be in the future: enter a later date or time")
    if starts_at > now + FURTHEST_AHEAD:
        raise MeetingError("The session must be within the next year: enter an earlier date")
    place = clean_place(place)
    again = meeting.is_proposed and not meeting.is_confirmed
    withdrawn = None
    if meeting.is_confirmed:
        meeting.sequence += 1  # the cancellation's, above the invite's
        withdrawn = Withdrawn.of(meeting, by=participant, at=now)
    meeting.starts_at = starts_at
    meeting.place = place
    meeting.sequence += 1
    meeting.proposed_at = now
    meeting.proposed_by = participant
    meeting.confirmed_at = None
    meeting.confirmed_by = None
    meeting.save()
    if withdrawn is None:
        _audit(participant, meeting, pair, "Proposed a time for the session")
        send_meeting_proposed.enqueue(meeting.pk, meeting.sequence, again)
    else:
        _audit(
            participant,
            meeting,
            pair,
            "Proposed a new time for the session, which cancels the time confirmed",
        )
        send_meeting_proposed.enqueue(meeting.pk, meeting.sequence, False, withdrawn.to_task())
        send_meeting_cancelled.enqueue(meeting.pk, withdrawn.to_task(), True)
    return meeting


def reminder_time(starts_at: datetime) -> datetime:
    """When to remind the pair: 9am (UK time) on the day before the session."""
    day_before = timezone.localtime(starts_at).date() - timedelta(days=1)
    return timezone.make_aware(datetime.combine(day_before, REMINDER_AT))


def _schedule_reminder(meeting: Meeting) -> None:
    """Queue the reminder for the database worker, if it can wait and is still to come."""
    assert meeting.starts_at is not None
    if not default_task_backend.supports_defer:
        logger.warning("The task backend cannot defer tasks: no reminder for %s", meeting)
        return
    when = reminder_time(meeting.starts_at)
    if when <= timezone.now():
        return  # arranged for tomorrow or today: the confirmation is reminder enough
    send_meeting_reminder.using(run_after=when).enqueue(meeting.pk, meeting.sequence)


def _when(starts_at: datetime) -> str:
    return f"{timezone.localtime(starts_at):%-d %B %Y at %H:%M}"


def _check_shown(meeting: Meeting, sequence: int | None, doing: str) -> None:
    """Raise :class:`TimeChanged` unless ``sequence`` (the one the person's page showed;
    None skips the check) is the meeting's: each new time, and each cancelled one, raises
    it. ``doing`` (``"confirm"``, ``"cancel"``) says what the person should check first."""
    if sequence is None or sequence == meeting.sequence:
        return
    changed = "The time has changed since you opened the page"
    if meeting.starts_at is None:
        raise TimeChanged(f"{changed}: it has been cancelled. Check what the page shows now")
    raise TimeChanged(
        f"{changed}: it is now {_when(meeting.starts_at)}, {meeting.place}. "
        f"Check it before you {doing} it"
    )


@transaction.atomic
def meeting_confirm(
    *, participant: Participant, pair: Pair, sequence: int | None = None
) -> Meeting:
    """Confirm the time the other person proposed; email both the invite; queue a reminder.

    ``sequence`` is the meeting's ``sequence`` the person's page showed (the view always
    sends it; None skips the check): if the time changed or was cancelled since, raises
    :class:`TimeChanged` and changes nothing, so nobody confirms a time they never saw.
    Raises MeetingError if nothing was proposed, the participant proposed it themselves,
    it is already confirmed or logged, the time has passed, or outside phase 2.
    """
    other = _check(participant, pair, (Phase.PHASE_2,))
    meeting = _locked(pair)
    if meeting.is_logged:
        raise MeetingError("The session has already been logged.")
    _check_shown(meeting, sequence, "confirm")
    if meeting.starts_at is None:
        raise MeetingError("No time has been proposed yet.")
    if meeting.is_confirmed:
        raise MeetingError("The session is already confirmed.")
    if meeting.proposed_by_id == participant.pk:
        raise MeetingError(
            f"You proposed this time: {other.user.full_name or 'the other person'} confirms it."
        )
    if meeting.starts_at <= timezone.now():
        raise MeetingError("The proposed time has passed. Propose a new time.")
    meeting.confirmed_at = timezone.now()
    meeting.confirmed_by = participant
    meeting.save(update_fields=["confirmed_at", "confirmed_by"])
    _audit(participant, meeting, pair, "Confirmed the time of the session")
    send_meeting_confirmation.enqueue(meeting.pk, meeting.sequence)
    _schedule_reminder(meeting)
    return meeting


@transaction.atomic
def meeting_cancel(*, participant: Participant, pair: Pair, sequence: int | None = None) -> Meeting:
    """Cancel the proposed or confirmed time, so either person can propose a new one (in
    phase 2) or log the session before that time (in phase 2 and analysis: a time still
    to come stops it being logged, :class:`NotYet`).

    Any reminder already queued will not be sent. A confirmed time's invite is cancelled:
    both people are emailed, the other person that it is off, each with the calendar
    file that removes it (``tasks.send_meeting_cancelled``). A time only proposed,
    cancelled by whoever proposed it, is withdrawn: the other person, asked to confirm
    it, is told (``tasks.send_proposal_withdrawn``); cancelled by the other person, it is
    turned down: whoever proposed it is told (``tasks.send_proposal_turned_down``). Neither
    carries a calendar file, as no invite went out. ``sequence``: as for
    :func:`meeting_confirm`, the time cancelled must be the one the page showed
    (:class:`TimeChanged` otherwise; a time confirmed since is still that time). Raises
    MeetingError if there is no time to cancel, the session was logged, or outside phase 2
    and analysis.
    """
    _check(
        participant,
        pair,
        CANCEL_PHASES,
        outside="Session times can be cancelled only from phase 2 until analysis ends.",
    )
    meeting = _locked(pair)
    if meeting.is_logged:
        raise MeetingError("The session has already been logged.")
    _check_shown(meeting, sequence, "cancel")
    if meeting.starts_at is None:
        raise MeetingError("There is no session time to cancel.")
    # A time only proposed: taken back by whoever proposed it, the other person was asked
    # to confirm it; turned down by the other person, whoever proposed it awaits an answer.
    proposal = (meeting.starts_at.isoformat(), meeting.place)
    proposer_id = None if meeting.is_confirmed else meeting.proposed_by_id
    withdrawn = clear_time(meeting, by=participant, at=timezone.now())
    meeting.save()
    _audit(participant, meeting, pair, "Cancelled the time of the session")
    # The emails of a time only proposed carry the sequence it was cancelled at, so one
    # run after a new time was proposed says nothing (that new time's email stands).
    if withdrawn is not None:
        send_meeting_cancelled.enqueue(meeting.pk, withdrawn.to_task(), False)
    elif proposer_id == participant.pk:
        send_proposal_withdrawn.enqueue(meeting.pk, *proposal, participant.pk, meeting.sequence)
    elif proposer_id is not None:
        send_proposal_turned_down.enqueue(meeting.pk, *proposal, participant.pk, meeting.sequence)
    return meeting


def _not_yet(meeting: Meeting, other: Participant) -> str:
    """Why a session whose time is still to come cannot be logged, and what to do: cancel
    the time, which may be done wherever the session may be logged (:data:`CANCEL_PHASES`)."""
    assert meeting.starts_at is not None
    when = _when(meeting.starts_at)
    if not meeting.is_confirmed:
        return (
            f"You can log the session from {when}, the time proposed for it. If you met "
            "earlier, or it is not going to take place then, cancel the proposed time first"
        )
    return (
        f"You can log the session from {when}, when it is due to start. If it is not going "
        f"to take place then, cancel the time instead: we will tell {name_of(other)}"
    )


def _changed_message(participant: Participant, other: Participant, meeting: Meeting) -> str:
    """Why a save from a stale page was refused, and what is stored now."""
    answer = answer_text(meeting.held, meeting.duration_minutes)
    if meeting.logged_by_id == participant.pk:
        return (
            "You logged this session in another window while you were on this page: "
            f"you said it {answer}. Check it and save again if it is wrong"
        )
    if meeting.logged_by_id == other.pk:
        return (
            "Your partner logged this session while you were on this page: "
            f"{name_of(other)} says it {answer}. Check it and save again if it is wrong"
        )
    return "This page was out of date. Check what it shows now and save again if it is wrong"


@transaction.atomic
def meeting_log(
    *,
    participant: Participant,
    pair: Pair,
    held: bool,
    duration_minutes: int | None,
    version: int | None = None,
) -> Meeting:
    """Record whether the session took place and, if so, how long it lasted in minutes.

    The pair has one answer, which either person may give, with or without a time
    arranged here. Giving the answer already stored is, from the person who logged it,
    no change, and from the other person a confirmation (``agreed_by``). A different
    answer replaces it: when the other person had logged or confirmed the answer it
    replaces, that answer is kept (``previous_held``, ``previous_minutes``) so both pages
    can say what changed and who changed it, and the audit trail records both answers.

    ``version`` is the ``log_version`` the person's page showed (the view always sends
    it; None skips the check). If the answer changed since then and this one differs from
    it, raises :class:`LogChanged` and stores nothing. Before the time of the session
    starts, confirmed or only proposed, nothing can be logged (:class:`NotYet`: the pair
    cancel the time instead, which tells the other person and, if it was confirmed,
    their calendar). A held session needs a duration
    from 1 to 600 minutes; one that did not take place has none. Raises MeetingError
    otherwise, or outside phase 2 and analysis, or if either person is no longer taking
    part.
    """
    other = _check(participant, pair, LOG_PHASES)
    if held:
        if duration_minutes is None:
            raise MeetingError("Enter how long the session lasted, in minutes")
        if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
            raise MeetingError(
                f"How long the session lasted must be between {MIN_MINUTES} and "
                f"{MAX_MINUTES} minutes"
            )
    else:
        duration_minutes = None
    meeting = _locked(pair)
    # Confirmed or only proposed, a time still to come is the pair's plan: an answer
    # logged before it would leave the partner expecting a session (and their tasks
    # saying it is done), so the time is cancelled first, which tells them.
    if meeting.starts_at is not None and meeting.starts_at > timezone.now():
        raise NotYet(_not_yet(meeting, other))
    old: Answer = (meeting.held, meeting.duration_minutes)
    new: Answer = (held, duration_minutes)
    # Only a different answer over one already logged can overwrite anything: a stale
    # page may still give the first answer, or the one stored.
    stale = version is not None and version != meeting.log_version
    if stale and old[0] is not None and new != old:
        raise LogChanged(_changed_message(participant, other, meeting))
    now = timezone.now()
    if new == old:
        if participant.pk in (meeting.logged_by_id, meeting.agreed_by_id):
            return meeting  # they said so already
        meeting.agreed_at = now
        meeting.agreed_by = participant
        meeting.save(update_fields=["agreed_at", "agreed_by"])
        by = f" by the {other.role}" if meeting.logged_by_id == other.pk else ""
        _audit(
            participant,
            meeting,
            pair,
            f'Confirmed the session as logged{by}: "{answer_text(*old)}"',
        )
        return meeting
    logged_by_other = meeting.logged_by_id == other.pk
    vouched_by_other = logged_by_other or meeting.agreed_by_id == other.pk
    previous: Answer = (None, None)
    if old[0] is not None and vouched_by_other:
        previous = old
    elif meeting.was_corrected and meeting.logged_by_id == participant.pk:
        # Changing one's own correction again: it still replaces what the other person
        # logged, unless it now gives their answer back.
        kept: Answer = (meeting.previous_held, meeting.previous_minutes)
        previous = (None, None) if kept == new else kept
    meeting.held, meeting.duration_minutes = new
    meeting.previous_held, meeting.previous_minutes = previous
    meeting.logged_at = now
    meeting.logged_by = participant
    meeting.agreed_at = None
    meeting.agreed_by = None
    meeting.log_version += 1
    meeting.save(
        update_fields=[
            "held",
            "duration_minutes",
            "previous_held",
            "previous_minutes",
            "logged_at",
            "logged_by",
            "agreed_at",
            "agreed_by",
            "log_version",
        ]
    )
    if old[0] is None:
        summary = (
            f"Logged the session as held, {duration_minutes} minutes"
            if held
            else "Logged that the session did not take place"
        )
    else:
        whose = ""
        if vouched_by_other:
            how = "logged" if logged_by_other else "confirmed"
            whose = f" {how} by the {other.role}"
        summary = f"Changed the session{whose} {change_text(old, new)}"
    _audit(participant, meeting, pair, summary)
    if previous == old and old[0] is not None:
        send_log_changed.enqueue(meeting.pk, meeting.log_version)  # their answer went
    return meeting

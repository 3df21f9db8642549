"""Emails about sessions: a time proposed, or, before anyone confirmed it, withdrawn by
whoever proposed it or turned down by the other person, the confirmation with its invite,
the reminder the day before, a confirmed time cancelled (with the calendar file that
removes it), and a change to what was logged. (When someone stops taking part:
stopping.py.)

Each checks, when it runs, that what it announces still holds (the emails of a time are
queued in order, but may be sent out of it): a time proposed, confirmed or reminded of
must still be the meeting's (its ``sequence``), a time withdrawn or turned down must not
have been followed by a new one, and a changed answer must not have changed again. Only
a confirmed time's cancellation always goes, as calendars must lose the old event.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from revmentor.core import audit
from revmentor.core.mail import send_recorded
from revmentor.core.models import AuditEvent
from revmentor.meetings import invites
from revmentor.meetings.answers import answer_text
from revmentor.meetings.invites import Withdrawn
from revmentor.meetings.models import Meeting
from revmentor.schemes.models import Participant, Phase, taking_part

logger = logging.getLogger(__name__)


def _going_ahead() -> QuerySet[Meeting]:
    """Meetings whose two people both still take part, with them and the scheme loaded:
    once one stops, the session will not go ahead and nobody is emailed about it."""
    return Meeting.objects.select_related(
        "pair__mentor__user", "pair__mentee__user", "pair__allocation__scheme"
    ).filter(taking_part("pair__mentor"), taking_part("pair__mentee"))


def _email(
    meeting: Meeting,
    person: Participant,
    *,
    subject: str,
    template: str,
    summary: str,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    **extra: Any,
) -> int:
    """Email ``person`` of the meeting's pair, with a link to their session page (the
    template gets them as ``person``, their partner as ``other``, and ``arranging``:
    whether times can still be proposed, in phase 2, or only the session logged); return
    1."""
    pair, scheme = meeting.pair, meeting.pair.allocation.scheme
    context = {
        "person": person,
        "other": pair.other(person.pk),
        "meeting": meeting,
        "arranging": scheme.phase == Phase.PHASE_2,
        "link": f"{settings.SITE_URL}{reverse('own_meeting', args=[scheme.pk])}",
        **extra,
    }
    send_recorded(
        to=person.user.email,
        subject=subject,
        template=template,
        context=context,
        about=meeting,
        summary=summary,
        scheme_id=scheme.pk,
        attachments=attachments,
    )
    return 1


def _tell_other(
    meeting: Meeting, actor_id: int, *, subject: str, template: str, summary: str, **extra: Any
) -> int:
    """Email the person of the meeting's pair who is not ``actor_id`` (the one who acted),
    with a link to their session page; return 1."""
    return _email(
        meeting,
        meeting.pair.other(actor_id),
        subject=subject,
        template=template,
        summary=summary,
        **extra,
    )


def _email_cancelled(
    meeting: Meeting, person: Participant, withdrawn: Withdrawn, *, replaced: bool
) -> int:
    """Tell ``person`` that the confirmed time ``withdrawn`` is off (``replaced``: by a new
    proposal), with the calendar file that removes it; return 1."""
    mine = person.pk == withdrawn.by_id
    return _email(
        meeting,
        person,
        subject="the time of your session is cancelled",
        template="meeting_cancelled",
        summary=f"Sent the {person.role} the email that the time of the session is "
        "cancelled, with the calendar cancellation",
        attachments=(invites.cancellation_attachment(meeting, meeting.pair, withdrawn),),
        mine=mine,
        replaced=replaced,
        withdrawn=withdrawn,
    )


def _load(meeting_id: int, sequence: int) -> Meeting | None:
    """The meeting if it is still confirmed at this ``sequence`` and not yet logged, and
    both people still take part (once one stops, the session will not go ahead: their
    partner has been told so, and neither is reminded of it)."""
    meeting = _going_ahead().select_related("proposed_by").filter(pk=meeting_id).first()
    if meeting is None or meeting.sequence != sequence:
        return None  # rearranged, cancelled, or someone stopped taking part since
    if not meeting.is_confirmed or meeting.is_logged:
        return None
    return meeting


def _send(meeting_id: int, sequence: int, *, kind: str) -> int:
    meeting = _load(meeting_id, sequence)
    if meeting is None:
        return 0
    pair = meeting.pair
    scheme = pair.allocation.scheme
    attachment = invites.invite(meeting, pair, method="REQUEST")
    subject = {
        "confirmed": "your one-to-one session is arranged",
        "reminder": "reminder: your one-to-one session tomorrow",
    }[kind]
    sent = 0
    for person, other in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
        context = {
            "person": person,
            "other": other,
            "meeting": meeting,
            "scheme": scheme,
            "link": f"{settings.SITE_URL}{reverse('own_meeting', args=[scheme.pk])}",
        }
        message = EmailMessage(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            body=render_to_string(f"emails/meeting_{kind}.txt", context),
            to=[person.user.email],
        )
        message.attach(invites.filename(meeting), attachment, "text/calendar; method=REQUEST")
        message.send()
        audit.record(
            actor=None,
            action=AuditEvent.Action.SEND,
            obj=meeting,
            summary=f"Sent the session {kind} email",
            scheme_id=scheme.pk,
        )
        sent += 1
    logger.info("Sent %s session %s emails for meeting %s", sent, kind, meeting_id)
    return sent


@task()
def send_meeting_proposed(
    meeting_id: int, sequence: int, again: bool = False, withdrawn: dict[str, Any] | None = None
) -> int:
    """Tell the other person of the pair that a time was proposed, to confirm or change.

    ``again``: it replaces a time proposed and not yet confirmed. ``withdrawn``
    (:meth:`Withdrawn.to_task`): it replaces a confirmed time, whose cancellation the
    email carries, so the old time leaves their calendar. No invite is attached: the new
    time is not agreed yet.

    Sends nothing if either person stopped taking part (their partner is told the
    session will not go ahead), nor if, before the task ran, the time was changed,
    confirmed or cancelled, or the session logged; but then a confirmed time it replaced
    is still cancelled by its own email. Returns how many emails were sent (0 or 1).
    """
    meeting = _going_ahead().filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    replaced = Withdrawn.from_task(withdrawn) if withdrawn is not None else None
    current = (
        meeting.sequence == sequence
        and meeting.starts_at is not None
        and not meeting.is_confirmed
        and not meeting.is_logged
        and meeting.proposed_by_id is not None
    )
    if not current:
        if replaced is None:
            return 0
        other = meeting.pair.other(replaced.by_id)
        return _email_cancelled(meeting, other, replaced, replaced=True)
    assert meeting.proposed_by_id is not None
    if replaced is None:
        return _tell_other(
            meeting,
            meeting.proposed_by_id,
            subject="a time is proposed for your session",
            template="meeting_proposed",
            summary="Sent the email that a time is proposed",
            again=again,
        )
    return _email(
        meeting,
        meeting.pair.other(meeting.proposed_by_id),
        subject="a new time is proposed for your session",
        template="meeting_proposed",
        summary="Sent the email that a new time is proposed, with the calendar "
        "cancellation of the time confirmed before",
        attachments=(invites.cancellation_attachment(meeting, meeting.pair, replaced),),
        withdrawn=replaced,
    )


@task()
def send_meeting_cancelled(
    meeting_id: int, withdrawn: dict[str, Any], replaced: bool = False
) -> int:
    """Email the pair that a confirmed time is cancelled, each with the calendar file that
    removes it (METHOD:CANCEL, the invite's UID, a higher SEQUENCE).

    ``withdrawn`` (:meth:`Withdrawn.to_task`) is the time and who cancelled it: the other
    person is told that it is off, the one who cancelled that it is gone from their
    calendar too. ``replaced``: a new time was proposed instead, and only the one who
    proposed it is emailed here (``send_meeting_proposed`` carries the other person's
    cancellation). Sent even if the pair have arranged another time since: the old event
    must still go, and a calendar ignores a cancellation older than the invite it holds.
    Sends nothing once either person stopped taking part (their partner is told the
    session will not go ahead). Returns how many emails were sent.
    """
    meeting = _going_ahead().filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    cancelled = Withdrawn.from_task(withdrawn)
    pair = meeting.pair
    actor = pair.mentor if cancelled.by_id == pair.mentor_id else pair.mentee
    sent = 0
    if not replaced:
        sent += _email_cancelled(meeting, pair.other(actor.pk), cancelled, replaced=False)
    sent += _email_cancelled(meeting, actor, cancelled, replaced=replaced)
    logger.info("Sent %s session cancellation emails for meeting %s", sent, meeting_id)
    return sent


def _proposal_gone(meeting_id: int, sequence: int | None) -> Meeting | None:
    """The meeting whose time only proposed was cancelled at ``sequence``, if the email
    saying so still holds: both people still take part (once one stops, their partner is
    told the session will not go ahead), and no time has been proposed since, whose own
    email, perhaps sent already, this one would contradict ("nothing to confirm").
    ``sequence`` None (a task queued before it was given one) skips that check."""
    meeting = _going_ahead().filter(pk=meeting_id).first()
    if meeting is None or (sequence is not None and meeting.sequence != sequence):
        return None
    return meeting


def _tell_proposal_gone(
    meeting_id: int,
    sequence: int | None,
    by_id: int,
    starts_at: str,
    place: str,
    *,
    subject: str,
    template: str,
    summary: str,
) -> int:
    """Email the person of the pair who is not ``by_id`` that a time only proposed
    (``starts_at``, ISO 8601, and ``place``: the template's ``gone_at`` and
    ``gone_place``) is gone, if that still holds (:func:`_proposal_gone`); return the
    number sent (0 or 1)."""
    meeting = _proposal_gone(meeting_id, sequence)
    if meeting is None:
        return 0
    return _tell_other(
        meeting,
        by_id,
        subject=subject,
        template=template,
        summary=summary,
        gone_at=datetime.fromisoformat(starts_at),
        gone_place=place,
    )


@task()
def send_proposal_withdrawn(
    meeting_id: int, starts_at: str, place: str, by_id: int, sequence: int | None = None
) -> int:
    """Tell the other person of the pair that the person who proposed a time (``by_id``)
    cancelled it before anyone confirmed it: they were emailed to confirm it. No calendar
    file: no invite went out.

    ``starts_at`` (ISO 8601) and ``place`` are the time withdrawn, which the meeting no
    longer holds; ``sequence`` the meeting's once it was withdrawn. Sends nothing once
    either person stopped taking part (their partner is told the session will not go
    ahead), nor if a new time was proposed since (:func:`_proposal_gone`). Returns how
    many emails were sent (0 or 1).
    """
    return _tell_proposal_gone(
        meeting_id,
        sequence,
        by_id,
        starts_at,
        place,
        subject="the time proposed for your session is withdrawn",
        template="meeting_proposal_withdrawn",
        summary="Sent the email that the time proposed is withdrawn",
    )


@task()
def send_proposal_turned_down(
    meeting_id: int, starts_at: str, place: str, by_id: int, sequence: int
) -> int:
    """Tell whoever proposed a time that the other person of the pair (``by_id``), asked
    to confirm it, cancelled it instead. No calendar file: no invite went out.

    ``starts_at`` (ISO 8601) and ``place`` are the time turned down, which the meeting no
    longer holds; ``sequence`` the meeting's once it was turned down. Sends nothing once
    either person stopped taking part (their partner is told the session will not go
    ahead), nor if a new time was proposed since (:func:`_proposal_gone`): its email
    asks them to confirm that one. Returns how many emails were sent (0 or 1).
    """
    return _tell_proposal_gone(
        meeting_id,
        sequence,
        by_id,
        starts_at,
        place,
        subject="the time you proposed for your session was turned down",
        template="meeting_proposal_turned_down",
        summary="Sent the email that the time proposed was turned down",
    )


@task()
def send_log_changed(meeting_id: int, log_version: int) -> int:
    """Tell the person whose logged (or confirmed) answer about the session was replaced
    by the other person's: session length is a primary outcome, and it was theirs too.

    Sends nothing if the answer changed again before the task ran, or either person has
    stopped taking part. Returns how many emails were sent (0 or 1).
    """
    meeting = (
        _going_ahead()
        .filter(pk=meeting_id, log_version=log_version, previous_held__isnull=False)
        .first()
    )
    if meeting is None or meeting.logged_by_id is None:
        return 0
    return _tell_other(
        meeting,
        meeting.logged_by_id,
        subject="what was logged about your session has changed",
        template="session_log_changed",
        summary="Sent the email that the logged session was changed",
        before=answer_text(meeting.previous_held, meeting.previous_minutes),
        after=answer_text(meeting.held, meeting.duration_minutes),
    )


@task()
def send_meeting_confirmation(meeting_id: int, sequence: int) -> int:
    """Email both people that their session is arranged, with the invite attached.

    Sends nothing if the time was changed or cancelled before the task ran. Returns how
    many emails were sent.
    """
    return _send(meeting_id, sequence, kind="confirmed")


@task()
def send_meeting_reminder(meeting_id: int, sequence: int) -> int:
    """Remind both people of their session, the day before it.

    Sends nothing if the session was rearranged, cancelled or already logged. Returns how
    many emails were sent.
    """
    return _send(meeting_id, sequence, kind="reminder")

"""Emails about sessions: a time proposed, the confirmation with its invite, the reminder
the day before, and a change to what was logged. (When someone stops taking part:
stopping.py.)"""

from __future__ import annotations

import logging
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
from revmentor.meetings.models import Meeting
from revmentor.schemes.models import taking_part

logger = logging.getLogger(__name__)


def _going_ahead() -> QuerySet[Meeting]:
    """Meetings whose two people both still take part, with them and the scheme loaded:
    once one stops, the session will not go ahead and nobody is emailed about it."""
    return Meeting.objects.select_related(
        "pair__mentor__user", "pair__mentee__user", "pair__allocation__scheme"
    ).filter(taking_part("pair__mentor"), taking_part("pair__mentee"))


def _tell_other(
    meeting: Meeting, actor_id: int, *, subject: str, template: str, summary: str, **extra: Any
) -> int:
    """Email the person of the meeting's pair who is not ``actor_id`` (the one who acted),
    with a link to their session page; return 1."""
    pair, scheme = meeting.pair, meeting.pair.allocation.scheme
    person = pair.other(actor_id)
    context = {
        "person": person,
        "other": pair.other(person.pk),
        "meeting": meeting,
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
    )
    return 1


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
def send_meeting_proposed(meeting_id: int, sequence: int) -> int:
    """Tell the other person of the pair that a time was proposed, to confirm or change.

    Sends nothing if, before the task ran, the time was changed, confirmed or cancelled,
    the session logged, or either person stopped taking part. Returns how many emails
    were sent (0 or 1). No invite is attached: the time is not agreed yet.
    """
    meeting = (
        _going_ahead()
        .filter(pk=meeting_id, sequence=sequence, confirmed_at__isnull=True, held__isnull=True)
        .exclude(starts_at__isnull=True)
        .first()
    )
    if meeting is None or meeting.proposed_by_id is None:
        return 0
    return _tell_other(
        meeting,
        meeting.proposed_by_id,
        subject="a time is proposed for your session",
        template="meeting_proposed",
        summary="Sent the email that a time is proposed",
        again=sequence > 1,
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

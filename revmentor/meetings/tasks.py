"""Emails about sessions: the confirmation with its invite, and the reminder the day before."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from revmentor.core import audit
from revmentor.core.models import AuditEvent
from revmentor.meetings import invites
from revmentor.meetings.models import Meeting

logger = logging.getLogger(__name__)


def _load(meeting_id: int, sequence: int) -> Meeting | None:
    """The meeting if it is still confirmed at this ``sequence`` and not yet logged."""
    meeting = (
        Meeting.objects.select_related(
            "pair__mentor__user", "pair__mentee__user", "pair__allocation__scheme", "proposed_by"
        )
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None or meeting.sequence != sequence:
        return None  # rearranged or cancelled since
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

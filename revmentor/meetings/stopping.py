"""When someone stops taking part: word to their partner in a published pair that the
session will not go ahead (never why), to them that a confirmed time is cancelled (with
the calendar file that removes it), and to the scheme's other leads how they stopped
and what it means for their pairs. Queued by meetings.receivers on
``schemes.signals.participant_stopped``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from revmentor.allocation.models import Allocation, Pair
from revmentor.core import audit
from revmentor.core.mail import send_recorded
from revmentor.core.models import AuditEvent, User
from revmentor.meetings import invites
from revmentor.meetings.invites import Withdrawn
from revmentor.meetings.selectors import meeting_of, pairs_to_tell_about
from revmentor.schemes.models import Participant, StaffRole

logger = logging.getLogger(__name__)


class Stopped(StrEnum):
    """How a participant stopped taking part. Only the scheme's leads are told which."""

    CONSENT = "consent"  # they withdrew their consent on the site
    WITHDRAWN = "withdrawn"  # someone managing the scheme withdrew them


@task()
def send_stopped_taking_part(participant_id: int, how: str, actor_id: int | None) -> int:
    """Tell those it affects that a participant stopped taking part; return emails sent.

    The partner of each published pair whose session is not logged yet, if they still
    take part, learns that the session will not go ahead, never why. Each of the
    scheme's leads, but the one who withdrew them (``actor_id``), learns how they
    stopped and what it means for their pairs, published or in a draft. Queued when
    ``schemes.signals.participant_stopped`` is sent (meetings.receivers).

    First the time of every such session is cancelled (``_call_off``): should the person
    give consent again, their session is not quietly back on; the pair arranges it
    afresh. A time that was confirmed is kept as its invite had it (:class:`Withdrawn`,
    its SEQUENCE above the invite's), so the partner's email carries the calendar file
    that removes it, as a cancelled time's email does (``tasks.send_meeting_cancelled``);
    the person who stopped, if they can be reached, is sent that file too, with a short
    note that the session at that time is cancelled (never why).
    """
    participant = Participant.objects.select_related("user", "scheme").get(pk=participant_id)
    pairs = pairs_to_tell_about(participant)
    published = [pair for pair in pairs if pair.allocation.status == Allocation.Status.PUBLISHED]
    told = [
        pair
        for pair in published
        if _session_stops(pair, participant) and pair.other(participant.pk).can_be_emailed
    ]
    effects = [_effect(pair, participant, pair in told) for pair in pairs]
    # The times go before anyone is emailed, each confirmed one kept as its invite had
    # it, for the calendar file in the partner's email.
    now = timezone.now()
    called_off = {pair.pk: _call_off(pair, participant, now) for pair in published}
    for pair in told:
        _email_partner(pair, participant, called_off[pair.pk])
    # Their own calendar holds the invite too: it goes the same way, without a word why.
    own = [pair for pair in published if called_off[pair.pk].withdrawn is not None]
    own = own if participant.can_be_emailed else []
    for pair in own:
        _email_stopped(pair, participant, called_off[pair.pk])
    leads = leads_to_tell(participant.scheme_id, actor_id)
    for lead in leads:
        _email_lead(lead, participant, Stopped(how), actor_id, effects)
    sent = len(told) + len(own) + len(leads)
    logger.info("Told %s people that participant %s stopped taking part", sent, participant_id)
    return sent


@dataclass(frozen=True)
class CalledOff:
    """What a pair's session had when its time was cancelled: a time (``proposed``), and
    if it was confirmed, that time as its invite had it (``withdrawn``, for the calendar
    file that removes it)."""

    proposed: bool = False
    withdrawn: Withdrawn | None = None


def _call_off(pair: Pair, participant: Participant, at: datetime) -> CalledOff:
    """Cancel the time of the pair's session if one was proposed and nothing is logged;
    return what it had.

    The time is taken back as ``services.meeting_cancel`` takes it back
    (``invites.clear_time``: its cancellation is above the invite sent); a reminder
    already queued is not sent.
    """
    meeting = meeting_of(pair)
    if meeting is None or meeting.is_logged or meeting.starts_at is None:
        return CalledOff()
    withdrawn = invites.clear_time(meeting, by=participant, at=at)
    meeting.save(update_fields=[*invites.TIME_FIELDS, "sequence"])
    audit.record(
        actor=None,
        action=AuditEvent.Action.UPDATE,
        obj=meeting,
        summary="Cancelled the time of the session: a person stopped taking part",
        scheme_id=pair.allocation.scheme_id,
    )
    return CalledOff(proposed=True, withdrawn=withdrawn)


def _session_stops(pair: Pair, participant: Participant) -> bool:
    """Whether the pair's session, not logged yet, now will not go ahead for a partner
    still taking part (a logged session is over; a partner who left was told nothing)."""
    meeting = meeting_of(pair)
    return not (meeting is not None and meeting.is_logged) and pair.takes_part(
        pair.other(participant.pk).pk
    )


def name_of(person: Participant | User) -> str:
    user = person.user if isinstance(person, Participant) else person
    return user.full_name or user.email


def tasks_link() -> str:
    return f"{settings.SITE_URL}{reverse('tasks')}"


def _email_partner(pair: Pair, participant: Participant, called_off: CalledOff) -> None:
    """Tell the other person of ``pair`` that the session will not go ahead; if its time
    was confirmed, attach the calendar file that removes it (``called_off.withdrawn``)."""
    partner = pair.other(participant.pk)
    withdrawn = called_off.withdrawn
    attachments = []
    summary = "Sent the email that their session will not go ahead"
    if withdrawn is not None:
        meeting = meeting_of(pair)
        assert meeting is not None
        attachments.append(invites.cancellation_attachment(meeting, pair, withdrawn))
        summary += ", with the calendar cancellation of its time"
    context = {
        "person": partner,
        "other": participant,
        "scheme": participant.scheme,
        "proposed": called_off.proposed,
        "withdrawn": withdrawn,
        "role": partner.role,
        "link": tasks_link(),
    }
    send_recorded(
        to=partner.user.email,
        subject="your one-to-one session will not go ahead",
        template="partner_left",
        context=context,
        about=partner,
        summary=summary,
        scheme_id=participant.scheme_id,
        attachments=attachments,
    )


def _email_stopped(pair: Pair, participant: Participant, called_off: CalledOff) -> None:
    """Send the person who stopped the calendar file that removes the confirmed time of
    the pair's session (``called_off.withdrawn``), which their calendar holds too, with
    a short note that the session is cancelled. It says nothing of why, nor links to the
    session page, which they can no longer see."""
    withdrawn = called_off.withdrawn
    assert withdrawn is not None
    meeting = meeting_of(pair)
    assert meeting is not None
    send_recorded(
        to=participant.user.email,
        subject="your one-to-one session is cancelled",
        template="meeting_called_off",
        context={"person": participant, "withdrawn": withdrawn},
        about=participant,
        summary="Sent the email that the time of their session is cancelled, with the "
        "calendar cancellation",
        scheme_id=participant.scheme_id,
        attachments=[invites.cancellation_attachment(meeting, pair, withdrawn)],
    )


def _effect(pair: Pair, participant: Participant, told: bool) -> str:
    """What the participant leaving means for one of their pairs, for the leads."""
    other = pair.other(participant.pk)
    name = name_of(other)
    if pair.allocation.status == Allocation.Status.DRAFT:
        return (
            f"They are paired with {name} in draft allocation {pair.allocation.number}. "
            "Run the allocation again, with the reason, before you publish it: they will "
            "be left out."
        )
    meeting = meeting_of(pair)
    if meeting is not None and meeting.is_logged:
        return f"Their session with {name} was already logged, so nothing changes for it."
    if not pair.takes_part(other.pk):
        return f"Their partner, {name}, is no longer taking part either: there is no session."
    emailed = f"We have emailed {name} to say so, without saying why." if told else ""
    return f"Their one-to-one session with {name} will not go ahead. {emailed}".strip()


def leads_to_tell(scheme_id: int, actor_id: int | None) -> list[User]:
    """The scheme's leads with an active account, but the one who withdrew them."""
    leads = User.objects.filter(
        scheme_memberships__scheme_id=scheme_id,
        scheme_memberships__role=StaffRole.LEAD,
        is_active=True,
    )
    if actor_id is not None:
        leads = leads.exclude(pk=actor_id)
    return list(leads.distinct().order_by("pk"))


def _how_text(participant: Participant, how: Stopped, actor_id: int | None) -> str:
    """How and when they stopped, for the leads (who alone may know which it was)."""
    if how == Stopped.CONSENT:
        withdrawn_at = (
            participant.consents.filter(withdrawn_at__isnull=False)
            .order_by("-withdrawn_at")
            .values_list("withdrawn_at", flat=True)
            .first()
        )
        on = f" on {timezone.localtime(withdrawn_at):%-d %B %Y}" if withdrawn_at else ""
        return f"they withdrew their consent on the site{on}"
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    by = f"{name_of(actor)} recorded" if actor else "it was recorded"
    on = f" on {participant.withdrawn_on:%-d %B %Y}" if participant.withdrawn_on else ""
    return f"{by}{on} that they are withdrawn from the scheme"


def _email_lead(
    lead: User, participant: Participant, how: Stopped, actor_id: int | None, effects: list[str]
) -> None:
    """Tell one lead that ``participant`` stopped taking part, and what follows."""
    scheme = participant.scheme
    context = {
        "lead": lead,
        "participant": participant,
        "name": name_of(participant),
        "scheme": scheme,
        "how": _how_text(participant, how, actor_id),
        "effects": effects,
        "link": settings.SITE_URL
        + reverse("schemes:participant_edit", args=[scheme.pk, participant.pk]),
    }
    send_recorded(
        to=lead.email,
        subject=f"a participant is no longer taking part in {scheme.name}",
        template="participant_left",
        context=context,
        about=participant,
        summary="Emailed a lead of the scheme that they stopped taking part",
        scheme_id=scheme.pk,
    )

"""When someone who had stopped taking part takes part again (they give their consent
again): word to their partner in a published pair, who was told the session would not go
ahead, that it can after all, and to the scheme's leads what it means for their pairs.
Queued by meetings.receivers on ``schemes.signals.participant_resumed``.

Nothing else has to change: a pair is over only while someone of it is not taking part
(``Pair.has_ended``), so the session, the mentor's feedback document and the tasks come
back with the person. Their session's time was cancelled when they stopped
(``stopping._call_off``), so the pair agrees a new one.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from revmentor.allocation.models import Allocation, Pair
from revmentor.core.mail import send_recorded
from revmentor.core.models import User
from revmentor.meetings.selectors import meeting_of, pairs_to_tell_about
from revmentor.meetings.stopping import leads_to_tell, name_of, tasks_link
from revmentor.schemes.models import Participant, Phase, taking_part

logger = logging.getLogger(__name__)


@task()
def send_resumed_taking_part(participant_id: int) -> int:
    """Tell those it affects that a participant takes part again; return emails sent.

    The partner of each published pair whose session is not logged, if they still take
    part and the scheme is in phase 2 (when sessions are arranged), learns that the
    session can go ahead after all. Each of the scheme's leads learns what it means for
    the person's pairs. Someone who has stopped again since it was queued is not
    announced.
    """
    participant = Participant.objects.select_related("user", "scheme").get(pk=participant_id)
    if not Participant.objects.filter(taking_part(), pk=participant_id).exists():
        logger.info("Participant %s stopped again before they were announced", participant_id)
        return 0
    pairs = pairs_to_tell_about(participant)
    arranging = participant.scheme.phase == Phase.PHASE_2
    told = [
        pair
        for pair in pairs
        if arranging
        and _session_back(pair, participant)
        and pair.other(participant.pk).can_be_emailed
    ]
    for pair in told:
        _email_partner(pair, participant)
    leads = leads_to_tell(participant.scheme_id, actor_id=None)
    effects = [_effect(pair, participant, pair in told, arranging) for pair in pairs]
    for lead in leads:
        _email_lead(lead, participant, effects)
    sent = len(told) + len(leads)
    logger.info("Told %s people that participant %s takes part again", sent, participant_id)
    return sent


def _session_back(pair: Pair, participant: Participant) -> bool:
    """Whether the pair is published, its session not logged, and the partner still
    taking part: the session that was off can go ahead."""
    if pair.allocation.status != Allocation.Status.PUBLISHED:
        return False
    meeting = meeting_of(pair)
    logged = meeting is not None and meeting.is_logged
    return not logged and pair.takes_part(pair.other(participant.pk).pk)


def _email_partner(pair: Pair, participant: Participant) -> None:
    """Tell the other person of ``pair`` that the session can go ahead after all."""
    partner = pair.other(participant.pk)
    send_recorded(
        to=partner.user.email,
        subject="your one-to-one session can go ahead after all",
        template="partner_back",
        context={
            "person": partner,
            "other": participant,
            "scheme": participant.scheme,
            "role": partner.role,
            "link": tasks_link(),
        },
        about=partner,
        summary="Sent the email that their session can go ahead after all",
        scheme_id=participant.scheme_id,
    )


def _effect(pair: Pair, participant: Participant, told: bool, arranging: bool) -> str:
    """What the participant taking part again means for one of their pairs, for the
    leads."""
    name = name_of(pair.other(participant.pk))
    if pair.allocation.status == Allocation.Status.DRAFT:
        return f"They are paired with {name} in draft allocation {pair.allocation.number}."
    meeting = meeting_of(pair)
    if meeting is not None and meeting.is_logged:
        return f"Their session with {name} was already logged, so nothing changes for it."
    if not pair.takes_part(pair.other(participant.pk).pk):
        return f"Their partner, {name}, is no longer taking part: there is no session."
    if not arranging:
        return (
            f"Their session with {name} is not logged, and sessions are arranged only in "
            "phase 2, so nobody has been asked to arrange it."
        )
    emailed = f" We have emailed {name} to say so." if told else ""
    return f"Their one-to-one session with {name} can go ahead again.{emailed}"


def _email_lead(lead: User, participant: Participant, effects: list[str]) -> None:
    """Tell one lead that ``participant`` takes part again, and what follows."""
    scheme = participant.scheme
    send_recorded(
        to=lead.email,
        subject=f"a participant is taking part again in {scheme.name}",
        template="participant_back",
        context={
            "lead": lead,
            "participant": participant,
            "name": name_of(participant),
            "scheme": scheme,
            "effects": effects,
            "link": settings.SITE_URL
            + reverse("schemes:participant_edit", args=[scheme.pk, participant.pk]),
        },
        about=participant,
        summary="Emailed a lead of the scheme that they take part again",
        scheme_id=scheme.pk,
    )

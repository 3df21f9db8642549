"""How sessions follow the people in them."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from revmentor.core.models import User
from revmentor.meetings.resuming import send_resumed_taking_part
from revmentor.meetings.stopping import Stopped, send_stopped_taking_part
from revmentor.schemes.models import Participant
from revmentor.schemes.signals import participant_resumed, participant_stopped


@receiver(participant_stopped, dispatch_uid="meetings-participant-stopped")
def someone_stopped(
    sender: type[Participant],
    participant: Participant,
    how: str,
    actor: User | None,
    **kwargs: Any,
) -> None:
    """Queue the emails to their published partner and the scheme's other leads."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    send_stopped_taking_part.enqueue(participant.pk, Stopped(how).value, actor_id)


@receiver(participant_resumed, dispatch_uid="meetings-participant-resumed")
def someone_resumed(sender: type[Participant], participant: Participant, **kwargs: Any) -> None:
    """Queue the emails to their published partner and the scheme's leads."""
    send_resumed_taking_part.enqueue(participant.pk)

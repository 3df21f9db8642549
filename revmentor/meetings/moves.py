"""What moving a scheme on means for its one-to-one sessions (registered with
schemes.phases when the app is ready)."""

from __future__ import annotations

from django.urls import reverse

from revmentor.allocation.models import Allocation, Pair
from revmentor.meetings.selectors import meeting_of
from revmentor.schemes.models import Phase, Scheme
from revmentor.schemes.phases import Unfinished


def unfinished_sessions(scheme: Scheme) -> list[Unfinished]:
    """Published pairs whose session nobody has logged as held or as not held, in one
    query. Session length is a primary outcome: a session not logged is missing data.

    A pair one of whose people has stopped taking part, its session not logged, is not
    counted: that session will not go ahead, and nobody can log it.
    """
    pairs = (
        Pair.objects.filter(
            allocation__scheme=scheme, allocation__status=Allocation.Status.PUBLISHED
        )
        .with_taking_part()
        .select_related("meeting")
    )
    going_ahead = [
        pair
        for pair in pairs
        if (pair.takes_part(pair.mentor_id) and pair.takes_part(pair.mentee_id)) or _logged(pair)
    ]
    missing = sum(1 for pair in going_ahead if not _logged(pair))
    if not missing:
        return []
    total = len(going_ahead)
    subject = "session has" if total == 1 else "sessions have"
    later = (
        "Pairs can still log them during analysis."
        if scheme.phase == Phase.PHASE_2
        else "Nobody can log them once the scheme is closed."
    )
    return [
        Unfinished(
            "sessions-not-logged",
            f"{missing} of {total} {subject} not been logged as held or not held. {later}",
            reverse("schemes:meetings", args=[scheme.pk]),
            "See the sessions",
        )
    ]


def _logged(pair: Pair) -> bool:
    meeting = meeting_of(pair)
    return meeting is not None and meeting.is_logged


def arranging_opens(scheme: Scheme, to_phase: Phase) -> list[str]:
    return ["Each pair can arrange their session: both people see it in Your tasks."]


def arranging_closes(scheme: Scheme, to_phase: Phase) -> list[str]:
    return [
        "Pairs can no longer arrange a session. They can still log one that took place, "
        "until the scheme is closed."
    ]


def logging_closes(scheme: Scheme, to_phase: Phase) -> list[str]:
    return ["Nobody can log a session any more."]

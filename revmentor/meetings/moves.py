"""What moving a scheme on means for its one-to-one sessions (registered with
schemes.phases when the app is ready)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse

from revmentor.allocation.models import Allocation, Pair
from revmentor.schemes.models import Phase, Scheme
from revmentor.schemes.phases import Unfinished


def unfinished_sessions(scheme: Scheme) -> list[Unfinished]:
    """Published pairs whose session nobody has logged as held or as not held, in one
    query. Session length is a primary outcome: a session not logged is missing data."""
    totals = Pair.objects.filter(
        allocation__scheme=scheme, allocation__status=Allocation.Status.PUBLISHED
    ).aggregate(
        pairs=Count("pk"),
        logged=Count("pk", filter=Q(meeting__held__isnull=False)),
    )
    missing = totals["pairs"] - totals["logged"]
    if not missing:
        return []
    subject = "session has" if totals["pairs"] == 1 else "sessions have"
    later = (
        "Pairs can still log them during analysis."
        if scheme.phase == Phase.PHASE_2
        else "Nobody can log them once the scheme is closed."
    )
    return [
        Unfinished(
            "sessions-not-logged",
            f"{missing} of {totals['pairs']} {subject} not been logged as held or not "
            f"held. {later}",
            reverse("schemes:meetings", args=[scheme.pk]),
            "See the sessions",
        )
    ]


def arranging_opens(scheme: Scheme, to_phase: Phase) -> list[str]:
    return ["Each pair can arrange their session: both people see it in Your tasks."]


def arranging_closes(scheme: Scheme, to_phase: Phase) -> list[str]:
    return [
        "Pairs can no longer arrange a session. They can still log one that took place, "
        "until the scheme is closed."
    ]


def logging_closes(scheme: Scheme, to_phase: Phase) -> list[str]:
    return ["Nobody can log a session any more."]

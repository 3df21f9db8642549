"""Reads about allocations."""

from __future__ import annotations

from django.http import Http404

from revmentor.allocation.models import Allocation, Pair
from revmentor.allocator.problem import REASON_TEXT, Reason
from revmentor.core.models import User
from revmentor.schemes.models import Participant, ParticipantStatus, Scheme


def published(scheme: Scheme) -> Allocation | None:
    return Allocation.objects.filter(scheme=scheme, status=Allocation.Status.PUBLISHED).first()


def current(scheme: Scheme) -> Allocation | None:
    """The published allocation, or else the latest draft."""
    return (
        Allocation.objects.filter(scheme=scheme)
        .exclude(status=Allocation.Status.DISCARDED)
        .order_by("-number")
        .first()
    )


def history(scheme: Scheme) -> list[Allocation]:
    return list(
        Allocation.objects.filter(scheme=scheme).select_related("created_by").order_by("-number")
    )


def allocation_in(scheme: Scheme, pk: int) -> Allocation:
    found = Allocation.objects.filter(scheme=scheme, pk=pk).first()
    if found is None:
        raise Http404("No such allocation in this scheme.")
    return found


def pairs_of(allocation: Allocation) -> list[Pair]:
    return list(
        Pair.objects.filter(allocation=allocation)
        .select_related("mentor__user", "mentee__user", "mentor__supervisor")
        .order_by("mentor__user__full_name")
    )


def unmatched_of(allocation: Allocation) -> list[tuple[Participant, str]]:
    """Everyone left without a pair, with the reason in plain words."""
    rows = allocation.record.get("unmatched", [])
    by_pk = {
        p.pk: p
        for p in Participant.objects.filter(
            pk__in=[int(r["participant_id"][1:]) for r in rows]
        ).select_related("user")
    }
    return [
        (by_pk[int(r["participant_id"][1:])], REASON_TEXT[Reason(r["reason"])])
        for r in rows
        if int(r["participant_id"][1:]) in by_pk
    ]


def delivers_document(user: User, mentee: Participant) -> bool:
    """Whether the user is the active mentor allocated (and published) to this mentee."""
    return Pair.objects.filter(
        allocation__status=Allocation.Status.PUBLISHED,
        mentee=mentee,
        mentor__user=user,
        mentor__status=ParticipantStatus.ACTIVE,
    ).exists()


def guard_phase_2(scheme: Scheme) -> str | None:
    if published(scheme) is None:
        return "Publish the allocation before phase 2 starts."
    return None

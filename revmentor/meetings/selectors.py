"""Reads about sessions, scoped to the pair's own two people or to the scheme's staff."""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q
from django.http import Http404

from revmentor.allocation.models import Allocation, Pair, PairQuerySet
from revmentor.core.models import User
from revmentor.meetings.models import Meeting
from revmentor.schemes.models import Participant, ParticipantStatus, Scheme, taking_part


def _published_pairs() -> PairQuerySet:
    return Pair.objects.published().select_related(
        "allocation__scheme", "mentor__user", "mentee__user", "meeting"
    )


def pairs_to_tell_about(participant: Participant) -> list[Pair]:
    """The participant's pairs in the scheme's allocations, published or in a draft (not
    those a re-run discarded), by allocation, each with both people, whether each takes
    part, its allocation and its meeting: what the emails about someone stopping or
    taking part again say of each pair (stopping.py, resuming.py). One query."""
    return list(
        Pair.objects.filter(allocation__scheme_id=participant.scheme_id)
        .filter(Q(mentor=participant) | Q(mentee=participant))
        .exclude(allocation__status=Allocation.Status.DISCARDED)
        .with_taking_part()
        .select_related("allocation", "mentor__user", "mentee__user", "meeting")
        .order_by("allocation__number", "pk")
    )


def own_pairs(participant: Participant) -> list[Pair]:
    """The published pairs the participant is in (a mentee may have more than one).

    Empty for a withdrawn participant. Each pair comes with both people, whether each
    still takes part (``Pair.takes_part``) and its meeting.
    """
    if participant.status != ParticipantStatus.ACTIVE:
        return []
    return list(
        _published_pairs()
        .with_taking_part()
        .filter(allocation__scheme_id=participant.scheme_id)
        .filter(Q(mentor=participant) | Q(mentee=participant))
        .order_by("mentor__user__full_name", "pk")
    )


def own_pair(participant: Participant, pair_pk: int) -> Pair:
    """One of the participant's own published pairs, or Http404."""
    for pair in own_pairs(participant):
        if pair.pk == pair_pk:
            return pair
    raise Http404("You are not in this pair.")


def meeting_of(pair: Pair) -> Meeting | None:
    """The pair's meeting, if anything has been arranged or logged yet."""
    try:
        return pair.meeting
    except Meeting.DoesNotExist:
        return None


def scheme_pairs(scheme: Scheme) -> list[Pair]:
    """Every pair of the scheme's published allocation with its meeting, and whether and
    since when each person still takes part (``Pair.objects.with_stopped``), mentor first
    by name. Empty when nothing is published. One query whatever the size."""
    return list(
        _published_pairs()
        .with_stopped()
        .filter(allocation__scheme=scheme)
        .order_by("mentor__user__full_name", "pk")
    )


def held_meetings(scheme: Scheme) -> list[Meeting]:
    """Sessions of the scheme's published pairs that were logged as held, oldest first."""
    return list(
        Meeting.objects.filter(
            pair__allocation__scheme=scheme,
            pair__allocation__status=Allocation.Status.PUBLISHED,
            held=True,
        )
        .select_related("pair__mentor__scheme", "pair__mentee__scheme")
        .order_by("starts_at", "logged_at", "pk")
    )


def mentee_session_held(user: User, mentee: Participant) -> bool:
    """Whether ``user`` is this mentee, still taking part, and a session of theirs was
    logged as held, in a scheme that releases documents to mentees (a
    ``DOCUMENT_RELEASES`` rule). Once they stop taking part (consent withdrawn, or
    withdrawn by the lead) it is theirs through a subject access request, not this page
    (docs/data-protection.md)."""
    if mentee.user_id != user.pk or mentee.status != ParticipantStatus.ACTIVE:
        return False
    if not mentee.scheme.release_documents_to_mentees:
        return False
    return Meeting.objects.filter(
        taking_part("pair__mentee"),
        pair__mentee=mentee,
        pair__allocation__status=Allocation.Status.PUBLISHED,
        held=True,
    ).exists()


class ConsentState(StrEnum):
    """Where a participant's consent to take part stands."""

    CURRENT = "current"  # agreed to take part, not withdrawn
    WITHDRAWN = "withdrawn"  # gave consent and withdrew it, with none current
    NONE = "none"  # never agreed to take part


def consent_states(participants: list[Participant]) -> dict[int, ConsentState]:
    """Each participant's :class:`ConsentState`, by primary key, in one query.

    "Taking part" is worked out as everywhere else (``Participant.objects.with_consent``):
    a current consent that agrees to take part. A current consent that declines counts as
    withdrawn when an earlier one was withdrawn, and as none otherwise.
    """
    found = (
        Participant.objects.filter(pk__in=[p.pk for p in participants])
        .with_consent()
        .with_consent_withdrawn()
        .only("pk")
    )
    states = {}
    for person in found:
        if getattr(person, "has_consent", False):
            states[person.pk] = ConsentState.CURRENT
        elif getattr(person, "consent_withdrawn", False):
            states[person.pk] = ConsentState.WITHDRAWN
        else:
            states[person.pk] = ConsentState.NONE
    return states

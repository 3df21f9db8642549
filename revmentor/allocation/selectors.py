"""Reads about allocations."""

from __future__ import annotations

from django.http import Http404

from revmentor.allocation.models import Allocation, Pair
from revmentor.allocator.problem import REASON_TEXT, Reason
from revmentor.core.models import User
from revmentor.schemes.models import Participant, ParticipantStatus, Scheme, taking_part


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
    """The allocation's pairs, mentors by name, with their people and whether and since
    when each still takes part (``Pair.objects.with_stopped``). One query."""
    return list(
        Pair.objects.filter(allocation=allocation)
        .with_stopped()
        .select_related("mentor__user", "mentee__user", "mentor__supervisor")
        .order_by("mentor__user__full_name", "pk")
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


def left_unmatched(people: list[Participant]) -> set[int]:
    """The primary keys of those of ``people`` whom the published allocation of their
    scheme left unmatched while they took part: as :func:`unmatched_to_tell`, those it
    left out because they had withdrawn are not among them. Reads only the records'
    ``unmatched`` lists, in one query (none for no people)."""
    if not people:
        return set()
    lists = Allocation.objects.filter(
        scheme_id__in={p.scheme_id for p in people}, status=Allocation.Status.PUBLISHED
    ).values_list("record__unmatched", flat=True)
    ids = {
        int(row["participant_id"][1:])
        for rows in lists
        for row in rows or []
        if row["reason"] != Reason.WITHDRAWN
    }
    return {p.pk for p in people if p.pk in ids}


def unmatched_to_tell(allocation: Allocation) -> list[Participant]:
    """The people the allocation left unmatched who are still taking part, to tell them.

    Those it left out because they had withdrawn are not told, nor anyone who has since
    withdrawn or withdrawn their consent: they have left, and are not written to about
    it. Each with ``has_consent`` and their user; by pk. One query.
    """
    ids = [
        int(row["participant_id"][1:])
        for row in allocation.record.get("unmatched", [])
        if row["reason"] != Reason.WITHDRAWN
    ]
    found = (
        Participant.objects.filter(pk__in=ids, status=ParticipantStatus.ACTIVE)
        .with_consent()
        .select_related("user")
        .order_by("pk")
    )
    return [p for p in found if p.has_consent]  # type: ignore[attr-defined]


def left_out_without_consent(allocation: Allocation) -> int | None:
    """How many people taking part now the allocation did not consider at all.

    It considers only the people with consent standing when it is drawn
    (``services.problem_for``): anyone else of the scheme who is active now (not
    withdrawn, not erased) had not consented, or had withdrawn their consent, or was
    added later. Shown beside "Left unmatched" so the page accounts for everyone. None
    for a record without its inputs (imported from a study data folder with its pairs
    only), which cannot say whom it considered. One query.
    """
    inputs = allocation.record.get("inputs")
    if not isinstance(inputs, dict):
        return None
    considered = {int(key[1:]) for key in [*inputs["mentors"], *inputs["mentees"]]}
    active = Participant.objects.filter(
        scheme_id=allocation.scheme_id, status=ParticipantStatus.ACTIVE, erased_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(1 for pk in active if pk not in considered)


def stopped_since_drawn(allocation: Allocation) -> list[Participant]:
    """People paired by ``allocation`` who no longer take part (withdrawn, or consent
    withdrawn since it was drawn), with their users, by name. One query.

    A draft that pairs them must not be published: it would tell them, and their
    partner, to meet.
    """
    pairs = list(
        Pair.objects.filter(allocation=allocation)
        .with_taking_part()
        .select_related("mentor__user", "mentee__user")
    )
    people = [
        person
        for pair in pairs
        for person in (pair.mentor, pair.mentee)
        if not pair.takes_part(person.pk)
    ]
    return sorted(people, key=lambda person: (person.user.full_name, person.pk))


def delivers_document(user: User, mentee: Participant) -> bool:
    """Whether the user is the mentor allocated (and published) to this mentee, and both
    still take part (docs/data-protection.md, "Who can see it").

    A mentee who stops taking part, whether they withdrew their consent or the lead
    withdrew them, takes their document with them: there is no session to prepare for.
    A mentor who stops has no session to deliver. One query.
    """
    return (
        Pair.objects.published()
        .filter(taking_part("mentor"), taking_part("mentee"), mentee=mentee, mentor__user=user)
        .exists()
    )


def guard_phase_2(scheme: Scheme) -> str | None:
    if published(scheme) is None:
        return "Publish the allocation before phase 2 starts."
    return None

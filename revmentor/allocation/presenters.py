"""Allocation on the dashboard and in Your tasks."""

from __future__ import annotations

from django.urls import reverse

from revmentor.allocation.models import Allocation, Pair
from revmentor.schemes.models import Participant, Phase, Scheme
from revmentor.schemes.presenters import TaskRow


def taking_part(participant: Participant) -> bool:
    """Whether a participation (with ``has_consent``) still takes part."""
    return participant.is_active and bool(getattr(participant, "has_consent", False))


def name_of(participant: Participant) -> str:
    return participant.user.full_name or participant.user.email


def partner_left_row(other: Participant) -> TaskRow:
    """The row that replaces a pair's tasks once the other person stops taking part.

    It says that they no longer take part and never why: whether they withdrew their
    consent or the lead withdrew them is theirs to tell. Nothing is left to do, so it
    links nowhere.
    """
    name = name_of(other)
    return TaskRow(
        f"Your one-to-one session with {name}",
        "",
        "Will not go ahead",
        "grey",
        hint=f"{name} is no longer taking part in the scheme, so the session will not go "
        "ahead. There is nothing you need to do.",
    )


def pairing_rows(participations: list[Participant]) -> dict[int, list[TaskRow]]:
    """A mentor in a published pair gets the group's feedback to prepare from.

    When the other person of a published pair no longer takes part, the feedback goes
    (the release rule, ``selectors.delivers_document``, refuses it too) and, until phase
    2, either person is told the session will not go ahead; from phase 2 the session's
    own row says so (``meetings.presenters.session_rows``, which knows whether it was
    already held). One query, however many participations.
    """
    active = [p for p in participations if taking_part(p)]
    if not active:
        return {}
    by_pk = {p.pk: p for p in active}
    pairs = Pair.objects.published_for(active).with_document_approved()
    rows: dict[int, list[TaskRow]] = {}
    for pair in pairs:
        for me in (pair.mentor, pair.mentee):
            participant = by_pk.get(me.pk)
            if participant is None:
                continue
            other = pair.other(me.pk)
            if not pair.takes_part(other.pk):
                if not participant.scheme.has_reached(Phase.PHASE_2):
                    rows.setdefault(me.pk, []).append(partner_left_row(other))
            elif me.pk == pair.mentor_id:
                title = f"Read the group's feedback for {name_of(other)}"
                if not pair.document_approved:  # type: ignore[attr-defined]
                    hint = "The programme lead has not approved it yet: it opens here then."
                    rows.setdefault(me.pk, []).append(
                        TaskRow(title, "", "Not ready yet", "grey", hint=hint)
                    )
                    continue
                href = reverse("released_document", args=[other.scheme_id, other.pk])
                rows.setdefault(me.pk, []).append(TaskRow(title, href, "Ready", "green"))
    return rows


def allocation_counts(scheme: Scheme) -> list[tuple[str, int]]:
    allocation = (
        Allocation.objects.filter(scheme=scheme)
        .exclude(status=Allocation.Status.DISCARDED)
        .order_by("-number")
        .first()
    )
    if allocation is None:
        return []
    label = (
        "pairs published"
        if allocation.status == Allocation.Status.PUBLISHED
        else "pairs in the draft"
    )
    return [
        (label, allocation.pairs.count()),
        ("left unmatched", len(allocation.record.get("unmatched", []))),
    ]

"""Allocation on the dashboard and in Your tasks."""

from __future__ import annotations

from django.urls import reverse

from revmentor.allocation.models import Allocation, Pair
from revmentor.schemes.models import Participant, Scheme
from revmentor.schemes.presenters import TaskRow


def pairing_rows(participations: list[Participant]) -> dict[int, list[TaskRow]]:
    """A mentor in a published pair gets the group's feedback to prepare from."""
    active = [p for p in participations if p.is_active and getattr(p, "has_consent", False)]
    pairs = Pair.objects.filter(
        allocation__status=Allocation.Status.PUBLISHED, mentor__in=active
    ).select_related("mentee__user")
    rows: dict[int, list[TaskRow]] = {}
    for pair in pairs:
        href = reverse("released_document", args=[pair.mentee.scheme_id, pair.mentee_id])
        rows.setdefault(pair.mentor_id, []).append(
            TaskRow(
                f"Read the group's feedback for {pair.mentee.user.full_name}",
                href,
                "Ready",
                "green",
            )
        )
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

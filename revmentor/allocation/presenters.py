"""Allocation on its page, on the dashboard and in Your tasks."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse

from revmentor.allocation.models import Allocation, Pair, ended
from revmentor.allocation.selectors import left_unmatched
from revmentor.schemes.models import Participant, Phase, Scheme
from revmentor.schemes.presenters import TaskRow

#: What someone the published allocation left unmatched is told, after "The pairs ...
#: have been drawn at random.", by email (``tasks.send_unmatched_emails``) and in Your
#: tasks (:func:`not_paired_row`).
NOT_PAIRED = (
    "Not everyone can be paired, and this time you have not been paired with anyone. This "
    "means you will not have a one-to-one session in this scheme, and you will not be "
    "asked the questionnaires before and after the session."
)


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


def not_paired_row() -> TaskRow:
    """The row of someone the published allocation left unmatched: in the email's words
    (``tasks.send_unmatched_emails``) that they have no session and why. Nothing is left
    to do about it, so it links nowhere; their questionnaires keep their own rows."""
    return TaskRow(
        "Your one-to-one session",
        "",
        "Not paired",
        "grey",
        hint=f"The pairs for the one-to-one sessions have been drawn at random. {NOT_PAIRED}",
    )


def _stopped(pair: Pair) -> str:
    """The words "<name> stopped taking part on <date>" for each person of the pair who
    did (both named when both stopped), or "" while both take part. Never how they
    stopped."""
    stopped = []
    for person in (pair.mentor, pair.mentee):
        if pair.takes_part(person.pk):
            continue
        day = pair.stopped_on(person.pk)
        on = f" on {day:%-d %B %Y}" if day is not None else ""
        stopped.append(f"{name_of(person)} stopped taking part{on}")
    return " and ".join(stopped)


def ended_text(pair: Pair) -> str:
    """For the scheme's staff: "Ended: <name> stopped taking part on <date>." for a pair
    that has ended (``Pair.has_ended``: someone stopped before its session was logged),
    or "". Needs ``Pair.objects.with_stopped``; no query."""
    return f"Ended: {_stopped(pair)}." if pair.has_ended else ""


def logged_before_text(pair: Pair) -> str:
    """For the scheme's staff: "Session logged before <name> stopped taking part on
    <date>." for a pair of which someone stopped after its session was logged (so it has
    not ended), or "". Needs ``Pair.objects.with_stopped``; no query."""
    stopped = _stopped(pair)
    return f"Session logged before {stopped}." if stopped and not pair.has_ended else ""


@dataclass(frozen=True)
class PairRow:
    """A pair on the allocation page; ``ended`` says who stopped taking part, and when,
    for a pair that has ended; ``note`` says so of a pair whose session was logged
    before."""

    pair: Pair
    ended: str
    note: str = ""


def pair_rows(pairs: list[Pair]) -> list[PairRow]:
    """The allocation page's rows (pairs from ``selectors.pairs_of``); no query."""
    return [PairRow(pair, ended_text(pair), logged_before_text(pair)) for pair in pairs]


def pairing_rows(participations: list[Participant]) -> dict[int, list[TaskRow]]:
    """A mentor in a published pair gets the group's feedback to prepare from; someone
    the published allocation left unmatched is told so (:func:`not_paired_row`).

    When the other person of a published pair no longer takes part, the feedback goes
    (the release rule, ``selectors.delivers_document``, refuses it too) and, until phase
    2, either person is told the session will not go ahead; from phase 2 the session's
    own row says so (``meetings.presenters.session_rows``, which knows whether it was
    already held). One query, however many participations, and one more when someone
    taking part is in no published pair of a scheme past its allocation's draw.
    """
    active = [p for p in participations if taking_part(p)]
    if not active:
        return {}
    by_pk = {p.pk: p for p in active}
    pairs = Pair.objects.published_for(active).with_document_approved()
    rows: dict[int, list[TaskRow]] = {}
    paired: set[int] = set()
    for pair in pairs:
        for me in (pair.mentor, pair.mentee):
            participant = by_pk.get(me.pk)
            if participant is None:
                continue
            paired.add(me.pk)
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
    unpaired = [p for p in active if p.pk not in paired and p.scheme.has_reached(Phase.ALLOCATION)]
    if unpaired:
        for pk in left_unmatched(unpaired):
            rows.setdefault(pk, []).append(not_paired_row())
    return rows


def allocation_counts(scheme: Scheme) -> list[tuple[str, int]]:
    """Dashboard counts for the allocation step, in two queries: the pairs of the
    published allocation (or of the latest draft), how many of the published ones have
    ended because someone stopped taking part before their session was logged
    (:func:`~revmentor.allocation.models.ended`; when any have), and who was left
    unmatched."""
    allocation = (
        Allocation.objects.filter(scheme=scheme)
        .exclude(status=Allocation.Status.DISCARDED)
        .order_by("-number")
        .first()
    )
    if allocation is None:
        return []
    published = allocation.status == Allocation.Status.PUBLISHED
    totals = allocation.pairs.aggregate(pairs=Count("pk"), ended=Count("pk", filter=ended()))
    counts = [("pairs published" if published else "pairs in the draft", totals["pairs"])]
    if published and totals["ended"]:
        counts.append(("ended because someone stopped taking part", totals["ended"]))
    counts.append(("left unmatched", len(allocation.record.get("unmatched", []))))
    return counts

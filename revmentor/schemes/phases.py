"""Moving a scheme on through the phases of Figure 1: what stops a move, what is still
unfinished, and what the move will do.

A move cannot be undone, so the lead sees all three before confirming it. Each part of
the method registers its own conditions here when its app is ready, as it registers its
dashboard counts (schemes.presenters): this module knows no other app.

- A *guard* says why the move is not possible at all (no mentors to allocate; the
  allocation not published). Nothing else is shown until it passes.
- A *check* lists what is unfinished in the phase being left (a questionnaire never
  opened, documents not approved). The lead may move on anyway, having seen the list.
- An *effect* says what the move changes for people (who is emailed, what closes).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse

from revmentor.schemes.models import PHASE_ORDER, Participant, Phase, Scheme


@dataclass(frozen=True)
class Unfinished:
    """One thing not done in the phase being left.

    ``key`` names the thing, not its count: "3 of 5 not submitted" and "2 of 5 not
    submitted" are the same key, so a page shown a minute ago still counts as seen.
    """

    key: str
    text: str
    href: str = ""
    link_text: str = ""

    @property
    def headline(self) -> str:
        """The first sentence of ``text``: what the audit trail keeps of it."""
        first, _stop, _rest = self.text.partition(". ")
        return first if first.endswith(".") else first + "."


@dataclass(frozen=True)
class MovePlan:
    """What moving ``scheme`` on to ``to_phase`` means, for the lead to confirm."""

    from_phase: Phase
    to_phase: Phase
    blocker: str
    unfinished: list[Unfinished]
    effects: list[str]

    def unseen(self, seen: Collection[str]) -> list[Unfinished]:
        """The unfinished things whose keys are not in ``seen``."""
        return [item for item in self.unfinished if item.key not in seen]


Guard = Callable[[Scheme], "str | None"]
Check = Callable[[Scheme], list[Unfinished]]
Effect = Callable[[Scheme, Phase], list[str]]

# Keyed by the phase moved into. A guard returns why the move is not allowed, or None.
PHASE_GUARDS: dict[Phase, Guard] = {}
PHASE_CHECKS: dict[Phase, list[Check]] = {}
PHASE_EFFECTS: dict[Phase, list[Effect]] = {}


def register_check(phase: Phase, check: Check) -> None:
    """Add ``check`` to the moves into ``phase`` (once, however often apps load)."""
    checks = PHASE_CHECKS.setdefault(phase, [])
    if check not in checks:
        checks.append(check)


def register_effect(phase: Phase, effect: Effect) -> None:
    """Add ``effect`` to the moves into ``phase`` (once, however often apps load).

    An effect is called with the scheme, still in the phase it leaves, and ``phase``.
    """
    effects = PHASE_EFFECTS.setdefault(phase, [])
    if effect not in effects:
        effects.append(effect)


def next_phase(scheme: Scheme) -> Phase | None:
    """Return the phase after the scheme's current one, or None once it is closed."""
    index = PHASE_ORDER.index(Phase(scheme.phase))
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def plan(scheme: Scheme, to_phase: Phase) -> MovePlan:
    """Run the guard, then the checks and effects of moving ``scheme`` into ``to_phase``.

    A blocked move lists nothing else: what is unfinished matters only once the move
    is possible, and the checks may assume the guard passed.
    """
    from_phase = Phase(scheme.phase)
    guard = PHASE_GUARDS.get(to_phase)
    blocker = (guard(scheme) if guard else None) or ""
    if blocker:
        return MovePlan(from_phase, to_phase, blocker, [], [])
    checks, effects = PHASE_CHECKS.get(to_phase, []), PHASE_EFFECTS.get(to_phase, [])
    unfinished = [item for check in checks for item in check(scheme)]
    changes = [text for effect in effects for text in effect(scheme, to_phase)]
    return MovePlan(from_phase, to_phase, "", unfinished, changes)


# The scheme's own conditions: who is taking part.


def _guard_start_phase_1(scheme: Scheme) -> str | None:
    participants = Participant.objects.filter(scheme=scheme).active()
    if not participants.mentors().exists() or not participants.mentees().exists():
        return "Add at least one active mentor and one active mentee before starting phase 1."
    return None


def _guard_allocation(scheme: Scheme) -> str | None:
    if Participant.objects.filter(scheme=scheme).active().mentors().count() == 0:
        return "There are no active mentors to allocate."
    return None


def _people(count: int) -> str:
    return "1 person has" if count == 1 else f"{count} people have"


def recruitment_unfinished(scheme: Scheme) -> list[Unfinished]:
    """Active people not yet invited, and people invited who have not consented."""
    totals = (
        Participant.objects.filter(scheme=scheme)
        .active()
        .with_consent()
        .aggregate(
            not_invited=Count("pk", filter=Q(invited_at__isnull=True)),
            not_consented=Count("pk", filter=Q(invited_at__isnull=False, has_consent=False)),
        )
    )
    not_invited, not_consented = totals["not_invited"], totals["not_consented"]
    href = reverse("schemes:participants", args=[scheme.pk])
    found = []
    if not_invited:
        found.append(
            Unfinished(
                "not-invited",
                f"{_people(not_invited)} not been invited.",
                href,
                "Invite them from the participants page",
            )
        )
    if not_consented:
        found.append(
            Unfinished(
                "not-consented",
                f"{_people(not_consented)} been invited and not given consent yet. "
                "They are sent no questionnaire until they do.",
                href,
                "See who on the participants page",
            )
        )
    return found


def domains_fixed(scheme: Scheme, to_phase: Phase) -> list[str]:
    return ["The feedback domains are fixed: they can no longer be changed."]


PHASE_GUARDS[Phase.PHASE_1] = _guard_start_phase_1
PHASE_GUARDS[Phase.ALLOCATION] = _guard_allocation
register_check(Phase.PHASE_1, recruitment_unfinished)
register_effect(Phase.PHASE_1, domains_fixed)

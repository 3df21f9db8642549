"""What moving a scheme on to its next phase means for its questionnaires
(registered with schemes.phases when the app is ready)."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse

from revmentor.questionnaires.selectors import Completion, completion_kept
from revmentor.schemes.models import Phase, Scheme
from revmentor.schemes.phases import Unfinished


def _enabled_at(scheme: Scheme, phase: str) -> list[Completion]:
    """Completion of the questionnaires switched on at the stages of ``phase``."""
    kept = completion_kept(scheme)
    return [c for c in kept if c.instrument.enabled and c.instrument.stage.phase == phase]


def _role(c: Completion, plural: bool = True) -> str:
    role: str = c.instrument.get_role_display().lower()
    return f"{role}s" if plural else role


def unfinished_on_leaving(scheme: Scheme) -> list[Unfinished]:
    """The questionnaires of the phase being left that were never opened, or that not
    everyone who should answer has submitted."""
    href = reverse("schemes:questionnaires", args=[scheme.pk])
    found = []
    for c in _enabled_at(scheme, scheme.phase):
        stage, pk = c.instrument.stage, c.instrument.pk
        if not stage.is_open:
            found.append(
                Unfinished(
                    f"questionnaire-not-opened:{pk}",
                    f"The {_role(c, plural=False)} questionnaire “{stage.label}” was never "
                    "opened: nobody has answered it.",
                    href,
                    "Open it on the Questionnaires page",
                )
            )
        elif c.submitted < c.eligible:
            found.append(
                Unfinished(
                    f"questionnaire-not-submitted:{pk}",
                    f"{c.eligible - c.submitted} of {c.eligible} {_role(c)} have not submitted "
                    f"the questionnaire “{stage.label}”. They can still answer it after you "
                    "move on.",
                    href,
                    "See who on the Questionnaires page",
                )
            )
    return found


def opening_on_arrival(scheme: Scheme, to_phase: Phase) -> list[str]:
    """The questionnaires that open with ``to_phase``, and how many people are emailed."""
    by_stage: dict[str, list[Completion]] = defaultdict(list)
    for c in _enabled_at(scheme, to_phase):
        stage = c.instrument.stage
        if stage.opens_with_phase and not stage.is_open:
            by_stage[stage.label].append(c)
    effects = []
    for label, rows in by_stage.items():
        told = " and ".join(
            f"{c.eligible} {_role(c, plural=c.eligible != 1)}" for c in rows if c.eligible
        )
        one = sum(c.eligible for c in rows) == 1
        effects.append(
            f"The questionnaires “{label}” open, and the {told} who should answer "
            f"{'is' if one else 'are'} emailed that theirs is ready."
            if told
            else f"The questionnaires “{label}” open. Nobody is emailed: nobody should "
            "answer them yet (people are asked once they have consented)."
        )
    return effects

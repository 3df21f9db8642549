from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import AppConfig
from django.urls import reverse
from django.utils.html import format_html


class QuestionnairesConfig(AppConfig):
    name = "revmentor.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaires"

    def ready(self) -> None:
        from revmentor.questionnaires import (
            moves,
            receivers,  # noqa: F401  (connects signals)
        )
        from revmentor.questionnaires.presenters import questionnaire_rows
        from revmentor.schemes.models import PHASE_ORDER
        from revmentor.schemes.phases import register_check, register_effect
        from revmentor.schemes.presenters import STAGE_COUNTERS, STAGE_WAITING, TASK_PROVIDERS

        if questionnaire_rows not in TASK_PROVIDERS:
            TASK_PROVIDERS.append(questionnaire_rows)
        STAGE_COUNTERS.update(completion_counters())
        STAGE_WAITING.update(opening_waits())
        for phase in PHASE_ORDER[1:]:
            register_check(phase, moves.unfinished_on_leaving)
            register_effect(phase, moves.opening_on_arrival)


# The questionnaire steps of Figure 1 and their stages' time points.
STEPS = {
    "mentor_pre": "pre_phase1",
    "mentor_post_phase_1": "post_phase1",
    "pre_session": "pre_session",
    "post_session": "post_session",
}
# What the lead does to open a step's questionnaires, for the dashboard ({}: the link).
TO_OPEN = {
    "mentor_post_phase_1": "Open it on the {} after the group interview.",
    "post_session": "Open them on the {} once the sessions have been held.",
}


def _completion(scheme: Any) -> list[Any]:
    from revmentor.questionnaires.selectors import completion_kept

    return completion_kept(scheme)


def completion_counters() -> dict[str, Callable[[Any], list[tuple[str, int]]]]:
    """Dashboard counters for the questionnaire steps of Figure 1."""

    def counter(timepoint: str) -> Callable[[Any], list[tuple[str, int]]]:
        def count(scheme: Any) -> list[tuple[str, int]]:
            from revmentor.schemes.presenters import of_whole

            rows = [c for c in _completion(scheme) if c.instrument.stage.timepoint == timepoint]
            return [
                of_whole(
                    c.submitted,
                    c.eligible,
                    f"{c.instrument.get_role_display().lower()}s submitted",
                    one=f"{c.instrument.get_role_display().lower()} submitted",
                )
                for c in rows
                if c.instrument.enabled and c.instrument.stage.is_open
            ]

        return count

    return {step: counter(timepoint) for step, timepoint in STEPS.items()}


def opening_waits() -> dict[str, Callable[[Any], str]]:
    """For each questionnaire step: what opens it, while none of its questionnaires is open."""

    def waiting(step: str) -> Callable[[Any], str]:
        def note(scheme: Any) -> str:
            stages = [
                c.instrument.stage
                for c in _completion(scheme)
                if c.instrument.stage.timepoint == STEPS[step]
            ]
            if any(stage.is_open for stage in stages):
                return ""
            if scheme.phase == "closed":  # nothing opens any more (phase moves refuse it)
                return "Never opened: the scheme is closed."
            link = format_html(
                '<a href="{}">Questionnaires page</a>',
                reverse("schemes:questionnaires", args=[scheme.pk]),
            )
            return format_html("Not open yet. " + TO_OPEN.get(step, "Open it on the {}."), link)

        return note

    return {step: waiting(step) for step in STEPS}

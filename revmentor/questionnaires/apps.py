from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "revmentor.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaires"

    def ready(self) -> None:
        from revmentor.questionnaires import receivers  # noqa: F401  (connects signals)
        from revmentor.questionnaires.presenters import questionnaire_rows
        from revmentor.schemes.presenters import STAGE_COUNTERS, TASK_PROVIDERS

        if questionnaire_rows not in TASK_PROVIDERS:
            TASK_PROVIDERS.append(questionnaire_rows)
        STAGE_COUNTERS.update(completion_counters())


def completion_counters() -> dict[str, Callable[[Any], list[tuple[str, int]]]]:
    """Dashboard counters for the questionnaire steps of Figure 1."""
    from revmentor.questionnaires.selectors import completion

    def counter(timepoints: set[str]) -> Callable[[Any], list[tuple[str, int]]]:
        def count(scheme: Any) -> list[tuple[str, int]]:
            # One completion query pair serves every step of the dashboard.
            if "_completion" not in scheme.__dict__:
                scheme.__dict__["_completion"] = completion(scheme)
            every = scheme.__dict__["_completion"]
            rows = [c for c in every if c.instrument.stage.timepoint in timepoints]
            return [
                (
                    f"of {c.eligible} {c.instrument.get_role_display().lower()}s submitted",
                    c.submitted,
                )
                for c in rows
                if c.instrument.enabled and c.instrument.stage.is_open
            ]

        return count

    return {
        "mentor_pre": counter({"pre_phase1"}),
        "mentor_post_phase_1": counter({"post_phase1"}),
        "pre_session": counter({"pre_session"}),
        "post_session": counter({"post_session"}),
    }

from __future__ import annotations

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "revmentor.feedback"
    label = "feedback"
    verbose_name = "Phase 1: group interview, feedback documents, willingness"

    def ready(self) -> None:
        from revmentor.feedback import presenters
        from revmentor.schemes.presenters import STAGE_COUNTERS, TASK_PROVIDERS

        if presenters.mentor_rows not in TASK_PROVIDERS:
            TASK_PROVIDERS.append(presenters.mentor_rows)
        STAGE_COUNTERS["group_interview"] = presenters.interview_counts

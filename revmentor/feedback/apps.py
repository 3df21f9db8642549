from __future__ import annotations

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "revmentor.feedback"
    label = "feedback"
    verbose_name = "Phase 1: group interview, feedback documents, willingness"

    def ready(self) -> None:
        from revmentor.feedback import moves, presenters
        from revmentor.schemes.models import Phase
        from revmentor.schemes.phases import register_check, register_effect
        from revmentor.schemes.presenters import STAGE_COUNTERS, TASK_PROVIDERS

        if presenters.mentor_rows not in TASK_PROVIDERS:
            TASK_PROVIDERS.append(presenters.mentor_rows)
        STAGE_COUNTERS["group_interview"] = presenters.interview_counts
        register_check(Phase.ALLOCATION, moves.unfinished_documents)
        register_check(Phase.ALLOCATION, moves.unfinished_willingness)
        register_check(Phase.PHASE_2, moves.unfinished_documents)
        register_check(Phase.ALLOCATION, moves.documents_naming_mentors)
        register_check(Phase.PHASE_2, moves.documents_naming_mentors)
        register_effect(Phase.ALLOCATION, moves.own_feedback_closes)
        register_effect(Phase.PHASE_2, moves.willingness_closes)

from __future__ import annotations

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """Phase 2 sessions: each published pair arranges, holds in confidence and logs one."""

    name = "revmentor.meetings"
    label = "meetings"
    verbose_name = "Phase 2: one-to-one sessions"

    def ready(self) -> None:
        from revmentor.feedback.selectors import DOCUMENT_RELEASES
        from revmentor.meetings import (
            moves,
            presenters,
            receivers,  # noqa: F401  (connects signals)
            selectors,
        )
        from revmentor.schemes.models import Phase
        from revmentor.schemes.phases import register_check, register_effect
        from revmentor.schemes.presenters import STAGE_COUNTERS, TASK_PROVIDERS

        if presenters.session_rows not in TASK_PROVIDERS:
            TASK_PROVIDERS.append(presenters.session_rows)
        STAGE_COUNTERS["sessions"] = presenters.session_counts
        if selectors.mentee_session_held not in DOCUMENT_RELEASES:
            DOCUMENT_RELEASES.append(selectors.mentee_session_held)
        register_check(Phase.ANALYSIS, moves.unfinished_sessions)
        register_check(Phase.CLOSED, moves.unfinished_sessions)
        register_effect(Phase.PHASE_2, moves.arranging_opens)
        register_effect(Phase.ANALYSIS, moves.arranging_closes)
        register_effect(Phase.CLOSED, moves.logging_closes)

from __future__ import annotations

from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "revmentor.allocation"
    label = "allocation"
    verbose_name = "Phase 2: allocation"

    def ready(self) -> None:
        from revmentor.allocation import presenters, selectors
        from revmentor.feedback.selectors import DOCUMENT_RELEASES
        from revmentor.schemes.models import Phase
        from revmentor.schemes.phases import PHASE_GUARDS
        from revmentor.schemes.presenters import STAGE_COUNTERS, TASK_PROVIDERS

        if selectors.delivers_document not in DOCUMENT_RELEASES:
            DOCUMENT_RELEASES.append(selectors.delivers_document)
        if presenters.pairing_rows not in TASK_PROVIDERS:
            TASK_PROVIDERS.append(presenters.pairing_rows)
        STAGE_COUNTERS["allocation"] = presenters.allocation_counts
        PHASE_GUARDS[Phase.PHASE_2] = selectors.guard_phase_2

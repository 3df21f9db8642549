from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "revmentor.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from revmentor.core import (
            checks,  # noqa: F401 (registers the deploy checks)
            signals,  # noqa: F401 (records sign-ins)
        )

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
        from revmentor.core.admin_audit import audit_every_admin

        # The admin has found every registration (its app comes first): audit them all.
        audit_every_admin()

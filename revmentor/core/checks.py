"""Deployment checks of our own, run by ``manage check --deploy`` beside Django's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def two_step_verification_required(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Warn when leads and site admins may sign in without an authenticator app."""
    if getattr(settings, "REVMENTOR_REQUIRE_MFA", False):
        return []
    return [
        Warning(
            "REVMENTOR_REQUIRE_MFA is off: leads and site admins can sign in without "
            "an authenticator app.",
            hint="Unset REVMENTOR_REQUIRE_MFA (it is on by default) or set it to true.",
            id="revmentor.W001",
        )
    ]

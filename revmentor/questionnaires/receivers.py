"""How questionnaires follow the scheme: default stages on creation, opening with phases."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from revmentor.questionnaires import services
from revmentor.schemes.models import Phase, Scheme
from revmentor.schemes.signals import phase_changed


@receiver(post_save, sender=Scheme, dispatch_uid="questionnaires-scheme-created")
def scheme_created(sender: type[Scheme], instance: Scheme, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        services.stages_create_defaults(scheme=instance)


@receiver(phase_changed, dispatch_uid="questionnaires-phase-changed")
def phase_moved(
    sender: type[Scheme], scheme: Scheme, phase: Phase, actor: Any, **kwargs: Any
) -> None:
    services.stages_open_with_phase(actor=actor, scheme=scheme, phase=phase)

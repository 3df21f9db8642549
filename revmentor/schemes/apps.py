from __future__ import annotations

from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "revmentor.schemes"
    label = "schemes"
    verbose_name = "Schemes and participants"

"""App configuration of the coding workspace."""

from __future__ import annotations

from django.apps import AppConfig


class CodingConfig(AppConfig):
    """Content analysis of free-text answers: codebook, double coding, agreement."""

    name = "revmentor.coding"
    label = "coding"
    verbose_name = "Content analysis: coding free-text answers"

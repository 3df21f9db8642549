"""App configuration of the research room."""

from __future__ import annotations

from django.apps import AppConfig


class ResearchConfig(AppConfig):
    """The research room: results page and study data folder export."""

    name = "revmentor.research"
    label = "research"
    verbose_name = "Research results and exports"

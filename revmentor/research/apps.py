"""App configuration of the research room."""

from __future__ import annotations

from django.apps import AppConfig


class ResearchConfig(AppConfig):
    """The research room: results page and study data folder export."""

    name = "revmentor.research"
    label = "research"
    verbose_name = "Research results and exports"

    def ready(self) -> None:
        # Charts drawn by any process of the site, shared through its cache.
        from revmentor.analysis import charts
        from revmentor.research.chart_cache import STORE

        charts.share_charts(STORE)

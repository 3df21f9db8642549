"""The analysis charts shared through Django's cache by every process of the web app.

Each process keeps the charts it drew (``analysis.charts``), but a site runs several:
gunicorn's workers, and the task worker that makes report PDFs. Without sharing, each
drew the same charts again, and a scheme's Results page was slow once per worker after
its answers changed. Every app server reaches the same cache (Redis, or the database
without it), so a chart drawn by any of them, or by the report task, is drawn once.

The cache is ``caches["charts"]``, apart from the default cache so that culling charts
never pushes out a sign-in rate limit. A chart is pseudonymised study data (no research
ID, no name), kept a day. A cache that cannot be reached is not an error: the chart is
drawn, as without sharing, and the failure is logged.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import caches

logger = logging.getLogger(__name__)

#: How long a shared chart is kept.
KEEP_FOR = timedelta(days=1)
PREFIX = "chart:"


class CacheChartStore:
    """``analysis.charts.ChartStore`` over Django's default cache."""

    def get(self, name: str) -> str | None:
        try:
            found = caches["charts"].get(PREFIX + name)
        except Exception:  # the chart is drawn instead
            logger.warning("Could not read a chart from the cache", exc_info=True)
            return None
        return found if isinstance(found, str) else None

    def set(self, name: str, svg: str) -> None:
        try:
            caches["charts"].set(PREFIX + name, svg, timeout=int(KEEP_FOR.total_seconds()))
        except Exception:  # kept in this process all the same
            logger.warning("Could not put a chart in the cache", exc_info=True)

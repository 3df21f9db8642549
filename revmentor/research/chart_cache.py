"""The analysis charts shared through Django's cache by every process of the web app.

Each process keeps the charts it drew (``analysis.charts``), but a site runs several:
gunicorn's workers, and the task worker that makes report PDFs. Without sharing, each
drew the same charts again, and a scheme's Results page was slow once per worker after
its answers changed. Every app server reaches the same cache (Redis, or the database
without it), so a chart drawn by any of them, or by the report task, is drawn once.

The cache is ``caches["charts"]``, apart from the default cache so that culling charts
never pushes out a sign-in rate limit. A chart is pseudonymised study data (no research
ID, no name), kept a day. A cache that cannot be reached is not an error: the chart is
drawn, as without sharing, and the failure is logged; for a minute after, pages draw
their charts themselves rather than wait for charts the cache cannot bring them.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.core.cache import caches

logger = logging.getLogger(__name__)

#: How long a shared chart is kept.
KEEP_FOR = timedelta(days=1)
PREFIX = "chart:"
#: After the cache failed, how long pages draw their charts themselves (seconds).
DRAW_HERE_AFTER_FAILURE = 60.0


class CacheChartStore:
    """``analysis.charts.ChartStore`` over Django's "charts" cache."""

    def __init__(self) -> None:
        self.failed_at: float | None = None

    def get(self, name: str) -> str | None:
        try:
            found = caches["charts"].get(PREFIX + name)
        except Exception:  # the chart is drawn instead
            self.failed("Could not read a chart from the cache")
            return None
        return found if isinstance(found, str) else None

    def set(self, name: str, svg: str) -> None:
        try:
            caches["charts"].set(PREFIX + name, svg, timeout=int(KEEP_FOR.total_seconds()))
        except Exception:  # kept in this process all the same
            self.failed("Could not put a chart in the cache")

    def failed(self, what: str) -> None:
        """Note that the cache failed now (pages draw their own charts for a while); log it."""
        self.failed_at = time.monotonic()
        logger.warning(what, exc_info=True)

    def working(self) -> bool:
        """Whether charts drawn elsewhere can reach this process: no failure of late."""
        return self.failed_at is None or time.monotonic() - self.failed_at > DRAW_HERE_AFTER_FAILURE


#: The store this process shares its charts through (set up by the app's ``ready``).
STORE = CacheChartStore()

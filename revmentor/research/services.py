"""Writes of the research room: asking for the report PDF, and downloading it (audited);
asking for the Results page's charts to be drawn.

The report is made by :func:`revmentor.research.tasks.make_report` and the charts drawn
by :func:`revmentor.research.tasks.draw_charts` in the background (ADR 16); these
functions queue them and hand over what was made.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum

from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from revmentor.analysis.quartiles import METHODS, QuartileMethod
from revmentor.core.models import User
from revmentor.research import chart_cache, formats
from revmentor.research.models import KEEP_FOR, OVERDUE_AFTER, Report
from revmentor.research.tasks import draw_charts, make_report
from revmentor.schemes.models import Scheme

logger = logging.getLogger(__name__)


def reports_expired_delete() -> int:
    """Delete every made report older than ``KEEP_FOR``; return how many were deleted."""
    deleted, _ = Report.objects.filter(finished_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted


@transaction.atomic
def report_request(*, actor: User, scheme: Scheme, quartiles: QuartileMethod) -> Report:
    """Ask for the scheme's report PDF with ``quartiles``; return the report asked for.

    A report of the same quartiles that is still on its way (and not overdue) is returned
    as it is, so a second click does not make it twice; otherwise the scheme's report is
    replaced by a new one, queued once this transaction commits. The scheme row is locked,
    so two people asking at once get one report. Raises ValueError for an unknown method.
    """
    if quartiles not in METHODS:
        raise ValueError(f"unknown quartile method {quartiles!r}; use one of {METHODS}")
    locked = Scheme.objects.select_for_update().get(pk=scheme.pk)
    now = timezone.now()
    current = Report.objects.filter(scheme=locked).first()
    if (
        current is not None
        and current.in_progress
        and current.quartiles == quartiles
        and not current.overdue(now)
    ):
        return current
    reports_expired_delete()
    Report.objects.filter(scheme=locked).delete()
    report = Report.objects.create(
        scheme=locked, quartiles=quartiles, requested_at=now, requested_by=actor
    )
    make_report.enqueue(report.pk)
    return report


@transaction.atomic
def report_download(*, actor: User, report: Report) -> bytes:
    """Return the made PDF of ``report``, recording the export in the audit trail.

    The caller has checked that ``report`` is ready and that ``actor`` may export the
    scheme's research data.
    """
    formats.record_export(actor, report.scheme, "the analysis report (.pdf)")
    return bytes(report.content)


def _drawing_key(scheme_ids: Sequence[int], quartiles: str) -> str:
    return f"drawing:{','.join(str(pk) for pk in sorted(scheme_ids))}:{quartiles}"


class Drawing(StrEnum):
    """Where the drawing of a scheme's charts stands, as :func:`charts_draw_request` finds it."""

    DRAWN = "drawn"  # queued now and run at once (no worker): drawn already
    QUEUED = "queued"  # queued now, for the worker
    WAITING = "waiting"  # queued a little while ago: the worker will get to it
    LATE = "late"  # queued over CHARTS_LATE_AFTER ago and not done: draw them here


#: A drawing queued longer ago than this and not done is late (a busy or stopped worker).
CHARTS_LATE_AFTER = timedelta(minutes=2)


def charts_draw_request(*, schemes: Sequence[Scheme], quartiles: QuartileMethod) -> Drawing:
    """Queue drawing the Results charts of one scheme (or Pooled results of several),
    unless a drawing is queued already; say where it stands.

    A note in the charts cache of when it was queued (deleted when the drawing is done,
    or after ten minutes) keeps a page opened again and again, by one person or
    several, from queueing more; a drawing queued over ``CHARTS_LATE_AFTER`` ago is late,
    and the page should draw the charts itself rather than wait on.
    """
    ids = sorted(scheme.pk for scheme in schemes)
    key, now = _drawing_key(ids, quartiles), time.time()
    try:
        first = caches["charts"].add(key, now, timeout=int(OVERDUE_AFTER.total_seconds()))
        queued_at = now if first else caches["charts"].get(key, now)
    except Exception:
        chart_cache.STORE.failed("Could not note a drawing in the charts cache")
        return Drawing.LATE  # the page cannot count on the cache: it draws them
    if first:
        result = draw_charts.enqueue(ids, quartiles)
        return Drawing.DRAWN if result.is_finished else Drawing.QUEUED
    if now - float(queued_at) > CHARTS_LATE_AFTER.total_seconds():
        logger.warning(
            "The charts of schemes %s were queued %.0f s ago and are not drawn: drawn by "
            "the page instead (is the task worker running?)",
            ids,
            now - float(queued_at),
        )
        return Drawing.LATE
    return Drawing.WAITING


def drawing_done(scheme_ids: Sequence[int], quartiles: str) -> None:
    """Let the next page that lacks these schemes' charts queue a drawing again."""
    try:
        caches["charts"].delete(_drawing_key(scheme_ids, quartiles))
    except Exception:  # it expires by itself
        logger.warning("Could not clear a drawing's note in the cache", exc_info=True)

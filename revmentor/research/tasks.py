"""Work of the research room in the background (ADR 16): making the scheme's report PDF,
and drawing the charts its Results page lacks."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def make_report(report_id: int) -> bool:
    """Make the PDF of the report ``report_id``; return whether it was made.

    Claims the report first (waiting → being made), so a task run twice makes it once;
    a report replaced or deleted since it was asked for is skipped, and one replaced
    while being made is not written. The PDF is laid out outside any transaction: it
    can take a minute. A failure is logged with its traceback and shown as failed.
    """
    from revmentor.analysis.quartiles import QuartileMethod
    from revmentor.research import formats
    from revmentor.research.models import Report

    with transaction.atomic():
        report = (
            Report.objects.select_for_update()
            .select_related("scheme")
            .filter(pk=report_id, status=Report.Status.WAITING)
            .first()
        )
        if report is None:
            return False
        report.status = Report.Status.MAKING
        report.started_at = timezone.now()
        report.save(update_fields=["status", "started_at"])
    mine = Report.objects.filter(pk=report_id, status=Report.Status.MAKING)
    quartiles: QuartileMethod = report.quartiles  # type: ignore[assignment]  # checked when asked
    try:
        content = formats.report_pdf(scheme=report.scheme, quartiles=quartiles)
    except Exception:
        logger.exception("The report PDF of scheme %s could not be made", report.scheme_id)
        mine.update(status=Report.Status.FAILED, finished_at=timezone.now())
        return False
    written = mine.update(
        status=Report.Status.READY, finished_at=timezone.now(), content=content, size=len(content)
    )
    return written == 1


@task()
def draw_charts(scheme_ids: list[int], quartiles: str) -> bool:
    """Draw the Results charts of one scheme, or the Pooled results charts of several,
    into the shared store; return whether there were answers to draw. The page shows
    them once drawn (ADR 16)."""
    from revmentor.analysis.quartiles import QuartileMethod
    from revmentor.analysis.report import render_html
    from revmentor.research import selectors
    from revmentor.research.pooling import PoolingError
    from revmentor.research.services import drawing_done
    from revmentor.schemes.models import Scheme

    method: QuartileMethod = quartiles  # type: ignore[assignment]  # checked when queued
    try:
        schemes = list(Scheme.objects.filter(pk__in=scheme_ids).order_by("pk"))
        if not schemes or len(schemes) != len(set(scheme_ids)):
            return False  # a scheme deleted since
        try:
            found = (
                selectors.analysed(schemes[0], method)
                if len(schemes) == 1
                else selectors.pooled_analysed(schemes, method)
            )
        except PoolingError:  # no longer poolable: the page says why
            return False
        if found.results is None or found.study is None:
            return False
        render_html(found.results, found.study)  # draws what the shared store lacks
        return True
    finally:
        drawing_done(scheme_ids, quartiles)

"""Scheduled work for data protection: applying each scheme's retention date."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django_tasks import default_task_backend, task

if TYPE_CHECKING:
    from revmentor.schemes.models import Scheme

logger = logging.getLogger(__name__)


@task()
def apply_scheme_retention(scheme_id: int) -> bool:
    """Apply the scheme's retention date if it has passed; return whether it changed
    anything. A date moved later since the task was queued leaves the scheme alone (a
    new task was queued for the new date); a scheme deleted since is skipped."""
    from revmentor.privacy import retention
    from revmentor.schemes.models import Scheme

    scheme = Scheme.objects.filter(pk=scheme_id).first()
    if scheme is None:
        return False
    return retention.scheme_retention_apply(scheme=scheme).changed


@task()
def apply_due_retention() -> int:
    """Apply every scheme's passed retention date (the daily sweep that catches any
    queued task that was lost); return how many schemes changed."""
    from revmentor.privacy import retention

    return len(retention.apply_due_retention())


def schedule_retention(scheme: Scheme) -> bool:
    """Queue :func:`apply_scheme_retention` for the start of the day after the scheme's
    retention date; return whether a task was queued.

    Nothing is queued without a date, or when the task backend cannot defer tasks (the
    immediate backend of tests and local use): the sweep and the command still apply it.
    """
    if scheme.retention_date is None:
        return False
    if not default_task_backend.supports_defer:
        logger.warning("The task backend cannot defer tasks: no retention queued for %s", scheme)
        return False
    when = timezone.make_aware(
        datetime.combine(scheme.retention_date + timedelta(days=1), time.min)
    )
    apply_scheme_retention.using(run_after=when).enqueue(scheme.pk)
    return True

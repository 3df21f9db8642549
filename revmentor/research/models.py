"""The analysis report as PDF, made in the background (ADR 16).

Laying the report out takes seconds for a small scheme and a minute or more for a scheme
of a few hundred people on a slow machine: longer than a web request may take. So a
request for the PDF makes a :class:`Report` row and queues a task; the task writes the
PDF into the row; the Results pages say how it is going and then offer the download.

A scheme has at most one report at a time: asking again replaces it. A made report is
kept for :data:`KEEP_FOR`, and deleted sooner when anyone in the scheme is erased (it may
show their answers). It is derived data, so backups leave it out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from revmentor.schemes.models import Scheme

#: How long a made report is kept for download.
KEEP_FOR = timedelta(hours=24)
#: After this long waiting to start or being made, the page says something is wrong.
OVERDUE_AFTER = timedelta(minutes=10)


class Report(models.Model):
    """The scheme's analysis report as PDF: asked for, being made, made, or failed."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to start"
        MAKING = "making", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be made"

    scheme = models.OneToOneField(Scheme, on_delete=models.CASCADE, related_name="report")
    quartiles = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    content = models.BinaryField(default=b"", editable=False)
    size = models.PositiveIntegerField(default=0, help_text="Bytes of the made PDF.")

    def __str__(self) -> str:
        return f"Report of {self.scheme} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.WAITING, self.Status.MAKING)

    def overdue(self, now: datetime) -> bool:
        """Whether it has waited to start, or been in the making, for over ``OVERDUE_AFTER``
        (the task worker may not be running, or stopped while making it)."""
        if self.status == self.Status.WAITING:
            return self.requested_at < now - OVERDUE_AFTER
        if self.status == self.Status.MAKING:
            return (self.started_at or self.requested_at) < now - OVERDUE_AFTER
        return False

    def expires_at(self) -> datetime | None:
        """When a made report is deleted; None for one not made."""
        return None if self.finished_at is None else self.finished_at + KEEP_FOR

"""Scheduled work for phase 1: deleting transcripts on the retention date."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from revmentor.core import audit
from revmentor.core.models import AuditEvent


@task()
def delete_transcript_after_retention(scheme_id: int) -> bool:
    """Delete the scheme's interview transcript if its retention date has passed.

    Returns whether a transcript was deleted. A retention date moved later since the
    task was queued leaves the transcript alone (a new task was queued for the new date).
    Setting a retention date now queues ``privacy.tasks.apply_scheme_retention``, which
    deletes identifiers too; this task stays for those queued before.
    """
    from revmentor.feedback.models import GroupInterview

    interview = GroupInterview.objects.select_related("scheme").filter(scheme_id=scheme_id).first()
    if interview is None or not interview.transcript:
        return False
    retention = interview.scheme.retention_date
    if retention is None or retention >= timezone.localdate():
        return False
    interview.transcript = ""
    interview.transcript_added_at = None
    interview.save(update_fields=["transcript", "transcript_added_at"])
    audit.record(
        actor=None,
        action=AuditEvent.Action.DELETE,
        obj=interview,
        summary="Deleted the transcript on the retention date",
        scheme_id=scheme_id,
    )
    return True

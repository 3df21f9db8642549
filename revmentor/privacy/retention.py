"""The scheme's retention date: after it, transcripts and identifiers are deleted.

Applying it deletes the group interview's transcript and erases every participant not
erased yet, by the same rules as an erasure on request (:mod:`revmentor.privacy.erasure`):
pseudonymised research data stay where consent allows research use. It is idempotent:
once applied, nothing is left to do, so a second run changes nothing and records
nothing. It runs from the task queued for the day after the date
(:func:`revmentor.privacy.tasks.schedule_retention`), from the daily sweep
(:func:`apply_due_retention`), or now with ``revmentor manage apply_retention``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from revmentor.core import audit
from revmentor.core.models import AuditEvent
from revmentor.feedback.models import GroupInterview
from revmentor.privacy import erasure
from revmentor.schemes.models import Participant, Scheme


@dataclass(frozen=True)
class RetentionResult:
    """What applying a scheme's retention date did."""

    scheme_id: int
    transcript_deleted: bool = False
    erased: int = 0
    stubs: int = 0

    @property
    def changed(self) -> bool:
        return self.transcript_deleted or self.erased > 0


def is_due(scheme: Scheme, today: date | None = None) -> bool:
    """Whether the scheme's retention date has passed (it is applied the day after)."""
    today = today or timezone.localdate()
    return scheme.retention_date is not None and scheme.retention_date < today


@transaction.atomic
def scheme_retention_apply(*, scheme: Scheme, today: date | None = None) -> RetentionResult:
    """Apply the scheme's retention date if it has passed; return what was done.

    Does nothing (and records nothing) when there is no date, it has not passed, or it
    was applied already. The scheme row is locked, so two workers cannot apply it twice.
    A bounded number of queries whatever the number of participants.
    """
    locked = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if not is_due(locked, today):
        return RetentionResult(scheme_id=locked.pk)
    transcripts = (
        GroupInterview.objects.filter(scheme=locked)
        .exclude(transcript="")
        .update(transcript="", transcript_added_at=None)
    )
    people = list(
        Participant.objects.filter(scheme=locked, erased_at__isnull=True)
        .select_related("user")
        .order_by("pk")
    )
    done = erasure.erase(locked, erasure.decide(people), withdraw=False)
    result = RetentionResult(
        scheme_id=locked.pk,
        transcript_deleted=transcripts > 0,
        erased=done.participants,
        stubs=done.stubs,
    )
    if result.changed:
        parts = ["deleted the transcript"] if result.transcript_deleted else []
        if result.erased:
            parts.append(
                f"erased the identifiers of {result.erased} participants "
                f"({result.stubs} kept as pseudonymous stubs)"
            )
        audit.record(
            actor=None,
            action=AuditEvent.Action.DELETE,
            obj=locked,
            summary=f"Applied the retention date {locked.retention_date}: {', '.join(parts)}",
            scheme_id=locked.pk,
        )
    return result


def due_schemes(today: date | None = None) -> list[Scheme]:
    """Schemes whose retention date has passed and that still hold a transcript or a
    participant not erased (two queries' worth, one for the list)."""
    today = today or timezone.localdate()
    pending = Q(
        Exists(Participant.objects.filter(scheme=OuterRef("pk"), erased_at__isnull=True))
    ) | Q(Exists(GroupInterview.objects.filter(scheme=OuterRef("pk")).exclude(transcript="")))
    return list(Scheme.objects.filter(pending, retention_date__lt=today).order_by("pk"))


def apply_due_retention(today: date | None = None) -> list[RetentionResult]:
    """Apply the retention date of every scheme where it has passed; return the changes.

    Each scheme is applied in its own transaction, so one scheme's failure leaves the
    others applied.
    """
    results = [scheme_retention_apply(scheme=s, today=today) for s in due_schemes(today)]
    return [r for r in results if r.changed]

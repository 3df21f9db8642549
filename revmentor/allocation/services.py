"""Running, publishing and verifying allocations.

The algorithm itself is the pure core ``revmentor.allocator``; this module feeds it the
scheme's people and willingness, keeps its record, and tells the pairs.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from revmentor.allocation import selectors
from revmentor.allocation.models import Allocation, Pair
from revmentor.allocation.tasks import send_pair_emails, send_unmatched_emails
from revmentor.allocator import (
    AllocationInputError,
    OwnSupervisorRule,
    Problem,
    make_record,
    verify_record,
)
from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.feedback.models import Willingness
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme

#: The ``algorithm`` of an allocation imported from a study data folder (pairs only).
IMPORTED_ALGORITHM = "imported from a study data folder"


class AllocationError(Exception):
    """The allocation cannot be run or published; the message says why."""


class ReasonNeeded(AllocationError):
    """A re-run was asked for without the reason it needs (for the form's reason field)."""

    message = "Enter the reason for running the allocation again"

    def __init__(self) -> None:
        super().__init__(self.message)


def _key(participant_id: int) -> str:
    return f"p{participant_id}"


def problem_for(scheme: Scheme, *, capacity: int, rule: str) -> Problem:
    """The scheme's allocation problem: consented people, willing pairs, supervisors.

    Withdrawn people are included as withdrawn (so the record says why they were not
    allocated); people who never consented are left out.
    """
    people = [
        p
        for p in Participant.objects.filter(scheme=scheme).with_consent()
        if p.has_consent  # type: ignore[attr-defined]
    ]
    mentors = [p for p in people if p.role == ParticipantRole.MENTOR]
    mentees = [p for p in people if p.role == ParticipantRole.MENTEE]
    ids = {p.pk for p in people}
    willing = [
        (_key(m), _key(e))
        for m, e in Willingness.objects.filter(mentor__scheme=scheme, willing=True).values_list(
            "mentor_id", "mentee_id"
        )
        if m in ids and e in ids
    ]
    return Problem.build(
        [_key(p.pk) for p in mentors],
        [_key(p.pk) for p in mentees],
        willing,
        capacity=capacity,
        own_supervisor=[
            (_key(m.pk), _key(m.supervisor_id)) for m in mentors if m.supervisor_id in ids
        ],
        rule=OwnSupervisorRule(rule),
        withdrawn=[_key(p.pk) for p in people if not p.is_active],
    )


@transaction.atomic
def allocation_run(
    *,
    actor: User,
    scheme: Scheme,
    capacity: int = 1,
    own_supervisor: str = "allow",
    reason: str = "",
) -> Allocation:
    """Draw a new allocation with a fresh seed from ``secrets`` and keep its record.

    A re-run (when a draft exists) needs a reason, and replaces the draft. Raises
    AllocationError outside the allocation phase, after publication, or when nobody is
    willing to mentor anyone; ReasonNeeded when a re-run has no reason.
    """
    locked = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if locked.phase != Phase.ALLOCATION:
        raise AllocationError("Allocation can be run only in the allocation phase.")
    if Allocation.objects.filter(scheme=locked, status=Allocation.Status.PUBLISHED).exists():
        raise AllocationError("The allocation has been published, so it cannot be run again.")
    drafts = Allocation.objects.filter(scheme=locked, status=Allocation.Status.DRAFT)
    if drafts.exists() and not reason.strip():
        raise ReasonNeeded
    try:
        problem = problem_for(locked, capacity=capacity, rule=own_supervisor)
    except AllocationInputError as error:
        raise AllocationError(f"The allocation's inputs are not valid: {error}") from None
    if len(problem.edge_mentor) == 0:
        raise AllocationError(
            "Nobody is willing to mentor anyone yet: ask mentors to say whom they would mentor."
        )
    seed = secrets.randbits(53)
    record: dict[str, Any] = make_record(problem, seed)
    drafts.update(status=Allocation.Status.DISCARDED)
    number = Allocation.objects.filter(scheme=locked).count() + 1
    allocation = Allocation.objects.create(
        scheme=locked,
        number=number,
        seed=seed,
        algorithm=record["algorithm"],
        inputs_sha256=record["inputs_sha256"],
        record=record,
        capacity=capacity,
        own_supervisor=own_supervisor,
        reason=reason.strip(),
        created_by=actor,
    )
    Pair.objects.bulk_create(
        [
            Pair(
                allocation=allocation,
                mentor_id=int(pair["mentor_id"][1:]),
                mentee_id=int(pair["mentee_id"][1:]),
            )
            for pair in record["pairs"]
        ]
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=allocation,
        summary=f"Ran allocation {number} (seed {seed})"
        + (f": {reason.strip()}" if reason else ""),
        scheme_id=scheme.pk,
    )
    return allocation


@transaction.atomic
def allocation_publish(*, actor: User, allocation: Allocation) -> Allocation:
    """Publish the latest draft: the pairs are told by email and documents are released.

    Refused (AllocationError) when someone it pairs has stopped taking part since it was
    drawn: it must be drawn again without them.

    Everyone it left unmatched and still taking part is emailed too, that they will have
    no session (``tasks.send_unmatched_emails``).
    """
    locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if locked.status != Allocation.Status.DRAFT:
        raise AllocationError("Only the current draft can be published.")
    if stopped := selectors.stopped_since_drawn(locked):
        names = " and ".join(person.user.full_name for person in stopped)
        verb = "is" if len(stopped) == 1 else "are"
        raise AllocationError(
            f"{names} {verb} no longer taking part, and this draft pairs them: run the "
            "allocation again, giving that as the reason, then publish the new draft."
        )
    locked.status = Allocation.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = actor
    locked.save(update_fields=["status", "published_at", "published_by"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        summary=f"Published allocation {locked.number}",
        scheme_id=locked.scheme_id,
    )
    send_pair_emails.enqueue(locked.pk)
    send_unmatched_emails.enqueue(locked.pk)
    return locked


def allocation_verify(*, actor: User, allocation: Allocation) -> tuple[bool, str]:
    """Re-run the allocation from its record; return (reproduced?, explanation).

    An allocation imported from a study data folder holds its pairs only: it was not
    drawn here, so there is nothing to re-run and it is never "reproduced".
    """
    if allocation.algorithm == IMPORTED_ALGORITHM:
        return False, (
            "This allocation was imported from a study data folder with its pairs only: "
            "it was not drawn here, so it cannot be re-run."
        )
    result = verify_record(allocation.record)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        obj=allocation,
        summary=f"Verified allocation {allocation.number}: "
        f"{'reproduced' if result.ok else 'failed'}",
        scheme_id=allocation.scheme_id,
    )
    return result.ok, result.message

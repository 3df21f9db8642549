"""Writes about schemes and participants.

Every function here is keyword-only, runs in one transaction, records what it did in
the audit trail and raises :class:`ServiceError` with a message for the user when the
request cannot be carried out (nothing is changed then).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from datetime import date
from enum import Enum

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.privacy.tasks import schedule_retention
from revmentor.schemes import phases
from revmentor.schemes.models import (
    Consent,
    Organisation,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Phase,
    PhaseTransition,
    Scheme,
    SchemeMembership,
    StaffRole,
    taking_part,
)
from revmentor.schemes.signals import participant_resumed, participant_stopped, phase_changed
from revmentor.schemes.tasks import (
    send_consent_withdrawn,
    send_invitation,
    send_participant_withdrawn,
)


class ServiceError(Exception):
    """The action cannot be done; ``str(error)`` tells the user why and what to do."""


class Unchanged(Enum):
    """A keyword left out: keep the current value."""

    UNCHANGED = "unchanged"


def _audit(
    actor: User | None,
    action: AuditEvent.Action,
    obj: Scheme | Participant | Consent | SchemeMembership,
    summary: str,
    scheme: Scheme,
) -> None:
    audit.record(actor=actor, action=action, obj=obj, summary=summary, scheme_id=scheme.pk)


@transaction.atomic
def scheme_create(*, actor: User, organisation: Organisation, name: str, specialty: str) -> Scheme:
    """Create a scheme in set-up with the study's seven domains; the actor becomes lead."""
    scheme = Scheme.objects.create(
        organisation=organisation, name=name, specialty=specialty, created_by=actor
    )
    SchemeMembership.objects.create(scheme=scheme, user=actor, role=StaffRole.LEAD)
    _audit(actor, AuditEvent.Action.CREATE, scheme, f"Created scheme {name}", scheme)
    return scheme


@transaction.atomic
def scheme_update(
    *,
    actor: User,
    scheme: Scheme,
    name: str,
    specialty: str,
    domains: list[dict[str, str]],
    information_sheet: str,
    information_sheet_version: str,
    release_documents_to_mentees: bool = False,
    retention_date: date | Unchanged | None = Unchanged.UNCHANGED,
) -> Scheme:
    """Update a scheme's details. Domains can change only while it is in set-up.

    A new ``retention_date`` queues, for the day after it, the deletion of the
    transcript and the participants' identifiers (``privacy.retention``); leave it out
    to keep the date as it is. Raises ServiceError if the domains would change after
    phase 1 has started, since answers and feedback already refer to them.
    """
    if domains != scheme.domains and not scheme.domains_editable:
        raise ServiceError("Domains can only be changed before phase 1 starts.")
    scheme.name = name
    scheme.specialty = specialty
    scheme.domains = domains
    scheme.information_sheet = information_sheet
    scheme.information_sheet_version = information_sheet_version
    scheme.release_documents_to_mentees = release_documents_to_mentees
    summary = "Updated scheme details"
    retention_changed = False
    if not isinstance(retention_date, Unchanged) and retention_date != scheme.retention_date:
        scheme.retention_date = retention_date
        retention_changed = True
        summary += f"; retention date {retention_date or 'removed'}"
    scheme.save()
    _audit(actor, AuditEvent.Action.UPDATE, scheme, summary, scheme)
    if retention_changed:
        schedule_retention(scheme)
    return scheme


@transaction.atomic
def scheme_move_phase(
    *, actor: User, scheme: Scheme, to_phase: Phase, seen: Collection[str] | None = None
) -> Scheme:
    """Move the scheme to the next phase of Figure 1, recording who moved it and when.

    Only a move to the very next phase is allowed, and only when its guard passes;
    otherwise ServiceError says what is missing. ``seen``: the keys of the unfinished
    things the lead was shown (phases.plan) and confirmed; if anything else is now
    unfinished, nothing moves and ServiceError says what. None skips that check (the
    demo, imports). What was unfinished goes into the audit trail.
    """
    locked = Scheme.objects.select_for_update().get(pk=scheme.pk)
    expected = phases.next_phase(locked)
    if expected is None:
        raise ServiceError("This scheme is closed.")
    if to_phase != expected:
        raise ServiceError(
            f"The scheme is in {Phase(locked.phase).label}; the next step is {expected.label}."
        )
    move = phases.plan(locked, to_phase)
    if move.blocker:
        raise ServiceError(move.blocker)
    if seen is not None and (unseen := move.unseen(seen)):
        raise ServiceError(
            "Since you opened the page, more is unfinished: "
            + " ".join(item.text for item in unseen)
            + " Check the list again before you move on."
        )
    PhaseTransition.objects.create(
        scheme=locked, from_phase=locked.phase, to_phase=to_phase, by=actor
    )
    locked.phase = to_phase
    locked.save(update_fields=["phase"])
    summary = f"Moved to {to_phase.label}"
    if move.unfinished:
        summary += ". Unfinished then: " + " ".join(item.headline for item in move.unfinished)
    _audit(actor, AuditEvent.Action.UPDATE, locked, summary, locked)
    phase_changed.send(sender=Scheme, scheme=locked, phase=to_phase, actor=actor)
    scheme.phase = locked.phase
    return locked


def _person(email: str, full_name: str) -> User:
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name.strip())
    elif not user.full_name and full_name:
        user.full_name = full_name.strip()
        user.save(update_fields=["full_name"])
    return user


@transaction.atomic
def participant_add(
    *,
    actor: User,
    scheme: Scheme,
    full_name: str,
    email: str,
    role: ParticipantRole,
    grade: str = "",
    sex: str = "",
    age: int | None = None,
    years_as_consultant: int | None = None,
    previous_mentoring: bool | None = None,
    supervisor: Participant | None = None,
) -> Participant:
    """Add a person to the scheme as a mentor or mentee and return the participant.

    The person's account is found by email or created (without a password: they sign
    in with a one-time link or code). Raises ServiceError if they already take part in
    this scheme, if a mentor is given years as consultant, or if the supervisor is not
    one of this scheme's mentees.
    """
    user = _person(email, full_name)
    if Participant.objects.filter(scheme=scheme, user=user).exists():
        raise ServiceError(f"{user.email} already takes part in this scheme.")
    if role == ParticipantRole.MENTOR and years_as_consultant is not None:
        raise ServiceError("Years as consultant is for mentees only.")
    if supervisor is not None:
        _check_supervisor(scheme, role, supervisor)
    participant = Participant.objects.create(
        scheme=scheme,
        user=user,
        role=role,
        research_id=new_research_id(scheme, role),
        grade=grade,
        sex=sex,
        age=age,
        years_as_consultant=years_as_consultant,
        previous_mentoring=previous_mentoring,
        supervisor=supervisor,
    )
    _audit(actor, AuditEvent.Action.CREATE, participant, f"Added {role.label.lower()}", scheme)
    return participant


def new_research_id(scheme: Scheme, role: str) -> str:
    """A research ID nobody in the scheme has: ``M-`` or ``C-`` and 12 random hex digits.

    Random, so that nothing about the person, their place in the list or the scheme can be
    worked out from it; 48 bits, so that schemes pooled for research are unlikely to share
    one (pooling refuses an ID two schemes share). The unique constraint on the scheme and
    the ID backs the check here.
    """
    while True:
        candidate = _research_id_candidate(role)
        if not Participant.objects.filter(scheme=scheme, research_id=candidate).exists():
            return candidate


def new_research_ids(scheme: Scheme, roles: Iterable[str]) -> list[str]:
    """:func:`new_research_id` for each of ``roles``, in one query whatever their number.

    Drawn against the scheme's IDs read once, and against each other.
    """
    taken = set(Participant.objects.filter(scheme=scheme).values_list("research_id", flat=True))
    drawn = []
    for role in roles:
        candidate = _research_id_candidate(role)
        while candidate in taken:
            candidate = _research_id_candidate(role)
        taken.add(candidate)
        drawn.append(candidate)
    return drawn


def _research_id_candidate(role: str) -> str:
    prefix = "M" if role == ParticipantRole.MENTOR else "C"
    return f"{prefix}-{secrets.token_hex(6)}"


def _check_supervisor(scheme: Scheme, role: str, supervisor: Participant) -> None:
    if role != ParticipantRole.MENTOR:
        raise ServiceError("Only mentors have a clinical supervisor in the scheme.")
    if supervisor.scheme_id != scheme.pk or supervisor.role != ParticipantRole.MENTEE:
        raise ServiceError("A mentor's clinical supervisor must be one of this scheme's mentees.")


@transaction.atomic
def participant_update(
    *,
    actor: User,
    participant: Participant,
    grade: str,
    sex: str,
    age: int | None,
    years_as_consultant: int | None,
    previous_mentoring: bool | None,
    supervisor: Participant | None,
) -> Participant:
    """Update a participant's details and, for a mentor, their clinical supervisor.

    Raises ServiceError for a participant whose personal data was erased.
    """
    if participant.erased_at is not None:
        raise ServiceError("This participant's personal data has been erased.")
    if participant.role == ParticipantRole.MENTOR and years_as_consultant is not None:
        raise ServiceError("Years as consultant is for mentees only.")
    if supervisor is not None:
        _check_supervisor(participant.scheme, participant.role, supervisor)
    participant.grade = grade
    participant.sex = sex
    participant.age = age
    participant.years_as_consultant = years_as_consultant
    participant.previous_mentoring = previous_mentoring
    participant.supervisor = supervisor
    participant.save()
    _audit(actor, AuditEvent.Action.UPDATE, participant, "Updated details", participant.scheme)
    return participant


@transaction.atomic
def supervisors_set(*, actor: User, scheme: Scheme, assignments: dict[int, int | None]) -> int:
    """Set each mentor's clinical supervisor at once; return how many changed.

    ``assignments`` maps a mentor's participant id to a mentee's participant id (or None).
    Every id must belong to this scheme, or nothing changes.
    """
    mentors = {p.pk: p for p in Participant.objects.filter(scheme=scheme).mentors()}
    mentees = {p.pk: p for p in Participant.objects.filter(scheme=scheme).mentees()}
    changed = 0
    for mentor_id, mentee_id in sorted(assignments.items()):
        if mentor_id not in mentors:
            raise ServiceError("One of the mentors is not in this scheme.")
        if mentee_id is not None and mentee_id not in mentees:
            raise ServiceError("A clinical supervisor must be one of this scheme's mentees.")
        mentor = mentors[mentor_id]
        if mentor.supervisor_id != mentee_id:
            mentor.supervisor_id = mentee_id
            mentor.save(update_fields=["supervisor"])
            _audit(actor, AuditEvent.Action.UPDATE, mentor, "Set clinical supervisor", scheme)
            changed += 1
    return changed


@transaction.atomic
def participant_invite(*, actor: User, participant: Participant) -> Participant:
    """Email the participant an invitation with a one-time sign-in link.

    Re-inviting sends a fresh link. Raises ServiceError for a withdrawn participant or
    one imported from a study data folder (who has no email address).
    """
    if participant.erased_at is not None:
        raise ServiceError("This participant's personal data has been erased.")
    if participant.status == ParticipantStatus.WITHDRAWN:
        raise ServiceError(f"{participant.user} has withdrawn, so cannot be invited.")
    if participant.is_imported:
        raise ServiceError(
            f"{participant.user} was imported from a study data folder and has no email "
            "address, so cannot be invited."
        )
    participant.invited_at = timezone.now()
    participant.invitations_sent += 1
    participant.save(update_fields=["invited_at", "invitations_sent"])
    _audit(actor, AuditEvent.Action.SEND, participant, "Sent invitation", participant.scheme)
    send_invitation.enqueue(participant.pk)
    return participant


# Participants a statement updates at most: below the variables any database allows.
INVITE_BATCH = 500


@transaction.atomic
def participants_invite_pending(*, actor: User, scheme: Scheme) -> int:
    """Invite every active participant who has not been invited yet; return how many.

    As :func:`participant_invite` does for each, but in a few writes for them all, so a
    scheme of thousands is invited within a request: one email task each still.
    """
    pending = list(
        Participant.objects.filter(scheme=scheme)
        .not_yet_invited()
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    for start in range(0, len(pending), INVITE_BATCH):
        Participant.objects.filter(pk__in=pending[start : start + INVITE_BATCH]).update(
            invited_at=now, invitations_sent=F("invitations_sent") + 1
        )
    audit.record_each(
        actor=actor,
        action=AuditEvent.Action.SEND,
        events=[(Participant(pk=pk), "Sent invitation") for pk in pending],
        scheme_id=scheme.pk,
    )
    for pk in pending:
        send_invitation.enqueue(pk)
    return len(pending)


def _takes_part(participant: Participant) -> bool:
    """Whether they take part: active, with a current consent to take part."""
    return Participant.objects.filter(taking_part(), pk=participant.pk).exists()


def _tell_stopped(participant: Participant, how: str, actor: User | None) -> None:
    """Let the rooms that know what stopping means for a pair act on it (meetings emails
    the published partner and the scheme's other leads)."""
    participant_stopped.send(sender=Participant, participant=participant, how=how, actor=actor)


@transaction.atomic
def participant_withdraw(
    *, actor: User, participant: Participant, reason: str, on: date | None = None
) -> Participant:
    """Mark a participant as withdrawn. Their earlier answers stay; they are not allocated.

    If they were taking part, ``participant_stopped`` is sent: their partner in a
    published pair and the scheme's leads (but ``actor``) are emailed; and they are
    emailed that they no longer take part and what happens to their data, never the
    reason (``tasks.send_participant_withdrawn``). Someone who had already withdrawn their
    consent was told about then, and is not emailed again; nor is someone who never
    consented, so never took part.
    """
    if participant.status == ParticipantStatus.WITHDRAWN:
        raise ServiceError(f"{participant.user} has already withdrawn.")
    was_taking_part = _takes_part(participant)
    participant.status = ParticipantStatus.WITHDRAWN
    participant.withdrawn_reason = reason.strip()
    participant.withdrawn_on = on or timezone.localdate()
    participant.save(update_fields=["status", "withdrawn_reason", "withdrawn_on"])
    _audit(actor, AuditEvent.Action.UPDATE, participant, "Withdrew participant", participant.scheme)
    if was_taking_part:
        _tell_stopped(participant, "withdrawn", actor)
        send_participant_withdrawn.enqueue(participant.pk)
    return participant


@transaction.atomic
def consent_give(*, participant: Participant, take_part: bool, research_use: bool) -> Consent:
    """Record the participant's consent to the scheme's current information sheet.

    Taking part must be agreed; research use is optional. Raises ServiceError if consent
    is already current (so a double submit stores one consent, not two).

    Someone who had withdrawn their consent, and whom the lead has not withdrawn, takes
    part again: ``participant_resumed`` is sent, so the partner who was told their
    session would not go ahead, and the scheme's leads, are told it can.
    """
    if not take_part:
        raise ServiceError("To take part you need to agree to take part.")
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if locked.consents.filter(withdrawn_at__isnull=True).exists():
        raise ServiceError("You have already given consent.")
    # No consent stands, so any earlier one was withdrawn: they had stopped.
    resumes = locked.status == ParticipantStatus.ACTIVE and locked.consents.exists()
    consent = Consent.objects.create(
        participant=locked,
        information_sheet_version=participant.scheme.information_sheet_version,
        take_part=True,
        research_use=research_use,
    )
    _audit(participant.user, AuditEvent.Action.CREATE, consent, "Gave consent", participant.scheme)
    if resumes:
        participant_resumed.send(sender=Participant, participant=locked)
    return consent


@transaction.atomic
def consent_set_research_use(*, participant: Participant, research_use: bool) -> Consent:
    """Let the participant allow, or stop, research use of their answers and go on
    taking part; return the consent that now stands.

    A consent is a record of what was agreed, when, and is never changed: the current one
    is closed and a new one, to the information sheet shown now, takes its place. The
    person goes on taking part, so nobody is told anything. Raises ServiceError, changing
    nothing, without a current consent or if it already says so.
    """
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    current = locked.consents.filter(withdrawn_at__isnull=True, take_part=True).first()
    if current is None:
        raise ServiceError("Give your consent first.")
    if current.research_use == research_use:
        raise ServiceError(
            "Your consent already allows research use of your answers."
            if research_use
            else "Your consent already leaves your answers out of research."
        )
    now = timezone.now()
    current.withdrawn_at = now
    current.save(update_fields=["withdrawn_at"])
    consent = Consent.objects.create(
        participant=locked,
        information_sheet_version=participant.scheme.information_sheet_version,
        take_part=True,
        research_use=research_use,
    )
    summary = "Allowed research use" if research_use else "Stopped research use"
    _audit(participant.user, AuditEvent.Action.UPDATE, consent, summary, participant.scheme)
    return consent


@transaction.atomic
def consent_withdraw(*, participant: Participant) -> Consent:
    """Withdraw the participant's current consent; the record of it is kept.

    They are emailed to confirm it, with what happens now to their data
    (``tasks.send_consent_withdrawn``). If they were taking part, ``participant_stopped``
    is sent: their partner in a published pair and the scheme's leads are emailed.
    Someone the lead had already withdrawn stops only the research use of their answers,
    and nobody else is told.
    """
    consent = participant.consents.select_for_update().filter(withdrawn_at__isnull=True).first()
    if consent is None:
        raise ServiceError("There is no consent to withdraw.")
    was_taking_part = participant.is_active and consent.take_part
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    _audit(
        participant.user, AuditEvent.Action.UPDATE, consent, "Withdrew consent", participant.scheme
    )
    send_consent_withdrawn.enqueue(consent.pk)
    if was_taking_part:
        _tell_stopped(participant, "consent", participant.user)
    return consent


@transaction.atomic
def membership_grant(
    *, actor: User, scheme: Scheme, email: str, full_name: str, role: StaffRole
) -> SchemeMembership:
    """Give a person a staff role in the scheme, creating their account if needed."""
    user = _person(email, full_name)
    membership, created = SchemeMembership.objects.get_or_create(
        scheme=scheme, user=user, role=role
    )
    if not created:
        raise ServiceError(f"{user.email} is already {role.label.lower()} of this scheme.")
    _audit(actor, AuditEvent.Action.CREATE, membership, f"Granted {role.label.lower()}", scheme)
    return membership

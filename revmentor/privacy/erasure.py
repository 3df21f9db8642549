"""Erasure: removing a participant's identifiers, following what they consented to.

The rules, the same for an erasure the lead asks for and for the scheme's retention date
(``docs/data-protection.md`` has them as a table for a DPIA):

- **Research use** is allowed when their current consent agrees to take part and to
  research use (``Consent.research_use``). Then their submitted questionnaire answers,
  the willingness they gave and their demographics stay, under their research ID and
  with no name or email, so the study data folder is unchanged. Otherwise all three are
  deleted (demographics cleared) and their consent stops being current, so nothing of
  theirs is exported any more.
- **The participant row** stays as a stub without identifiers (``erased_at`` set) when
  their research data stays, or when they are in an allocation (its pairs and record,
  and their partner's session, refer to the row); otherwise it is deleted.
- **Their account**: if they take part in no other scheme and hold no staff role, it is
  anonymised (a stub stays) or deleted (no stub). Otherwise it stays as it is for those
  other roles, and a stub in this scheme points to a new anonymous account instead.
- **Feedback about a mentee** (every version of their feedback document, the group's
  notes about them, online feedback other mentors wrote about them) is deleted whatever
  their consent: ``research_use`` covers a participant's own answers, not what others
  wrote about them, and the documents are not part of the study data.
- **Online feedback a mentor wrote** is deleted: whatever the facilitator merged already
  lives on, unattributed, in the group's notes about the mentee, and stays there.
- **The scheme's report PDF**, if one is made (it is kept a day at most, and its charts
  may show each person's answers), is deleted; research staff can make it again from
  what stays.
- Unsubmitted questionnaires are always deleted. Queued emails about an unlogged session
  are not sent (the meeting's sequence moves on, as when a session is rearranged).
- **Free text**: their full name (with and without a title such as "Dr") and email are
  replaced with ``[name removed]`` in the scheme's free text (:data:`FREE_TEXT`) and in
  the whole audit trail. Audit events keep what happened, but lose the IP address of
  the person, and events they did in this scheme lose who did them unless their
  account is anonymised anyway.

Everything runs in the caller's transaction: an error anywhere changes nothing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from revmentor.allocation.models import Pair
from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.feedback.models import (
    Contribution,
    DocumentVersion,
    FeedbackDocument,
    Note,
    Willingness,
)
from revmentor.feedback.naming import TITLES  # the titles a name may be written with
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Response
from revmentor.research.models import Report
from revmentor.schemes.models import (
    Consent,
    OrganisationMember,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Scheme,
    SchemeMembership,
)
from revmentor.schemes.services import ServiceError

ERASED_NAME = "Erased participant"
ERASED_DOMAIN = "erased.invalid"
REDACTED = "[name removed]"
MIN_TERM = 3  # shorter names would match parts of ordinary words

# Free text in which a person's name or email may appear: (model, field, the lookup from
# that model to its scheme; "" for the whole table). A room that stores more free text
# about people adds its fields here. Document versions (JSON) are handled on their own.
FREE_TEXT: list[tuple[str, str, str]] = [
    ("feedback.GroupInterview", "transcript", "scheme"),
    ("feedback.Note", "text", "interview__scheme"),
    ("feedback.Contribution", "text", "mentor__scheme"),
    ("questionnaires.Answer", "value", "response__stage__scheme"),
    ("meetings.Meeting", "place", "pair__allocation__scheme"),
    ("allocation.Allocation", "reason", "scheme"),
    ("schemes.Participant", "withdrawn_reason", "scheme"),
    ("coding.Memo", "text", "code__codebook__scheme"),
    ("coding.Code", "description", "codebook__scheme"),
    ("coding.Code", "label", "codebook__scheme"),
    ("coding.CodeChange", "before", "code__codebook__scheme"),
    ("coding.CodeChange", "after", "code__codebook__scheme"),
    ("core.AuditEvent", "summary", ""),
]


@dataclass(frozen=True)
class Decision:
    """What erasure does with one participant, decided from their consent and ties."""

    participant: Participant
    research_use: bool  # current consent to take part and to research use
    paired: bool  # in a pair of any allocation of the scheme
    other_roles: bool  # their account takes part elsewhere or holds a staff role

    @property
    def keep_stub(self) -> bool:
        """Whether the participant row stays (without identifiers) rather than going."""
        return self.research_use or self.paired


@dataclass(frozen=True)
class Erased:
    """What an erasure removed, in numbers (for the audit summary and the result page)."""

    participants: int = 0
    stubs: int = 0
    responses_deleted: int = 0
    documents_deleted: int = 0
    contributions_deleted: int = 0
    texts_redacted: int = 0


def decide(participants: Sequence[Participant]) -> list[Decision]:
    """Decide, for participants of one scheme (users loaded), what erasure does.

    Five queries, whatever the number of participants.
    """
    ids = [p.pk for p in participants]
    user_ids = [p.user_id for p in participants]
    research = set(
        Consent.objects.filter(
            participant_id__in=ids, withdrawn_at__isnull=True, take_part=True, research_use=True
        ).values_list("participant_id", flat=True)
    )
    paired: set[int] = set()
    for mentor_id, mentee_id in Pair.objects.filter(
        Q(mentor_id__in=ids) | Q(mentee_id__in=ids)
    ).values_list("mentor_id", "mentee_id"):
        paired.update((mentor_id, mentee_id))
    tied = set(
        Participant.objects.filter(user_id__in=user_ids)
        .exclude(pk__in=ids)
        .values_list("user_id", flat=True)
    )
    tied.update(
        SchemeMembership.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )
    tied.update(
        OrganisationMember.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )
    tied.update(p.user_id for p in participants if p.user.is_staff or p.user.is_superuser)
    return [
        Decision(
            participant=p,
            research_use=p.pk in research,
            paired=p.pk in paired,
            other_roles=p.user_id in tied,
        )
        for p in participants
    ]


def search_terms(users: Iterable[User]) -> list[str]:
    """The strings that identify these people in free text: email, full name, and the
    full name without a leading title ("Dr Asha Rao" → "Asha Rao"). Longest first."""
    terms: set[str] = set()
    for user in users:
        terms.add(user.email.strip())
        name = " ".join(user.full_name.split())
        terms.add(name)
        words = name.split(" ")
        if len(words) > 1 and words[0].lower().rstrip(".") in TITLES:
            terms.add(" ".join(words[1:]))
    return sorted((t for t in terms if len(t) >= MIN_TERM), key=lambda t: (-len(t), t))


def _pattern(terms: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(term) for term in terms)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _redact_sections(sections: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(sections, str):
        return pattern.sub(REDACTED, sections)
    if isinstance(sections, list):
        return [_redact_sections(item, pattern) for item in sections]
    if isinstance(sections, dict):
        return {key: _redact_sections(value, pattern) for key, value in sections.items()}
    return sections


def redact(scheme: Scheme, terms: Sequence[str]) -> int:
    """Replace ``terms`` with ``[name removed]`` in the scheme's free text and the audit
    trail; return how many rows changed.

    Two queries per field of :data:`FREE_TEXT` at most (find, then one bulk update), and
    two for document versions, whatever the amount of text.
    """
    if not terms:
        return 0
    pattern = _pattern(terms)
    changed = 0
    for label, field, to_scheme in FREE_TEXT:
        model = apps.get_model(label)
        column = model._meta.get_field(field)
        # "[name removed]" may be longer than the name: text in a column of limited length
        # keeps its start, on every database (PostgreSQL's cast would cut it anyway).
        limit = column.max_length if isinstance(column, models.CharField) else None
        matches = reduce(or_, (Q(**{f"{field}__icontains": term}) for term in terms))
        rows = model._default_manager.filter(matches)
        if to_scheme:
            rows = rows.filter(**{to_scheme: scheme})
        edited = []
        for row in rows.only("pk", field):
            text = getattr(row, field)
            clean = pattern.sub(REDACTED, text)[:limit]
            if clean != text:
                setattr(row, field, clean)
                edited.append(row)
        if edited:
            model._default_manager.bulk_update(edited, [field])
            changed += len(edited)
    versions = []
    for version in DocumentVersion.objects.filter(document__mentee__scheme=scheme).only(
        "pk", "sections"
    ):
        clean = _redact_sections(version.sections, pattern)
        if clean != version.sections:
            version.sections = clean
            versions.append(version)
    if versions:
        DocumentVersion.objects.bulk_update(versions, ["sections"])
    return changed + len(versions)


def _forget_names_checked(scheme: Scheme, ids: Sequence[int]) -> None:
    """Drop what approvals recorded as checked of these people's names: each entry of a
    version's ``names_checked`` ties a word of its text to the mentor whose name it may
    be, which would tell who an erased stub was. Two queries at most."""
    erased = set(ids)
    versions = []
    for version in (
        DocumentVersion.objects.filter(document__mentee__scheme=scheme)
        .exclude(names_checked=[])
        .only("pk", "names_checked")
    ):
        kept = [entry for entry in version.names_checked if entry[2] not in erased]
        if kept != version.names_checked:
            version.names_checked = kept
            versions.append(version)
    if versions:
        DocumentVersion.objects.bulk_update(versions, ["names_checked"])


def _anonymous_email() -> str:
    return f"erased-{secrets.token_hex(8)}@{ERASED_DOMAIN}"


def _anonymise(user: User) -> User:
    user.email = _anonymous_email()
    user.full_name = ERASED_NAME
    user.set_unusable_password()
    user.is_active = False
    user.last_login = None
    return user


def _anonymous_user() -> User:
    return _anonymise(User(is_staff=False, is_superuser=False))


def erase(scheme: Scheme, decisions: Sequence[Decision], *, withdraw: bool) -> Erased:
    """Carry out ``decisions`` (from :func:`decide`) for participants of ``scheme``.

    ``withdraw`` marks a stub that was still taking part as withdrawn (an erasure on
    request); the retention date leaves status alone, since the scheme has ended. Must
    run inside a transaction. A bounded number of queries, whatever the number of
    participants or the amount of their data.
    """
    if not decisions:
        return Erased()
    now = timezone.now()
    ids = [d.participant.pk for d in decisions]
    no_research = [d.participant.pk for d in decisions if not d.research_use]
    stubs = [d for d in decisions if d.keep_stub]
    gone = [d for d in decisions if not d.keep_stub]
    terms = search_terms(d.participant.user for d in decisions)

    # Feedback about mentees, and online feedback mentors wrote.
    about = FeedbackDocument.objects.filter(mentee_id__in=ids)
    about.update(approved=None)
    _, deleted = DocumentVersion.objects.filter(document__mentee_id__in=ids).delete()
    documents_deleted = deleted.get(DocumentVersion._meta.label, 0)
    about.delete()
    Note.objects.filter(mentee_id__in=ids).delete()
    _, deleted = Contribution.objects.filter(Q(mentor_id__in=ids) | Q(mentee_id__in=ids)).delete()
    contributions_deleted = deleted.get(Contribution._meta.label, 0)
    Willingness.objects.filter(mentor_id__in=no_research).delete()
    _forget_names_checked(scheme, ids)

    # Questionnaires: drafts always; submitted answers unless research use allows them.
    _, deleted = (
        Response.objects.filter(participant_id__in=ids)
        .filter(~Q(status=Response.Status.SUBMITTED) | Q(participant_id__in=no_research))
        .delete()
    )
    responses_deleted = deleted.get(Response._meta.label, 0)

    # Emails queued for a session not yet logged check the sequence and stay unsent.
    Meeting.objects.filter(
        Q(pair__mentor_id__in=ids) | Q(pair__mentee_id__in=ids), held__isnull=True
    ).update(sequence=F("sequence") + 1)

    texts_redacted = redact(scheme, terms)

    # The scheme's report PDF may show their answers (one line a person in its charts).
    Report.objects.filter(scheme=scheme).delete()

    # The audit trail: no IP address of theirs; their actions in this scheme lose who
    # did them when their account stays for other roles.
    tied = [d.participant.user_id for d in decisions if d.other_roles]
    untied = [d.participant.user_id for d in decisions if not d.other_roles]
    AuditEvent.objects.filter(actor_id__in=untied).update(ip_address=None)
    AuditEvent.objects.filter(actor_id__in=tied, scheme_id=scheme.pk).update(
        actor=None, ip_address=None
    )

    # Participants: stubs lose everything that identifies them; the others go.
    stub_ids = [d.participant.pk for d in stubs]
    stub_no_research = [d.participant.pk for d in stubs if not d.research_use]
    Participant.objects.filter(pk__in=[d.participant.pk for d in gone]).delete()
    Participant.objects.filter(pk__in=stub_ids).update(grade="", withdrawn_reason="", erased_at=now)
    Participant.objects.filter(pk__in=stub_no_research).update(
        sex="", age=None, years_as_consultant=None, previous_mentoring=None
    )
    Consent.objects.filter(participant_id__in=stub_no_research, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    if withdraw:
        Participant.objects.filter(pk__in=stub_ids, status=ParticipantStatus.ACTIVE).update(
            status=ParticipantStatus.WITHDRAWN, withdrawn_on=timezone.localdate()
        )

    # Accounts.
    anonymised = [_anonymise(d.participant.user) for d in stubs if not d.other_roles]
    User.objects.bulk_update(
        anonymised, ["email", "full_name", "password", "is_active", "last_login"]
    )
    EmailAddress.objects.filter(user_id__in=[u.pk for u in anonymised]).delete()
    if apps.is_installed("allauth.mfa"):  # second factors of a closed account
        authenticator = apps.get_model("mfa", "Authenticator")
        authenticator._default_manager.filter(user_id__in=[u.pk for u in anonymised]).delete()
    moved = [d.participant for d in stubs if d.other_roles]
    if moved:
        replacements = User.objects.bulk_create([_anonymous_user() for _ in moved])
        for participant, replacement in zip(moved, replacements, strict=True):
            participant.user = replacement
        Participant.objects.bulk_update(moved, ["user"])
    User.objects.filter(pk__in=[d.participant.user_id for d in gone if not d.other_roles]).delete()

    return Erased(
        participants=len(decisions),
        stubs=len(stubs),
        responses_deleted=responses_deleted,
        documents_deleted=documents_deleted,
        contributions_deleted=contributions_deleted,
        texts_redacted=texts_redacted,
    )


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing one participant will do, for the confirmation page."""

    decision: Decision
    consent: Consent | None
    research_id: str
    submitted: int
    drafts: int
    willingness: int
    written: int
    written_about: int
    document_versions: int
    notes: int

    @property
    def participant(self) -> Participant:
        return self.decision.participant

    def steps(self) -> list[str]:
        """What will happen, step by step, in plain words."""
        d = self.decision
        steps = []
        if d.research_use:
            mentee = self.participant.role == ParticipantRole.MENTEE
            details = "age, sex, years as consultant" if mentee else "age, sex"
            folder = (
                "In the study data folder they stay under that research ID, now marked as "
                "withdrawn, and, as for anyone who withdraws, the willingness they gave is "
                "left out of it."
                if self.participant.is_active
                else "In the study data folder nothing of theirs changes."
            )
            steps.append(
                f"Their consent allows research use, so their {self.submitted} submitted "
                f"questionnaire{'s' if self.submitted != 1 else ''}, the willingness they gave "
                f"and their {details} and whether they had mentored before are kept under "
                f"research ID {self.research_id}, with no name or email. {folder}"
            )
        else:
            steps.append(
                f"Their consent does not allow research use, so their {self.submitted} "
                f"submitted questionnaire{'s' if self.submitted != 1 else ''}, the "
                f"willingness they gave ({self.willingness}) and their details are deleted, "
                "and they leave the study data folder."
            )
        if self.drafts:
            steps.append(
                f"{self.drafts} questionnaire{'s' if self.drafts != 1 else ''} they had not "
                "submitted will be deleted."
            )
        if self.document_versions or self.notes or self.written_about:
            steps.append(
                f"Their feedback document ({self.document_versions} "
                f"version{'s' if self.document_versions != 1 else ''}), the group's notes "
                f"about them ({self.notes}) and online feedback other mentors wrote about "
                f"them ({self.written_about}) are deleted. Consent to research use covers a "
                "person's own answers, not what others wrote about them."
            )
        if self.written:
            steps.append(
                f"The online feedback they wrote ({self.written} "
                f"entr{'ies' if self.written != 1 else 'y'}) is deleted. Whatever was already "
                "added to the group's notes stays there, without their name, because it is "
                "about the mentee."
            )
        if d.paired:
            steps.append(
                "They are in an allocation, so the pair stays in its record (with no name) "
                "and their partner keeps the session's time and place. Emails about a "
                "session not yet held are not sent."
            )
        if d.keep_stub:
            steps.append(
                "Their participant record stays only as a stub with no name or email"
                + (", marked as withdrawn." if self.participant.is_active else ".")
            )
        else:
            steps.append("Their participant record and consent are deleted.")
        if d.other_roles:
            steps.append(
                "Their account stays, because they take part in another scheme or hold a "
                "staff role; nothing in this scheme links to it any more."
            )
        elif d.keep_stub:
            steps.append(
                "Their account is anonymised: their name and email are removed and they "
                "can no longer sign in."
            )
        else:
            steps.append("Their account is deleted: they can no longer sign in.")
        steps.append(
            "Their full name and email are replaced with “[name removed]” wherever they "
            "appear in this scheme's free text (the interview transcript, notes, other "
            "people's answers, session places) and in the audit trail. Other ways of "
            "naming them (a first name, a nickname) cannot be found like this: check the "
            "transcript yourself."
        )
        steps.append("The audit trail records that a participant was erased, without their name.")
        return steps


def erasure_plan(participant: Participant) -> ErasurePlan:
    """What :func:`participant_erase` would do now for ``participant`` (user loaded)."""
    [decision] = decide([participant])
    responses = Response.objects.filter(participant=participant)
    return ErasurePlan(
        decision=decision,
        consent=participant.current_consent(),
        research_id=pseudonym(participant),
        submitted=responses.filter(status=Response.Status.SUBMITTED).count(),
        drafts=responses.exclude(status=Response.Status.SUBMITTED).count(),
        willingness=Willingness.objects.filter(mentor=participant).count(),
        written=Contribution.objects.filter(mentor=participant).count(),
        written_about=Contribution.objects.filter(mentee=participant).count(),
        document_versions=DocumentVersion.objects.filter(document__mentee=participant).count(),
        notes=Note.objects.filter(mentee=participant).count(),
    )


@transaction.atomic
def participant_erase(*, actor: User, participant: Participant) -> Erased:
    """Erase one participant's personal data, following their consent (see the module).

    Raises ServiceError if they have been erased already. One transaction: if anything
    fails, nothing changes. Audited without their name.
    """
    locked = (
        Participant.objects.select_for_update()
        .select_related("user", "scheme")
        .filter(pk=participant.pk)
        .first()
    )
    if locked is None or locked.erased_at is not None:
        raise ServiceError("This participant's personal data has already been erased.")
    [decision] = decide([locked])
    done = erase(locked.scheme, [decision], withdraw=True)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=locked,
        summary=(
            f"Erased a {locked.get_role_display().lower()}'s personal data: research data "
            f"{'kept' if decision.research_use else 'deleted'}, participant record "
            f"{'kept as a stub' if decision.keep_stub else 'deleted'}, "
            f"{done.texts_redacted} texts redacted"
        ),
        scheme_id=locked.scheme_id,
    )
    return done

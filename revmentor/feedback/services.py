"""Writes for phase 1: the interview, notes, contributions, documents, transcripts.

Notes are the group's: merging a mentor's online contribution copies its text into the
notes and nothing about who wrote it. Documents are built from notes only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone

from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.feedback import naming, selectors
from revmentor.feedback.models import (
    Contribution,
    DocumentVersion,
    FeedbackDocument,
    GroupInterview,
    Note,
)
from revmentor.privacy.tasks import schedule_retention
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme, taking_part

logger = logging.getLogger(__name__)
MAX_NOTE = 10_000
MAX_TRANSCRIPT = 500_000


class FeedbackError(Exception):
    """The action cannot be done; the message tells the person why."""


class NamesNotChecked(FeedbackError):
    """A version that may name a mentor was to be approved without the lead saying they
    checked those words (the approval form shows it at its box)."""


class NamesAMentor(FeedbackError):
    """The version to approve names a mentor of the scheme; ``findings`` say which
    sections name whom (the document page shows each at its section)."""

    def __init__(self, message: str, findings: list[naming.Finding]) -> None:
        super().__init__(message)
        self.findings = findings


class VersionChanged(FeedbackError):
    """The version to approve is no longer the latest: the approver's page was out of
    date (the document page shows it at its Approve section, with the latest version)."""


def _log(
    actor: User | None, action: AuditEvent.Action, obj: object, summary: str, scheme_id: int
) -> None:
    audit.record(actor=actor, action=action, obj=obj, summary=summary, scheme_id=scheme_id)  # type: ignore[arg-type]


def _domains(scheme: Scheme) -> list[tuple[str, str]]:
    return [(d["slug"], d["label"]) for d in scheme.domains]


def _check_texts(texts: Sequence[str], what: str) -> None:
    """Refuse text holding a NUL character: no database stores it, and nobody types it."""
    if any("\x00" in text for text in texts):
        raise FeedbackError(f"Remove the hidden null character from the {what}.")


def _check_mentee(scheme: Scheme, mentee: Participant) -> None:
    if mentee.scheme_id != scheme.pk or mentee.role != ParticipantRole.MENTEE:
        raise FeedbackError("That person is not a mentee of this scheme.")


def _check_taking_part(mentee: Participant) -> None:
    """Refuse new feedback about a mentee not taking part (withdrawn, or without a
    current consent to take part): the group discusses only mentees taking part. What
    was written while they took part is kept as it is. One query."""
    if not Participant.objects.filter(taking_part(), pk=mentee.pk).exists():
        name = mentee.user.full_name or "This mentee"
        raise FeedbackError(
            f"{name} is not taking part, so no feedback about them is added: what the group "
            "wrote while they took part is kept as it is."
        )


def interview_for(scheme: Scheme) -> GroupInterview:
    """The scheme's group interview, created empty the first time it is needed."""
    interview, _ = GroupInterview.objects.get_or_create(scheme=scheme)
    return interview


@transaction.atomic
def interview_update(
    *,
    actor: User,
    interview: GroupInterview,
    held_on: date | None,
    facilitator: User | None,
    mentors_present: Sequence[Participant],
) -> GroupInterview:
    """Record when the interview was held, who facilitated and which mentors came."""
    scheme = interview.scheme
    if any(m.scheme_id != scheme.pk or m.role != ParticipantRole.MENTOR for m in mentors_present):
        raise FeedbackError("Everyone present must be a mentor of this scheme.")
    interview.held_on = held_on
    interview.facilitator = facilitator
    interview.save(update_fields=["held_on", "facilitator"])
    interview.mentors_present.set(mentors_present)
    _log(actor, AuditEvent.Action.UPDATE, interview, "Updated the group interview", scheme.pk)
    return interview


@transaction.atomic
def notes_save(
    *, actor: User, interview: GroupInterview, mentee: Participant, texts: Mapping[str, str]
) -> int:
    """Save the group's notes on one mentee, by domain; return how many domains were given.

    Unknown domains are refused; the notes of other domains are left as they are (an
    autosave sends one field at a time).
    """
    scheme = interview.scheme
    _check_mentee(scheme, mentee)
    _check_taking_part(mentee)
    known = {slug for slug, _label in _domains(scheme)}
    unknown = sorted(set(texts) - known)
    if unknown:
        raise FeedbackError(f"Unknown domain: {', '.join(unknown)}.")
    too_long = [d for d, t in texts.items() if len(t) > MAX_NOTE]
    if too_long:
        raise FeedbackError(f"Notes must be {MAX_NOTE} characters or fewer.")
    _check_texts(list(texts.values()), "notes")
    Note.objects.bulk_create(
        [
            Note(interview=interview, mentee=mentee, domain=d, text=t.strip())
            for d, t in texts.items()
        ],
        update_conflicts=True,
        unique_fields=["interview", "mentee", "domain"],
        update_fields=["text", "updated_at"],
    )
    _log(actor, AuditEvent.Action.UPDATE, interview, "Saved interview notes", scheme.pk)
    return len(texts)


MAX_CONTRIBUTION = 5_000  # characters in one box of a mentor's own feedback


@transaction.atomic
def contributions_save(
    *, mentor: Participant, mentee: Participant, texts: Mapping[str, str]
) -> int:
    """Save a mentor's own online feedback on one mentee; return how many domains have text.

    Open to active, consented mentors while the scheme is in phase 1. An empty text
    removes that domain's contribution. Contributions already merged are kept as merged.
    """
    scheme = mentor.scheme
    if mentor.role != ParticipantRole.MENTOR or not mentor.is_active:
        raise FeedbackError("Only mentors taking part can add feedback.")
    if mentor.current_consent() is None:
        raise FeedbackError("Give your consent before you add feedback.")
    if scheme.phase != Phase.PHASE_1:
        raise FeedbackError("Feedback can be added only during phase 1.")
    _check_mentee(scheme, mentee)
    _check_taking_part(mentee)
    known = {slug for slug, _label in _domains(scheme)}
    if set(texts) - known:
        raise FeedbackError("Unknown domain.")
    if any(len(t) > MAX_CONTRIBUTION for t in texts.values()):
        raise FeedbackError(f"Each answer must be {MAX_CONTRIBUTION:,} characters or fewer.")
    _check_texts(list(texts.values()), "feedback")
    kept = {d: t.strip() for d, t in texts.items() if t.strip()}
    Contribution.objects.filter(mentor=mentor, mentee=mentee, merged_at__isnull=True).exclude(
        domain__in=list(kept)
    ).delete()
    Contribution.objects.bulk_create(
        [Contribution(mentor=mentor, mentee=mentee, domain=d, text=t) for d, t in kept.items()],
        update_conflicts=True,
        unique_fields=["mentor", "mentee", "domain"],
        update_fields=["text", "updated_at"],
    )
    _log(mentor.user, AuditEvent.Action.UPDATE, mentor, "Saved online feedback", scheme.pk)
    return len(kept)


@transaction.atomic
def contribution_merge(*, actor: User, contribution: Contribution) -> Note:
    """Add a contribution's text to the group's notes (without its author); mark it merged."""
    locked = (
        Contribution.objects.select_for_update()
        .select_related("mentee__scheme")
        .get(pk=contribution.pk)
    )
    if locked.merged_at is not None:
        raise FeedbackError("That feedback has already been added to the notes.")
    _check_taking_part(locked.mentee)
    interview = interview_for(locked.mentee.scheme)
    note, _ = Note.objects.get_or_create(
        interview=interview, mentee=locked.mentee, domain=locked.domain
    )
    note.text = f"{note.text}\n\n{locked.text}".strip() if note.text else locked.text
    note.save(update_fields=["text", "updated_at"])
    locked.merged_at = timezone.now()
    locked.save(update_fields=["merged_at"])
    _log(
        actor,
        AuditEvent.Action.UPDATE,
        interview,
        "Merged online feedback into notes",
        interview.scheme_id,
    )
    return note


def _document(mentee: Participant) -> FeedbackDocument:
    document, _ = FeedbackDocument.objects.get_or_create(mentee=mentee)
    return document


def _new_version(
    actor: User, document: FeedbackDocument, sections: list[dict[str, str]]
) -> DocumentVersion:
    latest = document.versions.order_by("-number").first()
    return DocumentVersion.objects.create(
        document=document,
        number=(latest.number + 1) if latest else 1,
        sections=sections,
        created_by=actor,
    )


@transaction.atomic
def document_compile(*, actor: User, mentee: Participant) -> DocumentVersion:
    """Start (or restart) a mentee's document from the group's notes, domain by domain;
    only for a mentee taking part (FeedbackError otherwise)."""
    scheme = mentee.scheme
    _check_mentee(scheme, mentee)
    _check_taking_part(mentee)
    notes = dict(
        Note.objects.filter(interview__scheme=scheme, mentee=mentee).values_list("domain", "text")
    )
    sections = [
        {"domain": slug, "label": label, "text": notes.get(slug, "")}
        for slug, label in _domains(scheme)
    ]
    version = _new_version(actor, _document(mentee), sections)
    _log(
        actor,
        AuditEvent.Action.CREATE,
        version,
        f"Compiled document version {version.number}",
        scheme.pk,
    )
    return version


@transaction.atomic
def document_edit(*, actor: User, mentee: Participant, texts: Mapping[str, str]) -> DocumentVersion:
    """Save the facilitator's edits as a new version (the approved one is kept as it was).

    A version that names a mentor is saved all the same, so that no typed text is lost:
    the document page then lists the names found (``selectors.names_in``), and
    :func:`document_approve` refuses it.
    """
    scheme = mentee.scheme
    _check_mentee(scheme, mentee)
    if any(len(t) > MAX_NOTE for t in texts.values()):
        raise FeedbackError(f"Each section must be {MAX_NOTE} characters or fewer.")
    _check_texts(list(texts.values()), "document")
    sections = [
        {"domain": slug, "label": label, "text": texts.get(slug, "").strip()}
        for slug, label in _domains(scheme)
    ]
    version = _new_version(actor, _document(mentee), sections)
    _log(
        actor,
        AuditEvent.Action.UPDATE,
        version,
        f"Edited document, version {version.number}",
        scheme.pk,
    )
    return version


NAMES_CHECKED = "I have checked: these words do not name a mentor who gave the feedback"


def _check_names(
    mentee: Participant, version: DocumentVersion, *, names_checked: bool
) -> list[naming.NameFound]:
    """Refuse a version that names a mentor of the scheme; refuse one that may name one
    (a first name or surname alone) unless the lead has said they checked those words
    (:class:`NamesNotChecked`).

    Returns the possible names the lead checked ([] if there were none).
    """
    found = selectors.names_in(mentee, version)
    named = [name for name in found if name.certain]
    if named:
        raise NamesAMentor(
            f"Version {version.number} cannot be approved: {naming.summary(named)}. "
            "Feedback documents never name the mentors who gave the feedback. Edit the "
            "document to remove the names, save it as a new version, then approve that "
            "version.",
            naming.describe(named),
        )
    if found and not names_checked:
        raise NamesNotChecked(
            f"Check version {version.number} before approving it: {naming.summary(found)}. "
            f"If these words do not name a mentor who gave the feedback, select "
            f"“{NAMES_CHECKED}” and approve it again. If they do, edit the document to "
            "remove them and save it as a new version."
        )
    return found


@transaction.atomic
def document_approve(
    *, actor: User, mentee: Participant, number: int, names_checked: bool = False
) -> DocumentVersion:
    """Approve version ``number`` of the mentee's document; it must be the latest.

    Raises FeedbackError if there is a newer version (the page was out of date:
    :class:`VersionChanged`), the document has no text at all, or it names a mentor of
    the scheme (full name, with or without a title: :class:`NamesAMentor`). Words that
    may name one (a mentor's first name or surname alone) are approved only with
    ``names_checked`` (else :class:`NamesNotChecked`): the lead has read them and says
    they do not, which the version (``names_checked``, so its page says they were
    checked) and the audit trail record.
    """
    document = FeedbackDocument.objects.select_for_update().filter(mentee=mentee).first()
    if document is None:
        raise FeedbackError("There is no document to approve yet: compile it from the notes.")
    latest = document.versions.order_by("-number").first()
    if latest is None or latest.number != number:
        raise VersionChanged(
            "The document has changed since you opened it. Read it again before approving."
        )
    if not any(section["text"].strip() for section in latest.sections):
        raise FeedbackError("The document is empty: add the group's feedback first.")
    checked = _check_names(mentee, latest, names_checked=names_checked)
    latest.approved_at = timezone.now()
    latest.approved_by = actor
    # Kept so that the page can say these words were checked, rather than warn again.
    latest.names_checked = [list(naming.checked_key(name)) for name in checked]
    latest.save(update_fields=["approved_at", "approved_by", "names_checked"])
    document.approved = latest
    document.save(update_fields=["approved"])
    summary = f"Approved document version {number}"
    if checked:
        # Which sections, not the words: the trail holds no free text from a document.
        sections = naming.joined(list(dict.fromkeys(name.label for name in checked)))
        summary += (
            f", having checked that the possible mentor names in {sections} "
            "do not name a mentor who gave the feedback"
        )
    _log(actor, AuditEvent.Action.UPDATE, latest, summary, mentee.scheme_id)
    return latest


@transaction.atomic
def transcript_set(*, actor: User, interview: GroupInterview, text: str) -> GroupInterview:
    """Attach (or, with empty text, remove) the interview's transcript."""
    if len(text) > MAX_TRANSCRIPT:
        raise FeedbackError("The transcript must be smaller than 500,000 characters.")
    _check_texts([text], "transcript")
    interview.transcript = text
    interview.transcript_added_at = timezone.now() if text else None
    interview.save(update_fields=["transcript", "transcript_added_at"])
    _log(
        actor,
        AuditEvent.Action.UPDATE if text else AuditEvent.Action.DELETE,
        interview,
        "Attached the transcript" if text else "Removed the transcript",
        interview.scheme_id,
    )
    return interview


@transaction.atomic
def retention_set(*, actor: User, scheme: Scheme, retention_date: date | None) -> Scheme:
    """Set the scheme's retention date and queue, for the day after it, the deletion of
    its transcript and its participants' identifiers (``privacy.retention``)."""
    scheme.retention_date = retention_date
    scheme.save(update_fields=["retention_date"])
    _log(
        actor,
        AuditEvent.Action.UPDATE,
        scheme,
        f"Set the retention date to {retention_date}",
        scheme.pk,
    )
    schedule_retention(scheme)
    return scheme

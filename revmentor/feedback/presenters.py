"""Phase 1 on the dashboard, in Your tasks and on the feedback documents page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from revmentor.feedback import naming, selectors, willingness
from revmentor.feedback.models import (
    Contribution,
    DocumentVersion,
    FeedbackDocument,
    GroupInterview,
    Note,
    Willingness,
)
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme, taking_part
from revmentor.schemes.presenters import TaskRow, of_whole


def mentor_rows(participations: list[Participant]) -> dict[int, list[TaskRow]]:
    """Phase 1 tasks of consented, active mentors whose scheme is in phase 1."""
    mentors = [
        p
        for p in participations
        if p.role == ParticipantRole.MENTOR
        and p.is_active
        and getattr(p, "has_consent", False)
        and p.scheme.phase in (Phase.PHASE_1, Phase.ALLOCATION)
    ]
    if not mentors:
        return {}
    # Done means answered about every mentee taking part, as willingness_set requires
    # (one added later, or consenting later, reopens the task).
    active_mentees: dict[int, set[int]] = {}
    for scheme_id, mentee_id in Participant.objects.filter(
        taking_part(),
        scheme_id__in={m.scheme_id for m in mentors},
        role=ParticipantRole.MENTEE,
    ).values_list("scheme_id", "pk"):
        active_mentees.setdefault(scheme_id, set()).add(mentee_id)
    given: dict[int, set[int]] = {}
    for mentor_id, mentee_id in Willingness.objects.filter(mentor__in=mentors).values_list(
        "mentor_id", "mentee_id"
    ):
        given.setdefault(mentor_id, set()).add(mentee_id)
    answered = {
        m.pk for m in mentors if active_mentees.get(m.scheme_id, set()) <= given.get(m.pk, set())
    }
    contributed = set(
        Contribution.objects.filter(mentor__in=mentors).values_list("mentor_id", flat=True)
    )
    rows: dict[int, list[TaskRow]] = {}
    for mentor in mentors:
        willingness_href = reverse("own_willingness", args=[mentor.scheme_id])
        found = [
            TaskRow(
                "Say which consultants you are willing to mentor",
                willingness_href,
                "completed" if mentor.pk in answered else "Not started",
                "white",
            )
        ]
        if mentor.scheme.phase == Phase.PHASE_1:
            found.append(
                TaskRow(
                    "Add your feedback online (if you cannot come to the group interview)",
                    reverse("own_feedback", args=[mentor.scheme_id]),
                    "In progress" if mentor.pk in contributed else "Optional",
                    "blue" if mentor.pk in contributed else "grey",
                )
            )
        rows[mentor.pk] = found
    return rows


def interview_counts(scheme: Scheme) -> list[tuple[str, int]]:
    """Dashboard counts for the group interview step: of the mentees taking part (active,
    consent current), as the group discusses only them."""
    if scheme.phase == Phase.SETUP:
        return []
    mentees = Participant.objects.filter(
        taking_part(), scheme=scheme, role=ParticipantRole.MENTEE
    ).count()
    noted = (
        Note.objects.filter(taking_part("mentee"), interview__scheme=scheme)
        .exclude(text="")
        .values("mentee")
        .distinct()
        .count()
    )
    approved = FeedbackDocument.objects.filter(
        taking_part("mentee"), mentee__scheme=scheme, approved__isnull=False
    ).count()
    willing = willingness.mentors_answered(scheme)
    return [
        of_whole(noted, mentees, "mentees have notes", one="mentee has notes"),
        of_whole(approved, mentees, "documents approved", one="document approved"),
        ("mentors have said whom they would mentor", willing),
    ]


@dataclass(frozen=True)
class InterviewMentees:
    """The interview page's mentees, each with whether the group's notes on them have
    begun: ``discussed``, those taking part; ``not_taking_part``, the others (not
    consented yet, consent withdrawn, or withdrawn), whose notes are kept but who are
    not offered for new notes."""

    discussed: list[tuple[Participant, bool]]
    not_taking_part: list[tuple[Participant, bool]]


def interview_mentees(scheme: Scheme, interview: GroupInterview) -> InterviewMentees:
    """The scheme's mentees for the interview page, by name, in two queries."""
    noted = selectors.noted_mentees(interview)
    found = [(m, m.pk in noted) for m in selectors.mentees_of(scheme)]
    return InterviewMentees(
        discussed=[(m, n) for m, n in found if selectors.takes_part(m)],
        not_taking_part=[(m, n) for m, n in found if not selectors.takes_part(m)],
    )


@dataclass(frozen=True)
class DocumentRow:
    """A mentee's document on the documents page, with the mentors' names found in the
    versions that are or may be read: the latest, and the approved one if older."""

    mentee: Participant
    latest: DocumentVersion | None
    approved: DocumentVersion | None
    names: list[naming.NameFound]

    @property
    def names_a_mentor(self) -> bool:
        """A mentor's full name is in it: it must not be approved, or stay approved."""
        return any(name.certain for name in self.names)

    @property
    def may_name_a_mentor(self) -> bool:
        """A first name or surname alone is in a version not yet approved: someone must
        look before approving it (approval asks them to confirm)."""
        waiting = self.latest is not None and (
            self.approved is None or self.approved.pk != self.latest.pk
        )
        return waiting and not self.names_a_mentor and bool(self.names)


def document_rows(scheme: Scheme) -> list[DocumentRow]:
    """A row for each mentee taking part, then for each mentee not taking part whose
    document was begun (it is kept, and may be read; none is begun for them), in four
    queries whatever the number of mentees."""
    documents = selectors.documents_of(scheme)
    latest = selectors.latest_versions(scheme)
    everyone = selectors.mentees_of(scheme)
    mentees = [m for m in everyone if selectors.takes_part(m)] + [
        m for m in everyone if not selectors.takes_part(m) and m.pk in latest
    ]

    def approved(mentee: Participant) -> DocumentVersion | None:
        document = documents.get(mentee.pk)
        return document.approved if document else None

    read = [
        (mentee, version)
        for mentee in mentees
        for version in _distinct(latest.get(mentee.pk), approved(mentee))
    ]
    names: dict[int, list[naming.NameFound]] = {}
    found = selectors.names_in_each(scheme.pk, read)
    for (mentee, _version), in_version in zip(read, found, strict=True):
        names.setdefault(mentee.pk, []).extend(in_version)
    return [
        DocumentRow(mentee, latest.get(mentee.pk), approved(mentee), names.get(mentee.pk, []))
        for mentee in mentees
    ]


def _distinct(*versions: DocumentVersion | None) -> list[DocumentVersion]:
    kept: list[DocumentVersion] = []
    for version in versions:
        if version is not None and all(version.pk != other.pk for other in kept):
            kept.append(version)
    return kept


@dataclass(frozen=True)
class NameCheck:
    """What the document page says of the mentors' names in the version it shows.

    ``named``: full names (it cannot be approved, or stay approved); ``maybe_named``:
    words that may name a mentor, to check before approving; ``checked``: such words
    that whoever approved the version said do not (``checked_by`` their name, "" if not
    recorded; ``checked_at`` when).
    """

    named: list[naming.Finding]
    maybe_named: list[naming.Finding]
    checked: list[naming.Finding]
    checked_by: str = ""
    checked_at: datetime | None = None


def name_check(
    mentee: Participant, version: DocumentVersion | None, approved: DocumentVersion | None
) -> NameCheck:
    """The names in ``version`` (the latest) of the mentee's document, in one query.

    Possible names count as checked only in the approved version and only those its
    approval recorded: a word found since (a mentor who joined later, or renamed) is
    still to be checked. A full name is never "checked": it is always said.
    """
    if version is None:
        return NameCheck([], [], [])
    found = selectors.names_in(mentee, version)
    named = [name for name in found if name.certain]
    possible = [name for name in found if not name.certain]
    record = approved if approved is not None and approved.pk == version.pk else None
    done = {tuple(key) for key in record.names_checked} if record else set()
    checked = [name for name in possible if naming.checked_key(name) in done]
    if not checked or record is None:
        return NameCheck(naming.describe(named), naming.describe(possible), [])
    by = record.approved_by
    return NameCheck(
        naming.describe(named),
        naming.describe([name for name in possible if name not in checked]),
        naming.describe(checked),
        (by.full_name or by.email) if by is not None else "",
        record.approved_at,
    )

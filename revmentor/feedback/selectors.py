"""Reads for phase 1, scoped to the scheme and to what each person may see."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterable

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404

from revmentor.core.models import User
from revmentor.feedback import naming
from revmentor.feedback.models import (
    Contribution,
    DocumentVersion,
    FeedbackDocument,
    GroupInterview,
    Note,
)
from revmentor.schemes.models import Participant, ParticipantRole, Scheme, taking_part

# Later parts of the method release a mentee's document to more readers: each function
# answers whether ``user`` may read the approved document about ``mentee`` (for example
# the mentor allocated to deliver it, once allocation is published).
DOCUMENT_RELEASES: list[Callable[[User, Participant], bool]] = []


def _takes_part() -> ExpressionWrapper[Q]:
    """For annotating ``takes_part``: active, and their consent to take part is current.
    In phase 1 the group discusses, and compiles a document for, only mentees taking part."""
    return ExpressionWrapper(taking_part(), output_field=BooleanField())


def takes_part(participant: Participant) -> bool:
    """Whether the participant, loaded by :func:`mentee_in` or :func:`mentees_of`, takes
    part (active, consent current)."""
    return bool(getattr(participant, "takes_part", False))


def mentee_in(scheme: Scheme, pk: int) -> Participant:
    """The scheme's mentee ``pk`` (taking part or not), with ``takes_part``; Http404 if
    there is none. One query."""
    found = (
        Participant.objects.select_related("user", "scheme")
        .annotate(takes_part=_takes_part())
        .filter(scheme=scheme, pk=pk, role=ParticipantRole.MENTEE)
        .first()
    )
    if found is None:
        raise Http404("No such mentee in this scheme.")
    return found


def mentees_of(scheme: Scheme) -> list[Participant]:
    """The scheme's mentees, each with ``takes_part`` (see :func:`takes_part`): those not
    taking part too, as their phase 1 data stay. One query."""
    return list(
        Participant.objects.filter(scheme=scheme, role=ParticipantRole.MENTEE)
        .annotate(takes_part=_takes_part())
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def notes_of(interview: GroupInterview, mentee: Participant) -> dict[str, str]:
    return dict(
        Note.objects.filter(interview=interview, mentee=mentee).values_list("domain", "text")
    )


def noted_mentees(interview: GroupInterview) -> set[int]:
    """Mentees with any notes."""
    return set(
        Note.objects.filter(interview=interview)
        .exclude(text="")
        .values_list("mentee_id", flat=True)
    )


def unmerged_contributions(mentee: Participant, *, seed: int | None = None) -> list[Contribution]:
    """Contributions about a mentee not yet in the notes, shuffled so their order does
    not hint at who wrote them. Authors are not loaded.

    The shuffle draws from the operating system's random source, so nobody can work
    the order back; ``seed`` (tests only) makes it repeatable.
    """
    found = list(
        Contribution.objects.filter(mentee=mentee, merged_at__isnull=True).only(
            "pk", "domain", "text", "mentee_id"
        )
    )
    shuffler = secrets.SystemRandom() if seed is None else random.Random(seed)  # noqa: S311  # nosec B311
    shuffler.shuffle(found)
    return found


def contribution_in(scheme: Scheme, pk: int) -> Contribution:
    found = Contribution.objects.filter(mentee__scheme=scheme, pk=pk).first()
    if found is None:
        raise Http404("No such contribution in this scheme.")
    return found


def own_contributions(mentor: Participant, mentee: Participant) -> dict[str, Contribution]:
    return {c.domain: c for c in Contribution.objects.filter(mentor=mentor, mentee=mentee)}


def own_contribution_counts(mentor: Participant) -> dict[int, int]:
    counts: dict[int, int] = {}
    for mentee_id in Contribution.objects.filter(mentor=mentor).values_list("mentee_id", flat=True):
        counts[mentee_id] = counts.get(mentee_id, 0) + 1
    return counts


def documents_of(scheme: Scheme) -> dict[int, FeedbackDocument]:
    """Each mentee's document, with its approved version, keyed by mentee pk."""
    return {
        d.mentee_id: d
        for d in FeedbackDocument.objects.filter(mentee__scheme=scheme).select_related("approved")
    }


def latest_versions(scheme: Scheme) -> dict[int, DocumentVersion]:
    latest: dict[int, DocumentVersion] = {}
    for version in (
        DocumentVersion.objects.filter(document__mentee__scheme=scheme)
        .select_related("document")
        .order_by("number")
    ):
        latest[version.document.mentee_id] = version
    return latest


def latest_version(mentee: Participant) -> DocumentVersion | None:
    return DocumentVersion.objects.filter(document__mentee=mentee).order_by("-number").first()


def people_named(scheme_id: int) -> tuple[list[naming.Mentor], list[str]]:
    """The names to look for in the scheme's feedback documents, in one query: every
    mentor's, active or withdrawn (an ex-mentor's name is still an author's name), and
    the full names of its other people (a mentor's first name inside one of them is
    that person's).

    Erased and imported people are left out: what is stored for them ("Erased
    participant", "Imported participant M01") is a placeholder, not a name.
    """
    mentors: list[naming.Mentor] = []
    others: list[str] = []
    for pk, role, name in (
        Participant.objects.filter(scheme_id=scheme_id, erased_at__isnull=True, imported=False)
        .order_by("pk")
        .values_list("pk", "role", "user__full_name")
    ):
        if role == ParticipantRole.MENTOR:
            mentors.append(naming.Mentor(pk, name))
        else:
            others.append(name)
    return mentors, others


def names_in(mentee: Participant, version: DocumentVersion) -> list[naming.NameFound]:
    """The scheme's mentors' names found in a version of ``mentee``'s document (every
    section), as :func:`naming.find_mentor_names` finds them: one query, whatever the
    number of mentors (``mentee.user`` is expected loaded, as ``mentee_in`` loads it)."""
    return names_in_each(mentee.scheme_id, [(mentee, version)])[0]


def names_in_each(
    scheme_id: int, versions: Iterable[tuple[Participant, DocumentVersion]]
) -> list[list[naming.NameFound]]:
    """:func:`names_in` for each (mentee, version) of a scheme: one query for them all."""
    mentors, others = people_named(scheme_id)
    return [
        naming.find_mentor_names(version.sections, mentors, mentee.user.full_name, others)
        for mentee, version in versions
    ]


def approved_naming_mentors(scheme: Scheme) -> list[Participant]:
    """Mentees whose approved document names a mentor in full, in two queries.

    Approval refuses such a version, but one approved before that check, or before a
    mentor joined or changed their name, is found only by looking again.
    """
    documents = list(
        FeedbackDocument.objects.filter(mentee__scheme=scheme, approved__isnull=False)
        .select_related("approved", "mentee__user")
        .order_by("mentee__user__full_name", "mentee__pk")
    )
    approved = [(d.mentee, d.approved) for d in documents if d.approved is not None]
    found = names_in_each(scheme.pk, approved)
    return [
        mentee
        for (mentee, _version), names in zip(approved, found, strict=True)
        if any(name.certain for name in names)
    ]


def approved_version(mentee: Participant) -> DocumentVersion | None:
    """The mentee's approved version, with who approved it, in one query."""
    document = (
        FeedbackDocument.objects.select_related("approved__approved_by")
        .filter(mentee=mentee)
        .first()
    )
    return document.approved if document else None


def released_to(user: User, mentee: Participant) -> bool:
    """Whether anyone outside the facilitator and lead may read this mentee's document."""
    return any(release(user, mentee) for release in DOCUMENT_RELEASES)


def staff_of(scheme: Scheme) -> QuerySet[User]:
    """People with a staff role in the scheme (to choose the facilitator from)."""
    return User.objects.filter(scheme_memberships__scheme=scheme).distinct().order_by("full_name")


def mentors_of(scheme: Scheme) -> QuerySet[Participant]:
    return (
        Participant.objects.filter(scheme=scheme, role=ParticipantRole.MENTOR)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )

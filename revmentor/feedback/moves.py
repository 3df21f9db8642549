"""What moving a scheme on means for phase 1's feedback documents, mentors' own feedback
and willingness (registered with schemes.phases when the app is ready)."""

from __future__ import annotations

from django.urls import reverse

from revmentor.feedback import selectors, willingness
from revmentor.feedback.models import FeedbackDocument
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme, taking_part
from revmentor.schemes.phases import Unfinished


def unfinished_documents(scheme: Scheme) -> list[Unfinished]:
    """Mentees taking part (active, consent current) without an approved feedback
    document: their mentor would have nothing to give them in the session."""
    mentees = Participant.objects.filter(taking_part(), scheme=scheme, role=ParticipantRole.MENTEE)
    total = mentees.count()
    approved = FeedbackDocument.objects.filter(mentee__in=mentees, approved__isnull=False).count()
    if approved >= total:
        return []
    missing = total - approved
    subject = "mentee has" if total == 1 else "mentees have"
    return [
        Unfinished(
            "documents-not-approved",
            f"{missing} of {total} {subject} no approved feedback document: their mentor "
            "would have nothing to give them in the session. You can still approve "
            "documents after you move on.",
            reverse("schemes:documents", args=[scheme.pk]),
            "See the feedback documents",
        )
    ]


def documents_naming_mentors(scheme: Scheme) -> list[Unfinished]:
    """Approved documents that name a mentor in full: approved before the name check
    existed, or before that mentor joined or changed their name."""
    naming = selectors.approved_naming_mentors(scheme)
    if not naming:
        return []
    subject = "document names" if len(naming) == 1 else "documents name"
    return [
        Unfinished(
            "documents-naming-mentors",
            f"{len(naming)} approved {subject} a mentor. A document must "
            "never say who gave the feedback: take the name out and approve it again.",
            reverse("schemes:documents", args=[scheme.pk]),
            "See the feedback documents",
        )
    ]


def unfinished_willingness(scheme: Scheme) -> list[Unfinished]:
    """Mentors taking part who have not said, about every mentee taking part, whether
    they would mentor them: the allocation pairs a mentor only with a mentee they said
    yes to. Someone without a current consent cannot answer and is not counted."""
    total = Participant.objects.filter(
        taking_part(), scheme=scheme, role=ParticipantRole.MENTOR
    ).count()
    missing = total - willingness.mentors_answered(scheme)
    if missing <= 0:
        return []
    subject = "mentor has" if total == 1 else "mentors have"
    return [
        Unfinished(
            "willingness-not-given",
            f"{missing} of {total} {subject} not said about every mentee whether they would "
            "mentor them. They can still say until you move on to phase 2; the allocation "
            "pairs a mentor only with a mentee they said yes to.",
            reverse("schemes:willingness", args=[scheme.pk]),
            "See who has answered",
        )
    ]


def own_feedback_closes(scheme: Scheme, to_phase: Phase) -> list[str]:
    return ["Mentors can no longer add their own feedback about mentees online."]


def willingness_closes(scheme: Scheme, to_phase: Phase) -> list[str]:
    return ["Mentors can no longer say or change whom they are willing to mentor."]

"""Phase 1 on the dashboard and in Your tasks."""

from __future__ import annotations

from django.urls import reverse

from revmentor.feedback import willingness
from revmentor.feedback.models import Contribution, FeedbackDocument, Note, Willingness
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from revmentor.schemes.presenters import TaskRow


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
    # Done means answered about every active mentee (one added later reopens the task).
    active_mentees: dict[int, set[int]] = {}
    for scheme_id, mentee_id in Participant.objects.filter(
        scheme_id__in={m.scheme_id for m in mentors},
        role=ParticipantRole.MENTEE,
        status="active",
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
    """Dashboard counts for the group interview step."""
    if scheme.phase == Phase.SETUP:
        return []
    mentees = Participant.objects.filter(
        scheme=scheme, role=ParticipantRole.MENTEE, status="active"
    ).count()
    noted = (
        Note.objects.filter(interview__scheme=scheme, mentee__status="active")
        .exclude(text="")
        .values("mentee")
        .distinct()
        .count()
    )
    approved = FeedbackDocument.objects.filter(
        mentee__scheme=scheme, mentee__status="active", approved__isnull=False
    ).count()
    willing = willingness.mentors_answered(scheme)
    return [
        (f"of {mentees} mentees have notes", noted),
        (f"of {mentees} documents approved", approved),
        ("mentors have said whom they would mentor", willing),
    ]

"""Willingness pages: a mentor's own answers, the lead's matrix, and willingness.csv.

Each view: scoped lookup (404 to outsiders) → permission (403 to read-only users) →
form → service → presenter → render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from revmentor.core import audit
from revmentor.core import presenters as core_presenters
from revmentor.core.http import AuthedRequest
from revmentor.core.models import AuditEvent
from revmentor.feedback import willingness
from revmentor.feedback.willingness import WillingnessError
from revmentor.questionnaires.interchange import pseudonym
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Participant, ParticipantRole


def _own_mentor(request: AuthedRequest, scheme_pk: int) -> Participant:
    """The user's own participation as an active, consented mentor, or Http404."""
    participant = (
        scheme_selectors.own_participations(request.user).filter(scheme_id=scheme_pk).first()
    )
    if (
        participant is None
        or participant.role != ParticipantRole.MENTOR
        or not participant.is_active
        or not getattr(participant, "has_consent", False)
    ):
        raise Http404("You are not a mentor in this scheme.")
    return participant


def own(request: AuthedRequest, scheme_pk: int) -> HttpResponse:
    """A mentor says, for each mentee taking part, whether they would be willing to mentor
    them (a mentee who has not consented yet is asked about once they do)."""
    mentor = _own_mentor(request, scheme_pk)
    scheme = mentor.scheme
    mentees = willingness.mentees_taking_part(scheme)
    values: dict[int, bool | None] = dict(willingness.own_choices(mentor))
    problem = ""
    check = False
    if request.method == "POST":
        values = willingness.posted_choices(request.POST, mentees)
        check = True
        if all(value is not None for value in values.values()):
            try:
                willingness.willingness_set(
                    mentor=mentor,
                    choices={pk: bool(value) for pk, value in values.items()},
                )
            except WillingnessError as error:
                problem = str(error)
            else:
                messages.success(request, "Thank you. Your answers have been saved")
                return redirect("tasks")
    questions = willingness.questions(mentor, mentees, values, check=check)
    return render(
        request,
        "feedback/willingness_own.jinja",
        {
            "page_title": "Whom you are willing to mentor",
            "scheme": scheme,
            "questions": questions,
            "errors": [{"text": q.error, "href": f"#{q.name}"} for q in questions if q.error],
            "problem": problem,
            "is_open": willingness.is_open(scheme),
        },
    )


MATRIX_ROWS_PER_PAGE = 50


def matrix(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff: the willingness of every mentor taking part for every mentee taking part,
    and the figures.

    The figures count every mentor; the table shows ``MATRIX_ROWS_PER_PAGE`` mentors at a
    time, as each row has a cell per mentee (willingness.csv holds every answer).
    """
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.facilitate")
    mentors = willingness.mentors_taking_part(scheme)
    page = Paginator(mentors, MATRIX_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    result = willingness.matrix(scheme, mentors=list(page))
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        obj=scheme,
        summary="Read the mentors' willingness answers",
        scheme_id=scheme.pk,
        request=request,
    )
    return render(
        request,
        "feedback/willingness_matrix.jinja",
        {
            "page_title": f"Willingness to mentor – {scheme.name}",
            "scheme": scheme,
            "matrix": result,
            "page": page,
            "pagination": (
                core_presenters.pagination(page, {}) if page.paginator.num_pages > 1 else None
            ),
            "summary": willingness.summary(scheme),
            "can_manage": request.user.has_perm("schemes.manage_scheme", scheme),
            "can_export": request.user.has_perm("schemes.export_research", scheme),
        },
    )


def export_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    """``willingness.csv`` of the study data folder, pseudonymised and audited."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    content = willingness.willingness_export(actor=request.user, scheme=scheme, ids=pseudonym)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="willingness.csv"'
    return response

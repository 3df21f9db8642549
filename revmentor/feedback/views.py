"""Phase 1 pages: the group interview, online feedback, feedback documents.

Staff pages: scoped lookup (404 to outsiders) → permission (403) → form → service →
render. Mentors see only their own contributions; nobody is shown who wrote what.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from revmentor.core import audit
from revmentor.core.http import AuthedRequest, posted_int
from revmentor.core.models import AuditEvent
from revmentor.core.signed_out import keeps_typing, kept
from revmentor.feedback import documents as rendering
from revmentor.feedback import presenters, selectors, services
from revmentor.feedback.forms import (
    NAMES_A_MENTOR,
    NAMES_NOT_CHECKED,
    VERSION_CHANGED,
    ApprovalForm,
    InterviewForm,
    RetentionForm,
    TranscriptForm,
)
from revmentor.feedback.models import DocumentVersion, GroupInterview
from revmentor.feedback.services import (
    MAX_CONTRIBUTION,
    MAX_NOTE,
    FeedbackError,
    NamesAMentor,
    NamesNotChecked,
    VersionChanged,
)
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import PHASE_ORDER, Participant, ParticipantRole, Phase, Scheme

FACILITATE = "schemes.facilitate"
MANAGE = "schemes.manage_scheme"


def _not_post(request: AuthedRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def interview(request: AuthedRequest, pk: int) -> HttpResponse:
    """The group interview: when, who, which mentors; links to each mentee's notes."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, FACILITATE)
    record = services.interview_for(scheme)
    form = _details_form(scheme, record, request.POST if request.method == "POST" else None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.interview_update(actor=request.user, interview=record, **form.cleaned_data)
        except FeedbackError as error:
            problem = str(error)
        else:
            messages.success(request, "Group interview details saved")
            return redirect("schemes:interview", scheme.pk)
    return _interview_page(request, scheme, record, form=form, problem=problem)


def _details_form(scheme: Scheme, record: GroupInterview, data: Any = None) -> InterviewForm:
    """When the interview was held, who facilitated it and which mentors came."""
    initial = {
        "held_on": record.held_on,
        "facilitator": record.facilitator_id,
        "mentors_present": list(record.mentors_present.values_list("pk", flat=True)),
    }
    staff = selectors.staff_of(scheme)
    form = InterviewForm(data, initial=initial, staff=staff, mentors=selectors.mentors_of(scheme))
    form.fields["mentors_present"].label_from_instance = lambda p: p.user.full_name  # type: ignore[attr-defined]
    form.fields["facilitator"].label_from_instance = lambda u: u.full_name or u.email  # type: ignore[attr-defined]
    return form


def _interview_page(
    request: AuthedRequest,
    scheme: Scheme,
    record: GroupInterview,
    *,
    form: InterviewForm,
    problem: str = "",
    retention_form: RetentionForm | None = None,
    transcript_form: TranscriptForm | None = None,
) -> HttpResponse:
    """The interview page, with whichever of its forms was posted and has errors."""
    mentees = presenters.interview_mentees(scheme, record)
    return render(
        request,
        "feedback/interview.jinja",
        {
            "page_title": f"Group interview – {scheme.name}",
            "scheme": scheme,
            "interview": record,
            "form": form,
            "problem": problem,
            "mentees": mentees.discussed,
            "not_taking_part": mentees.not_taking_part,
            "can_manage": request.user.has_perm(MANAGE, scheme),
            "retention_form": RetentionForm(initial={"retention_date": scheme.retention_date})
            if retention_form is None
            else retention_form,
            "transcript_form": TranscriptForm() if transcript_form is None else transcript_form,
        },
    )


@keeps_typing
def notes(request: AuthedRequest, pk: int, mentee_pk: int) -> HttpResponse:
    """The group's notes on one mentee, domain by domain; saves as the facilitator types."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, FACILITATE)
    mentee = selectors.mentee_in(scheme, mentee_pk)
    record = services.interview_for(scheme)
    domains = [(d["slug"], d["label"]) for d in scheme.domains]
    texts = selectors.notes_of(record, mentee)
    problem = ""
    if request.method == "POST":
        posted = {slug: request.POST[slug] for slug, _l in domains if slug in request.POST}
        try:
            services.notes_save(actor=request.user, interview=record, mentee=mentee, texts=posted)
        except FeedbackError as error:
            if request.headers.get("X-Autosave"):
                return JsonResponse({"saved": False, "error": str(error)}, status=400)
            problem = str(error)
            if selectors.takes_part(mentee):  # else the page shows the notes kept, read-only
                texts.update(posted)
        else:
            if request.headers.get("X-Autosave"):
                return JsonResponse({"saved": True})
            messages.success(request, f"Notes on {mentee.user.full_name} saved")
            return redirect("schemes:interview_notes", scheme.pk, mentee.pk)
    else:
        typed = kept(request)
        texts.update({slug: typed[slug] for slug, _l in domains if slug in typed})
    # The page shows the group's feedback on the mentee and the mentors' own contributions.
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        obj=mentee,
        summary="Read the group's notes on a mentee",
        scheme_id=scheme.pk,
        request=request,
    )
    return render(
        request,
        "feedback/notes.jinja",
        {
            "page_title": f"Notes on {mentee.user.full_name}",
            "scheme": scheme,
            "mentee": mentee,
            "domains": [(slug, label, texts.get(slug, "")) for slug, label in domains],
            "contributions": selectors.unmerged_contributions(mentee),
            "labels": dict(domains),
            "problem": problem,
            "takes_part": selectors.takes_part(mentee),
        },
    )


def contribution_merge(request: AuthedRequest, pk: int, contribution_pk: int) -> HttpResponse:
    scheme = scheme_selectors.scheme_for_action(request.user, pk, FACILITATE)
    if refused := _not_post(request):
        return refused
    contribution = selectors.contribution_in(scheme, contribution_pk)
    try:
        services.contribution_merge(actor=request.user, contribution=contribution)
    except FeedbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Added to the group's notes")
    return redirect("schemes:interview_notes", scheme.pk, contribution.mentee_id)


def transcript(request: AuthedRequest, pk: int) -> HttpResponse:
    """Read, attach or remove the transcript (facilitator and lead only); set retention."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, FACILITATE)
    record = services.interview_for(scheme)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "retention":
            if not request.user.has_perm(MANAGE, scheme):
                raise PermissionDenied
            retention = RetentionForm(
                request.POST, initial={"retention_date": scheme.retention_date}
            )
            if not retention.is_valid():
                details = _details_form(scheme, record)
                return _interview_page(
                    request, scheme, record, form=details, retention_form=retention
                )
            services.retention_set(actor=request.user, scheme=scheme, **retention.cleaned_data)
            messages.success(request, "Retention date saved")
        elif action == "remove":
            services.transcript_set(actor=request.user, interview=record, text="")
            messages.success(request, "The transcript has been removed")
        else:
            upload = TranscriptForm(request.POST, request.FILES)
            if upload.is_valid():
                try:
                    services.transcript_set(
                        actor=request.user, interview=record, text=upload.cleaned_data["file"]
                    )
                except FeedbackError as error:
                    upload.add_error("file", str(error))
            if upload.errors:
                details = _details_form(scheme, record)
                return _interview_page(
                    request, scheme, record, form=details, transcript_form=upload
                )
            messages.success(request, "The transcript has been attached")
        return redirect("schemes:interview", scheme.pk)
    if not record.transcript:
        raise Http404("There is no transcript.")
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        obj=record,
        summary="Read the transcript",
        scheme_id=scheme.pk,
        request=request,
    )
    return HttpResponse(record.transcript, content_type="text/plain; charset=utf-8")


def documents(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every mentee's feedback document and where it is: not started, draft, approved."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, FACILITATE)
    rows = presenters.document_rows(scheme)
    return render(
        request,
        "feedback/documents.jinja",
        {
            "page_title": f"Feedback documents – {scheme.name}",
            "scheme": scheme,
            "rows": rows,
            "can_manage": request.user.has_perm(MANAGE, scheme),
        },
    )


@keeps_typing
def document(request: AuthedRequest, pk: int, mentee_pk: int) -> HttpResponse:
    """Read and edit one document; each save is a new version, approval keeps its own."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, FACILITATE)
    mentee = selectors.mentee_in(scheme, mentee_pk)
    problem = ""
    labels = {d["slug"]: d["label"] for d in scheme.domains}
    too_long: dict[str, str] = {}  # by domain: what to fix in that box
    if request.method == "POST":
        typed = {slug: request.POST.get(slug, "") for slug in labels}
        too_long = {
            slug: f"{labels[slug]} must be {MAX_NOTE:,} characters or fewer (it has {len(text):,})"
            for slug, text in typed.items()
            if len(text) > MAX_NOTE
        }
        latest = selectors.latest_version(mentee)
        shown = {s["domain"]: s["text"] for s in latest.sections} if latest else {}
        unchanged = latest is not None and {s: t.strip() for s, t in typed.items()} == shown
        # Text too long is shown at its box (the summary links there), with what was typed.
        if not too_long and unchanged:
            assert latest is not None
            messages.info(request, f"Nothing has changed since version {latest.number}")
            return redirect("schemes:document", scheme.pk, mentee.pk)
        if not too_long and not any(text.strip() for text in typed.values()):
            problem = "Write the group's feedback in at least one section"
        elif not too_long:
            try:
                services.document_edit(actor=request.user, mentee=mentee, texts=typed)
            except FeedbackError as error:
                problem = str(error)  # and the form shows what was typed, to correct
            else:
                messages.success(request, "A new version of the document has been saved")
                return redirect("schemes:document", scheme.pk, mentee.pk)
    else:
        held = kept(request)
        typed = {slug: held[slug] for slug in labels if slug in held}
    return _document_page(
        request, scheme, mentee, problem=problem, typed=typed, section_errors=too_long
    )


def _document_page(
    request: AuthedRequest,
    scheme: Scheme,
    mentee: Participant,
    *,
    problem: str = "",
    typed: dict[str, str] | None = None,
    section_errors: dict[str, str] | None = None,
    approval: ApprovalForm | None = None,
    changed: str = "",
) -> HttpResponse:
    """The document page (audited: it shows the document), with the edit form's problem
    or the approval form's error if either was posted wrong: ``section_errors`` say what
    to fix at each section (by domain: text too long, or a mentor named in a version to
    approve), ``changed`` at the Approve section that the version approved was not the
    latest. Each is in the error summary too, linked to where it is said."""
    latest = selectors.latest_version(mentee)
    approved = selectors.approved_version(mentee)
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        obj=mentee,
        summary="Read a feedback document",
        scheme_id=scheme.pk,
        request=request,
    )
    approval = ApprovalForm() if approval is None else approval
    # Said on every visit, not only after a save: the latest version is what gets approved.
    names = presenters.name_check(mentee, latest, approved)
    return render(
        request,
        "feedback/document.jinja",
        {
            "page_title": f"Feedback for {mentee.user.full_name}",
            "scheme": scheme,
            "mentee": mentee,
            "version": latest,
            "approved": approved,
            "sections": rendering.context(mentee, latest)["sections"] if latest else [],
            "problem": problem,
            "typed": typed or {},
            "section_errors": section_errors or {},
            "can_manage": request.user.has_perm(MANAGE, scheme),
            "names": names,
            "approval": approval,
            "changed": changed,
            "takes_part": selectors.takes_part(mentee),
        },
    )


def document_compile(request: AuthedRequest, pk: int, mentee_pk: int) -> HttpResponse:
    scheme = scheme_selectors.scheme_for_action(request.user, pk, FACILITATE)
    if refused := _not_post(request):
        return refused
    mentee = selectors.mentee_in(scheme, mentee_pk)
    try:
        services.document_compile(actor=request.user, mentee=mentee)
    except FeedbackError as error:
        # Not offered on the page: the group discusses only mentees taking part.
        messages.error(request, str(error))
    else:
        messages.success(request, "The document has been compiled from the group's notes")
    return redirect("schemes:document", scheme.pk, mentee.pk)


def document_approve(request: AuthedRequest, pk: int, mentee_pk: int) -> HttpResponse:
    scheme = scheme_selectors.scheme_for_action(request.user, pk, MANAGE)
    if refused := _not_post(request):
        return refused
    mentee = selectors.mentee_in(scheme, mentee_pk)
    number = posted_int(request.POST.get("version", "")) or 0
    approval = ApprovalForm(request.POST)
    ticked = approval.is_valid() and approval.cleaned_data["names_checked"]
    try:
        services.document_approve(
            actor=request.user, mentee=mentee, number=number, names_checked=ticked
        )
    except NamesNotChecked:
        # An error at the box the page asks for, with the words listed above it.
        approval.add_error("names_checked", NAMES_NOT_CHECKED)
        return _document_page(request, scheme, mentee, approval=approval)
    except NamesAMentor as error:
        # At each section naming a mentor, where they are removed; the page, showing
        # the latest version, offers no approval while it names one.
        named = {f.domain: NAMES_A_MENTOR.format(names=f.message) for f in error.findings}
        return _document_page(request, scheme, mentee, section_errors=named, approval=approval)
    except VersionChanged:
        # At the Approve section, now of the latest version. The tick said the words of
        # the version they read name nobody: for a version they have not read it is
        # cleared, to be given again.
        return _document_page(
            request, scheme, mentee, approval=ApprovalForm(), changed=VERSION_CHANGED
        )
    except FeedbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The document for {mentee.user.full_name} is approved")
    return redirect("schemes:document", scheme.pk, mentee.pk)


def _pdf_response(mentee: Participant, version: DocumentVersion) -> HttpResponse:
    response = HttpResponse(rendering.pdf(mentee, version), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="feedback-{mentee.pk}-v{version.number}.pdf"'
    )
    return response


def document_pdf(request: AuthedRequest, pk: int, mentee_pk: int) -> HttpResponse:
    """The latest version as an A4 PDF, for the facilitator and lead."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, FACILITATE)
    mentee = selectors.mentee_in(scheme, mentee_pk)
    version = selectors.latest_version(mentee)
    if version is None:
        raise Http404("The document has not been started.")
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=mentee,
        summary="Downloaded a feedback document",
        scheme_id=scheme.pk,
        request=request,
    )
    return _pdf_response(mentee, version)


# Participants ---------------------------------------------------------------------------


def _own(request: AuthedRequest, scheme_pk: int) -> Participant:
    participant = (
        scheme_selectors.own_participations(request.user).filter(scheme_id=scheme_pk).first()
    )
    if participant is None:
        raise Http404("You do not take part in this scheme.")
    return participant


def _own_mentor(request: AuthedRequest, scheme_pk: int) -> Participant:
    mentor = _own(request, scheme_pk)
    if mentor.role != ParticipantRole.MENTOR or not mentor.is_active or not mentor.has_consent:  # type: ignore[attr-defined]
        raise Http404("Only mentors taking part add feedback.")
    return mentor


def own_feedback_list(request: AuthedRequest, scheme_pk: int) -> HttpResponse:
    """A mentor's online feedback: the mentees, and how many domains they have written."""
    mentor = _own_mentor(request, scheme_pk)
    counts = selectors.own_contribution_counts(mentor)
    mentees = [m for m in selectors.mentees_of(mentor.scheme) if selectors.takes_part(m)]
    return render(
        request,
        "feedback/own_list.jinja",
        {
            "page_title": "Your feedback",
            "scheme": mentor.scheme,
            "mentor": mentor,
            "mentees": [(m, counts.get(m.pk, 0)) for m in mentees],
            "over": _phase_1_over(mentor.scheme),
        },
    )


def _phase_1_over(scheme: Scheme) -> bool:
    return PHASE_ORDER.index(Phase(scheme.phase)) > PHASE_ORDER.index(Phase.PHASE_1)


@keeps_typing
def own_feedback(request: AuthedRequest, scheme_pk: int, mentee_pk: int) -> HttpResponse:
    """A mentor writes their own feedback on one mentee, by domain. Only they see it.

    Only during phase 1, as the service allows: at any other time the page shows what
    they wrote, read-only, with no boxes to type in; a form sent then is refused by the
    service and changes nothing.
    """
    mentor = _own_mentor(request, scheme_pk)
    scheme: Scheme = mentor.scheme
    mentee = selectors.mentee_in(scheme, mentee_pk)
    domains = [(d["slug"], d["label"]) for d in scheme.domains]
    own = selectors.own_contributions(mentor, mentee)
    problem = ""
    too_long: dict[str, str] = {}  # by domain: what to fix in that box
    # Read-only outside phase 1, and about a mentee not taking part (the service refuses).
    is_open = scheme.phase == Phase.PHASE_1 and selectors.takes_part(mentee)
    editable = [
        slug for slug, _l in domains if is_open and (slug not in own or own[slug].merged_at is None)
    ]
    if request.method == "POST":
        typed = {slug: request.POST.get(slug, "") for slug in editable}
        too_long = {
            slug: f"{label} must be {MAX_CONTRIBUTION:,} characters or fewer "
            f"(it has {len(typed[slug]):,})"
            for slug, label in domains
            if len(typed.get(slug, "")) > MAX_CONTRIBUTION
        }
        # Text too long is shown at its box (the summary links there), with what was typed.
        if not too_long:
            try:
                saved = services.contributions_save(mentor=mentor, mentee=mentee, texts=typed)
            except FeedbackError as error:
                problem = str(error)  # and the form shows what was typed, to correct
            else:
                name = mentee.user.full_name
                if saved:
                    messages.success(request, f"Your feedback on {name} has been saved")
                else:
                    messages.info(request, f"Every box was empty, so no feedback on {name} is kept")
                return redirect("own_feedback", scheme.pk)
    else:
        held = kept(request)
        typed = {slug: held[slug] for slug in editable if slug in held}
    return render(
        request,
        "feedback/own_mentee.jinja",
        {
            "page_title": f"Your feedback on {mentee.user.full_name}",
            "scheme": scheme,
            "mentee": mentee,
            "domains": [(slug, label, own.get(slug)) for slug, label in domains],
            "problem": problem,
            "too_long": too_long,
            "max_length": MAX_CONTRIBUTION,
            "typed": typed,
            "open": is_open,
            "over": _phase_1_over(scheme),
            "own_texts": bool(own),
        },
    )


def _released(
    request: AuthedRequest, scheme_pk: int, mentee_pk: int
) -> tuple[Participant, DocumentVersion | None]:
    """The mentee and their approved version, if released to the user (404 if not).

    The version is None while it is withheld: it names a mentor in full (approved before
    approval checked names, or before that mentor joined or changed their name), and a
    document must never say who gave the feedback. Only a version shown is audited.
    """
    participant = _own(request, scheme_pk)
    mentee = selectors.mentee_in(participant.scheme, mentee_pk)
    version = selectors.approved_version(mentee)
    if version is None or not selectors.released_to(request.user, mentee):
        raise Http404("This document has not been released to you.")
    if any(name.certain for name in selectors.names_in(mentee, version)):
        return mentee, None
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        obj=mentee,
        summary="Read a released feedback document",
        scheme_id=scheme_pk,
        request=request,
    )
    return mentee, version


def released_document(request: AuthedRequest, scheme_pk: int, mentee_pk: int) -> HttpResponse:
    """The approved document, for the mentor who delivers it (and the mentee, if allowed)."""
    mentee, version = _released(request, scheme_pk, mentee_pk)
    if version is None:
        return render(request, "feedback/withheld.jinja", {"mentee": mentee})
    pdf = reverse("released_document_pdf", args=[scheme_pk, mentee_pk])
    return HttpResponse(rendering.html(mentee, version, back=reverse("tasks"), pdf=pdf))


def released_document_pdf(request: AuthedRequest, scheme_pk: int, mentee_pk: int) -> HttpResponse:
    mentee, version = _released(request, scheme_pk, mentee_pk)
    if version is None:
        return redirect("released_document", scheme_pk, mentee_pk)
    return _pdf_response(mentee, version)

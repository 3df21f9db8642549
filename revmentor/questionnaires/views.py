"""Questionnaire pages: answering (participants) and running them (leads).

Answering works without JavaScript: each page is an ordinary form with Continue and
Save as draft; a check-your-answers page submits once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from revmentor.core.http import AuthedRequest
from revmentor.core.signed_out import keeps_typing, kept
from revmentor.instruments import clean_answers, expand
from revmentor.instruments.problems import ImportProblem
from revmentor.questionnaires import interchange, presenters, selectors, services
from revmentor.questionnaires.forms import InstrumentImportForm, RemindersForm
from revmentor.questionnaires.models import SchemeInstrument, Stage
from revmentor.questionnaires.services import (
    AlreadySubmitted,
    NoSession,
    QuestionnaireError,
    SessionHeld,
)
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Participant, Phase

AnsweringView = TypeVar("AnsweringView", bound=Callable[..., HttpResponse])


def _says_why_it_is_not_open(view: AnsweringView) -> AnsweringView:
    """Answer a person in no pair who opens a questionnaire about the session, or someone
    whose session was held who opens the one before it unsubmitted, with a page saying
    why it is not open to them (403), not the 404 of a page that does not exist: they
    were emailed about it, and may still follow an old link. Nothing is changed."""

    @functools.wraps(view)
    def refusing(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NoSession as refusal:
            return render(
                request,
                "questionnaires/no_session.jinja",
                {"page_title": "This questionnaire is not for you", "stage": refusal.stage},
                status=403,
            )
        except SessionHeld as refusal:
            return render(
                request,
                "questionnaires/session_held.jinja",
                {"page_title": "This questionnaire is closed", "stage": refusal.stage},
                status=403,
            )

    return cast(AnsweringView, refusing)


def _open(
    request: AuthedRequest, scheme_pk: int, timepoint: str
) -> tuple[Participant, Stage, SchemeInstrument, selectors.State]:
    """The participant, stage, questionnaire and where they are with it: one query.

    404 if the user takes no part in the scheme, or may not answer this questionnaire
    (saying why); for :func:`_says_why_it_is_not_open`, NoSession if it is about the
    one-to-one session and they are in no pair, and SessionHeld if it is the one before
    the session, unsubmitted, and their session was held. A page shown (GET) has the
    answers read in the same query; a form posted has them read only if the page is shown
    again (a save reads them itself).
    """
    with_answers = request.method == "GET"
    found = selectors.answering(request.user, scheme_pk, timepoint, with_answers=with_answers)
    if found.participant is None:
        raise Http404("You do not take part in this scheme.")
    try:
        instrument = services.answerable(found)
    except (NoSession, SessionHeld):
        raise
    except QuestionnaireError as error:
        raise Http404(str(error)) from None
    state = selectors.state_of(instrument, found.response, found.answers)
    return found.participant, instrument.stage, instrument, state


def _already_submitted(request: AuthedRequest, stage: Stage, title: str) -> HttpResponse:
    return render(
        request,
        "questionnaires/already_submitted.jinja",
        {"stage": stage, "title": title, "page_title": "Already submitted"},
    )


@_says_why_it_is_not_open
def start(request: AuthedRequest, scheme_pk: int, timepoint: str) -> HttpResponse:
    """The questionnaire's front page: what it is, when it is due, where you are."""
    participant, stage, instrument, current = _open(request, scheme_pk, timepoint)
    if current.submitted:
        return redirect("questionnaire_submitted", scheme_pk, timepoint)
    domains = instrument.domains()
    pages = [
        (
            section.title,
            any(a.name in current.answers for item in section.items for a in expand(item, domains)),
        )
        for section in current.definition.sections
    ]
    resume = next((i for i, (_t, started) in enumerate(pages) if not started), 0)
    return render(
        request,
        "questionnaires/start.jinja",
        {
            "page_title": current.definition.title,
            "stage": stage,
            "definition": current.definition,
            "pages": pages,
            "resume": resume,
            "started": bool(current.answers),
            "due": selectors.due_date(stage),
            # Said here, from their consent, not in the definition: one text for everyone.
            "research_use": selectors.allows_research_use(participant),
        },
    )


@keeps_typing
@_says_why_it_is_not_open
def page(request: AuthedRequest, scheme_pk: int, timepoint: str, number: int) -> HttpResponse:
    """One page of questions. Continue checks the page; Save as draft keeps what is right."""
    participant, stage, instrument, current = _open(request, scheme_pk, timepoint)
    sections = current.definition.sections
    if not 1 <= number <= len(sections):
        raise Http404("No such page.")
    if current.submitted:
        return _already_submitted(request, stage, current.definition.title)
    domains = instrument.domains()
    index = number - 1
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    slots = [slot.name for item in sections[index].items for slot in expand(item, domains)]
    if request.method == "POST":
        posted = {name: request.POST.get(name, "") for name in slots}
        draft = "save_draft" in request.POST
        if draft and current.response is None and not any(v.strip() for v in posted.values()):
            # Nothing answered and nothing stored: saying "saved" (and showing the
            # questionnaire as in progress) would not be true.
            messages.info(request, "Nothing was saved: you have not answered any questions yet")
            return redirect("tasks")
        try:
            errors = services.response_save_page(
                participant=participant,
                stage=stage,
                section=index,
                answers=posted,
                complete=not draft,
                instrument=instrument,
            )
        except AlreadySubmitted:
            return _already_submitted(request, stage, current.definition.title)
        if draft and not errors:
            messages.success(
                request, "Your answers have been saved. You can come back to them at any time"
            )
            return redirect("tasks")
        if draft:
            messages.info(
                request, "The answers that were complete have been saved. Check the ones below"
            )
        elif not errors:
            # From a Change link of Check your answers: back there, not on to the next page.
            if number < len(sections) and request.GET.get("from") != "check":
                return redirect("questionnaire_page", scheme_pk, timepoint, number + 1)
            return redirect("questionnaire_check", scheme_pk, timepoint)
    else:
        # What was typed here by someone who had been signed out, to check and save.
        typed = kept(request)
        posted = {name: typed[name] for name in slots if name in typed}
    # What was just posted shows over what is stored (read only now: a page that is saved
    # and left needs no answers read).
    answers = {**current.answers, **posted}
    questions = presenters.page_questions(current.definition, index, domains, answers, errors)
    return render(
        request,
        "questionnaires/page.jinja",
        {
            "page_title": f"{sections[index].title} – {current.definition.title}",
            "stage": stage,
            "definition": current.definition,
            "section": sections[index],
            "number": number,
            "total": len(sections),
            "questions": questions,
            "errors": presenters.error_list(questions),
        },
    )


@_says_why_it_is_not_open
def check(request: AuthedRequest, scheme_pk: int, timepoint: str) -> HttpResponse:
    """Check your answers, then submit (once)."""
    participant, stage, instrument, current = _open(request, scheme_pk, timepoint)
    if current.submitted:
        return _already_submitted(request, stage, current.definition.title)
    problem: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.response_submit(participant=participant, stage=stage, instrument=instrument)
        except AlreadySubmitted:
            return _already_submitted(request, stage, current.definition.title)
        except QuestionnaireError as error:
            problem = {"text": str(error), "href": _first_gap(current, instrument)}
        else:
            return redirect("questionnaire_submitted", scheme_pk, timepoint)
    return render(
        request,
        "questionnaires/check.jinja",
        {
            "page_title": f"Check your answers – {current.definition.title}",
            "stage": stage,
            "definition": current.definition,
            "pages": presenters.summary(current.definition, instrument.domains(), current.answers),
            "problem": problem,
        },
    )


def _first_gap(current: selectors.State, instrument: SchemeInstrument) -> str:
    """The first question still to answer (required, shown), as a Change link would
    open it: for the error summary of a submission with gaps. "" if none is found."""
    domains = instrument.domains()
    _clean, errors = clean_answers(current.definition, domains, current.answers, complete=True)
    stage = instrument.stage
    for number, section in enumerate(current.definition.sections, start=1):
        for item in section.items:
            for slot in expand(item, domains):
                if slot.name in errors:
                    page = reverse(
                        "questionnaire_page", args=[stage.scheme_id, stage.timepoint, number]
                    )
                    return f"{page}?from=check#{presenters.field_id(slot.name)}"
    return ""


@_says_why_it_is_not_open
def submitted(request: AuthedRequest, scheme_pk: int, timepoint: str) -> HttpResponse:
    """Confirmation, and the participant's own answers (nobody else's)."""
    participant, stage, instrument, current = _open(request, scheme_pk, timepoint)
    if not current.submitted:
        return redirect("questionnaire", scheme_pk, timepoint)
    return render(
        request,
        "questionnaires/submitted.jinja",
        {
            "page_title": f"Submitted – {current.definition.title}",
            "research_use": selectors.allows_research_use(participant),
            "stage": stage,
            "definition": current.definition,
            "response": current.response,
            "pages": presenters.summary(current.definition, instrument.domains(), current.answers),
        },
    )


# Leads ---------------------------------------------------------------------------------


def manage(request: AuthedRequest, pk: int) -> HttpResponse:
    """The scheme's questionnaires: stages to open, instruments on or off, completion."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.view_scheme")
    return render(
        request,
        "questionnaires/manage.jinja",
        {
            "page_title": f"Questionnaires – {scheme.name}",
            "scheme": scheme,
            "stages": selectors.stages_of(scheme),
            "completion": selectors.completion(scheme),
            "can_manage": request.user.has_perm("schemes.manage_scheme", scheme),
            "can_export": request.user.has_perm("schemes.export_research", scheme),
        },
    )


def stage_open(request: AuthedRequest, pk: int, stage_pk: int) -> HttpResponse:
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    stage = selectors.stage_in(scheme, stage_pk)
    try:
        services.stage_open(actor=request.user, stage=stage)
    except QuestionnaireError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{stage.label}” questionnaires are open")
    return redirect("schemes:questionnaires", scheme.pk)


def instrument_toggle(request: AuthedRequest, pk: int, instrument_pk: int) -> HttpResponse:
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    instrument = selectors.instrument_in(scheme, instrument_pk)
    enabled = request.POST.get("enabled") == "1"
    told = services.scheme_instrument_set_enabled(
        actor=request.user, scheme_instrument=instrument, enabled=enabled
    )
    said = (
        f"{instrument.version.title} ({instrument.get_role_display().lower()}s) is "
        f"{'on' if enabled else 'off'}"
    )
    if told:
        said += ": the people who should answer it are being emailed that it is ready"
    elif enabled and instrument.announced_at is not None:
        said += (
            ". The people who should answer it were emailed that it was ready on "
            f"{timezone.localtime(instrument.announced_at):%-d %B %Y}, "
            "so they are not emailed again"
        )
    messages.success(request, said)
    return redirect("schemes:questionnaires", scheme.pk)


def responses(request: AuthedRequest, pk: int, instrument_pk: int) -> HttpResponse:
    """Who has answered one questionnaire (not what they answered)."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    instrument = selectors.instrument_in(scheme, instrument_pk)
    return render(
        request,
        "questionnaires/responses.jinja",
        {
            "page_title": instrument.version.title,
            "scheme": scheme,
            "instrument": instrument,
            "responses": selectors.responses_of(scheme, instrument),
        },
    )


def response_reopen(request: AuthedRequest, pk: int, response_pk: int) -> HttpResponse:
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    response = selectors.response_in(scheme, response_pk)
    try:
        services.response_reopen(actor=request.user, response=response)
    except QuestionnaireError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The questionnaire of {response.participant.user} is open again")
    return redirect("schemes:questionnaire_responses", scheme.pk, response.scheme_instrument_id)


# Interchange ---------------------------------------------------------------------------


def _download(content: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_fhir(request: AuthedRequest, pk: int, instrument_pk: int) -> HttpResponse:
    """One questionnaire as a FHIR Questionnaire (JSON)."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.view_scheme")
    instrument = selectors.instrument_in(scheme, instrument_pk)
    name = f"{instrument.version.key}-v{instrument.version.version}.fhir.json"
    return _download(interchange.questionnaire_json(instrument), name, "application/fhir+json")


def export_redcap(request: AuthedRequest, pk: int) -> HttpResponse:
    """All the scheme's questionnaires as a REDCap data dictionary (CSV)."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.view_scheme")
    content = interchange.data_dictionary(scheme, selectors.instruments_of(scheme))
    return _download(content, "revmentor-data-dictionary.csv", "text/csv; charset=utf-8")


def export_responses_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    """Submitted answers as ``responses.csv`` of the study data folder (pseudonymised)."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    content = interchange.responses_csv(actor=request.user, scheme=scheme)
    return _download(content, "responses.csv", "text/csv; charset=utf-8")


def export_fhir_responses(request: AuthedRequest, pk: int, instrument_pk: int) -> HttpResponse:
    """Submitted answers to one questionnaire as FHIR QuestionnaireResponses (a Bundle)."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    instrument = selectors.instrument_in(scheme, instrument_pk)
    content = interchange.responses_bundle(actor=request.user, instrument=instrument)
    name = f"{instrument.version.key}-responses.fhir.json"
    return _download(content, name, "application/fhir+json")


def import_instrument(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a custom questionnaire from a REDCap data dictionary or a FHIR Questionnaire."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    form = InstrumentImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            imported = interchange.instrument_import(
                actor=request.user,
                scheme=scheme,
                content=data["content"],
                kind=data["kind"],
                role=data["role"],
                label=data["label"],
                phase=Phase(data["phase"]),
            )
        except ImportProblem as problem:
            problems = problem.problems
        else:
            messages.success(
                request, f"“{imported.version.title}” has been added as “{imported.stage.label}”"
            )
            return redirect("schemes:questionnaires", scheme.pk)
    return render(
        request,
        "questionnaires/import.jinja",
        {"page_title": "Add a questionnaire", "scheme": scheme, "form": form, "problems": problems},
    )


def reminders(request: AuthedRequest, pk: int) -> HttpResponse:
    """When questionnaires are due and when reminders are sent, for stages not yet open."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    stages = selectors.stages_of(scheme)
    upcoming = [s for s in stages if not s.is_open]
    first = upcoming[0] if upcoming else stages[0]
    initial = {
        "reminder_days": ", ".join(map(str, first.reminder_days)),
        "due_days": first.due_days,
    }
    form = RemindersForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.reminders_set(actor=request.user, scheme=scheme, **form.cleaned_data)
        messages.success(request, "Reminder settings saved")
        return redirect("schemes:questionnaires", scheme.pk)
    return render(
        request,
        "questionnaires/reminders.jinja",
        {"page_title": "Reminders", "scheme": scheme, "form": form, "upcoming": upcoming},
    )

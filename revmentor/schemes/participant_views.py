"""Pages for mentors and mentees: Your tasks, and consent (always first)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from revmentor.core.http import AuthedRequest
from revmentor.schemes import presenters, selectors, services
from revmentor.schemes.forms import ConsentForm
from revmentor.schemes.models import Participant
from revmentor.schemes.services import ServiceError
from revmentor.schemes.withdrawal import what_happens


def _own_participation(request: AuthedRequest, scheme_pk: int) -> Participant:
    participant = selectors.own_participations(request.user).filter(scheme_id=scheme_pk).first()
    if participant is None:
        raise Http404("You do not take part in this scheme.")
    return participant


def tasks(request: AuthedRequest) -> HttpResponse:
    """Your tasks: in each scheme you take part in, consent comes first; in one you no
    longer take part in, who ended it and when."""
    participations = list(selectors.own_participations(request.user).with_consent_withdrawn_at())
    return render(
        request,
        "participants/tasks.jinja",
        {
            "participations": participations,
            "rows": presenters.task_rows(participations),
            "stopped": presenters.stopped_texts(participations),
        },
    )


def consent(request: AuthedRequest, scheme_pk: int) -> HttpResponse:
    """Read the information sheet and give (or withdraw) consent."""
    participant = _own_participation(request, scheme_pk)
    if not participant.is_active:
        raise Http404("You have withdrawn from this scheme.")
    change = request.POST.get("research_use_change", "")
    if request.method == "POST" and change in ("allow", "stop"):
        return _change_research_use(request, participant, change == "allow")
    form = ConsentForm(request.POST or None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_give(participant=participant, **form.cleaned_data)
        except ServiceError as error:
            problem = str(error)
        else:
            messages.success(request, "Thank you. Your consent has been recorded")
            return redirect("tasks")
    return render(
        request,
        "participants/consent.jinja",
        {
            "participant": participant,
            "scheme": participant.scheme,
            "consent": participant.current_consent(),
            "form": form,
            "problem": problem,
        },
    )


def _change_research_use(
    request: AuthedRequest, participant: Participant, research_use: bool
) -> HttpResponse:
    """Allow or stop research use of one's answers while going on taking part."""
    try:
        services.consent_set_research_use(participant=participant, research_use=research_use)
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("consent", participant.scheme_id)
    messages.success(
        request,
        "Your answers may now be used for research, with your name and email removed"
        if research_use
        else "Your answers will no longer be used for research. You are still taking part",
    )
    return redirect("tasks")


def consent_withdraw(request: AuthedRequest, scheme_pk: int) -> HttpResponse:
    """Withdraw your consent: open to withdrawn participants too, on purpose.

    Consent can be withdrawn at any time; for someone already withdrawn from the scheme
    it still stops research use of the answers they gave. The page says what happens to
    their data, naming the scheme's leads to ask, and an email confirms it once withdrawn
    (``send_consent_withdrawn``).
    """
    participant = _own_participation(request, scheme_pk)
    if request.method == "POST":
        try:
            services.consent_withdraw(participant=participant)
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, "Your consent has been withdrawn. We have emailed you to confirm it"
            )
        return redirect("tasks")
    return render(
        request,
        "participants/consent_withdraw.jinja",
        {
            "participant": participant,
            "scheme": participant.scheme,
            "what_happens": what_happens(
                taking_part=participant.is_active,
                leads=selectors.leads_to_contact(participant.scheme_id),
            ),
        },
    )

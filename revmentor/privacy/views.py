"""The lead's data-protection pages for one participant: download their personal data
(subject access) and erase it. Lead and site admin only (``schemes.manage_scheme``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from revmentor.core.http import AuthedRequest
from revmentor.privacy import access, erasure
from revmentor.privacy.forms import EraseForm
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.services import ServiceError

MANAGE = "schemes.manage_scheme"


def personal_data(request: AuthedRequest, pk: int, participant_pk: int) -> HttpResponse:
    """Everything held about the participant, as a zip; recorded as an export."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, MANAGE)
    participant = scheme_selectors.participant_in(scheme, participant_pk)
    participant.scheme = scheme
    content = access.personal_data_zip(actor=request.user, participant=participant)
    response = HttpResponse(content, content_type="application/zip")
    name = f"{access.folder_name(participant)}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def erase(request: AuthedRequest, pk: int, participant_pk: int) -> HttpResponse:
    """Say exactly what erasing the participant will do; erase on confirmation."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, MANAGE)
    participant = scheme_selectors.participant_in(scheme, participant_pk)
    participant.scheme = scheme
    if participant.erased_at is not None:
        messages.info(request, "This participant's personal data has already been erased")
        return redirect("schemes:participants", scheme.pk)
    form = EraseForm(request.POST if request.method == "POST" else None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            erasure.participant_erase(actor=request.user, participant=participant)
        except ServiceError as error:
            problem = str(error)
        else:
            messages.success(request, "The participant's personal data has been erased")
            return redirect("schemes:participants", scheme.pk)
    return render(
        request,
        "privacy/erase.jinja",
        {
            "scheme": scheme,
            "participant": participant,
            "plan": erasure.erasure_plan(participant),
            "form": form,
            "problem": problem,
        },
    )

"""The lead's allocation page: run, review, re-run with a reason, publish, verify."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from revmentor.allocation import presenters, selectors, services
from revmentor.allocation.forms import RunForm
from revmentor.allocation.models import Allocation
from revmentor.allocation.services import AllocationError, ReasonNeeded
from revmentor.core.http import AuthedRequest
from revmentor.schemes import selectors as scheme_selectors


def allocation(request: AuthedRequest, pk: int) -> HttpResponse:
    """Review the current allocation (pairs, unmatched and why, seed) or run one.

    A re-run replacing a draft needs its reason: left out, the reason field is in error.
    A published pair of which someone stopped taking part is marked as ended: a
    published allocation is never drawn again, and the page says so.
    """
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.facilitate")
    can_manage = request.user.has_perm("schemes.manage_scheme", scheme)
    shown = selectors.current(scheme)
    needs_reason = shown is not None and shown.status == Allocation.Status.DRAFT
    form = RunForm(request.POST or None, needs_reason=needs_reason)
    problem = ""
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                made = services.allocation_run(
                    actor=request.user, scheme=scheme, **form.cleaned_data
                )
            except ReasonNeeded as error:  # a draft drawn since the page was shown
                form.add_error("reason", str(error))
                shown = selectors.current(scheme)
            except AllocationError as error:
                problem = str(error)
            else:
                messages.success(request, f"Allocation {made.number} drawn with seed {made.seed}")
                return redirect("schemes:allocation", scheme.pk)
    return render(
        request,
        "allocation/allocation.jinja",
        {
            "page_title": f"Allocation – {scheme.name}",
            "scheme": scheme,
            "allocation": shown,
            "pairs": presenters.pair_rows(selectors.pairs_of(shown)) if shown else [],
            "unmatched": selectors.unmatched_of(shown) if shown else [],
            "without_consent": selectors.left_out_without_consent(shown) if shown else None,
            "stopped": (
                selectors.stopped_since_drawn(shown)
                if shown and shown.status == Allocation.Status.DRAFT
                else []
            ),
            "history": selectors.history(scheme),
            "form": form,
            "problem": problem,
            "can_manage": can_manage,
        },
    )


def publish(request: AuthedRequest, pk: int, allocation_pk: int) -> HttpResponse:
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    chosen = selectors.allocation_in(scheme, allocation_pk)
    try:
        published = services.allocation_publish(actor=request.user, allocation=chosen)
    except AllocationError as error:
        messages.error(request, str(error))
    else:
        told = "every pair has been told"
        if selectors.unmatched_to_tell(published):
            told = "every pair, and everyone left unmatched, has been told"
        messages.success(request, f"The allocation is published and {told}")
    return redirect("schemes:allocation", scheme.pk)


def verify(request: AuthedRequest, pk: int, allocation_pk: int) -> HttpResponse:
    """Re-run an allocation from its record and say whether it gives the same pairs."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.facilitate")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    chosen = selectors.allocation_in(scheme, allocation_pk)
    ok, message = services.allocation_verify(actor=request.user, allocation=chosen)
    (messages.success if ok else messages.error)(request, f"Allocation {chosen.number}: {message}")
    return redirect("schemes:allocation", scheme.pk)


def record(request: AuthedRequest, pk: int, allocation_pk: int) -> HttpResponse:
    """The allocation's full record as JSON, for an auditor to re-run with `revmentor allocate`."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.facilitate")
    chosen = selectors.allocation_in(scheme, allocation_pk)
    response = HttpResponse(json.dumps(chosen.record, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="allocation-{chosen.number}.json"'
    return response

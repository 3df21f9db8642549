"""Pages for leads and staff: schemes, participants, invitations, the dashboard.

Each view: scoped lookup (404 to outsiders) → permission (403 to read-only users) →
form → service → presenter → render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from revmentor.core import presenters as core_presenters
from revmentor.core.http import AuthedRequest, posted_int
from revmentor.schemes import csv_import, phases, presenters, selectors, services
from revmentor.schemes.forms import (
    MembershipForm,
    MoveOnForm,
    ParticipantAddForm,
    ParticipantEditForm,
    ParticipantSearchForm,
    ParticipantsImportForm,
    SchemeCreateForm,
    SchemeEditForm,
    WithdrawForm,
)
from revmentor.schemes.models import Participant, ParticipantRole, Phase, StaffRole
from revmentor.schemes.services import ServiceError


def _not_post(request: HttpRequest) -> HttpResponse | None:
    """For POST-only actions, checked after the lookup so a GET tells outsiders nothing."""
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def scheme_list(request: AuthedRequest) -> HttpResponse:
    """The schemes a person runs, facilitates or researches."""
    schemes = selectors.schemes_managed_by(request.user)
    return render(
        request,
        "schemes/list.jinja",
        {
            "schemes": schemes,
            "can_create": request.user.has_perm("schemes.create_scheme"),
            "can_pool": selectors.schemes_for_research(request.user)[:2].count() == 2,
        },
    )


def scheme_create(request: AuthedRequest) -> HttpResponse:
    if not request.user.has_perm("schemes.create_scheme"):
        raise PermissionDenied
    organisations = selectors.organisations_for_new_scheme(request.user)
    form = SchemeCreateForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        scheme = services.scheme_create(actor=request.user, **form.cleaned_data)
        messages.success(request, f"{scheme.name} has been created")
        return redirect("schemes:detail", scheme.pk)
    return render(request, "schemes/create.jinja", {"form": form})


def scheme_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The scheme dashboard: Figure 1 as a pipeline with counts."""
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.view_scheme")
    return render(
        request,
        "schemes/detail.jinja",
        {
            "scheme": scheme,
            "stages": presenters.pipeline(scheme),
            "next_phase": phases.next_phase(scheme),
            "can_manage": request.user.has_perm("schemes.manage_scheme", scheme),
        },
    )


def scheme_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    initial = {
        "name": scheme.name,
        "specialty": scheme.specialty,
        "domains": "\n".join(d["label"] for d in scheme.domains),
        "information_sheet": scheme.information_sheet,
        "information_sheet_version": scheme.information_sheet_version,
        "release_documents_to_mentees": scheme.release_documents_to_mentees,
        "retention_date": scheme.retention_date,
    }
    form = SchemeEditForm(request.POST or None, initial=initial)
    # Once phase 1 starts the domains are fixed: the form keeps them whatever is posted.
    form.fields["domains"].disabled = not scheme.domains_editable
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.scheme_update(actor=request.user, scheme=scheme, **form.cleaned_data)
        except ServiceError as error:
            problem = str(error)
        else:
            messages.success(request, "Scheme details saved")
            return redirect("schemes:detail", scheme.pk)
    return render(
        request, "schemes/edit.jinja", {"scheme": scheme, "form": form, "problem": problem}
    )


def scheme_advance(request: AuthedRequest, pk: int) -> HttpResponse:
    """Say what moving the scheme on to its next phase means: what stops it, what is
    unfinished and what it changes. Move it on when the lead confirms."""
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    target = phases.next_phase(scheme)
    if request.method == "POST" and (target is None or request.POST.get("to") != target.value):
        messages.error(request, "The scheme has moved on since you loaded the page. Try again.")
        return redirect("schemes:detail", scheme.pk)
    if target is None:
        messages.info(request, "This scheme is closed: there is no phase after it.")
        return redirect("schemes:detail", scheme.pk)
    move = phases.plan(scheme, target)
    seen = request.POST.getlist("seen")
    # The tick is asked for when the page showed something unfinished; anything new since
    # is for the service to refuse, saying what it is.
    shown = bool(seen) if request.method == "POST" else bool(move.unfinished)
    form = MoveOnForm(request.POST if request.method == "POST" else None, unfinished=shown)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.scheme_move_phase(
                actor=request.user, scheme=scheme, to_phase=target, seen=seen
            )
        except ServiceError as error:
            # Something new is unfinished: show the list again, to be confirmed afresh.
            problem = str(error)
            move = phases.plan(scheme, target)
            form = MoveOnForm(unfinished=bool(move.unfinished))
        else:
            messages.success(request, f"The scheme is now in {Phase(scheme.phase).label}")
            return redirect("schemes:detail", scheme.pk)
    return render(
        request,
        "schemes/advance.jinja",
        {
            "scheme": scheme,
            "move": move,
            "form": form,
            "problem": problem,
            "last_move": selectors.last_move(scheme),
        },
    )


PARTICIPANTS_PER_PAGE = 100


def participant_list(request: AuthedRequest, pk: int) -> HttpResponse:
    """The scheme's mentors and mentees, a page at a time, found by name or email.

    A regional scheme can hold thousands of people: the page shows
    ``PARTICIPANTS_PER_PAGE`` of them at a time (mentors first, then mentees, each by
    name), and its counts come from the database, not from the people shown.
    """
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.see_people")
    form = ParticipantSearchForm(request.GET)
    search = form.search()
    counts = selectors.people_counts(scheme)
    found = selectors.participants_matching(scheme, search)
    page = Paginator(found, PARTICIPANTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = presenters.participant_rows(list(page.object_list))
    return render(
        request,
        "participants/list.jinja",
        {
            "scheme": scheme,
            "counts": counts,
            "form": form,
            "search": search,
            "page": page,
            "mentors": [r for r in rows if r.participant.role == ParticipantRole.MENTOR],
            "mentees": [r for r in rows if r.participant.role == ParticipantRole.MENTEE],
            "pagination": (
                core_presenters.pagination(page, {"q": search})
                if page.paginator.num_pages > 1
                else None
            ),
            "can_manage": request.user.has_perm("schemes.manage_scheme", scheme),
        },
    )


def participant_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    form = ParticipantAddForm(request.POST or None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["role"] = ParticipantRole(data["role"])
        try:
            participant = services.participant_add(actor=request.user, scheme=scheme, **data)
        except ServiceError as error:
            problem = str(error)
        else:
            messages.success(request, f"{participant.user} has been added")
            if "add_another" in request.POST:
                return redirect("schemes:participant_add", scheme.pk)
            return redirect("schemes:participants", scheme.pk)
    return render(
        request, "participants/add.jinja", {"scheme": scheme, "form": form, "problem": problem}
    )


def participant_import(request: AuthedRequest, pk: int) -> HttpResponse:
    """Upload a CSV of participants: every row is checked, then all are added or none."""
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    form = ParticipantsImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            added = csv_import.import_participants(
                actor=request.user,
                scheme=scheme,
                stream=form.cleaned_data["file"],
            )
        except csv_import.ImportFailed as failure:
            errors = [str(error) for error in failure.errors]
        except ServiceError as error:
            errors = [str(error)]
        else:
            messages.success(request, f"{len(added)} participants have been added")
            return redirect("schemes:participants", scheme.pk)
    return render(
        request,
        "participants/import.jinja",
        {
            "scheme": scheme,
            "form": form,
            "errors": errors,
            "columns": csv_import.REQUIRED_COLUMNS + csv_import.OPTIONAL_COLUMNS,
        },
    )


def _yes_no_initial(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def participant_edit(request: AuthedRequest, pk: int, participant_pk: int) -> HttpResponse:
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    participant = selectors.participant_in(scheme, participant_pk)
    initial = {
        "grade": participant.grade,
        "sex": participant.sex,
        "age": participant.age,
        "years_as_consultant": participant.years_as_consultant,
        "previous_mentoring": _yes_no_initial(participant.previous_mentoring),
        "supervisor": participant.supervisor_id,
    }
    form = ParticipantEditForm(
        request.POST or None,
        initial=initial,
        participant=participant,
        mentees=selectors.active_mentees(scheme),
    )
    problem = ""
    if request.method == "POST" and form.is_valid():
        data = {"years_as_consultant": None, "supervisor": None, **form.cleaned_data}
        try:
            services.participant_update(actor=request.user, participant=participant, **data)
        except ServiceError as error:
            problem = str(error)
        else:
            messages.success(request, f"Details of {participant.user} saved")
            return redirect("schemes:participants", scheme.pk)
    return render(
        request,
        "participants/edit.jinja",
        {"scheme": scheme, "participant": participant, "form": form, "problem": problem},
    )


SUPERVISORS_PER_PAGE = 50


def supervisors(request: AuthedRequest, pk: int) -> HttpResponse:
    """Link each mentor to their own clinical supervisor, a page of mentors at a time.

    Every mentor's list offers every mentee, so the page grows with mentors × mentees:
    it shows ``SUPERVISORS_PER_PAGE`` mentors at a time (a large scheme can give its
    supervisors in the participants CSV instead). Saving changes only the mentors whose
    list was on the page that was sent.
    """
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    mentors = [p for p in selectors.participants_of(scheme) if p.is_mentor]
    page = Paginator(mentors, SUPERVISORS_PER_PAGE).get_page(request.GET.get("page"))
    mentees = list(selectors.active_mentees(scheme))
    problem = ""
    if request.method == "POST":
        assignments: dict[int, int | None] = {
            mentor.pk: posted_int(request.POST[f"supervisor-{mentor.pk}"])
            for mentor in mentors
            if f"supervisor-{mentor.pk}" in request.POST
        }
        try:
            changed = services.supervisors_set(
                actor=request.user,
                scheme=scheme,
                assignments=assignments,
            )
        except ServiceError as error:
            problem = str(error)
        else:
            messages.success(request, f"Clinical supervisors saved ({changed} changed)")
            if page.has_next():
                following = page.next_page_number()
                return redirect(
                    f"{reverse('schemes:supervisors', args=[scheme.pk])}?page={following}"
                )
            return redirect("schemes:participants", scheme.pk)
    return render(
        request,
        "participants/supervisors.jinja",
        {
            "scheme": scheme,
            "page": page,
            "mentees": mentees,
            "problem": problem,
            "pagination": (
                core_presenters.pagination(page, {}) if page.paginator.num_pages > 1 else None
            ),
        },
    )


def participant_invite(request: AuthedRequest, pk: int, participant_pk: int) -> HttpResponse:
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    if refused := _not_post(request):
        return refused
    participant = selectors.participant_in(scheme, participant_pk)
    try:
        services.participant_invite(actor=request.user, participant=participant)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"An invitation has been sent to {participant.user.email}")
    return redirect("schemes:participants", scheme.pk)


def participants_invite_all(request: AuthedRequest, pk: int) -> HttpResponse:
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    if refused := _not_post(request):
        return refused
    count = services.participants_invite_pending(actor=request.user, scheme=scheme)
    if count:
        messages.success(request, f"Invitations have been sent to {count} people")
    else:
        messages.info(request, "Everyone has already been invited")
    return redirect("schemes:participants", scheme.pk)


def participant_withdraw(request: AuthedRequest, pk: int, participant_pk: int) -> HttpResponse:
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.manage_scheme")
    participant: Participant = selectors.participant_in(scheme, participant_pk)
    form = WithdrawForm(request.POST or None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_withdraw(
                actor=request.user,
                participant=participant,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            problem = str(error)
        else:
            messages.success(request, f"{participant.user} has been withdrawn")
            return redirect("schemes:participants", scheme.pk)
    return render(
        request,
        "participants/withdraw.jinja",
        {"scheme": scheme, "participant": participant, "form": form, "problem": problem},
    )


def team(request: AuthedRequest, pk: int) -> HttpResponse:
    """The scheme's staff: leads, facilitators and researchers; leads can add more."""
    scheme = selectors.scheme_for_action(request.user, pk, "schemes.view_scheme")
    can_manage = request.user.has_perm("schemes.manage_scheme", scheme)
    form = MembershipForm(request.POST or None)
    problem = ""
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                membership = services.membership_grant(
                    actor=request.user, scheme=scheme, **{**data, "role": StaffRole(data["role"])}
                )
            except ServiceError as error:
                problem = str(error)
            else:
                messages.success(
                    request, f"{membership.user} is now {membership.get_role_display().lower()}"
                )
                return redirect("schemes:team", scheme.pk)
    return render(
        request,
        "schemes/team.jinja",
        {
            "scheme": scheme,
            "memberships": selectors.memberships_of(scheme),
            "form": form,
            "problem": problem,
            "can_manage": can_manage,
        },
    )

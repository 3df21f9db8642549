"""Session pages: the pair's own page (arrange, invite, log) and the staff list.

Participants: own participation → own published pair (404 to everyone else) → form →
service. Staff: scoped lookup (404 to outsiders) → permission (403) → presenter.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from revmentor.allocation.models import Pair
from revmentor.core.http import AuthedRequest, posted_int
from revmentor.meetings import export, invites, presenters, selectors, services
from revmentor.meetings.forms import LogForm, ProposeForm, posted_version
from revmentor.meetings.services import LogChanged, MeetingError
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Participant

FACILITATE = "schemes.facilitate"
EXPORT = "schemes.export_research"


def _own_pairs(request: AuthedRequest, scheme_pk: int) -> tuple[Participant, list[Pair]]:
    """The participant's published pairs; 404 unless they take part (active, consent
    current): someone who stopped has no session, nor their partner's address."""
    participant = (
        scheme_selectors.own_participations(request.user).filter(scheme_id=scheme_pk).first()
    )
    taking_part = participant is not None and getattr(participant, "has_consent", False)
    pairs = selectors.own_pairs(participant) if participant is not None and taking_part else []
    if participant is None or not pairs:
        raise Http404("You are not in a published pair in this scheme.")
    return participant, pairs


def _initial(pair: Pair) -> dict[str, object]:
    meeting = selectors.meeting_of(pair)
    if meeting is None or meeting.starts_at is None:
        return {}
    local = timezone.localtime(meeting.starts_at)
    return {"date": local.date(), "time": local.strftime("%H:%M"), "place": meeting.place}


def _post(
    request: AuthedRequest, participant: Participant, pair: Pair, prefix: str
) -> tuple[str, ProposeForm | None, LogForm | None]:
    """Do the posted action; return a success message (or ''), and any bound form."""
    action = request.POST.get("action", "")
    before = selectors.meeting_of(pair)
    confirmed = before is not None and before.is_confirmed
    if action == "propose":
        propose = ProposeForm(request.POST, prefix=prefix)
        if not propose.is_valid():
            return "", propose, None
        try:
            services.meeting_propose(
                participant=participant,
                pair=pair,
                starts_at=propose.starts_at(),
                place=propose.cleaned_data["place"],
            )
        except MeetingError as error:
            propose.add_error(None, str(error))
            return "", propose, None
        done = "Time proposed. We will show it to the other person to confirm"
        if confirmed:
            done += ". The time you had confirmed is cancelled: we have emailed you both a file "
            done += "to remove it from your calendar"
        return done, None, None
    # Confirm and Cancel post the sequence of the time the page showed: a time changed
    # since is refused (services.TimeChanged) and the page shown afresh.
    shown = posted_version(request.POST.get(f"{prefix}-sequence", ""))
    if action == "confirm":
        services.meeting_confirm(participant=participant, pair=pair, sequence=shown)
        return "Session confirmed. We have emailed you both a calendar invite", None, None
    if action == "cancel":
        services.meeting_cancel(participant=participant, pair=pair, sequence=shown)
        if confirmed:
            return (
                "The session time has been cancelled. We have told the other person and "
                "emailed you both a file to remove it from your calendar",
                None,
                None,
            )
        # A time only proposed: withdrawn, or turned down; either way the other is told.
        return "The session time has been cancelled. We have told the other person", None, None
    if action == "log":
        log = LogForm(request.POST, prefix=prefix)
        if not log.is_valid():
            return "", None, log
        try:
            meeting = services.meeting_log(participant=participant, pair=pair, **log.cleaned_data)
        except LogChanged:
            raise  # shown with a fresh form, filled in with what is stored now
        except MeetingError as error:
            log.add_error(error.field, str(error))
            return "", None, log
        return presenters.logged_message(participant, pair, meeting), None, None
    raise MeetingError("Choose what you want to do.")


def own_meeting(request: AuthedRequest, scheme_pk: int) -> HttpResponse:
    """A mentor's or mentee's session: who they meet, arrange the time, download the
    invite, and afterwards log whether it took place and how long it lasted."""
    participant, pairs = _own_pairs(request, scheme_pk)
    bound: dict[int, tuple[ProposeForm | None, LogForm | None, str]] = {}
    if request.method == "POST":
        posted = request.POST.get("pair", "")
        pair = selectors.own_pair(participant, posted_int(posted) or 0)
        try:
            done, propose, log = _post(request, participant, pair, f"pair{pair.pk}")
        except MeetingError as error:
            bound[pair.pk] = (None, None, str(error))
        else:
            if done:
                messages.success(request, done)
                return redirect("own_meeting", scheme_pk)
            bound[pair.pk] = (propose, log, "")
        pairs = selectors.own_pairs(participant)
    cards = []
    for pair in pairs:
        propose, log, problem = bound.get(pair.pk, (None, None, ""))
        prefix = f"pair{pair.pk}"
        meeting = selectors.meeting_of(pair)
        cards.append(
            presenters.pair_card(
                participant,
                pair,
                propose_form=propose or ProposeForm(initial=_initial(pair), prefix=prefix),
                log_form=log or LogForm(initial=LogForm.initial_for(meeting), prefix=prefix),
                problem=problem,
            )
        )
    return render(
        request,
        "meetings/own.jinja",
        {
            "page_title": "Your one-to-one session",
            "scheme": participant.scheme,
            "participant": participant,
            "cards": cards,
        },
    )


def own_meeting_ics(request: AuthedRequest, scheme_pk: int, pair_pk: int) -> HttpResponse:
    """The session's confirmed time as a calendar file, for either person of the pair.

    Not found while no time is confirmed (a time only proposed may still change), once
    the session is logged, or once the other person stopped taking part: the session
    page offers the file only when this serves it (``presenters.invite_offered``).
    """
    participant, _pairs = _own_pairs(request, scheme_pk)
    pair = selectors.own_pair(participant, pair_pk)
    meeting = selectors.meeting_of(pair)
    partner_left = not pair.takes_part(pair.other(participant.pk).pk)
    if meeting is None or not presenters.invite_offered(meeting, partner_left=partner_left):
        raise Http404("The session has no confirmed time to put in a calendar.")
    response = HttpResponse(invites.invite(meeting, pair), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="{invites.filename(meeting)}"'
    return response


def scheme_meetings(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every published pair and where their session is; how many are still outstanding.

    A session not logged when someone of the pair stopped taking part will not go ahead:
    it is counted apart, not as outstanding."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, FACILITATE)
    sessions = presenters.pair_rows(selectors.scheme_pairs(scheme))
    return render(
        request,
        "meetings/staff.jinja",
        {
            "page_title": f"Sessions – {scheme.name}",
            "scheme": scheme,
            "rows": sessions.rows,
            "outstanding": sessions.outstanding,
            "will_not_go_ahead": sessions.will_not_go_ahead,
            "to_hold": sessions.to_hold,
            "can_manage": request.user.has_perm("schemes.manage_scheme", scheme),
            "can_export": request.user.has_perm(EXPORT, scheme),
        },
    )


def sessions_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    """Held sessions as ``sessions.csv`` of the study data folder (pseudonymised)."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, EXPORT)
    content = export.sessions_csv(actor=request.user, scheme=scheme)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sessions.csv"'
    return response

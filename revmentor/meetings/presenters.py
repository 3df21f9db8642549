"""Sessions on the dashboard, in Your tasks and on the staff list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair, ended
from revmentor.allocation.presenters import ended_text, partner_left_row, taking_part
from revmentor.feedback.models import FeedbackDocument
from revmentor.meetings.answers import answer_text, change_text
from revmentor.meetings.models import Meeting
from revmentor.meetings.selectors import meeting_of
from revmentor.meetings.services import CANCEL_PHASES, LOG_PHASES, name_of
from revmentor.schemes import models as scheme_models
from revmentor.schemes.models import Participant, Phase, Scheme
from revmentor.schemes.presenters import TaskRow, of_whole

TASK_TITLE = "Arrange and log your one-to-one session"
MENTEE_ROLE = "the consultant you will give the group's feedback to"


def _date(meeting: Meeting) -> str:
    assert meeting.starts_at is not None
    return f"{timezone.localtime(meeting.starts_at):%-d %B %Y at %H:%M}"


@dataclass(frozen=True)
class Status:
    """Where a pair's session is, in words and as a tag colour."""

    label: str
    colour: str
    outstanding: bool


def status_of(meeting: Meeting | None) -> Status:
    """Not arranged, proposed, arranged for a date, held (with minutes) or not held."""
    if meeting is None or (meeting.starts_at is None and not meeting.is_logged):
        return Status("Not arranged", "white", True)
    if meeting.held is True:
        return Status(f"Held, {meeting.duration_minutes} minutes", "green", False)
    if meeting.held is False:
        return Status("Did not take place", "grey", False)
    if meeting.is_confirmed:
        return Status(f"Arranged for {_date(meeting)}", "blue", True)
    return Status(f"Proposed for {_date(meeting)}, not yet confirmed", "yellow", True)


#: A session not logged when someone of the pair stopped taking part, in the words the
#: pair see (``allocation.presenters.partner_left_row``).
WILL_NOT_GO_AHEAD = Status("Will not go ahead", "grey", False)


@dataclass(frozen=True)
class PairRow:
    pair: Pair
    status: Status
    #: "Ended: <name> stopped taking part on <date>." when someone of the pair did.
    ended: str = ""


@dataclass(frozen=True)
class SessionList:
    """The staff list: a row a pair, how many sessions are still outstanding (not
    logged), and how many will not go ahead because someone stopped taking part. The
    sessions to hold (what the page's "of N" counts, as the dashboard's
    :func:`session_counts`) are the rows less those that will not go ahead."""

    rows: list[PairRow]
    outstanding: int
    will_not_go_ahead: int

    @property
    def to_hold(self) -> int:
        return len(self.rows) - self.will_not_go_ahead


def pair_rows(pairs: list[Pair]) -> SessionList:
    """The staff list of the pairs from ``selectors.scheme_pairs``; no query.

    The session of a pair that has ended (``Pair.has_ended``: someone stopped taking
    part before it was logged) will not go ahead: it is not outstanding, nor among the
    sessions to hold. One logged before keeps its status, and its pair has not ended.
    """
    rows = []
    for pair in pairs:
        status = WILL_NOT_GO_AHEAD if pair.has_ended else status_of(meeting_of(pair))
        rows.append(PairRow(pair, status, ended_text(pair)))
    return SessionList(
        rows,
        outstanding=sum(1 for row in rows if row.status.outstanding),
        will_not_go_ahead=sum(1 for row in rows if row.status is WILL_NOT_GO_AHEAD),
    )


def _task_status(
    participant: Participant, meeting: Meeting | None, *, partner_left: bool
) -> tuple[str, str]:
    """The session's status in ``participant``'s Your tasks, and its tag colour.

    Logged is done, but for the person whose answer the other person corrected, until
    they confirm the change (the session page asks them to check it) or give their own
    answer; once the other person stopped taking part, nothing more can be logged, and
    it is done. A time proposed and not confirmed when phase 2 ended is no longer
    confirmed: the session is to be logged.
    """
    if meeting is not None and not partner_left and needs_check(participant, meeting):
        return "Check the change", "yellow"
    if meeting is not None and meeting.is_logged:
        return "completed", "green"
    if meeting is None or meeting.starts_at is None:
        return "Not started", "white"
    if meeting.is_confirmed:
        return "Arranged", "blue"
    if participant.scheme.phase != Phase.PHASE_2:
        # Times are no longer confirmed (analysis): what is left is to log the session.
        return "Log the session", "yellow"
    if meeting.proposed_by_id == participant.pk:
        return "Waiting for confirmation", "grey"
    return "Confirm the time", "yellow"


def needs_check(participant: Participant, meeting: Meeting) -> bool:
    """Whether the other person of the pair changed the answer ``participant`` had logged
    or confirmed (``Meeting.was_corrected``), and ``participant`` has not yet confirmed
    the change."""
    return (
        meeting.was_corrected
        and meeting.logged_by_id is not None
        and meeting.logged_by_id != participant.pk
        and meeting.agreed_by_id != participant.pk
    )


def session_rows(participations: list[Participant]) -> dict[int, list[TaskRow]]:
    """A row in Your tasks for each published pair of a participant taking part, during
    phase 2 and analysis; and, for a mentee who may now read their feedback document,
    a row that opens it. Two queries at most, however many participations.

    A logged session is done, except for the person whose answer the other person
    changed: their row asks them to check the change until they confirm it or give
    their own answer (:func:`needs_check`).

    When the other person no longer takes part, a session not yet logged will not go
    ahead: its row says so instead (without saying why); one already logged stays as it
    was, done.
    """
    active = [p for p in participations if taking_part(p) and p.scheme.phase in LOG_PHASES]
    if not active:
        return {}
    by_pk = {p.pk: p for p in active}
    pairs = Pair.objects.published_for(active).select_related("meeting")
    rows: dict[int, list[TaskRow]] = {}
    readers: list[Participant] = []  # mentees who may now read their document
    for pair in pairs:
        for me, other in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
            participant = by_pk.get(me.pk)
            if participant is None:
                continue
            meeting = meeting_of(pair)
            logged = meeting is not None and meeting.is_logged
            if not pair.takes_part(other.pk) and not logged:
                rows.setdefault(participant.pk, []).append(partner_left_row(other))
                continue
            status, colour = _task_status(
                participant, meeting, partner_left=not pair.takes_part(other.pk)
            )
            rows.setdefault(participant.pk, []).append(
                TaskRow(
                    TASK_TITLE,
                    reverse("own_meeting", args=[participant.scheme_id]),
                    status,
                    colour,
                    hint=f"With {other.user.full_name or other.user.email}",
                )
            )
            released = participant.scheme.release_documents_to_mentees
            if me.pk == pair.mentee_id and released and meeting is not None and meeting.held:
                readers.append(participant)
    if readers:
        # As feedback's release rule for mentees (meetings.selectors.mentee_session_held):
        # after a session logged as held, in a scheme that releases documents to
        # mentees, and only once their document is approved. One query more.
        approved = set(
            FeedbackDocument.objects.filter(mentee__in=readers, approved__isnull=False).values_list(
                "mentee_id", flat=True
            )
        )
        for mentee in readers:
            if mentee.pk in approved:
                rows[mentee.pk].append(
                    TaskRow(
                        "Read the group's feedback about you",
                        reverse("released_document", args=[mentee.scheme_id, mentee.pk]),
                        "Ready",
                        "green",
                    )
                )
    return rows


def session_counts(scheme: Scheme) -> list[tuple[str, int]]:
    """Dashboard counts for the sessions step, in one query: held of the published pairs'
    sessions that may take place, and, when there are any, those that will not go ahead
    because their pair has ended (``allocation.models.ended``: someone stopped taking
    part before it was logged). Those are not among the sessions to hold, as on the
    staff list (``pair_rows``); a session logged before someone stopped is."""
    going = scheme_models.taking_part("mentor") & scheme_models.taking_part("mentee")
    totals = Pair.objects.filter(
        allocation__scheme=scheme, allocation__status=Allocation.Status.PUBLISHED
    ).aggregate(
        pairs=Count("pk"),
        ended=Count("pk", filter=ended()),
        held=Count("pk", filter=Q(meeting__held=True)),
        not_held=Count("pk", filter=Q(meeting__held=False)),
        arranged=Count(
            "pk",
            filter=Q(meeting__confirmed_at__isnull=False, meeting__held__isnull=True) & going,
        ),
    )
    if not totals["pairs"]:
        return []
    to_hold = totals["pairs"] - totals["ended"]
    counts = [
        of_whole(totals["held"], to_hold, "sessions held", one="session held"),
        ("arranged and still to come", totals["arranged"]),
        ("did not take place", totals["not_held"]),
    ]
    if totals["ended"]:
        counts.append(("will not go ahead because someone stopped taking part", totals["ended"]))
    return counts


def _day(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y}" if moment is not None else ""


@dataclass(frozen=True)
class LogSummary:
    """The "after the session" part of a pair card: what is logged, by whom, and what the
    person looking may do about it."""

    heading: str
    #: What is logged and who logged it, who confirmed it, and what it changed.
    lines: list[str]
    #: The person looking may confirm the other person's answer as it stands.
    can_confirm: bool
    #: The stored answer and its version, for the form that confirms it.
    held: str = ""
    minutes: int | None = None
    version: int = 0


def log_summary(
    participant: Participant, other: Participant, meeting: Meeting | None
) -> LogSummary:
    """What ``participant`` is told about their pair's logged answer.

    Only the person who logged it is asked to "Change what you told us"; the other person
    is asked to check it, and may confirm it or correct it. A correction of what the
    other person logged or confirmed is shown to both ("Changed from 45 to 60 minutes by
    …"). Needs no query: the pair's people come with their users.
    """
    if meeting is None or meeting.held is None:
        return LogSummary("After the session", [], can_confirm=False)

    def who(pk: int | None) -> str | None:
        if pk == participant.pk:
            return "You"
        return name_of(other) if pk == other.pk else None

    logger = who(meeting.logged_by_id)
    on = f" on {_day(meeting.logged_at)}" if meeting.logged_at else ""
    answer = answer_text(meeting.held, meeting.duration_minutes)
    stated = f"{logger} logged" if logger else "It was logged"
    lines = [f"{stated} that it {answer}{',' if on else ''}{on}."]
    agreed = who(meeting.agreed_by_id)
    if agreed is not None:
        lines.append(f"{agreed} confirmed it on {_day(meeting.agreed_at)}.")
    if meeting.was_corrected:
        old = (meeting.previous_held, meeting.previous_minutes)
        new = (meeting.held, meeting.duration_minutes)
        by = " by you" if logger == "You" else f" by {logger}" if logger else ""
        lines.append(f"Changed {change_text(old, new)}{by}{on}.")
    mine = meeting.logged_by_id == participant.pk
    if mine:
        heading = "Change what you told us"
    elif meeting.logged_by_id == other.pk:
        heading = "Check what your partner logged"
    else:
        heading = "Check what was logged"
    return LogSummary(
        heading,
        lines,
        can_confirm=not mine and meeting.agreed_by_id != participant.pk,
        held="yes" if meeting.held else "no",
        minutes=meeting.duration_minutes,
        version=meeting.log_version,
    )


def logged_message(participant: Participant, pair: Pair, meeting: Meeting) -> str:
    """The banner after a log form was saved: thanks, a confirmation, or a correction."""
    other = pair.mentee if participant.pk == pair.mentor_id else pair.mentor
    if meeting.agreed_by_id == participant.pk:
        return f"Thank you for checking. We have recorded that you agree with {name_of(other)}"
    if meeting.was_corrected and meeting.logged_by_id == participant.pk:
        return f"Thank you. We have recorded your change and will show it to {name_of(other)}"
    return "Thank you. We have recorded what you told us about the session"


@dataclass
class PairCard:
    """One pair on the participant's page: who they meet, where things are, what they can do."""

    pair: Pair
    other: Participant
    other_role: str
    meeting: Meeting | None
    status: Status
    can_arrange: bool
    can_confirm: bool
    #: The time, proposed or confirmed, may be cancelled: in phase 2, and in analysis,
    #: where a time still to come would otherwise stop the session being logged.
    can_cancel: bool
    can_log: bool
    #: The other person no longer takes part: nothing can be arranged or logged.
    partner_left: bool
    log: LogSummary
    propose_form: object
    log_form: object
    problem: str
    #: Said over Cancel when times can no longer be arranged but a time still to come
    #: stops the session being logged (analysis): why and when to cancel it.
    cancel_hint: str = ""

    @property
    def place_is_link(self) -> bool:
        place = self.meeting.place if self.meeting else ""
        return place.lower().startswith(("https://", "http://"))

    @property
    def when(self) -> str:
        """The session's time (the one it was held at, once logged), or why there is none."""
        meeting = self.meeting
        if meeting is not None and meeting.starts_at is not None:
            return _date(meeting)
        if meeting is not None and meeting.is_logged:
            return "Not recorded: the session was logged without a time"
        return "Not arranged yet"

    @property
    def where(self) -> str:
        """The place as text, or why there is none (the page links a video link)."""
        meeting = self.meeting
        if meeting is not None and meeting.place:
            return meeting.place
        return "Not recorded" if meeting is not None and meeting.is_logged else "Not arranged yet"

    @property
    def has_invite(self) -> bool:
        """Whether the calendar invite is offered (:func:`invite_offered`)."""
        return invite_offered(self.meeting, partner_left=self.partner_left)


def invite_offered(meeting: Meeting | None, *, partner_left: bool) -> bool:
    """Whether the session's calendar invite is offered, on the page and as a download:
    only once the time is confirmed (a time only proposed may still change, and no
    invite of it was sent), and until the session is logged, while both people take
    part."""
    return (
        meeting is not None and meeting.is_confirmed and not meeting.is_logged and not partner_left
    )


def pair_card(
    participant: Participant,
    pair: Pair,
    *,
    propose_form: object,
    log_form: object,
    problem: str = "",
) -> PairCard:
    """Shape one pair for ``meetings/own.jinja`` (the pair from ``selectors.own_pairs``).

    Once the other person stops taking part the services refuse every action
    (``services._check``), so the card offers none, and the page says so as Your tasks
    does (never why). A time not yet logged may be cancelled wherever the session may
    be logged (``services.CANCEL_PHASES``), so a time still to come never leaves the pair
    unable to log their session; new times are proposed and confirmed only in phase 2.
    """
    meeting = meeting_of(pair)
    mine = participant.pk == pair.mentor_id
    other = pair.mentee if mine else pair.mentor
    partner_left = not pair.takes_part(other.pk)
    phase = pair.allocation.scheme.phase
    arranging = phase == Phase.PHASE_2 and not partner_left
    logged = meeting is not None and meeting.is_logged
    timed = meeting is not None and meeting.starts_at is not None
    can_cancel = phase in CANCEL_PHASES and not partner_left and timed and not logged
    cancel_hint = ""
    if can_cancel and not arranging:
        assert meeting is not None and meeting.starts_at is not None
        if meeting.starts_at > timezone.now():
            cancel_hint = (
                "Times can no longer be arranged or confirmed. You can log the session "
                "once this time has come. If you have already met, or it is not going to "
                f"take place then, cancel this time first: we will tell {name_of(other)}."
            )
    return PairCard(
        pair=pair,
        other=other,
        other_role="the consultant you will give the group's feedback to"
        if mine
        else "your mentor",
        meeting=meeting,
        status=status_of(meeting),
        can_arrange=arranging and not logged,
        can_confirm=arranging
        and meeting is not None
        and meeting.starts_at is not None
        and not meeting.is_confirmed
        and not logged
        and meeting.proposed_by_id != participant.pk,
        can_cancel=can_cancel,
        can_log=phase in LOG_PHASES and not partner_left,
        partner_left=partner_left,
        log=log_summary(participant, other, meeting),
        propose_form=propose_form,
        log_form=log_form,
        problem=problem,
        cancel_hint=cancel_hint,
    )

"""Shape scheme data for pages: the Figure 1 pipeline and participant rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import ngettext

from revmentor.schemes.models import PHASE_ORDER, Participant, Phase, Scheme


@dataclass(frozen=True)
class Stage:
    """One step of the method, with where the scheme is and how many people are there."""

    number: int
    title: str
    phase: Phase
    # "done", "current" or "upcoming"; "missed" for a step whose phase has passed
    # without everything expected done (see :func:`pipeline`).
    status: str
    counts: list[tuple[str, int]] = field(default_factory=list)
    note: str = ""

    @property
    def status_label(self) -> str:
        return {
            "done": "Done",
            "current": "In progress",
            "upcoming": "Not started",
            "missed": "Not done",
        }[self.status]

    @property
    def tag_colour(self) -> str:
        return {"done": "green", "current": "blue", "upcoming": "grey", "missed": "orange"}[
            self.status
        ]


class StepCount(tuple[str, int]):
    """A count of how many of a whole did something, on a step of the dashboard: a
    ``(label, number)`` like any other count, that also knows its ``whole``. Made by
    :func:`of_whole`; once the step's phase has passed, the step is done only when every
    such count is whole (:func:`all_done`)."""

    whole: int

    def __new__(cls, label: str, number: int, whole: int) -> StepCount:
        count = super().__new__(cls, (label, number))
        count.whole = whole
        return count


def of_whole(number: int, whole: int, what: str, *, one: str = "") -> StepCount:
    """``number`` "of <whole> <what>", as 3 "of 5 mentors submitted"; ``one`` is what
    it says of a whole of 1 ("of 1 mentor submitted"), through Django's pluralisation
    (``what`` whatever the whole when ``one`` is not given)."""
    return StepCount(f"of {whole} {ngettext(one, what, whole) if one else what}", number, whole)


# Later parts of the method register a counter for their step: it returns
# ``[(label, number)]`` for the scheme, a :class:`StepCount` for each count of how many
# of a whole did something. Steps without one show their phase only.
STAGE_COUNTERS: dict[str, Callable[[Scheme], list[tuple[str, int]]]] = {}

# A step that does not start with its phase registers what it waits for: given the
# scheme, in that phase, it returns what the lead does to start the step, or "" once
# the step has started. Until then the step shows as not started, with that note.
STAGE_WAITING: dict[str, Callable[[Scheme], str]] = {}

# (key, title, phase) for each step of Figure 1.
FIGURE_1: list[tuple[str, str, Phase]] = [
    ("recruitment", "Recruitment and consent", Phase.SETUP),
    ("mentor_pre", "Mentor questionnaire before the group interview", Phase.PHASE_1),
    ("group_interview", "Group interview, feedback documents and willingness", Phase.PHASE_1),
    ("mentor_post_phase_1", "Mentor questionnaire after phase 1", Phase.PHASE_1),
    ("allocation", "Random allocation within stated preferences", Phase.ALLOCATION),
    ("pre_session", "Questionnaires before the session", Phase.PHASE_2),
    ("sessions", "One-to-one feedback sessions, held in confidence", Phase.PHASE_2),
    ("post_session", "Questionnaires after the session", Phase.PHASE_2),
    ("analysis", "Analysis", Phase.ANALYSIS),
]


def all_done(counts: list[tuple[str, int]]) -> bool:
    """Whether every count of a whole (:class:`StepCount`) is whole: 5 of 5. True when
    there is none (a step that counts no one, such as the allocation)."""
    return all(c[1] >= c.whole for c in counts if isinstance(c, StepCount))


def recruitment_counts(scheme: Scheme) -> list[tuple[str, int]]:
    """Counts of people at each point of recruitment, in one query. Those who withdrew
    their consent themselves (and have not given it again) are counted apart from those
    the lead withdrew, when there are any."""
    totals = (
        Participant.objects.filter(scheme=scheme)
        .with_consent()
        .with_consent_withdrawn()
        .aggregate(
            mentors=Count("pk", filter=Q(role="mentor")),
            mentees=Count("pk", filter=Q(role="mentee")),
            invited=Count("pk", filter=Q(invited_at__isnull=False)),
            consented=Count("pk", filter=Q(has_consent=True, status="active")),
            withdrew_consent=Count(
                "pk", filter=Q(has_consent=False, consent_withdrawn=True, status="active")
            ),
            withdrawn=Count("pk", filter=Q(status="withdrawn")),
        )
    )
    counts = [
        ("Mentors", totals["mentors"]),
        ("Mentees", totals["mentees"]),
        ("Invited", totals["invited"]),
        ("Consented", totals["consented"]),
    ]
    if totals["withdrew_consent"]:
        counts.append(("Withdrew their consent", totals["withdrew_consent"]))
    return [*counts, ("Withdrawn", totals["withdrawn"])]


STAGE_COUNTERS["recruitment"] = recruitment_counts


def pipeline(scheme: Scheme) -> list[Stage]:
    """Return Figure 1 as stages, each with where it is and its counts.

    A step of the scheme's phase is current (or not started, while it waits for the lead:
    ``STAGE_WAITING``); a step of a later phase is upcoming. A step whose phase has
    passed is judged by one rule, by what happened: done when it started and everything
    it counts was done (:func:`all_done`), and otherwise not done, shown with its counts
    ("0 of 5 mentors submitted") or, if it never started, with what starts it.
    """
    current = PHASE_ORDER.index(Phase(scheme.phase))
    stages = []
    for number, (key, title, phase) in enumerate(FIGURE_1, start=1):
        position = PHASE_ORDER.index(phase)
        status = "done" if position < current else "current" if position == current else "upcoming"
        counter = STAGE_COUNTERS.get(key)
        counts = counter(scheme) if counter else []
        note = f"Opens in {phase.label.lower()}." if not counts and status == "upcoming" else ""
        waiting = STAGE_WAITING.get(key)
        if status in ("current", "done") and waiting is not None and (note := waiting(scheme)):
            status = "upcoming" if status == "current" else "missed"
        if status == "done" and not all_done(counts):
            status = "missed"
        stages.append(Stage(number, title, phase, status, counts, note))
    return stages


@dataclass(frozen=True)
class ParticipantRow:
    participant: Participant
    consent_label: str
    consent_colour: str
    invite_label: str


def participant_rows(participants: list[Participant]) -> list[ParticipantRow]:
    """Table rows for the participants page (participants need ``has_consent``, and
    ``consent_withdrawn`` to tell someone who withdrew consent from someone only invited)."""
    rows = []
    for p in participants:
        if not p.is_active:
            consent, colour = "Withdrawn", "grey"
        elif getattr(p, "has_consent", False):
            consent, colour = "Consented", "green"
        elif getattr(p, "consent_withdrawn", False):
            consent, colour = "Consent withdrawn", "orange"
        elif p.invited_at:
            consent, colour = "Invited", "blue"
        else:
            consent, colour = "Not invited", "white"
        invite = "Re-invite" if p.invited_at else "Invite"
        rows.append(ParticipantRow(p, consent, colour, invite))
    return rows


@dataclass(frozen=True)
class TaskRow:
    """One row of Your tasks, from whichever part of the method it belongs to."""

    title: str
    href: str
    status: str  # "completed", or the text of a tag such as "Not started"
    tag_colour: str = "blue"
    hint: str = ""


def _day(day: date) -> str:
    return f"{day:%-d %B %Y}"


def stopped_text(participant: Participant) -> str:
    """What Your tasks tells someone who no longer takes part in a scheme, worded by who
    ended it, with the date; empty while they take part or before they first consent.

    "You withdrew" only when they did: they withdrew their consent, and did so before
    any withdrawal the lead recorded (the lead may record it after, to tidy the list).
    Otherwise the lead recorded it, whatever they did later. Needs ``has_consent`` and
    ``consent_withdrawn_at`` (``ParticipantQuerySet.with_consent_withdrawn_at``).
    """
    withdrawn_at = getattr(participant, "consent_withdrawn_at", None)
    own: date | None = None
    if withdrawn_at is not None and not getattr(participant, "has_consent", False):
        own = timezone.localtime(withdrawn_at).date()
    lead_on = participant.withdrawn_on
    if own is not None and (participant.is_active or lead_on is None or own <= lead_on):
        return f"You withdrew from this scheme on {_day(own)}."
    if participant.is_active:
        return ""
    on = f", as of {_day(lead_on)}" if lead_on is not None else ""
    return f"The scheme's lead has recorded that you are no longer taking part{on}."


def stopped_texts(participations: list[Participant]) -> dict[int, str]:
    """:func:`stopped_text` of each participation that has stopped, by primary key."""
    return {p.pk: text for p in participations if (text := stopped_text(p))}


# Parts of the method add tasks to Your tasks: each provider gets the user's
# participations (with ``has_consent``) and returns ``{participant pk: [TaskRow]}`` in a
# fixed number of queries.
TASK_PROVIDERS: list[Callable[[list[Participant]], dict[int, list[TaskRow]]]] = []


def task_rows(participations: list[Participant]) -> dict[int, list[TaskRow]]:
    """Every provider's tasks for each participation, providers in registration order."""
    rows: dict[int, list[TaskRow]] = {}
    for provider in TASK_PROVIDERS:
        for participant_pk, found in provider(participations).items():
            rows.setdefault(participant_pk, []).extend(found)
    return rows

"""Willingness to mentor: each mentor says, for each mentee, whether they would mentor them.

Step 3 of the method: mentors say which mentees they are willing to mentor, their own
clinical supervisor included or not; allocation (step 5) pairs people only within these
answers. Only people taking part (active, with a current consent to take part:
``schemes.models.taking_part``) are asked about and counted: someone not taking part,
whether they have not consented yet, withdrew their consent or were withdrawn, is left
out of the mentor's page, the matrix and the summary, and their stored answers stay in
the database. ``willingness.csv`` leaves out withdrawn people (:func:`willingness_rows`).

Services are keyword-only, atomic and audited, and raise :class:`WillingnessError` with
a message for the person. Selectors and the small presenters for the pages live here too.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.core.spreadsheet import csv_row
from revmentor.feedback.models import Willingness
from revmentor.schemes.models import (
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Phase,
    Scheme,
    current_consent,
    taking_part,
)
from revmentor.schemes.services import ServiceError

# Willingness can be given or changed while the group interview runs and until the
# allocation is made; after that it would no longer be the basis of the pairs.
OPEN_PHASES: frozenset[str] = frozenset({Phase.PHASE_1, Phase.ALLOCATION})

CSV_COLUMNS = ("mentor_id", "mentee_id", "willing", "own_supervisor")


class WillingnessError(ServiceError):
    """Willingness cannot be recorded; ``str(error)`` tells the mentor why."""


def is_open(scheme: Scheme) -> bool:
    """Whether mentors may give or change their willingness in the scheme's phase."""
    return scheme.phase in OPEN_PHASES


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


# Services ------------------------------------------------------------------------------


@transaction.atomic
def willingness_set(*, mentor: Participant, choices: Mapping[int, bool]) -> int:
    """Record, for every mentee taking part in the mentor's scheme, whether they would
    mentor them.

    ``choices`` maps each mentee's participant pk to willing (True) or not (False). Every
    mentee taking part (active, consent current) must be answered. An active mentee not
    taking part (no consent yet, or consent withdrawn) is not required; an answer about
    them is kept, as answers are kept when someone stops, and counts only while they
    take part. Anyone else is refused: a mentee of another scheme, a withdrawn mentee or
    a mentor. Answering again updates the stored answers (one row per mentor and
    mentee, never two). Returns the number of answers stored.

    Raises WillingnessError, changing nothing, if the person is not a mentor, has
    withdrawn, has not consented (or withdrew consent), if the scheme is not in phase 1
    or allocation, if the scheme has no active mentee, or if ``choices`` misses a mentee
    taking part or answers about someone else. Runs in a fixed number of queries
    whatever the number of mentees.
    """
    # Locking the mentor's row serialises two submissions of the same form (a double
    # click), so their upserts cannot race on the one-row-per-pair constraint.
    locked = (
        Participant.objects.select_for_update(of=("self",))
        .with_consent()
        .select_related("scheme", "user")
        .filter(pk=mentor.pk)
        .first()
    )
    if locked is None or locked.role != ParticipantRole.MENTOR:
        raise WillingnessError("Only mentors can say whom they are willing to mentor.")
    if not locked.is_active:
        raise WillingnessError(
            "You have withdrawn from this scheme, so you cannot say whom you are willing to mentor."
        )
    if not getattr(locked, "has_consent", False):
        raise WillingnessError(
            "Give your consent to take part before you say whom you are willing to mentor."
        )
    scheme = locked.scheme
    if not is_open(scheme):
        raise WillingnessError(
            "You can say whom you are willing to mentor only during phase 1 or allocation. "
            f"This scheme is in {Phase(scheme.phase).label.lower()}."
        )
    # The active mentees, each with whether their consent to take part is current.
    active = dict(
        Participant.objects.filter(
            scheme=scheme, role=ParticipantRole.MENTEE, status=ParticipantStatus.ACTIVE
        )
        .annotate(consented=current_consent("pk"))
        .values_list("pk", "consented")
    )
    if not active:
        raise WillingnessError("There are no mentees in this scheme yet.")
    if set(choices) - set(active):
        raise WillingnessError(
            "You can only answer for mentees of this scheme who are still taking part."
        )
    required = {pk for pk, consented in active.items() if consented}
    missing = len(required - set(choices))
    if missing:
        raise WillingnessError(
            "Say whether you would be willing to mentor every mentee. "
            f"{missing} {'is' if missing == 1 else 'are'} not answered."
        )
    Willingness.objects.bulk_create(
        [
            Willingness(mentor=locked, mentee_id=mentee_pk, willing=bool(willing))
            for mentee_pk, willing in choices.items()
        ],
        update_conflicts=True,
        unique_fields=["mentor", "mentee"],
        update_fields=["willing", "updated_at"],
    )
    willing = sum(1 for value in choices.values() if value)
    audit.record(
        actor=locked.user,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        summary=f"Recorded willingness: willing to mentor {willing} of {len(choices)} mentees",
        scheme_id=scheme.pk,
    )
    return len(choices)


@transaction.atomic
def willingness_export(*, actor: User, scheme: Scheme, ids: Callable[[Participant], str]) -> str:
    """``willingness.csv`` of the study data folder for the scheme, recorded as an export.

    ``ids`` gives each participant's research ID, so the file holds no name or email.
    See :func:`willingness_rows` for which rows it holds.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = willingness_rows(scheme, ids)
    writer.writerows(csv_row(row) for row in rows)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=scheme,
        summary=f"Exported willingness.csv ({len(rows)} rows)",
        scheme_id=scheme.pk,
    )
    return out.getvalue()


# Selectors -----------------------------------------------------------------------------


def own_choices(mentor: Participant) -> dict[int, bool]:
    """The mentor's stored answers: ``{mentee participant pk: willing}``.

    Only the mentor's own answers; mentees they have not answered about are absent.
    """
    return dict(Willingness.objects.filter(mentor=mentor).values_list("mentee_id", "willing"))


_LABELS: dict[bool | None, str] = {None: "Not answered", True: "Yes", False: "No"}


class Cell(NamedTuple):
    """One mentor's answer about one mentee."""

    mentee: Participant
    willing: bool | None  # None: not answered
    own_supervisor: bool

    @property
    def label(self) -> str:
        return _LABELS[self.willing]


@dataclass(frozen=True)
class MatrixRow:
    """One mentor taking part and their answer about each of the matrix's mentees, in order.

    The answers are kept as a list of ``True``/``False``/``None``, not an object a cell: a
    matrix holds mentors × mentees of them, and each new object is work for Python's
    garbage collector, which grew with the size of the scheme as well (:attr:`cells`
    builds the cells when asked).
    """

    mentor: Participant
    mentees: list[Participant]  # the matrix's, shared by its rows
    answers: list[bool | None]
    supervisor_column: int | None  # where their own clinical supervisor is, if shown

    @property
    def labels(self) -> list[str]:
        return [_LABELS[answer] for answer in self.answers]

    @property
    def cells(self) -> list[Cell]:
        return [
            Cell(mentee, answer, column == self.supervisor_column)
            for column, (mentee, answer) in enumerate(zip(self.mentees, self.answers, strict=True))
        ]

    @property
    def answered(self) -> bool:
        """Whether the mentor has answered about every mentee taking part."""
        return None not in self.answers

    @property
    def willing_count(self) -> int:
        return self.answers.count(True)


@dataclass(frozen=True)
class Matrix:
    """Mentors (rows) by mentees (columns) taking part, with each answer."""

    mentees: list[Participant]
    rows: list[MatrixRow]

    @property
    def answered(self) -> list[MatrixRow]:
        return [row for row in self.rows if row.answered]


def _taking_part(scheme: Scheme, role: ParticipantRole) -> QuerySet[Participant]:
    """The scheme's people of ``role`` taking part: active, consent to take part current."""
    return scheme.participants.filter(taking_part(), role=role)


def mentors_taking_part(scheme: Scheme) -> list[Participant]:
    """The scheme's mentors taking part, in the matrix's order (name, then number). One
    query."""
    return list(
        _taking_part(scheme, ParticipantRole.MENTOR)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def mentees_taking_part(scheme: Scheme) -> list[Participant]:
    """The scheme's mentees taking part, whom mentors are asked about, by name then
    number. One query. A mentee who consents later joins them (a new question for every
    mentor); one who stops taking part leaves them, their answers kept."""
    return list(
        _taking_part(scheme, ParticipantRole.MENTEE)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def matrix(scheme: Scheme, mentors: list[Participant] | None = None) -> Matrix:
    """Every answer of a mentor taking part about a mentee taking part in the scheme.

    ``mentors``: only these rows (some of :func:`mentors_taking_part`, say a page of
    them); the work grows with the rows times the mentees.

    People not taking part (withdrawn, or without a current consent) are left out
    (their answers stay stored). A cell is
    ``None`` where the mentor has not answered about that mentee (for example a mentee
    added after they answered). Each cell says whether the mentee is the mentor's own
    clinical supervisor. Three queries, whatever the size of the scheme; every
    participant's ``scheme`` is the given scheme object, so research IDs cost no query.
    """
    mentees = mentees_taking_part(scheme)
    stored = Willingness.objects.filter(taking_part("mentee"))
    if mentors is None:
        mentors = mentors_taking_part(scheme)
        stored = stored.filter(taking_part("mentor"), mentor__scheme=scheme)
    else:
        stored = stored.filter(mentor__in=[mentor.pk for mentor in mentors])
    answers: dict[int, dict[int, bool]] = defaultdict(dict)
    for mentor_id, mentee_id, willing in stored.values_list("mentor_id", "mentee_id", "willing"):
        answers[mentor_id][mentee_id] = willing
    mentee_ids = [mentee.pk for mentee in mentees]
    column_of = {mentee_id: column for column, mentee_id in enumerate(mentee_ids)}
    rows = []
    for mentor in mentors:
        mine = answers.get(mentor.pk, {})
        rows.append(
            MatrixRow(
                mentor=mentor,
                mentees=mentees,
                answers=[mine.get(mentee_id) for mentee_id in mentee_ids],
                supervisor_column=(
                    column_of.get(mentor.supervisor_id) if mentor.supervisor_id else None
                ),
            )
        )
    return Matrix(mentees=mentees, rows=rows)


def mentors_answered(scheme: Scheme) -> int:
    """How many mentors taking part have answered about every mentee taking part.

    The number of rows of :func:`matrix` that are ``answered``, counted by the database
    (two queries, whatever the size of the scheme) rather than by building the matrix,
    which grows with mentors times mentees. With no mentee taking part, every mentor
    taking part. Someone not taking part (withdrawn, or no current consent) counts
    neither as a mentor to answer nor as a mentee to answer about.
    """
    mentees = _taking_part(scheme, ParticipantRole.MENTEE).count()
    answers = Count("willingness", filter=_about_mentees_taking_part(scheme))
    return (
        _taking_part(scheme, ParticipantRole.MENTOR)
        .annotate(answers=answers)
        .filter(answers=mentees)
        .count()
    )


def _about_mentees_taking_part(scheme: Scheme) -> Q:
    """A mentor's answers (``willingness``) about the scheme's mentees taking part."""
    return Q(willingness__mentee__in=_taking_part(scheme, ParticipantRole.MENTEE))


def _how_many(count: int, of: int, *, first: bool) -> str:
    """What a group of mentors is willing to do, in words ("willing to mentor 3 of 5").

    The first line of the summary names the mentees ("all 5 mentees"); later lines
    leave the word out, as the paper does ("2 are willing to mentor 3 of 5").
    """
    noun = " mentees" if first else ""
    if of == 1:
        return f"{'' if count else 'not '}willing to mentor the only mentee"
    if count == 0:
        return f"not willing to mentor any of the {of}{noun}"
    if count == of:
        return f"willing to mentor all {of}{noun}"
    return f"willing to mentor {count} of {of}{noun}"


def summary_of(result: Matrix) -> list[str]:
    """The study's willingness figures, in plain English, from a whole :func:`matrix`.

    See :func:`summary`, which counts the same figures in the database.
    """
    return _summary_lines(
        mentors=len(result.rows),
        mentees=len(result.mentees),
        willing=[row.willing_count for row in result.answered],
    )


def summary(scheme: Scheme) -> list[str]:
    """The study's willingness figures for the scheme, counted by the database.

    Only mentors taking part who have answered about every mentee taking part are
    counted (nobody else is a mentor or a mentee here); they are
    grouped by how many mentees they are willing to mentor, the largest group first
    (ties: more mentees first), as the paper reports them: "3 of 6 mentors are willing
    to mentor all 5 mentees", "2 are willing to mentor 3 of 5", "1 is willing to mentor
    4 of 5". A last line says how many mentors have not answered yet. No mentors, or no
    mentees, give an empty list. Two queries, whatever the size of the scheme.
    """
    mentees = _taking_part(scheme, ParticipantRole.MENTEE).count()
    about = _about_mentees_taking_part(scheme)
    counts = list(
        _taking_part(scheme, ParticipantRole.MENTOR)
        .annotate(
            answers=Count("willingness", filter=about),
            willing=Count("willingness", filter=about & Q(willingness__willing=True)),
        )
        .values_list("answers", "willing")
    )
    return _summary_lines(
        mentors=len(counts),
        mentees=mentees,
        willing=[willing for answers, willing in counts if answers == mentees],
    )


def _summary_lines(*, mentors: int, mentees: int, willing: list[int]) -> list[str]:
    """The figures' lines: ``willing`` holds, for each mentor who has answered about
    every one of the ``mentees``, how many of them they are willing to mentor."""
    if not mentors or not mentees:
        return []
    groups = Counter(willing)
    lines = []
    ordered = sorted(groups.items(), key=lambda item: (-item[1], -item[0]))
    for position, (count, people) in enumerate(ordered):
        verb = "is" if people == 1 else "are"
        first = position == 0
        mentors_of = f"{len(willing)} {'mentor' if len(willing) == 1 else 'mentors'}"
        who = f"{people} of {mentors_of} {verb}" if first else f"{people} {verb}"
        lines.append(f"{who} {_how_many(count, mentees, first=first)}")
    waiting = mentors - len(willing)
    if waiting:
        verb = "has" if waiting == 1 else "have"
        lines.append(
            f"{waiting} of {mentors} {'mentor' if mentors == 1 else 'mentors'} {verb} "
            "not answered yet"
        )
    return lines


def willingness_rows(
    scheme: Scheme, ids: Callable[[Participant], str]
) -> list[tuple[str, str, str, str]]:
    """Rows of ``willingness.csv``: ``(mentor_id, mentee_id, willing, own_supervisor)``.

    ``willing`` and ``own_supervisor`` are ``yes``/``no``; the IDs come from ``ids`` (a
    research ID, never a name or email). As in :func:`matrix`, only mentors and mentees
    taking part are included: the willingness of someone withdrawn, or without a current
    consent to take part, no longer counts (nor, without consent, may it be used for
    research), and an allocation read from this file must not pair them; pairs not
    answered have no row. Rows are sorted by the IDs, so their order says nothing about
    names. Two queries, and work that grows with the answers stored, not with mentors ×
    mentees.
    """
    people = {p.pk: p for p in scheme.participants.filter(taking_part())}
    answers = Willingness.objects.filter(
        taking_part("mentor"),
        taking_part("mentee"),
        mentor__scheme=scheme,
        mentee__scheme=scheme,
        mentor__role=ParticipantRole.MENTOR,
        mentee__role=ParticipantRole.MENTEE,
    ).values_list("mentor_id", "mentee_id", "willing")
    rows = []
    for mentor_id, mentee_id, willing in answers:
        mentor = people[mentor_id]
        own_supervisor = mentor.supervisor_id == mentee_id
        rows.append(
            (ids(mentor), ids(people[mentee_id]), _yes_no(willing), _yes_no(own_supervisor))
        )
    return sorted(rows)


# Presenters for the mentor's page -----------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One yes/no question on the mentor's page: would you mentor this mentee?"""

    mentee: Participant
    own_supervisor: bool
    value: str  # "yes", "no" or "" (not answered)
    error: str = ""

    @property
    def name(self) -> str:
        return f"mentee-{self.mentee.pk}"

    @property
    def label(self) -> str:
        return f"Would you be willing to mentor {self.mentee.user.full_name}?"

    @property
    def hint(self) -> str:
        return "Your own clinical supervisor" if self.own_supervisor else ""


def questions(
    mentor: Participant,
    mentees: list[Participant],
    values: Mapping[int, bool | None],
    *,
    check: bool = False,
) -> list[Question]:
    """One question per mentee, answered from ``values``; with ``check``, unanswered
    questions carry the error that says what to do."""
    out = []
    for mentee in mentees:
        value = values.get(mentee.pk)
        error = ""
        if check and value is None:
            error = f"Select yes if you would be willing to mentor {mentee.user.full_name}"
        out.append(
            Question(
                mentee=mentee,
                own_supervisor=mentor.supervisor_id == mentee.pk,
                value="" if value is None else _yes_no(value),
                error=error,
            )
        )
    return out


def posted_choices(post: Mapping[str, str], mentees: list[Participant]) -> dict[int, bool | None]:
    """Read the form: ``{mentee pk: True/False}``, None where no (or no valid) answer."""
    choices: dict[int, bool | None] = {}
    for mentee in mentees:
        raw = post.get(f"mentee-{mentee.pk}", "")
        choices[mentee.pk] = {"yes": True, "no": False}.get(raw)
    return choices

"""Reads for questionnaires, in a fixed number of queries whatever the scheme's size."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Model, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair
from revmentor.core.models import User
from revmentor.core.rows import Columns
from revmentor.instruments import Instrument
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.models import (
    BEFORE_SESSION,
    SESSION_TIMEPOINTS,
    Answer,
    InstrumentVersion,
    Response,
    SchemeInstrument,
    Stage,
)
from revmentor.schemes.models import (
    Consent,
    Participant,
    ParticipantStatus,
    Scheme,
    taking_part,
)


@dataclass(frozen=True)
class QuestionnaireTask:
    """One questionnaire in Your tasks.

    ``closed``: the questionnaire before the session, not submitted, of someone whose
    session has been held (:func:`session_held`): it can no longer be answered, and
    ``status`` says where they had got to (a draft is kept).
    """

    participant_id: int
    stage: Stage
    title: str
    status: str  # "not_started", "draft" or "submitted"
    due: date | None
    closed: bool = False

    @property
    def is_overdue(self) -> bool:
        return (
            self.status != "submitted"
            and not self.closed
            and self.due is not None
            and self.due < timezone.localdate()
        )


def due_date(stage: Stage) -> date | None:
    if stage.opened_at is None:
        return None
    return timezone.localdate(stage.opened_at + timedelta(days=stage.due_days))


def asked_about_session(
    participant: int | OuterRef | None = None, scheme: int | OuterRef | None = None
) -> Q:
    """Whether the questionnaires about the one-to-one session are for a participant.

    They are for the people of a pair of the scheme's published allocation whose session
    goes ahead (the other person still takes part) or was held: someone left unmatched,
    or whose partner stopped before the session, has no session to be asked about,
    before or after. A scheme with no
    allocation published asks everyone, as it did before there were pairs: a study
    folder imported without its sessions (its answers were given in the study), or a
    scheme whose session stages opened before phase 2 waited for a published allocation
    (a session stage opens only in phase 2, which now needs one, so a new scheme never
    gets there without pairs). A published allocation is never changed, so nobody who
    was asked is later refused.

    ``participant`` and ``scheme``: primary keys, or by default the outer query's
    (``OuterRef("pk")`` and ``OuterRef("scheme_id")``, for a query of participants).
    :func:`answering` asks the same in its own SQL; ``tests/questionnaires/
    test_answering.py`` holds the two to the same answers.
    """
    participant = OuterRef("pk") if participant is None else participant
    scheme = OuterRef("scheme_id") if scheme is None else scheme
    published = Allocation.objects.filter(Q(scheme=scheme), status=Allocation.Status.PUBLISHED)
    paired = Pair.objects.filter(allocation__status=Allocation.Status.PUBLISHED).filter(
        (Q(mentor=participant) & taking_part("mentee"))
        | (Q(mentee=participant) & taking_part("mentor"))
        | ((Q(mentor=participant) | Q(mentee=participant)) & Q(meeting__held=True))
    )
    return ~Q(Exists(published)) | Q(Exists(paired))


def session_held(participant: int | OuterRef | None = None) -> Q:
    """Whether the participant's one-to-one session has been logged as held (the
    ``Meeting`` of their pair of a published allocation says so).

    From then on the questionnaire before the session is closed to them unless they had
    submitted it: a "before" answer given after the session would not be one. Someone
    whose session was held is always :func:`asked_about_session`, and stays counted in
    "of N" (:func:`completion` does not ask this). ``participant``: a primary key, or by
    default the outer query's (``OuterRef("pk")``). :func:`answering` asks the same in
    its own SQL, at that stage only; ``tests/questionnaires/test_answering.py`` holds
    the two to the same answers.
    """
    participant = OuterRef("pk") if participant is None else participant
    held = Pair.objects.filter(
        Q(mentor=participant) | Q(mentee=participant),
        allocation__status=Allocation.Status.PUBLISHED,
        meeting__held=True,
    )
    return Q(Exists(held))


def tasks_for(participations: list[Participant]) -> dict[int, list[QuestionnaireTask]]:
    """Open questionnaires of each (active, consented) participation, in stage order.

    The questionnaires about the session only for those :func:`asked_about_session`;
    the one before it ``closed`` for those whose session was held (:func:`session_held`)
    and who had not submitted it. Three queries, however many schemes, questionnaires
    and people there are.
    """
    eligible = [p for p in participations if p.is_active and getattr(p, "has_consent", False)]
    if not eligible:
        return {}
    # Whether each is asked, and whether their session was held, in one query.
    asked = dict(
        Participant.objects.filter(pk__in=[p.pk for p in eligible])
        .filter(asked_about_session())
        .annotate(held=ExpressionWrapper(session_held(), output_field=BooleanField()))
        .order_by()
        .values_list("pk", "held")
    )
    # Only the roles these people have, and not the questionnaires' definitions: the
    # rows need each version's title alone (a definition is kilobytes of JSON to read).
    instruments = (
        SchemeInstrument.objects.filter(
            scheme_id__in={p.scheme_id for p in eligible},
            role__in={p.role for p in eligible},
            enabled=True,
            stage__opened_at__isnull=False,
        )
        .select_related("stage", "version")
        .defer("version__definition")
        .order_by("stage__position")
    )
    statuses = dict(
        Response.objects.filter(participant__in=eligible).values_list("stage_id", "status")
    )
    found: dict[int, list[QuestionnaireTask]] = {}
    for instrument in instruments:
        about_session = instrument.stage.is_about_the_session
        before_session = instrument.stage.is_before_the_session
        for p in eligible:
            if about_session and p.pk not in asked:
                continue
            if p.scheme_id == instrument.scheme_id and p.role == instrument.role:
                status = statuses.get(instrument.stage_id, "not_started")
                found.setdefault(p.pk, []).append(
                    QuestionnaireTask(
                        participant_id=p.pk,
                        stage=instrument.stage,
                        title=instrument.version.title,
                        status=status,
                        due=due_date(instrument.stage),
                        closed=before_session and status != "submitted" and bool(asked[p.pk]),
                    )
                )
    return found


class State:
    """Where one participant is with one questionnaire.

    ``answers``: the response's, if read with it (:func:`answering`); otherwise read when
    first asked for (one query, none without a response).
    """

    def __init__(
        self,
        instrument: SchemeInstrument,
        definition: Instrument,
        response: Response | None,
        answers: dict[str, str] | None = None,
    ) -> None:
        self.instrument, self.definition, self.response = instrument, definition, response
        if response is None:
            self.answers = {}
        elif answers is not None:
            self.answers = answers

    @cached_property
    def answers(self) -> dict[str, str]:
        assert self.response is not None
        return dict(Answer.objects.filter(response=self.response.pk).values_list("name", "value"))

    @property
    def submitted(self) -> bool:
        return self.response is not None and self.response.is_submitted


def state_of(
    instrument: SchemeInstrument, response: Response | None, answers: dict[str, str] | None = None
) -> State:
    """The state of ``response`` (with its version loaded, and its ``answers`` if read),
    or of no response yet."""
    version: InstrumentVersion = response.version if response else instrument.version
    return State(instrument, version.instrument, response, answers)


@dataclass(frozen=True)
class Answering:
    """What a questionnaire page needs to know about one person, one scheme, one stage.

    Found by :func:`answering` in one query. ``participant`` is None if the user takes no
    part in the scheme; ``stage`` None if the scheme has no such stage; ``instrument`` the
    enabled questionnaire for the participant's role there (with its version, stage and
    scheme), if any; ``consented`` whether a consent of theirs stands (not withdrawn);
    ``response`` theirs at that stage, with its version, if any; ``answers`` its answers
    by name if they were asked for (None if not); ``asked_about_session`` whether the
    questionnaires about the one-to-one session are for them (:func:`asked_about_session`),
    whatever the stage; ``session_held`` whether their session has been logged as held
    (:func:`session_held`), asked only at the stage before the session (False at any
    other). Nothing is checked: ``questionnaires.services.answerable`` says whether they
    may answer.
    """

    participant: Participant | None
    stage: Stage | None
    instrument: SchemeInstrument | None
    consented: bool
    response: Response | None
    answers: dict[str, str] | None = None
    asked_about_session: bool = True
    session_held: bool = False


_PARTICIPANT = Columns(Participant, "p")
_SCHEME = Columns(Scheme, "sc")
_STAGE = Columns(Stage, "st")
_INSTRUMENT = Columns(SchemeInstrument, "si")
_VERSION = Columns(InstrumentVersion, "v")
_RESPONSE = Columns(Response, "r")
_RESPONSE_VERSION = Columns(InstrumentVersion, "rv")
_ANSWERING_PARTS: tuple[Columns[Any], ...] = (
    _PARTICIPANT,
    _SCHEME,
    _STAGE,
    _INSTRUMENT,
    _VERSION,
    _RESPONSE,
    _RESPONSE_VERSION,
)
# Where each part starts in a row; then the consent column, then whether they are asked
# about the session, then whether it was held (NULL but before the session), then the
# answers.
_ANSWERING_STARTS = [sum(len(part) for part in _ANSWERING_PARTS[:i]) for i in range(8)]


# Each database's aggregate of (name, value) rows into one JSON object.
_JSON_OBJECT_OF = {"postgresql": "json_object_agg", "sqlite": "json_group_object"}


def _answering_sql(
    connection: BaseDatabaseWrapper, with_answers: bool, before_session: bool = False
) -> str:
    models: tuple[type[Model], ...] = (
        Participant,
        Scheme,
        Stage,
        SchemeInstrument,
        InstrumentVersion,
        Response,
        Consent,
        Allocation,
        Pair,
        Meeting,
    )
    tables = {model: connection.ops.quote_name(model._meta.db_table) for model in models}
    columns = ", ".join(part.sql(connection) for part in _ANSWERING_PARTS)
    answers = "NULL"
    if with_answers and connection.vendor in _JSON_OBJECT_OF:
        answers = (
            f"(SELECT {_JSON_OBJECT_OF[connection.vendor]}(a.name, a.value) "  # noqa: S608  # nosec B608
            f"FROM {connection.ops.quote_name(Answer._meta.db_table)} a "
            f"WHERE a.response_id = r.id)"
        )

    # asked_about_session() in SQL: no allocation of the scheme published, or a pair of a
    # published one (there is one a scheme at most) has them as mentor or mentee, and the
    # other person still takes part (active, consent current) or the session was held.
    # A boolean on PostgreSQL, 0 or 1 on SQLite.
    def takes_part(column: str) -> str:
        return (
            f"EXISTS (SELECT 1 FROM {tables[Participant]} q "  # noqa: S608  # nosec B608
            f"WHERE q.id = {column} AND q.status = %s AND EXISTS (SELECT 1 FROM "
            f"{tables[Consent]} qc WHERE qc.participant_id = q.id AND qc.take_part = %s "
            f"AND qc.withdrawn_at IS NULL))"
        )

    asked = (
        f"(NOT EXISTS (SELECT 1 FROM {tables[Allocation]} al "  # noqa: S608  # nosec B608
        f"WHERE al.scheme_id = p.scheme_id AND al.status = %s) "
        f"OR EXISTS (SELECT 1 FROM {tables[Pair]} pa "
        f"INNER JOIN {tables[Allocation]} pal ON pal.id = pa.allocation_id "
        f"LEFT JOIN {tables[Meeting]} m ON m.pair_id = pa.id "
        f"WHERE pal.status = %s AND ("
        f"(pa.mentor_id = p.id AND {takes_part('pa.mentee_id')}) "
        f"OR (pa.mentee_id = p.id AND {takes_part('pa.mentor_id')}) "
        f"OR ((pa.mentor_id = p.id OR pa.mentee_id = p.id) AND m.held = %s))))"
    )
    # session_held() in SQL, asked only at the stage before the session (the others
    # need not pay for it): a pair of a published allocation has them as mentor or
    # mentee, and its session was logged as held.
    held = "NULL"
    if before_session:
        held = (
            f"EXISTS (SELECT 1 FROM {tables[Pair]} ph "  # noqa: S608  # nosec B608
            f"INNER JOIN {tables[Allocation]} phal ON phal.id = ph.allocation_id "
            f"INNER JOIN {tables[Meeting]} mh ON mh.pair_id = ph.id "
            f"WHERE phal.status = %s AND (ph.mentor_id = p.id OR ph.mentee_id = p.id) "
            f"AND mh.held = %s)"
        )
    # Each join is on a unique key (one participation per scheme and user, one stage per
    # scheme and time point, one questionnaire per stage and role, one response per
    # participant and stage): at most one row. Only table and column names, quoted, are
    # put into the text; every value is a parameter.
    return (
        f"SELECT {columns}, EXISTS (SELECT 1 FROM {tables[Consent]} c "  # noqa: S608  # nosec B608
        f"WHERE c.participant_id = p.id AND c.withdrawn_at IS NULL), {asked}, {held}, "
        f"{answers} "
        f"FROM {tables[Participant]} p "
        f"INNER JOIN {tables[Scheme]} sc ON sc.id = p.scheme_id "
        f"LEFT JOIN {tables[Stage]} st ON st.scheme_id = p.scheme_id AND st.timepoint = %s "
        f"LEFT JOIN {tables[SchemeInstrument]} si "
        f"ON si.stage_id = st.id AND si.role = p.role AND si.enabled = %s "
        f"LEFT JOIN {tables[InstrumentVersion]} v ON v.id = si.version_id "
        f"LEFT JOIN {tables[Response]} r ON r.participant_id = p.id AND r.stage_id = st.id "
        f"LEFT JOIN {tables[InstrumentVersion]} rv ON rv.id = r.version_id "
        f"WHERE p.user_id = %s AND p.scheme_id = %s"
    )


_ANSWERING_SQL: dict[tuple[str, bool, bool], str] = {}


def answering(
    user: User, scheme_id: int, timepoint: str, *, with_answers: bool = False
) -> Answering:
    """Participant, stage, questionnaire, consent, pairing and response: one query (ADR 0012).

    At the stage before the session, whether the session was held too (in the same
    query; the SQL of the other stages does not ask it).

    This runs on every click of every questionnaire; the ORM would take three queries
    and several times the time to build them. ``tests/questionnaires/test_answering.py``
    holds it to what those queries find. ``with_answers``: the response's answers too,
    aggregated into one JSON object in the same query (ADR 0014), on SQLite and
    PostgreSQL (elsewhere ``answers`` is None and they are read when asked for).
    """
    connection = connections[DEFAULT_DB_ALIAS]  # looked up once, not at every use
    before_session = timepoint == BEFORE_SESSION
    key = (connection.vendor, with_answers, before_session)
    sql = _ANSWERING_SQL.get(key)
    if sql is None:
        sql = _ANSWERING_SQL[key] = _answering_sql(connection, with_answers, before_session)
    with connection.cursor() as cursor:
        published: str = Allocation.Status.PUBLISHED.value
        active: str = ParticipantStatus.ACTIVE.value
        # Asked about the session: no published allocation; or a pair of one whose other
        # person takes part (active, consent to take part), either way round, or held.
        pairing: list[str | bool] = [published, published, active, True, active, True, True]
        if before_session:
            pairing += [published, True]  # held: a pair of the published one, held
        cursor.execute(sql, [*pairing, timepoint, True, user.pk, scheme_id])
        row = cursor.fetchone()
    if row is None:
        return Answering(None, None, None, False, None, {} if with_answers else None)
    at = iter(_ANSWERING_STARTS)
    participant = _PARTICIPANT.take(row, next(at), connection)
    scheme = _SCHEME.take(row, next(at), connection)
    stage = _STAGE.take(row, next(at), connection)
    instrument = _INSTRUMENT.take(row, next(at), connection)
    version = _VERSION.take(row, next(at), connection)
    response = _RESPONSE.take(row, next(at), connection)
    start = next(at)
    if version is not None and row[start + _RESPONSE_VERSION.pk_index] == version.pk:
        response_version: InstrumentVersion | None = version  # usually: one instance, not two
    else:
        response_version = _RESPONSE_VERSION.take(row, start, connection)
    consent_at = next(at)
    consented, asked = bool(row[consent_at]), bool(row[consent_at + 1])
    held = bool(row[consent_at + 2])  # NULL (False) but before the session
    answers = _answers_of(row[-1], response is not None, with_answers, connection)
    assert participant is not None and scheme is not None  # inner joins
    participant.user = user
    participant.scheme = scheme
    if stage is not None:
        stage.scheme = scheme
    if instrument is not None:
        assert stage is not None and version is not None
        instrument.stage, instrument.version = stage, version
        if instrument.scheme_id == scheme.pk:
            instrument.scheme = scheme
    if response is not None:
        assert stage is not None and response_version is not None
        response.participant, response.stage = participant, stage
        response.version = response_version
    return Answering(participant, stage, instrument, consented, response, answers, asked, held)


def allows_research_use(participant: Participant) -> bool:
    """Whether the participant's current consent allows research use of their answers."""
    return Consent.objects.filter(
        participant=participant.pk, withdrawn_at__isnull=True, research_use=True
    ).exists()


def _answers_of(
    value: Any, has_response: bool, asked: bool, connection: BaseDatabaseWrapper
) -> dict[str, str] | None:
    """The answers aggregated by :func:`answering`: a JSON object (text on SQLite), or
    NULL for none (PostgreSQL); None if they were not read."""
    if not asked or connection.vendor not in _JSON_OBJECT_OF:
        return None
    if not has_response or value is None:
        return {}
    found = json.loads(value) if isinstance(value, str) else value
    assert isinstance(found, dict)
    return found


def _eligible(scheme_id: int, *, about_session: bool = False) -> Q:
    """The participants of the scheme who should answer its questionnaires: active and
    consented, and at a stage ``about_session`` :func:`asked_about_session`."""
    consented = Consent.objects.filter(
        participant=OuterRef("pk"), take_part=True, withdrawn_at__isnull=True
    )
    eligible = Q(scheme_id=scheme_id, status=ParticipantStatus.ACTIVE) & Q(Exists(consented))
    return eligible & asked_about_session() if about_session else eligible


def outstanding(stage: Stage, role: str = "") -> list[tuple[Participant, InstrumentVersion]]:
    """Active, consented participants who should answer at this stage and have not submitted.

    At a stage about the session, only those :func:`asked_about_session`; before the
    session, not those whose session has been held (:func:`session_held`: it is closed
    to them, so they are neither told of it nor reminded). ``role``: only the people of
    that role (everyone's when empty).
    """
    pairs: list[tuple[Participant, InstrumentVersion]] = []
    instruments = SchemeInstrument.objects.filter(stage=stage, enabled=True).select_related(
        "version"
    )
    if role:
        instruments = instruments.filter(role=role)
    for instrument in instruments:
        submitted = Response.objects.filter(
            participant=OuterRef("pk"), stage=stage, status=Response.Status.SUBMITTED
        )
        people = (
            Participant.objects.filter(
                _eligible(stage.scheme_id, about_session=stage.is_about_the_session),
                role=instrument.role,
            )
            .exclude(Exists(submitted))
            .select_related("user")
            .order_by("pk")
        )
        if stage.is_before_the_session:
            people = people.exclude(session_held())
        pairs.extend((person, instrument.version) for person in people)
    return pairs


@dataclass(frozen=True)
class Completion:
    instrument: SchemeInstrument
    submitted: int
    drafts: int
    eligible: int
    # Submitted by people who have since withdrawn, been erased or withdrawn their
    # consent: kept for the research as they consented, but no part of "submitted of
    # eligible", which would otherwise read "5 of 4".
    submitted_by_leavers: int = 0
    # Submitted about the session by people in no pair of the published allocation (a
    # study folder imported with answers from people whose session it does not hold):
    # kept, and counted apart for the same reason.
    submitted_unpaired: int = 0


def completion(scheme: Scheme) -> list[Completion]:
    """Per questionnaire of the scheme: submitted, drafts, and people who should answer.

    ``submitted`` and ``drafts`` count only people who should answer now (active and
    consented, and for a questionnaire about the session :func:`asked_about_session`),
    so that they are out of ``eligible``; answers submitted by people who have left, or
    who have no session to answer about, are counted apart. Two queries.
    """
    respondent = "responses__participant"
    current = Q(responses__participant__status=ParticipantStatus.ACTIVE) & Q(
        Exists(
            Consent.objects.filter(
                participant=OuterRef(respondent), take_part=True, withdrawn_at__isnull=True
            )
        )
    )
    asked = ~Q(stage__timepoint__in=SESSION_TIMEPOINTS) | asked_about_session(
        OuterRef(respondent), OuterRef("scheme")
    )
    is_submitted = Q(responses__status=Response.Status.SUBMITTED)
    instruments = list(
        SchemeInstrument.objects.filter(scheme=scheme)
        .select_related("stage", "version")
        .annotate(
            submitted=Count("responses", filter=is_submitted & current & asked),
            submitted_by_leavers=Count("responses", filter=is_submitted & ~current),
            submitted_unpaired=Count("responses", filter=is_submitted & current & ~asked),
            drafts=Count(
                "responses",
                filter=Q(responses__status=Response.Status.DRAFT) & current & asked,
            ),
        )
        .order_by("stage__position", "role")
    )
    counts = list(
        Participant.objects.filter(_eligible(scheme.pk))
        .values("role")
        .annotate(n=Count("pk"), asked=Count("pk", filter=asked_about_session()))
        .order_by()
    )
    eligible = {c["role"]: c["n"] for c in counts}
    eligible_asked = {c["role"]: c["asked"] for c in counts}
    return [
        Completion(
            i,
            i.submitted,
            i.drafts,
            (eligible_asked if i.stage.is_about_the_session else eligible).get(i.role, 0),
            i.submitted_by_leavers,
            i.submitted_unpaired,
        )
        for i in instruments
    ]


def responses_of(scheme: Scheme, instrument: SchemeInstrument) -> list[Response]:
    """Every response to one questionnaire of the scheme, with its participant."""
    return list(
        Response.objects.filter(scheme_instrument=instrument, stage__scheme=scheme)
        .select_related("participant__user")
        .order_by("participant__user__full_name")
    )


def stages_of(scheme: Scheme) -> list[Stage]:
    return list(Stage.objects.filter(scheme=scheme).order_by("position"))


def stage_in(scheme: Scheme, pk: int) -> Stage:
    found = Stage.objects.select_related("scheme").filter(scheme=scheme, pk=pk).first()
    if found is None:
        raise Http404("No such stage in this scheme.")
    return found


def instrument_in(scheme: Scheme, pk: int) -> SchemeInstrument:
    found = (
        SchemeInstrument.objects.select_related("version", "stage")
        .filter(scheme=scheme, pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such questionnaire in this scheme.")
    return found


def response_in(scheme: Scheme, pk: int) -> Response:
    found = (
        Response.objects.select_related("participant__user", "stage")
        .filter(stage__scheme=scheme, pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such response in this scheme.")
    return found


def instruments_of(scheme: Scheme) -> list[SchemeInstrument]:
    """The scheme's questionnaires in stage order."""
    return list(
        SchemeInstrument.objects.filter(scheme=scheme)
        .select_related("version", "stage", "scheme")
        .order_by("stage__position", "role")
    )


def submitted_responses(
    scheme: Scheme, participant_ids: Collection[int] | None = None
) -> list[Response]:
    """The scheme's submitted responses with their answers, in stage then participant order.

    Only those of ``participant_ids`` when given. Two queries (responses, then answers)
    whatever the number; each participant's ``scheme`` is loaded, so pseudonyms cost none.
    """
    found = Response.objects.filter(stage__scheme=scheme, status=Response.Status.SUBMITTED)
    if participant_ids is not None:
        found = found.filter(participant_id__in=participant_ids)
    return list(
        found.select_related("participant__scheme", "version", "stage")
        .prefetch_related("answers")
        .order_by("stage__position", "participant_id")
    )


def completion_kept(scheme: Scheme) -> list[Completion]:
    """:func:`completion`, kept on the scheme object: one query pair serves every part
    of a page that asks (the dashboard's steps; a phase move's checks and effects)."""
    if "_completion" not in scheme.__dict__:
        scheme.__dict__["_completion"] = completion(scheme)
    kept: list[Completion] = scheme.__dict__["_completion"]
    return kept

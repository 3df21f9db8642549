"""Writes for questionnaires: stages, drafts, submissions, reopening.

Every function is keyword-only and atomic. A submitted response is stored once: the
database allows one response per participant and stage, and submitting locks the row
first, so a double click, a resubmitted form or concurrent requests end with one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    Field,
    Model,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django_tasks import default_task_backend

from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.core.rows import Columns
from revmentor.instruments import DefinitionError, builtin_instruments, clean_answers
from revmentor.questionnaires import selectors
from revmentor.questionnaires.models import (
    Answer,
    InstrumentVersion,
    Response,
    SchemeInstrument,
    Stage,
)
from revmentor.questionnaires.tasks import send_stage_opened, send_stage_reminders
from revmentor.schemes.models import Consent, Participant, Phase, Scheme

logger = logging.getLogger(__name__)

# The study's time points: (timepoint, label, phase, opens with its phase).
DEFAULT_STAGES: list[tuple[str, str, Phase, bool]] = [
    ("pre_phase1", "Before the group interview", Phase.PHASE_1, True),
    ("post_phase1", "After the group interview", Phase.PHASE_1, False),
    ("pre_session", "Before the session", Phase.PHASE_2, True),
    ("post_session", "After the session", Phase.PHASE_2, False),
]
DEFAULT_REMINDER_DAYS = [3]


class QuestionnaireError(Exception):
    """The action cannot be done; the message tells the person why."""


class AlreadySubmitted(QuestionnaireError):
    """The response was submitted before; nothing was changed."""


class NoSession(QuestionnaireError):
    """The questionnaire is about the one-to-one session, and they are in no pair.

    ``stage``: the stage they asked for, for a page that says so.
    """

    def __init__(self, stage: Stage) -> None:
        super().__init__(
            "This questionnaire is about the one-to-one session. You were not paired "
            "with anyone when the pairs were published, so it is not for you to answer."
        )
        self.stage = stage


class SessionHeld(QuestionnaireError):
    """The questionnaire asks about the time before the one-to-one session, which has
    been logged as held, and they had not submitted it: it is closed to them, so that no
    "before" answer is given after the session (a draft is kept, but not submitted).

    ``stage``: the stage they asked for, for a page that says so.
    """

    def __init__(self, stage: Stage) -> None:
        super().__init__(
            "This questionnaire asked about the time before your one-to-one session. "
            "Your session has been held, so it is closed."
        )
        self.stage = stage


def builtin_versions_sync() -> dict[tuple[str, str], InstrumentVersion]:
    """Store each built-in definition as a version (once); return them by (role, timepoint).

    Raises DefinitionError if a stored version's definition differs from the file with
    the same version number: a changed questionnaire needs a new version number.
    """
    versions = {}
    for instrument in builtin_instruments():
        stored, _created = InstrumentVersion.objects.get_or_create(
            key=instrument.key,
            version=instrument.version,
            scheme=None,
            defaults={
                "title": instrument.title,
                "role": instrument.role,
                "timepoint": instrument.timepoint,
                "definition": instrument.to_dict(),
            },
        )
        if stored.definition != instrument.to_dict():
            raise DefinitionError(
                [f"{instrument.key} version {instrument.version} changed: raise its version"]
            )
        versions[(instrument.role, instrument.timepoint)] = stored
    return versions


@transaction.atomic
def stages_create_defaults(*, scheme: Scheme) -> list[Stage]:
    """Give a new scheme the study's four stages and its six questionnaires, all on."""
    versions = builtin_versions_sync()
    stages = []
    for position, (timepoint, label, phase, opens) in enumerate(DEFAULT_STAGES, start=1):
        stage = Stage.objects.create(
            scheme=scheme,
            timepoint=timepoint,
            label=label,
            phase=phase,
            position=position,
            opens_with_phase=opens,
            reminder_days=list(DEFAULT_REMINDER_DAYS),
        )
        for (role, version_timepoint), version in sorted(versions.items()):
            if version_timepoint == timepoint:
                SchemeInstrument.objects.create(
                    scheme=scheme, stage=stage, role=role, version=version
                )
        stages.append(stage)
    return stages


def _schedule_reminders(stage: Stage) -> None:
    if not default_task_backend.supports_defer:
        logger.warning("The task backend cannot defer tasks: no reminders for %s", stage)
        return
    assert stage.opened_at is not None
    for days in sorted(set(stage.reminder_days)):
        send_stage_reminders.using(run_after=stage.opened_at + timedelta(days=days)).enqueue(
            stage.pk
        )


@transaction.atomic
def stage_open(*, actor: User | None, stage: Stage) -> Stage:
    """Open a stage, tell each person who should answer by email, schedule its reminders.

    Its questionnaires appear in Your tasks for the people who have consented.

    Raises QuestionnaireError if it is already open, its phase has not started, or the
    scheme is closed (nobody is asked anything more then).
    """
    locked = Stage.objects.select_for_update().select_related("scheme").get(pk=stage.pk)
    if locked.is_open:
        raise QuestionnaireError(f"“{locked.label}” is already open.")
    if locked.scheme.phase == Phase.CLOSED:
        raise QuestionnaireError(
            f"The scheme is closed, so “{locked.label}” can no longer be opened: nobody is "
            "asked anything more."
        )
    if not locked.scheme.has_reached(locked.phase):
        raise QuestionnaireError(
            f"“{locked.label}” opens in {Phase(locked.phase).label.lower()}, which has not started."
        )
    locked.opened_at = timezone.now()
    locked.save(update_fields=["opened_at"])
    # send_stage_opened tells the people of each questionnaire on now.
    SchemeInstrument.objects.filter(stage=locked, enabled=True).update(
        announced_at=locked.opened_at
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        summary=f"Opened questionnaires: {locked.label}",
        scheme_id=locked.scheme_id,
    )
    send_stage_opened.enqueue(locked.pk)
    _schedule_reminders(locked)
    stage.opened_at = locked.opened_at
    return locked


def stages_open_with_phase(*, actor: User | None, scheme: Scheme, phase: Phase) -> int:
    """Open the stages that open with ``phase``; return how many opened."""
    stages = Stage.objects.filter(
        scheme=scheme, phase=phase, opens_with_phase=True, opened_at__isnull=True
    )
    opened = 0
    for stage in stages:
        stage_open(actor=actor, stage=stage)
        opened += 1
    return opened


@transaction.atomic
def scheme_instrument_set_enabled(
    *, actor: User, scheme_instrument: SchemeInstrument, enabled: bool
) -> bool:
    """Switch a questionnaire on or off for the scheme; answers already given are kept.

    Switched on at a stage already open, it is new to the people who should answer it
    unless they were told of it before: then those yet to answer are emailed that it is
    ready, as when a stage opens, and it is marked announced. Switched off and on again,
    nobody is told twice. Returns whether they are emailed; ``scheme_instrument`` gets the
    stored ``enabled`` and ``announced_at``.
    """
    was_enabled, announced_at = (
        SchemeInstrument.objects.select_for_update()
        .values_list("enabled", "announced_at")
        .get(pk=scheme_instrument.pk)
    )
    told = enabled and not was_enabled and announced_at is None and scheme_instrument.stage.is_open
    scheme_instrument.enabled = enabled
    scheme_instrument.announced_at = timezone.now() if told else announced_at
    scheme_instrument.save(update_fields=["enabled", "announced_at"])
    if told:
        send_stage_opened.enqueue(scheme_instrument.stage_id, scheme_instrument.role)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=scheme_instrument,
        summary=f"Switched {'on' if enabled else 'off'}: {scheme_instrument.version.title}",
        scheme_id=scheme_instrument.scheme_id,
    )
    return told


def _answerable(participant: Participant) -> QuerySet[SchemeInstrument]:
    """The enabled questionnaires for the participant's role, each with ``consented``,
    ``asked_about_session`` and ``session_closed``.

    ``consented``: whether the participant has a consent not withdrawn;
    ``asked_about_session``: :func:`selectors.asked_about_session`; ``session_closed``:
    their session was held (:func:`selectors.session_held`) and they have not submitted
    at the questionnaire's stage (which matters only before the session); so that the
    checks of :func:`instrument_for` need no query of their own.
    """
    consented = Consent.objects.filter(participant=participant.pk, withdrawn_at__isnull=True)
    asked = selectors.asked_about_session(participant.pk, participant.scheme_id)
    submitted = Response.objects.filter(
        participant=participant.pk, stage=OuterRef("stage"), status=Response.Status.SUBMITTED
    )
    closed = selectors.session_held(participant.pk) & ~Q(Exists(submitted))
    return (
        SchemeInstrument.objects.select_related("version", "scheme")
        .filter(role=participant.role, enabled=True)
        .order_by()
        .annotate(
            consented=Exists(consented),
            asked_about_session=ExpressionWrapper(asked, output_field=BooleanField()),
            session_closed=ExpressionWrapper(closed, output_field=BooleanField()),
        )
    )


def _checked(
    participant: Participant, stage: Stage, found: SchemeInstrument | None
) -> SchemeInstrument:
    if not participant.is_active:
        raise QuestionnaireError("You have withdrawn from this scheme.")
    if not stage.is_open:
        raise QuestionnaireError("This questionnaire is not open yet.")
    consented = (
        found.consented  # type: ignore[attr-defined]
        if found is not None
        else participant.current_consent() is not None
    )
    if not consented:
        raise QuestionnaireError("Give your consent before you answer questionnaires.")
    if found is None:
        raise QuestionnaireError("There is no questionnaire for you at this stage.")
    if stage.is_about_the_session and not found.asked_about_session:  # type: ignore[attr-defined]
        raise NoSession(stage)
    if stage.is_before_the_session and found.session_closed:  # type: ignore[attr-defined]
        raise SessionHeld(stage)
    return found


def instrument_for(participant: Participant, stage: Stage) -> SchemeInstrument:
    """The questionnaire this participant answers at this stage, if it is open to them.

    Raises QuestionnaireError saying why not: stage not open, no consent, withdrawn, no
    questionnaire for their role here, (NoSession) a questionnaire about the session
    for someone in no pair (:func:`selectors.asked_about_session`), or (SessionHeld) the
    one before the session, not submitted, once their session was held
    (:func:`selectors.session_held`). One query (two when there is no questionnaire).
    """
    found = _answerable(participant).filter(stage=stage).first()
    if found is not None:
        found.stage = stage
    return _checked(participant, stage, found)


def _instrument(
    participant: Participant, stage: Stage, checked: SchemeInstrument | None
) -> SchemeInstrument:
    """``checked`` if it is this participant's questionnaire at this stage, else look it up."""
    if checked is not None and checked.stage_id == stage.pk and checked.role == participant.role:
        return checked
    return instrument_for(participant, stage)


def answerable(found: selectors.Answering) -> SchemeInstrument:
    """The questionnaire ``found`` (by ``selectors.answering``) may answer, its stage loaded.

    "No such questionnaire." if the scheme has no such stage; then the checks of
    :func:`instrument_for`, in its order and words. Raises QuestionnaireError saying why
    not; ``found.participant`` must not be None.
    """
    assert found.participant is not None
    if found.stage is None:
        raise QuestionnaireError("No such questionnaire.")
    if found.instrument is not None:
        submitted = found.response is not None and found.response.is_submitted
        found.instrument.consented = found.consented  # type: ignore[attr-defined]
        found.instrument.asked_about_session = found.asked_about_session  # type: ignore[attr-defined]
        found.instrument.session_closed = found.session_held and not submitted  # type: ignore[attr-defined]
    return _checked(found.participant, found.stage, found.instrument)


_RESPONSE = Columns(Response, "r")
# The columns a new response is inserted with: all but the primary key.
_INSERTED = [field for field in _RESPONSE.fields if not field.primary_key]


@dataclass(frozen=True)
class _SavingSql:
    """The statements a save or a submit runs on every click, written out (ADR 0014).

    Only table and column names, quoted, are put into the text; every value is a
    parameter. ``tests/questionnaires/test_saving.py`` holds them to what the ORM does.
    """

    locked: str  # the response, locked, with its answers joined: one row each
    upsert: str  # the answers, inserted or updated: format with the VALUES rows
    touch: str  # the response's updated_at
    insert: str  # a new response, unless the participant has one at the stage already
    # The touch, then the upsert, in one statement (PostgreSQL: a data-modifying WITH),
    # or "" where the database runs them one by one.
    touch_and_upsert: str


def _saving_sql_for(connection: BaseDatabaseWrapper) -> _SavingSql:
    quote = connection.ops.quote_name
    response, answer = quote(Response._meta.db_table), quote(Answer._meta.db_table)

    def column(model: type[Model], name: str) -> str:
        field = model._meta.get_field(name)
        assert isinstance(field, Field) and field.column is not None
        return quote(field.column)

    if connection.features.has_select_for_update_of:
        lock = " FOR UPDATE OF r"
    elif connection.features.has_select_for_update:
        lock = " FOR UPDATE"
    else:  # SQLite: a write locks the whole database
        lock = ""
    response_id, name, value = (column(Answer, f) for f in ("response", "name", "value"))
    pk = column(Response, "id")
    touch = (
        f"UPDATE {response} SET {column(Response, 'updated_at')} = %s "  # noqa: S608  # nosec B608
        f"WHERE {pk} = %s"
    )
    upsert = (
        f"INSERT INTO {answer} ({response_id}, {name}, {value}) VALUES {{rows}} "  # noqa: S608  # nosec B608
        f"ON CONFLICT ({response_id}, {name}) DO UPDATE SET {value} = EXCLUDED.{value}"
    )
    return _SavingSql(
        locked=(
            f"SELECT {_RESPONSE.sql(connection)}, a.{name}, a.{value} "  # noqa: S608  # nosec B608
            f"FROM {response} r LEFT JOIN {answer} a ON a.{response_id} = r.{pk} "
            f"WHERE r.{column(Response, 'participant')} = %s "
            f"AND r.{column(Response, 'stage')} = %s{lock}"
        ),
        upsert=upsert,
        touch=touch,
        insert=(
            f"INSERT INTO {response} ({', '.join(quote(str(f.column)) for f in _INSERTED)}) "  # noqa: S608  # nosec B608
            f"VALUES ({', '.join(['%s'] * len(_INSERTED))}) "
            f"ON CONFLICT ({column(Response, 'participant')}, {column(Response, 'stage')}) "
            f"DO NOTHING RETURNING {pk}"
        ),
        touch_and_upsert=(
            f"WITH touched AS ({touch}) {upsert}" if connection.vendor == "postgresql" else ""
        ),
    )


_SAVING_SQL: dict[str, _SavingSql] = {}


def _saving_sql() -> _SavingSql:
    found = _SAVING_SQL.get(connection.vendor)
    if found is None:
        found = _SAVING_SQL[connection.vendor] = _saving_sql_for(connection)
    return found


def _locked_response(
    participant: Participant, stage: Stage, instrument: SchemeInstrument
) -> tuple[Response | None, dict[str, str]]:
    """The participant's response at this stage, locked until the transaction ends, and
    its answers by name ({} without a response).

    One SELECT … FOR UPDATE of the response with its answers joined, written out (ADRs
    0012 and 0014: a save or a submit runs it on every click, and the ORM takes several
    times as long to build the two queries it would need). Its version is
    ``instrument``'s when the response is on that version, so it costs no query.
    """
    db = connections[DEFAULT_DB_ALIAS]  # looked up once, not at every use
    with db.cursor() as cursor:
        cursor.execute(_saving_sql().locked, [participant.pk, stage.pk])
        rows = cursor.fetchall()
    if not rows:
        return None, {}
    found = _RESPONSE.take(rows[0], 0, db)
    assert found is not None  # the response is the inner side of the join
    found.participant, found.stage = participant, stage
    if found.version_id == instrument.version_id:
        found.version = instrument.version
    at = len(_RESPONSE)
    return found, {row[at]: row[at + 1] for row in rows if row[at] is not None}


def _new_response(
    participant: Participant, stage: Stage, instrument: SchemeInstrument
) -> tuple[Response, bool]:
    """Create the participant's (draft) response at this stage; return it and whether new.

    When a concurrent request created it a moment ago, that one is returned, locked.
    Where the database can, one INSERT … ON CONFLICT DO NOTHING RETURNING (ADR 0014):
    a conflict inserts nothing and needs no savepoint to recover from, where the ORM's
    INSERT needs one (two more round trips at every questionnaire's first save).
    """
    created = Response(
        participant=participant,
        stage=stage,
        scheme_instrument=instrument,
        version=instrument.version,
    )
    db = connections[DEFAULT_DB_ALIAS]
    if db.features.supports_ignore_conflicts and db.features.can_return_columns_from_insert:
        values = [f.get_db_prep_save(f.pre_save(created, True), connection=db) for f in _INSERTED]
        with db.cursor() as cursor:
            cursor.execute(_saving_sql().insert, values)
            row = cursor.fetchone()
        if row is not None:
            created.pk = row[0]
            created._state.adding, created._state.db = False, db.alias
            return created, True
    else:
        try:
            with transaction.atomic():
                created.save(force_insert=True)
        except IntegrityError:
            pass
        else:
            return created, True
    # Created by a concurrent request a moment ago.
    found = (
        Response.objects.select_for_update(of=("self",))
        .select_related("version")
        .get(participant=participant, stage=stage)
    )
    return found, False


def _store(
    response: Response,
    names: Sequence[str],
    clean: Mapping[str, str],
    stored: Mapping[str, str] | None,
) -> None:
    """Replace the answers named in ``names`` with ``clean``; mark the response updated.

    ``stored``: the answers the (locked) response holds, or None if not known. Answers
    to delete are looked for only among them: usually there are none, and no query runs;
    answers stored already with the same value are not written again. The upsert and
    the update are written out (ADR 0014); ``tests/questionnaires/test_saving.py`` holds
    them to what the ORM stores.
    """
    if stored is None:
        stale = Answer.objects.filter(response=response, name__in=names)
        stale.exclude(name__in=list(clean)).delete()
        changed = dict(clean)
    else:
        if gone := [name for name in names if name in stored and name not in clean]:
            Answer.objects.filter(response=response, name__in=gone).delete()
        changed = {name: value for name, value in clean.items() if stored.get(name) != value}
    sql = _saving_sql()
    now = timezone.now()
    touch = [connection.ops.adapt_datetimefield_value(now), response.pk]
    rows = [part for item in changed.items() for part in (response.pk, *item)]
    values = ", ".join(["(%s, %s, %s)"] * len(changed))
    with connection.cursor() as cursor:
        if changed and sql.touch_and_upsert:
            cursor.execute(sql.touch_and_upsert.format(rows=values), [*touch, *rows])
        else:
            if changed:
                cursor.execute(sql.upsert.format(rows=values), rows)
            cursor.execute(sql.touch, touch)
    response.updated_at = now


@transaction.atomic
def response_save_page(
    *,
    participant: Participant,
    stage: Stage,
    section: int,
    answers: Mapping[str, str],
    complete: bool,
    instrument: SchemeInstrument | None = None,
) -> dict[str, str]:
    """Save the answers to one page of a draft; return errors by answer name.

    With ``complete`` (Continue) the page's required questions must be answered and
    nothing is saved if any answer is wrong. Without it (Save as draft) the answers that
    are right are saved and the wrong ones are reported. ``instrument``: what
    :func:`instrument_for` (or :func:`answerable`) returned in this request, if the
    caller has it; otherwise it is looked up (and the same checks made).
    """
    instrument = _instrument(participant, stage, instrument)
    existing, previous = _locked_response(participant, stage, instrument)
    if existing is not None and existing.is_submitted:
        raise AlreadySubmitted("You have already submitted this questionnaire.")
    domains = instrument.domains()
    definition = (existing.version if existing else instrument.version).instrument
    items = definition.sections[section].items
    names = [a.name for a in definition.answerables(domains) if a.item in items]
    clean, errors = clean_answers(
        definition, domains, {**previous, **answers}, only=items, complete=complete
    )
    if complete and errors:
        return errors  # nothing stored, not even an empty draft
    stored: dict[str, str] | None = previous
    if existing is None:
        existing, created = _new_response(participant, stage, instrument)
        if not created:
            if existing.is_submitted:
                raise AlreadySubmitted("You have already submitted this questionnaire.")
            stored = None
    _store(existing, names, clean, stored)
    return errors


@transaction.atomic
def response_submit(
    *, participant: Participant, stage: Stage, instrument: SchemeInstrument | None = None
) -> Response:
    """Submit the participant's answers at this stage, once.

    Raises AlreadySubmitted if it was submitted before (nothing changes), and
    QuestionnaireError listing what is missing if required answers are not given.
    ``instrument`` as for :func:`response_save_page`.
    """
    instrument = _instrument(participant, stage, instrument)
    locked, answers = _locked_response(participant, stage, instrument)
    if locked is None:
        locked, created = _new_response(participant, stage, instrument)
        if not created:  # by a concurrent save a moment ago, perhaps with answers
            answers = dict(locked.answers.values_list("name", "value"))
    if locked.is_submitted:
        raise AlreadySubmitted("You have already submitted this questionnaire.")
    definition = locked.version.instrument
    domains = instrument.domains()
    clean, errors = clean_answers(definition, domains, answers, complete=True)
    if errors:
        raise QuestionnaireError(f"Answer every question before you submit ({len(errors)} to go).")
    # Drop answers to questions no longer shown (e.g. concerns text after answering no).
    if gone := [name for name in answers if name not in clean]:
        Answer.objects.filter(response=locked, name__in=gone).delete()
    locked.status = Response.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    audit.record(
        actor=participant.user,
        action=AuditEvent.Action.CREATE,
        obj=locked,
        summary=f"Submitted {locked.version.title}",
        scheme_id=stage.scheme_id,
    )
    return locked


@transaction.atomic
def response_reopen(*, actor: User, response: Response) -> Response:
    """Reopen a submitted response so its participant can change it (audited).

    Raises QuestionnaireError, changing nothing, if it is not submitted, or if it is the
    questionnaire before the session and their session has been held: reopened, it could
    never be submitted again (:class:`SessionHeld`), and a change made after the session
    would not be a "before" answer.
    """
    locked = Response.objects.select_for_update().select_related("stage").get(pk=response.pk)
    if not locked.is_submitted:
        raise QuestionnaireError("This questionnaire has not been submitted, so it is open.")
    held = Participant.objects.filter(selectors.session_held(), pk=locked.participant_id)
    if locked.stage.is_before_the_session and held.exists():
        raise QuestionnaireError(
            "This questionnaire asked about the time before the one-to-one session, which "
            "has been held, so it cannot be reopened: it stays as it was submitted."
        )
    locked.status = Response.Status.DRAFT
    locked.submitted_at = None
    locked.reopened_at = timezone.now()
    locked.reopened_by = actor
    locked.save(update_fields=["status", "submitted_at", "reopened_at", "reopened_by"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        summary="Reopened a submitted questionnaire",
        scheme_id=locked.stage.scheme_id,
    )
    return locked


@transaction.atomic
def reminders_set(*, actor: User, scheme: Scheme, reminder_days: list[int], due_days: int) -> int:
    """Set when questionnaires are due and when reminders go, for the scheme's stages.

    Applies to stages not yet open (reminders of open stages are already queued).
    Returns how many stages changed.
    """
    days = sorted({d for d in reminder_days if d > 0})
    changed = Stage.objects.filter(scheme=scheme, opened_at__isnull=True).update(
        reminder_days=days, due_days=due_days
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=scheme,
        summary=f"Set questionnaire reminders to {days} days, due after {due_days} days",
        scheme_id=scheme.pk,
    )
    return changed

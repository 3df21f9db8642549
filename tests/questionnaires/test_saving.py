"""Saving and submitting through the written-out statements (ADR 0014), held to the ORM.

A save reads the response locked with its answers in one SELECT, writes the answers
that changed with one upsert and marks the response updated with one UPDATE; a submit
reads the same way. Here each is held to what the ORM reads and stores, on SQLite and
PostgreSQL (dates and times are stored differently by each): the same response field by
field, the same answers, one row per answer, the stored time the instance holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from revmentor.questionnaires import services
from revmentor.questionnaires.models import (
    Answer,
    InstrumentVersion,
    Response,
    SchemeInstrument,
    Stage,
)
from revmentor.schemes.models import Participant
from tests.questionnaires.conftest import FULL_MENTOR_PRE
from tests.questionnaires.test_services import _answer_all


def _fields(response: Response) -> dict[str, Any]:
    return {f.attname: getattr(response, f.attname) for f in Response._meta.concrete_fields}


def _stored(response: Response) -> dict[str, str]:
    return dict(Answer.objects.filter(response=response).values_list("name", "value"))


def _locked(participant: Participant, stage: Stage) -> tuple[Response | None, dict[str, str]]:
    instrument = SchemeInstrument.objects.select_related("version").get(
        stage=stage, role=participant.role
    )
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        found = services._locked_response(participant, stage, instrument)
    assert len(queries) == 1
    return found


def _save(participant: Participant, stage: Stage, answers: dict[str, str]) -> dict[str, str]:
    return services.response_save_page(
        participant=participant, stage=stage, section=0, answers=answers, complete=False
    )


def test_the_locked_read_finds_the_response_and_answers_the_orm_finds(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    assert _locked(consented_mentor, open_stage) == (None, {})
    # A response without answers (a draft saved with nothing right yet).
    assert _save(consented_mentor, open_stage, {"understanding": "9"}) != {}
    response = Response.objects.get(participant=consented_mentor, stage=open_stage)
    found, answers = _locked(consented_mentor, open_stage)
    assert found is not None and _fields(found) == _fields(response) and answers == {}
    # With answers, then submitted, on a version older than the questionnaire's now.
    assert _save(consented_mentor, open_stage, {"understanding": "2", "concerns": "no"}) == {}
    older = response.version
    newer = InstrumentVersion.objects.create(
        key=older.key,
        version=older.version + 1,
        title=older.title,
        role=older.role,
        timepoint=older.timepoint,
        definition={**older.definition, "title": "Revised"},
        source=older.source,
        scheme=older.scheme,
    )
    SchemeInstrument.objects.filter(stage=open_stage, role=consented_mentor.role).update(
        version=newer
    )
    Response.objects.filter(pk=response.pk).update(
        status=Response.Status.SUBMITTED, submitted_at=timezone.now()
    )
    response.refresh_from_db()
    found, answers = _locked(consented_mentor, open_stage)
    assert found is not None and _fields(found) == _fields(response)
    assert answers == _stored(response) == {"understanding": "2", "concerns": "no"}
    assert found.version.pk == older.pk and found.is_submitted


def test_a_save_inserts_new_answers_updates_changed_ones_and_marks_the_response_updated(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    assert _save(consented_mentor, open_stage, {"understanding": "2", "concerns": "no"}) == {}
    response = Response.objects.get(participant=consented_mentor, stage=open_stage)
    assert _stored(response) == {"understanding": "2", "concerns": "no"}
    first = response.updated_at
    # One answer the same, one changed, one new: one row each, the latest values.
    answers = {"understanding": "2", "concerns": "yes", "concerns_text": "Time"}
    assert _save(consented_mentor, open_stage, answers) == {}
    assert _stored(response) == answers
    assert Answer.objects.filter(response=response).count() == 3
    response.refresh_from_db()
    assert isinstance(response.updated_at, datetime) and response.updated_at > first
    assert timezone.is_aware(response.updated_at)


def test_the_time_stored_is_the_time_the_response_holds(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    _save(consented_mentor, open_stage, {"understanding": "2"})
    instrument = SchemeInstrument.objects.get(stage=open_stage, role=consented_mentor.role)
    with transaction.atomic():
        response, stored = services._locked_response(consented_mentor, open_stage, instrument)
        assert response is not None
        services._store(response, ["understanding"], {"understanding": "3"}, stored)
    assert response.updated_at == Response.objects.get(pk=response.pk).updated_at


def test_answers_stored_already_are_not_written_again(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    answers = {"understanding": "2", "concerns": "no"}
    assert _save(consented_mentor, open_stage, answers) == {}
    table = Answer._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert _save(consented_mentor, open_stage, answers) == {}
    assert not [q for q in queries if f'INSERT INTO "{table}"' in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        assert _save(consented_mentor, open_stage, {**answers, "understanding": "3"}) == {}
    upserts = [q for q in queries if f'INSERT INTO "{table}"' in q["sql"]]
    assert len(upserts) == 1
    # The response is marked updated with the answers (PostgreSQL: in the same statement).
    touched = [q for q in queries if f'UPDATE "{Response._meta.db_table}"' in q["sql"]]
    assert len(touched) == 1
    assert (touched == upserts) == (connection.vendor == "postgresql")


def test_a_submit_reads_the_answers_with_the_lock_and_stores_once(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    _answer_all(consented_mentor, open_stage, FULL_MENTOR_PRE)
    response = services.response_submit(participant=consented_mentor, stage=open_stage)
    stored = Response.objects.get(pk=response.pk)
    assert stored.is_submitted and stored.submitted_at == response.submitted_at
    assert _stored(stored) == FULL_MENTOR_PRE


def test_a_new_response_is_what_the_orm_reads_back_and_a_second_finds_the_first(
    open_stage: Stage, consented_mentor: Participant, monkeypatch: Any
) -> None:
    instrument = SchemeInstrument.objects.select_related("version").get(
        stage=open_stage, role=consented_mentor.role
    )
    with CaptureQueriesContext(connection) as queries:
        created, new = services._new_response(consented_mentor, open_stage, instrument)
    assert new and not created._state.adding
    if connection.features.can_return_columns_from_insert:
        assert len(queries) == 1  # no savepoint around the INSERT
    stored = Response.objects.get(participant=consented_mentor, stage=open_stage)
    assert _fields(created) == _fields(stored)
    assert stored.status == Response.Status.DRAFT and stored.version_id == instrument.version_id
    assert stored.created_at <= stored.updated_at and stored.submitted_at is None
    # Created a moment ago by someone else: that one, locked, and nothing inserted.
    with transaction.atomic():
        found, new = services._new_response(consented_mentor, open_stage, instrument)
    assert not new and found.pk == created.pk
    assert Response.objects.filter(participant=consented_mentor).count() == 1
    # Where the database cannot skip a conflicting INSERT, the ORM's INSERT does the same.
    Response.objects.all().delete()
    monkeypatch.setattr(connection.features, "supports_ignore_conflicts", False)
    orm, new = services._new_response(consented_mentor, open_stage, instrument)
    assert new and _fields(orm) == _fields(Response.objects.get(pk=orm.pk))
    with transaction.atomic():
        found, new = services._new_response(consented_mentor, open_stage, instrument)
    assert not new and found.pk == orm.pk

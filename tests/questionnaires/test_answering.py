"""``selectors.answering``: one hand-written query that finds what the ORM lookups find.

Every click of a questionnaire opens it with this query (ADR 0012). Here it is held to
the ORM, case by case: the user takes no part; the stage does not exist, is not open, has
no questionnaire for the role or has it switched off; consent was never given or was
withdrawn; the participant withdrew; a response exists, on an older version of the
questionnaire, draft or submitted; a questionnaire about the session, for someone in a
pair, someone left unmatched, and in a scheme without a published allocation; the one
before the session once the session was held, not submitted and submitted. Every field
of every instance it builds equals the field as the ORM loads it (dates, JSON, booleans:
SQLite and PostgreSQL convert them differently), and ``services.answerable`` refuses
when, and with the words, the ORM-based ``services.instrument_for`` does (or says there
is no such questionnaire).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair
from revmentor.core.models import User
from revmentor.questionnaires import selectors, services
from revmentor.questionnaires.models import (
    InstrumentVersion,
    Response,
    SchemeInstrument,
    Stage,
)
from revmentor.questionnaires.services import QuestionnaireError
from revmentor.schemes.models import Participant, ParticipantStatus, Phase, Scheme
from tests.factories import ConsentFactory, SchemeFactory
from tests.meetings.conftest import publish


def _fields(obj: Model | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _orm(user: User, scheme: Scheme, timepoint: str) -> dict[str, Any]:
    """What the ORM finds for the same question, one lookup at a time."""
    participant = Participant.objects.filter(user=user, scheme=scheme).first()
    stage = instrument = response = None
    if participant is not None:  # nothing else is looked for
        stage = Stage.objects.filter(scheme=scheme, timepoint=timepoint).first()
    if participant is not None and stage is not None:
        instrument = SchemeInstrument.objects.filter(
            stage=stage, role=participant.role, enabled=True
        ).first()
        response = Response.objects.filter(participant=participant, stage=stage).first()
    return {
        "participant": participant,
        "stage": stage,
        "instrument": instrument,
        "version": instrument.version if instrument else None,
        "response": response,
        "response_version": response.version if response else None,
        "scheme": participant.scheme if participant else None,
        "consented": bool(participant and participant.consents.filter(withdrawn_at=None).exists()),
        "domains": instrument.domains() if instrument else None,
        "answers": dict(response.answers.values_list("name", "value")) if response else {},
        "asked_about_session": bool(
            participant
            and Participant.objects.filter(pk=participant.pk)
            .filter(selectors.asked_about_session())
            .exists()
        ),
        "session_held": bool(
            participant
            and Participant.objects.filter(pk=participant.pk)
            .filter(selectors.session_held())
            .exists()
        ),
    }


def _refusal(participant: Participant, stage: Stage | None) -> str | None:
    """Why the ORM-based check refuses this participant at this stage (None: it does not)."""
    if stage is None:
        return "No such questionnaire."
    try:
        services.instrument_for(participant, stage)
    except QuestionnaireError as error:
        return str(error)
    return None


def _check(user: User, scheme: Scheme, timepoint: str) -> selectors.Answering:
    with CaptureQueriesContext(connection) as queries:
        found = selectors.answering(user, scheme.pk, timepoint)
        with_answers = selectors.answering(user, scheme.pk, timepoint, with_answers=True)
    assert len(queries) == 2
    expected = _orm(user, scheme, timepoint)
    # The same, and the response's answers as the ORM reads them ({} without a response).
    assert found.answers is None
    assert with_answers.answers == expected["answers"]
    assert (with_answers.participant, with_answers.response) == (found.participant, found.response)
    assert _fields(found.participant) == _fields(expected["participant"])
    assert _fields(found.stage) == _fields(expected["stage"])
    assert _fields(found.instrument) == _fields(expected["instrument"])
    assert _fields(found.response) == _fields(expected["response"])
    assert found.consented == expected["consented"]
    if found.participant is None:
        return found
    assert found.asked_about_session == expected["asked_about_session"]
    # Asked only before the session: the other stages' SQL does not pay for it.
    assert found.session_held == (timepoint == "pre_session" and expected["session_held"])
    # Related objects are attached, without queries, and equal to what the ORM loads.
    with CaptureQueriesContext(connection) as queries:
        assert found.participant.user is user
        assert _fields(found.participant.scheme) == _fields(expected["scheme"])
        if found.stage is not None:
            assert found.stage.scheme is found.participant.scheme
        if found.instrument is not None:
            assert _fields(found.instrument.version) == _fields(expected["version"])
            assert found.instrument.stage is found.stage
            assert found.instrument.domains() == expected["domains"]
        if found.response is not None:
            assert _fields(found.response.version) == _fields(expected["response_version"])
            assert found.response.participant is found.participant
    assert len(queries) == 0
    # Refused exactly when, and with the words, the ORM lookup refuses.
    refusal = _refusal(expected["participant"], expected["stage"])
    if refusal is None:
        instrument = services.answerable(found)
        assert instrument.pk == expected["instrument"].pk
    else:
        with pytest.raises(QuestionnaireError) as raised:
            services.answerable(found)
        assert str(raised.value) == refusal
    return found


def test_someone_who_takes_no_part_is_found_as_nobody(scheme: Scheme, outsider: User) -> None:
    found = _check(outsider, scheme, "pre_phase1")
    assert found == selectors.Answering(None, None, None, False, None)


def test_a_participant_of_another_scheme_is_not_found_in_this_one(
    consented_mentor: Participant,
) -> None:
    other = SchemeFactory()
    assert _check(consented_mentor.user, other, "pre_phase1").participant is None


@pytest.mark.parametrize("timepoint", ["pre_phase1", "post_session", "no-such-stage"])
def test_stages_open_closed_and_missing(
    scheme: Scheme, consented_mentor: Participant, timepoint: str
) -> None:
    Stage.objects.filter(scheme=scheme, timepoint="pre_phase1").update(opened_at=timezone.now())
    found = _check(consented_mentor.user, scheme, timepoint)
    assert (found.stage is None) == (timepoint == "no-such-stage")


def test_consent_never_given_withdrawn_and_given_again(
    scheme: Scheme, open_stage: Stage, mentor: Participant
) -> None:
    assert not _check(mentor.user, scheme, open_stage.timepoint).consented
    consent = ConsentFactory(participant=mentor)
    assert _check(mentor.user, scheme, open_stage.timepoint).consented
    consent.withdrawn_at = timezone.now()
    consent.save()
    assert not _check(mentor.user, scheme, open_stage.timepoint).consented
    ConsentFactory(participant=mentor)
    assert _check(mentor.user, scheme, open_stage.timepoint).consented


def test_a_withdrawn_participant_and_a_questionnaire_switched_off(
    scheme: Scheme, open_stage: Stage, consented_mentor: Participant, mentee: Participant
) -> None:
    ConsentFactory(participant=mentee)
    # pre_phase1 has no mentee questionnaire: found, and refused as the ORM refuses.
    assert _check(mentee.user, scheme, open_stage.timepoint).instrument is None
    SchemeInstrument.objects.filter(stage=open_stage).update(enabled=False)
    assert _check(consented_mentor.user, scheme, open_stage.timepoint).instrument is None
    SchemeInstrument.objects.filter(stage=open_stage).update(enabled=True)
    Participant.objects.filter(pk=consented_mentor.pk).update(
        status=ParticipantStatus.WITHDRAWN, withdrawn_on=timezone.localdate()
    )
    found = _check(consented_mentor.user, scheme, open_stage.timepoint)
    assert found.participant is not None and not found.participant.is_active


def test_a_draft_then_a_submitted_response_on_an_older_version(
    scheme: Scheme, open_stage: Stage, consented_mentor: Participant
) -> None:
    instrument = SchemeInstrument.objects.get(stage=open_stage, role=consented_mentor.role)
    older = instrument.version
    services.response_save_page(
        participant=consented_mentor,
        stage=open_stage,
        section=0,
        answers={"understanding": "2"},
        complete=False,
    )
    found = _check(consented_mentor.user, scheme, open_stage.timepoint)
    assert found.response is not None and not found.response.is_submitted
    # A newer version of the questionnaire: the response keeps the one it started on.
    newer = InstrumentVersion.objects.create(
        key=older.key,
        version=older.version + 1,
        title=f"{older.title} (revised)",
        role=older.role,
        timepoint=older.timepoint,
        definition={**older.definition, "title": f"{older.title} (revised)"},
        source=older.source,
        scheme=older.scheme,
    )
    SchemeInstrument.objects.filter(pk=instrument.pk).update(version=newer)
    Response.objects.filter(pk=found.response.pk).update(
        status=Response.Status.SUBMITTED, submitted_at=timezone.now()
    )
    found = _check(consented_mentor.user, scheme, open_stage.timepoint)
    assert found.response is not None and found.response.is_submitted
    assert found.response.version.pk == older.pk
    assert found.instrument is not None and found.instrument.version.pk == newer.pk
    state = selectors.state_of(found.instrument, found.response)
    assert state.definition.title == older.title and state.submitted
    with CaptureQueriesContext(connection) as queries:
        assert state.answers == {"understanding": "2"}
        assert state.answers == {"understanding": "2"}  # read once
    assert len(queries) == 1


def test_answers_read_with_it_keep_every_character(
    scheme: Scheme, open_stage: Stage, consented_mentor: Participant
) -> None:
    typed = 'Quotes " and \\ backslashes, a new\nline, tabs\t, accents é, and 🙂'
    services.response_save_page(
        participant=consented_mentor,
        stage=open_stage,
        section=0,
        answers={"understanding": "2", "concerns": "yes", "concerns_text": typed},
        complete=False,
    )
    found = _check(consented_mentor.user, scheme, open_stage.timepoint)
    assert found.response is not None
    again = selectors.answering(
        consented_mentor.user, scheme.pk, open_stage.timepoint, with_answers=True
    )
    assert again.answers == {"understanding": "2", "concerns": "yes", "concerns_text": typed}


def test_a_questionnaire_about_the_session_for_the_paired_and_the_unmatched(
    scheme: Scheme,
    consented_mentor: Participant,
    other_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    for person in (other_mentor, mentee, other_mentee):
        ConsentFactory(participant=person)
    scheme.phase = Phase.PHASE_2
    scheme.save()
    Stage.objects.filter(scheme=scheme).update(opened_at=timezone.now())
    # No allocation published (a draft is none): everyone is asked, as before.
    draft = Allocation.objects.create(
        scheme=scheme, number=1, seed=1, algorithm="test", inputs_sha256="", record={}
    )
    Pair.objects.create(allocation=draft, mentor=consented_mentor, mentee=mentee)
    assert _check(other_mentor.user, scheme, "pre_session").asked_about_session
    # Published: the pair is asked; the mentor and mentee left unmatched are refused
    # there, in the words of the ORM's check, and still answer the earlier questionnaires.
    Allocation.objects.filter(pk=draft.pk).update(status=Allocation.Status.PUBLISHED)
    assert _check(consented_mentor.user, scheme, "pre_session").asked_about_session
    assert _check(mentee.user, scheme, "post_session").asked_about_session
    for unmatched in (other_mentor, other_mentee):
        found = _check(unmatched.user, scheme, "post_session")
        assert not found.asked_about_session
        with pytest.raises(services.NoSession):
            services.answerable(found)
    found = _check(other_mentor.user, scheme, "post_phase1")
    assert services.answerable(found).stage.timepoint == "post_phase1"


def test_a_questionnaire_about_the_session_once_the_partner_has_stopped(
    scheme: Scheme,
    lead: User,
    consented_mentor: Participant,
    other_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    """Not for someone whose partner stopped before the session (there is none); still
    for someone whose session was held before their partner stopped."""
    from revmentor.meetings.models import Meeting
    from revmentor.schemes.services import consent_withdraw, participant_withdraw

    for person in (other_mentor, mentee, other_mentee):
        ConsentFactory(participant=person)
    scheme.phase = Phase.PHASE_2
    scheme.save()
    Stage.objects.filter(scheme=scheme).update(opened_at=timezone.now())
    published = Allocation.objects.create(
        scheme=scheme,
        number=1,
        seed=1,
        algorithm="test",
        inputs_sha256="",
        record={},
        status=Allocation.Status.PUBLISHED,
    )
    Pair.objects.create(allocation=published, mentor=consented_mentor, mentee=mentee)
    held = Pair.objects.create(allocation=published, mentor=other_mentor, mentee=other_mentee)
    Meeting.objects.create(pair=held, held=True, duration_minutes=45)
    assert _check(consented_mentor.user, scheme, "pre_session").asked_about_session

    consent_withdraw(participant=mentee)  # before their session
    participant_withdraw(actor=lead, participant=other_mentee, reason="Moved")  # after it

    found = _check(consented_mentor.user, scheme, "pre_session")
    assert not found.asked_about_session
    with pytest.raises(services.NoSession):
        services.answerable(found)
    assert _check(other_mentor.user, scheme, "post_session").asked_about_session


def test_the_questionnaire_before_the_session_once_the_session_is_held(
    scheme: Scheme,
    consented_mentor: Participant,
    other_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    """Refused with a draft and without a response, in the words of the ORM's check;
    not refused once submitted; the questionnaire after the session not refused."""
    from revmentor.meetings.services import meeting_log

    for person in (other_mentor, mentee, other_mentee):
        ConsentFactory(participant=person)
    scheme.phase = Phase.PHASE_2
    scheme.save()
    Stage.objects.filter(scheme=scheme).update(opened_at=timezone.now())
    pair, other = publish(scheme, [(consented_mentor, mentee), (other_mentor, other_mentee)])
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_session")
    services.response_save_page(
        participant=consented_mentor,
        stage=stage,
        section=0,
        answers={"understanding": "2"},
        complete=False,
    )
    assert not _check(consented_mentor.user, scheme, "pre_session").session_held
    meeting_log(participant=mentee, pair=pair, held=False, duration_minutes=None)
    assert not _check(consented_mentor.user, scheme, "pre_session").session_held

    meeting_log(participant=mentee, pair=pair, held=True, duration_minutes=40)
    for person in (consented_mentor, mentee):  # a draft; no response
        found = _check(person.user, scheme, "pre_session")
        assert found.session_held
        with pytest.raises(services.SessionHeld):
            services.answerable(found)
        assert services.answerable(_check(person.user, scheme, "post_session"))
    # The other pair's session is not held: theirs is open; once held, a response
    # submitted before stays theirs to see.
    assert services.answerable(_check(other_mentor.user, scheme, "pre_session"))
    Response.objects.create(
        participant=other_mentor,
        stage=stage,
        scheme_instrument=SchemeInstrument.objects.get(stage=stage, role=other_mentor.role),
        version=SchemeInstrument.objects.get(stage=stage, role=other_mentor.role).version,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    meeting_log(participant=other_mentor, pair=other, held=True, duration_minutes=50)
    found = _check(other_mentor.user, scheme, "pre_session")
    assert found.session_held and found.response is not None and found.response.is_submitted
    assert services.answerable(found).stage == stage

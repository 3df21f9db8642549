from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from revmentor.core.models import User
from revmentor.questionnaires import selectors, services
from revmentor.questionnaires.models import (
    Answer,
    InstrumentVersion,
    Response,
    SchemeInstrument,
    Stage,
)
from revmentor.questionnaires.services import AlreadySubmitted, QuestionnaireError
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Participant, Phase, Scheme
from tests.factories import ConsentFactory
from tests.questionnaires.conftest import FULL_MENTOR_PRE


def _answer_all(participant: Participant, stage: Stage, answers: dict[str, str]) -> None:
    definition = SchemeInstrument.objects.get(stage=stage, role=participant.role).version.instrument
    for index in range(len(definition.sections)):
        errors = services.response_save_page(
            participant=participant, stage=stage, section=index, answers=answers, complete=True
        )
        assert errors == {}


def test_a_new_scheme_has_the_study_stages_and_six_questionnaires(scheme: Scheme) -> None:
    stages = list(Stage.objects.filter(scheme=scheme).values_list("timepoint", flat=True))
    assert stages == ["pre_phase1", "post_phase1", "pre_session", "post_session"]
    keys = sorted(
        SchemeInstrument.objects.filter(scheme=scheme).values_list("version__key", flat=True)
    )
    assert keys == [
        "mentee_post_session",
        "mentee_pre_session",
        "mentor_post_phase1",
        "mentor_post_session",
        "mentor_pre_phase1",
        "mentor_pre_session",
    ]
    # Versions are shared, not copied, between schemes.
    assert InstrumentVersion.objects.count() == 6


def test_instrument_versions_are_never_edited(scheme: Scheme) -> None:
    version = InstrumentVersion.objects.get(key="mentor_pre_phase1")
    version.definition = {**version.definition, "title": "Changed"}
    with pytest.raises(ValueError, match="never edited"):
        version.save()


def test_phase_1_opens_the_first_questionnaire_and_leaves_the_second_to_the_lead(
    lead: User, scheme: Scheme, consented_mentor: Participant
) -> None:
    scheme_services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    opened = dict(Stage.objects.filter(scheme=scheme).values_list("timepoint", "opened_at"))
    assert opened["pre_phase1"] is not None
    assert opened["post_phase1"] is None
    tasks = selectors.tasks_for([_with_consent(consented_mentor)])
    assert [t.title for t in tasks[consented_mentor.pk]] == ["Before the group interview"]


def _with_consent(participant: Participant) -> Participant:
    return Participant.objects.with_consent().get(pk=participant.pk)


def test_a_stage_cannot_open_before_its_phase(lead: User, scheme: Scheme) -> None:
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_session")
    with pytest.raises(QuestionnaireError, match="has not started"):
        services.stage_open(actor=lead, stage=stage)


def test_a_closed_scheme_opens_no_more_questionnaires(
    client_for: Any, lead: User, scheme: Scheme, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor)
    scheme.phase = Phase.CLOSED
    scheme.save(update_fields=["phase"])
    stage = Stage.objects.get(scheme=scheme, timepoint="post_session")
    page = client_for(lead).get(reverse("schemes:questionnaires", args=[scheme.pk]))

    with pytest.raises(QuestionnaireError, match="The scheme is closed"):
        services.stage_open(actor=lead, stage=stage)

    stage.refresh_from_db()
    assert stage.opened_at is None and mail.outbox == []
    body = page.content.decode()
    assert "Open “After the session” questionnaires" not in body
    assert "The scheme is closed, so nobody is asked these now." in body


def test_questionnaire_is_closed_to_those_without_consent_or_withdrawn(
    open_stage: Stage, mentor: Participant, mentee: Participant
) -> None:
    with pytest.raises(QuestionnaireError, match="consent"):
        services.instrument_for(mentor, open_stage)
    from tests.factories import ConsentFactory

    ConsentFactory(participant=mentee)
    with pytest.raises(QuestionnaireError, match="no questionnaire for you"):
        services.instrument_for(mentee, open_stage)  # mentees answer nothing before phase 1
    ConsentFactory(participant=mentor)
    mentor.status, mentor.withdrawn_on = "withdrawn", "2026-01-01"
    mentor.save()
    with pytest.raises(QuestionnaireError, match="withdrawn"):
        services.instrument_for(mentor, open_stage)


def test_continue_checks_the_page_and_saves_nothing_if_it_is_wrong(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    errors = services.response_save_page(
        participant=consented_mentor,
        stage=open_stage,
        section=0,
        answers={"understanding": "2", "concerns": "yes"},
        complete=True,
    )
    assert errors == {"concerns_text": "Enter your concerns"}
    assert not Answer.objects.exists()


def test_a_draft_keeps_right_answers_and_reports_wrong_ones(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    errors = services.response_save_page(
        participant=consented_mentor,
        stage=open_stage,
        section=0,
        answers={"understanding": "9", "concerns": "no"},
        complete=False,
    )
    assert list(errors) == ["understanding"]
    assert dict(Answer.objects.values_list("name", "value")) == {"concerns": "no"}
    assert Response.objects.get().status == Response.Status.DRAFT


def test_answering_no_drops_the_concerns_text(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    _answer_all(consented_mentor, open_stage, FULL_MENTOR_PRE)
    services.response_save_page(
        participant=consented_mentor,
        stage=open_stage,
        section=0,
        answers={"understanding": "2", "concerns": "no", "concerns_text": "still here"},
        complete=True,
    )
    assert not Answer.objects.filter(name="concerns_text").exists()


def test_submit_stores_once_and_locks(open_stage: Stage, consented_mentor: Participant) -> None:
    _answer_all(consented_mentor, open_stage, FULL_MENTOR_PRE)
    response = services.response_submit(participant=consented_mentor, stage=open_stage)
    assert response.is_submitted and response.submitted_at is not None
    assert Answer.objects.filter(response=response).count() == len(FULL_MENTOR_PRE)
    with pytest.raises(AlreadySubmitted):
        services.response_submit(participant=consented_mentor, stage=open_stage)
    with pytest.raises(AlreadySubmitted):
        services.response_save_page(
            participant=consented_mentor,
            stage=open_stage,
            section=0,
            answers={"understanding": "5"},
            complete=False,
        )
    assert Answer.objects.get(name="understanding").value == "2"
    assert Response.objects.count() == 1


def test_submit_refuses_an_incomplete_response(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    services.response_save_page(
        participant=consented_mentor,
        stage=open_stage,
        section=0,
        answers={"understanding": "2", "concerns": "no"},
        complete=True,
    )
    with pytest.raises(QuestionnaireError, match="Answer every question"):
        services.response_submit(participant=consented_mentor, stage=open_stage)
    assert Response.objects.get().status == Response.Status.DRAFT


def test_the_lead_reopens_a_submitted_response(
    lead: User, open_stage: Stage, consented_mentor: Participant
) -> None:
    _answer_all(consented_mentor, open_stage, FULL_MENTOR_PRE)
    response = services.response_submit(participant=consented_mentor, stage=open_stage)
    services.response_reopen(actor=lead, response=response)
    response.refresh_from_db()
    assert response.status == Response.Status.DRAFT and response.reopened_by == lead
    services.response_submit(participant=consented_mentor, stage=open_stage)


def test_reminders_go_to_those_who_have_not_submitted_only(
    scheme: Scheme, open_stage: Stage, consented_mentor: Participant, other_mentor: Participant
) -> None:
    from tests.factories import ConsentFactory, ParticipantFactory

    ConsentFactory(participant=other_mentor)
    withdrawn = ParticipantFactory(scheme=scheme, status="withdrawn", withdrawn_on="2026-01-01")
    ConsentFactory(participant=withdrawn)
    _answer_all(consented_mentor, open_stage, FULL_MENTOR_PRE)
    services.response_submit(participant=consented_mentor, stage=open_stage)
    assert [p for p, _v in selectors.outstanding(open_stage)] == [other_mentor]
    from revmentor.questionnaires.tasks import send_stage_reminders

    assert send_stage_reminders.call(open_stage.pk) == 1
    assert [m.to for m in mail.outbox] == [[other_mentor.user.email]]
    assert "Before the group interview" in mail.outbox[0].subject


def test_a_failed_continue_stores_no_empty_draft(
    open_stage: Stage, consented_mentor: Participant
) -> None:
    errors = services.response_save_page(
        participant=consented_mentor, stage=open_stage, section=0, answers={}, complete=True
    )
    assert set(errors) == {"understanding", "concerns"}
    assert not Response.objects.exists()

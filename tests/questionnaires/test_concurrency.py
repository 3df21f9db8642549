"""Simultaneous requests for one response, on PostgreSQL's real row locks.

Twenty threads, each with its own database connection, start the same write at the same
moment (a barrier): submitting one complete draft, or saving the first page of a
questionnaire nobody has started. Each must end with one stored response and no answer
stored twice. SQLite serialises every write, so it cannot show this: skipped there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from revmentor.core.models import User
from revmentor.questionnaires import services
from revmentor.questionnaires.models import Answer, Response, SchemeInstrument, Stage
from revmentor.questionnaires.services import AlreadySubmitted
from revmentor.schemes.models import Participant, Phase, Scheme
from revmentor.schemes.services import scheme_move_phase
from tests.factories import ConsentFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL's row locks (SQLite runs one writer at a time); "
        "run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 20
DOMAINS = (
    "technology",
    "clinical_practice",
    "approach_to_juniors",
    "time_management",
    "approachability",
    "strengths",
    "areas_for_improvement",
)
COMPLETE_ANSWERS = {
    "understanding": "3",
    "concerns": "yes",
    "concerns_text": "Whether my supervisor will know what I said.",
    **{
        f"{scale}.{slug}": str(i % 5 + 1)
        for scale in ("importance", "confidence", "ability")
        for i, slug in enumerate(DOMAINS)
    },
}


def open_stage_with_consented_mentor(scheme: Scheme, lead: User, mentor: Participant) -> Stage:
    """Consent the mentor and move the scheme into phase 1, which opens the stage."""
    ConsentFactory(participant=mentor)
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    assert stage.is_open
    return stage


def at_once(action: Callable[[int], Any]) -> list[Any]:
    """Run ``action(i)`` in THREADS threads released together; return each one's outcome.

    The outcome is what ``action`` returned, or the exception it raised. Each thread
    closes its own database connection, so none is left open when the test ends.
    """
    barrier = threading.Barrier(THREADS)
    outcomes: list[Any] = [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = action(i)
        except Exception as error:  # every outcome, error or not, is checked by the test
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_twenty_simultaneous_submissions_store_one_response(
    scheme: Scheme, lead: User, mentor: Participant
) -> None:
    # Given a mentor whose draft answers every question
    stage = open_stage_with_consented_mentor(scheme, lead, mentor)
    sections = SchemeInstrument.objects.get(stage=stage, role=mentor.role).version.instrument
    for index in range(len(sections.sections)):
        errors = services.response_save_page(
            participant=mentor, stage=stage, section=index, answers=COMPLETE_ANSWERS, complete=True
        )
        assert errors == {}
    saved = dict(Answer.objects.filter(response__participant=mentor).values_list("name", "value"))
    assert saved == COMPLETE_ANSWERS

    # When twenty requests submit it at the same moment
    def submit(_i: int) -> Response:
        participant = Participant.objects.get(pk=mentor.pk)
        return services.response_submit(
            participant=participant, stage=Stage.objects.get(pk=stage.pk)
        )

    outcomes = at_once(submit)

    # Then exactly one succeeds and the other nineteen are told it was already submitted
    succeeded = [o for o in outcomes if isinstance(o, Response)]
    refused = [o for o in outcomes if isinstance(o, AlreadySubmitted)]
    assert len(succeeded) == 1, outcomes
    assert len(refused) == THREADS - 1, outcomes

    # And one submitted response holds each answer once
    response = Response.objects.get()
    assert response.pk == succeeded[0].pk
    assert response.participant_id == mentor.pk
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_at is not None
    stored = list(Answer.objects.values_list("name", "value"))
    assert len(stored) == len(COMPLETE_ANSWERS)
    assert dict(stored) == COMPLETE_ANSWERS


def test_twenty_simultaneous_first_saves_create_one_draft(
    scheme: Scheme, lead: User, mentor: Participant
) -> None:
    # Given a consented mentor who has not started the questionnaire
    stage = open_stage_with_consented_mentor(scheme, lead, mentor)
    assert not Response.objects.exists()

    # When twenty requests save a draft of the first page at the same moment
    def save_draft(i: int) -> dict[str, str]:
        return services.response_save_page(
            participant=Participant.objects.get(pk=mentor.pk),
            stage=Stage.objects.get(pk=stage.pk),
            section=0,
            answers={"understanding": str(i % 5 + 1), "concerns": "no"},
            complete=False,
        )

    outcomes = at_once(save_draft)

    # Then every save succeeds without errors
    assert outcomes == [{}] * THREADS

    # And there is one draft, with each answer stored once
    response = Response.objects.get()
    assert response.participant_id == mentor.pk
    assert response.status == Response.Status.DRAFT
    stored = list(Answer.objects.values_list("name", "value"))
    assert sorted(name for name, _value in stored) == ["concerns", "understanding"]
    assert dict(stored)["concerns"] == "no"
    assert dict(stored)["understanding"] in {"1", "2", "3", "4", "5"}

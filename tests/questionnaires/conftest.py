from __future__ import annotations

import pytest

from revmentor.questionnaires import services
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import Participant
from tests.factories import ConsentFactory


@pytest.fixture
def consented_mentor(mentor: Participant) -> Participant:
    ConsentFactory(participant=mentor)
    return mentor


FULL_MENTOR_PRE = {
    "understanding": "2",
    "concerns": "yes",
    "concerns_text": "The hierarchy",
    **{
        f"{scale}.{slug}": "3"
        for scale in ("importance", "confidence", "ability")
        for slug in (
            "technology",
            "clinical_practice",
            "approach_to_juniors",
            "time_management",
            "approachability",
            "strengths",
            "areas_for_improvement",
        )
    },
}


def answer_whole(participant: Participant, stage: Stage) -> None:
    """Answer every page of the mentors' first questionnaire (not yet submitted)."""
    for index in range(4):
        services.response_save_page(
            participant=participant,
            stage=stage,
            section=index,
            answers=FULL_MENTOR_PRE,
            complete=True,
        )


def submit_whole(participant: Participant, stage: Stage) -> None:
    """Answer every page of the mentors' first questionnaire, then submit it."""
    answer_whole(participant, stage)
    services.response_submit(participant=participant, stage=stage)

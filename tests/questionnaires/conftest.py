from __future__ import annotations

import pytest

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

from __future__ import annotations

import pytest
from django.utils import timezone

from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import Participant, Scheme
from tests.factories import ConsentFactory


@pytest.fixture
def open_stage(scheme: Scheme) -> Stage:
    """The scheme's "before the group interview" stage, open."""
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    stage.opened_at = timezone.now()
    stage.save()
    return stage


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

"""The demo scheme with answers: mentors who answered before and after phase 1, sessions.

``revmentor.core.demo.seed`` builds the study's 11 people with willingness; here the
consented mentors submit the questionnaires before and after phase 1, and three pairs
log their sessions. The first mentor consents to take part but not to research use.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from revmentor.core import demo
from revmentor.meetings.models import Meeting
from revmentor.questionnaires import services
from revmentor.questionnaires.models import SchemeInstrument, Stage
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Participant, ParticipantRole, Scheme
from tests.meetings.conftest import publish

DOMAINS = (
    "technology",
    "clinical_practice",
    "approach_to_juniors",
    "time_management",
    "approachability",
    "strengths",
    "areas_for_improvement",
)


def answers(shift: int) -> dict[str, str]:
    """A complete set of a mentor's answers; ``shift`` moves the Likert answers."""
    return {
        "understanding": str(min(5, 1 + shift)),
        "concerns": "yes",
        "concerns_text": "Whether my supervisor will know what I said.",
        **{
            f"{scale}.{slug}": str((i + shift) % 5 + 1)
            for scale in ("importance", "confidence", "ability")
            for i, slug in enumerate(DOMAINS)
        },
    }


def submit(participant: Participant, stage: Stage, values: dict[str, str]) -> None:
    """Save every page of the participant's questionnaire at ``stage`` and submit it."""
    instrument = SchemeInstrument.objects.get(stage=stage, role=participant.role)
    definition = instrument.version.instrument
    known = {a.name for a in definition.answerables(instrument.domains())}
    for index in range(len(definition.sections)):
        services.response_save_page(
            participant=participant,
            stage=stage,
            section=index,
            answers={k: v for k, v in values.items() if k in known},
            complete=False,
        )
    services.response_submit(participant=participant, stage=stage)


def answer(scheme: Scheme, mentors: list[Participant]) -> None:
    """Open both phase 1 stages; each mentor answers before and after (higher after)."""
    Stage.objects.filter(scheme=scheme, timepoint__in=["pre_phase1", "post_phase1"]).update(
        opened_at=timezone.now()
    )
    pre = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    post = Stage.objects.get(scheme=scheme, timepoint="post_phase1")
    for i, mentor in enumerate(mentors):
        submit(mentor, pre, answers(i % 3))
        submit(mentor, post, answers(i % 3 + 1))


@pytest.fixture
def demo_scheme(db: Any) -> Scheme:
    """The demo scheme: consented mentors answered, three sessions held, one mentor
    agreed to take part but not to research use (and answered)."""
    scheme = demo.seed()
    mentors = list(scheme.participants.mentors().order_by("pk"))
    scheme_services.consent_give(participant=mentors[0], take_part=True, research_use=False)
    answer(scheme, mentors)
    mentees = list(scheme.participants.filter(role=ParticipantRole.MENTEE).order_by("pk"))
    pairs = publish(scheme, list(zip(mentors[1:4], mentees[1:4], strict=True)))
    for pair, minutes in zip(pairs, (30, 45, 180), strict=True):
        Meeting.objects.create(pair=pair, held=True, duration_minutes=minutes, place="Room 4")
    return scheme


@pytest.fixture
def no_research_mentor(demo_scheme: Scheme) -> Participant:
    """The demo mentor who took part but did not agree to research use."""
    return demo_scheme.participants.mentors().order_by("pk").first()  # type: ignore[return-value]

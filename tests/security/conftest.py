"""A scheme with something behind every form: the world the hostile tests post into.

``world`` is the root personas' scheme with everyone consented, the questionnaires
before phase 1 open, the group interview started, a mentor's contribution waiting to be
merged, a document compiled, a submitted response to reopen (with a free-text answer),
a codebook of two codes with the researcher's coding of that answer, and (in another
scheme in phase 2) a published pair. Each test moves ``world.scheme`` to the phase it
needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair
from revmentor.coding import selectors as coding_selectors
from revmentor.coding import services as coding
from revmentor.coding.models import Code, Codebook
from revmentor.core.models import User
from revmentor.feedback import services as feedback
from revmentor.feedback.models import Contribution
from revmentor.questionnaires.models import Response, SchemeInstrument, Stage
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from tests.factories import ConsentFactory, ParticipantFactory
from tests.meetings.conftest import publish
from tests.research.conftest import submit


@dataclass
class World:
    scheme: Scheme
    lead: User
    facilitator: User
    researcher: User
    site_admin: User
    mentor: Participant
    mentee: Participant
    other_mentor: Participant
    other_mentee: Participant
    stage: Stage
    instrument: SchemeInstrument
    response: Response
    contribution: Contribution
    pair: Pair
    allocation: Allocation
    codebook: Codebook
    code: Code
    other_code: Code
    answer: int  # the free-text answer open to coding

    def phase(self, phase: Phase) -> None:
        """Move the scheme to ``phase`` (directly, as the phase guards are not under test)."""
        self.scheme.phase = phase
        self.scheme.save(update_fields=["phase"])


@pytest.fixture
def world(
    scheme: Scheme,
    lead: User,
    facilitator: User,
    researcher: User,
    site_admin: User,
    mentor: Participant,
    mentee: Participant,
    other_mentor: Participant,
    other_mentee: Participant,
) -> World:
    for person in (mentor, mentee, other_mentor, other_mentee):
        ConsentFactory(participant=person)
    scheme.phase = Phase.PHASE_1
    scheme.save(update_fields=["phase"])
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    stage.opened_at = timezone.now()
    stage.save(update_fields=["opened_at"])
    concerns = {"concerns": "yes", "concerns_text": "Whether my supervisor will know."}
    submit(other_mentor, stage, {"understanding": "3", **concerns} | _grid())
    response = Response.objects.get(participant=other_mentor, stage=stage)
    codebook = coding_selectors.codebook_of(scheme)
    code = coding.code_create(
        actor=researcher, codebook=codebook, name="supervisor", label="Worry about the supervisor"
    )
    other_code = coding.code_create(
        actor=researcher, codebook=codebook, name="time", label="Time", parent=code
    )
    answer = coding_selectors.free_text_answers(scheme)[0].answer_id
    coding.codings_save(actor=researcher, codebook=codebook, chosen={answer: [code.pk]})
    interview = feedback.interview_for(scheme)
    feedback.contributions_save(
        mentor=other_mentor, mentee=mentee, texts={"technology": "Uses the new system well."}
    )
    contribution = Contribution.objects.get(mentor=other_mentor)
    feedback.notes_save(
        actor=facilitator, interview=interview, mentee=mentee, texts={"strengths": "Kind."}
    )
    feedback.document_compile(actor=facilitator, mentee=mentee)
    allocation = Allocation.objects.create(
        scheme=scheme,
        number=1,
        seed=1,
        algorithm="x",
        inputs_sha256="0" * 64,
        record={},
        status=Allocation.Status.DRAFT,
    )
    pair = publish(scheme, [(mentor, mentee)])[0]
    return World(
        scheme=scheme,
        lead=lead,
        facilitator=facilitator,
        researcher=researcher,
        site_admin=site_admin,
        mentor=mentor,
        mentee=mentee,
        other_mentor=other_mentor,
        other_mentee=other_mentee,
        stage=stage,
        instrument=SchemeInstrument.objects.get(stage=stage, role=ParticipantRole.MENTOR),
        response=response,
        contribution=contribution,
        pair=pair,
        allocation=allocation,
        codebook=codebook,
        code=code,
        other_code=other_code,
        answer=answer,
    )


def _grid() -> dict[str, str]:
    return {
        f"{scale}.{slug}": "4"
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
    }


def another_mentee(scheme: Scheme, **fields: Any) -> Participant:
    """A consented mentee added to ``scheme``."""
    person: Participant = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE, **fields)
    ConsentFactory(participant=person)
    return person

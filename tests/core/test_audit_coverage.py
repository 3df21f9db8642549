"""Every page that shows someone a feedback document, the transcript or people's answers
records that they read (or downloaded) it, in the scheme's audit trail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from revmentor.core.models import AuditEvent, User
from revmentor.feedback.models import Contribution
from revmentor.feedback.services import (
    document_approve,
    document_compile,
    interview_for,
    notes_save,
    transcript_set,
)
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import Participant, Scheme
from tests.factories import ConsentFactory
from tests.meetings.conftest import publish
from tests.questionnaires.conftest import FULL_MENTOR_PRE
from tests.research.conftest import submit

ClientFor = Callable[[User | None], Client]

# url name: what the object of the URL is ("" for the scheme alone)
STAFF_PAGES = {
    "schemes:interview_transcript": "",
    "schemes:interview_notes": "mentee",
    "schemes:document": "mentee",
    "schemes:document_pdf": "mentee",
    "schemes:willingness": "",
    "schemes:willingness_csv": "",
    "schemes:export_responses_csv": "",
    "schemes:export_fhir_responses": "instrument",
    "schemes:study_folder_zip": "",
}


@pytest.fixture
def phase_1(scheme: Scheme, lead: User, mentor: Participant, mentee: Participant) -> Scheme:
    """The mentor has submitted a questionnaire; the mentee's document is approved and
    the group interview has a transcript. Both take part (consent given)."""
    ConsentFactory(participant=mentor)
    ConsentFactory(participant=mentee)
    Stage.objects.filter(scheme=scheme, timepoint="pre_phase1").update(opened_at=timezone.now())
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    submit(mentor, stage, FULL_MENTOR_PRE)
    interview = interview_for(scheme)
    transcript_set(actor=lead, interview=interview, text="Transcript")
    Contribution.objects.create(mentor=mentor, mentee=mentee, domain="technology", text="x")
    notes_save(actor=lead, interview=interview, mentee=mentee, texts={"technology": "Kind"})
    version = document_compile(actor=lead, mentee=mentee)
    document_approve(actor=lead, mentee=mentee, number=version.number)
    return scheme


def _reads(user: User, scheme: Scheme) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            actor=user,
            scheme_id=scheme.pk,
            action__in=(AuditEvent.Action.VIEW, AuditEvent.Action.EXPORT),
        )
    )


@pytest.mark.parametrize(("name", "about"), STAFF_PAGES.items())
def test_staff_reading_documents_transcripts_or_answers_is_recorded(
    client_for: ClientFor,
    phase_1: Scheme,
    lead: User,
    mentee: Participant,
    name: str,
    about: str,
) -> None:
    args: list[int] = [phase_1.pk]
    if about == "mentee":
        args.append(mentee.pk)
    elif about == "instrument":
        stage = Stage.objects.get(scheme=phase_1, timepoint="pre_phase1")
        args.append(stage.instruments.get(role="mentor").pk)
    response = client_for(lead).get(reverse(name, args=args))
    assert response.status_code == 200, name
    assert len(_reads(lead, phase_1)) == 1, name


def test_the_delivering_mentor_reading_the_released_document_is_recorded(
    client_for: ClientFor, phase_1: Scheme, mentor: Participant, mentee: Participant
) -> None:
    publish(phase_1, [(mentor, mentee)])  # released while both take part
    for name in ("released_document", "released_document_pdf"):
        response = client_for(mentor.user).get(reverse(name, args=[phase_1.pk, mentee.pk]))
        assert response.status_code == 200
    events = _reads(mentor.user, phase_1)
    assert [e.summary for e in events] == ["Read a released feedback document"] * 2
    assert {e.object_id for e in events} == {str(mentee.pk)}


def test_notes_saved_as_the_facilitator_types_are_not_recorded_as_reads(
    client_for: ClientFor, phase_1: Scheme, facilitator: User, mentee: Participant
) -> None:
    url = reverse("schemes:interview_notes", args=[phase_1.pk, mentee.pk])
    saved = client_for(facilitator).post(url, {"technology": "Kinder"}, headers={"X-Autosave": "1"})
    assert saved.status_code == 200
    assert _reads(facilitator, phase_1) == []

"""A scheme holding every kind of personal data, for the subject access and erasure tests.

``mentor`` (Dr Mentor One) and ``mentee`` (Dr Mentee One, his own supervisor) are a
published pair whose session was held; ``other_mentor`` and ``other_mentee`` take part
too. Everyone has consented (research use: yes, unless a test changes it). The mentors
answered the questionnaire before the group interview; the mentor said whom he is
willing to mentor and wrote online feedback, part of it merged into the group's notes;
the mentee's feedback document was approved; the transcript, another person's answer,
a note about another mentee, an allocation's reason and an audit summary all name the
mentor and the mentee.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from revmentor.allocation.models import Allocation
from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.feedback import services as phase_1
from revmentor.feedback.models import Contribution, Willingness
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import Consent, Participant, Phase, Scheme
from tests.factories import ConsentFactory
from tests.meetings.conftest import publish
from tests.research.conftest import answers, submit

MENTOR_EMAIL = "mentor.one@example.nhs.uk"
MENTEE_EMAIL = "mentee.one@example.nhs.uk"


@dataclass
class Data:
    scheme: Scheme
    mentor: Participant
    mentee: Participant
    other_mentor: Participant
    other_mentee: Participant


def set_research_use(participant: Participant, research_use: bool) -> None:
    """Change the participant's current consent to research use (or not)."""
    Consent.objects.filter(participant=participant).update(research_use=research_use)


def dump() -> str:
    """Every row of every table, as ``dumpdata`` prints it (JSON, non-ASCII kept)."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out, indent=None)
    return out.getvalue()


@pytest.fixture
def data(
    scheme: Scheme,
    lead: User,
    facilitator: User,
    mentor: Participant,
    mentee: Participant,
    other_mentor: Participant,
    other_mentee: Participant,
) -> Data:
    User.objects.filter(pk=mentor.user_id).update(email=MENTOR_EMAIL)
    User.objects.filter(pk=mentee.user_id).update(email=MENTEE_EMAIL)
    mentor.refresh_from_db()
    mentee.refresh_from_db()
    Participant.objects.filter(pk=mentor.pk).update(sex="male", age=29, grade="clinical_fellow")
    Participant.objects.filter(pk=mentee.pk).update(sex="female", age=51, years_as_consultant=12)
    for person in (mentor, mentee, other_mentor, other_mentee):
        ConsentFactory(participant=person)

    # Questionnaires: both mentors submit; the other mentor's free text names both people.
    Stage.objects.filter(scheme=scheme, timepoint__in=["pre_phase1", "post_phase1"]).update(
        opened_at=timezone.now()
    )
    pre = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    post = Stage.objects.get(scheme=scheme, timepoint="post_phase1")
    submit(mentor, pre, {**answers(1), "concerns_text": "Whether my supervisor will know."})
    submit(
        other_mentor,
        pre,
        {**answers(2), "concerns_text": f"Dr Mentee One ({MENTEE_EMAIL}) and Mentor One."},
    )
    from revmentor.questionnaires.services import response_save_page

    response_save_page(  # a draft, never submitted
        participant=mentor, stage=post, section=0, answers={"understanding": "4"}, complete=False
    )

    # Phase 1.
    scheme.phase = Phase.PHASE_1
    scheme.save()
    interview = phase_1.interview_for(scheme)
    phase_1.transcript_set(
        actor=facilitator,
        interview=interview,
        text=f"Dr Mentor One said Mentee One is kind. Email {MENTOR_EMAIL} for notes.",
    )
    phase_1.contributions_save(
        mentor=mentor,
        mentee=mentee,
        texts={"technology": "Uses the EPR brilliantly", "strengths": "Calm in a crisis"},
    )
    phase_1.contributions_save(
        mentor=mentor, mentee=other_mentee, texts={"strengths": "Always teaches on rounds"}
    )
    phase_1.contributions_save(
        mentor=other_mentor, mentee=mentee, texts={"approachability": "Door always open"}
    )
    merged = Contribution.objects.get(mentor=mentor, mentee=other_mentee)
    phase_1.contribution_merge(actor=facilitator, contribution=merged)
    phase_1.notes_save(
        actor=facilitator,
        interview=interview,
        mentee=mentee,
        texts={"clinical_practice": "Thorough ward rounds"},
    )
    phase_1.notes_save(
        actor=facilitator,
        interview=interview,
        mentee=other_mentee,
        texts={"approachability": "Much like Dr Mentee One, easy to talk to"},
    )
    for person in (mentee, other_mentee):
        phase_1.document_compile(actor=facilitator, mentee=person)
        phase_1.document_approve(actor=lead, mentee=person, number=1)
    Willingness.objects.bulk_create(
        [
            Willingness(mentor=mentor, mentee=mentee, willing=True),
            Willingness(mentor=mentor, mentee=other_mentee, willing=False),
            Willingness(mentor=other_mentor, mentee=mentee, willing=True),
            Willingness(mentor=other_mentor, mentee=other_mentee, willing=True),
        ]
    )

    # Allocation: a discarded draft whose reason names the mentor, then the published one.
    Allocation.objects.create(
        scheme=scheme,
        number=1,
        seed=7,
        algorithm="x",
        inputs_sha256="0" * 64,
        record={},
        status=Allocation.Status.DISCARDED,
        reason="",
    )
    scheme.phase = Phase.PHASE_2
    scheme.save()
    [pair, _] = publish(scheme, [(mentor, mentee), (other_mentor, other_mentee)])
    Allocation.objects.filter(scheme=scheme, number=2).update(
        reason="Re-run because Dr Mentor One was on leave"
    )
    Meeting.objects.create(
        pair=pair,
        starts_at=timezone.now() - timezone.timedelta(days=2),
        place="Seminar room 2",
        confirmed_at=timezone.now() - timezone.timedelta(days=3),
        held=True,
        duration_minutes=45,
        logged_at=timezone.now() - timezone.timedelta(days=1),
        logged_by=mentor,
        agreed_by=mentee,
        agreed_at=timezone.now() - timezone.timedelta(hours=2),
    )

    # The audit trail: a sign-in from an address, and a summary naming the mentor.
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.44")
    audit.record(
        actor=mentor.user,
        action=AuditEvent.Action.SIGN_IN,
        obj=mentor.user,
        summary="Signed in with an invitation link",
        request=request,
    )
    audit.record(
        actor=lead,
        action=AuditEvent.Action.CREATE,
        obj=Allocation.objects.get(scheme=scheme, number=2),
        summary="Ran allocation 2 (seed 1): Re-run because Dr Mentor One was on leave",
        scheme_id=scheme.pk,
    )
    return Data(scheme, mentor, mentee, other_mentor, other_mentee)


def refreshed(participant: Participant) -> Participant | None:
    """The participant as stored now, or None if the row is gone."""
    return Participant.objects.select_related("user").filter(pk=participant.pk).first()

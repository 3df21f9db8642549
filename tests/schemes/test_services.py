from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from revmentor.allocation.models import Allocation
from revmentor.core.models import AuditEvent, User
from revmentor.schemes import services
from revmentor.schemes.models import (
    Consent,
    Participant,
    ParticipantRole,
    Phase,
    PhaseTransition,
    Scheme,
)
from revmentor.schemes.services import ServiceError
from tests.factories import ParticipantFactory, SchemeFactory


def test_new_scheme_has_the_seven_domains_and_its_creator_as_lead(
    lead: User, scheme: Scheme
) -> None:
    created = services.scheme_create(
        actor=lead, organisation=scheme.organisation, name="Cardio", specialty="Cardiology"
    )
    assert [d["slug"] for d in created.domains] == [
        "technology",
        "clinical_practice",
        "approach_to_juniors",
        "time_management",
        "approachability",
        "strengths",
        "areas_for_improvement",
    ]
    assert created.phase == Phase.SETUP
    assert created.memberships.get().user == lead
    assert AuditEvent.objects.filter(
        object_type="schemes.Scheme", object_id=str(created.pk)
    ).exists()


def test_phase_1_cannot_start_without_a_mentor_and_a_mentee(lead: User, scheme: Scheme) -> None:
    with pytest.raises(ServiceError, match="at least one active mentor"):
        services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    scheme.refresh_from_db()
    assert scheme.phase == Phase.SETUP
    assert not PhaseTransition.objects.exists()


def test_phases_move_forward_one_step_at_a_time_and_record_who_moved_them(
    lead: User, scheme: Scheme, mentor: Participant
) -> None:
    with pytest.raises(ServiceError, match="next step is Phase 1"):
        services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.ALLOCATION)
    services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    transition = PhaseTransition.objects.get()
    assert (transition.from_phase, transition.to_phase, transition.by) == (
        Phase.SETUP,
        Phase.PHASE_1,
        lead,
    )
    services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.ALLOCATION)
    # Phase 2 needs a published allocation (its guard is added by the allocation room).
    with pytest.raises(ServiceError, match="Publish the allocation"):
        services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_2)
    Allocation.objects.create(
        scheme=scheme,
        number=1,
        seed=1,
        algorithm="x",
        inputs_sha256="0" * 64,
        record={},
        status=Allocation.Status.PUBLISHED,
    )
    for phase in (Phase.PHASE_2, Phase.ANALYSIS, Phase.CLOSED):
        services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=phase)
    with pytest.raises(ServiceError, match="closed"):
        services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.CLOSED)


def test_domains_are_frozen_once_phase_1_starts(
    lead: User, scheme: Scheme, mentor: Participant
) -> None:
    services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    with pytest.raises(ServiceError, match="before phase 1"):
        services.scheme_update(
            actor=lead,
            scheme=scheme,
            name=scheme.name,
            specialty=scheme.specialty,
            domains=[{"slug": "technology", "label": "Use of technology"}],
            information_sheet="x",
            information_sheet_version="2",
        )


def test_a_person_can_take_part_in_several_schemes_but_once_in_each(
    lead: User, scheme: Scheme
) -> None:
    first = services.participant_add(
        actor=lead, scheme=scheme, full_name="Dr A", email="a@nhs.net", role=ParticipantRole.MENTOR
    )
    other = SchemeFactory()
    second = services.participant_add(
        actor=lead, scheme=other, full_name="Dr A", email="A@NHS.net", role=ParticipantRole.MENTEE
    )
    assert first.user == second.user
    with pytest.raises(ServiceError, match="already takes part"):
        services.participant_add(
            actor=lead,
            scheme=scheme,
            full_name="Dr A",
            email="a@nhs.net",
            role=ParticipantRole.MENTOR,
        )


def test_a_supervisor_must_be_a_mentee_of_the_same_scheme(
    lead: User, scheme: Scheme, mentor: Participant, other_mentor: Participant
) -> None:
    elsewhere = ParticipantFactory(role=ParticipantRole.MENTEE)
    with pytest.raises(ServiceError):
        services.supervisors_set(actor=lead, scheme=scheme, assignments={mentor.pk: elsewhere.pk})
    with pytest.raises(ServiceError):
        services.supervisors_set(
            actor=lead, scheme=scheme, assignments={mentor.pk: other_mentor.pk}
        )
    mentor.refresh_from_db()
    assert mentor.supervisor is not None and mentor.supervisor.role == ParticipantRole.MENTEE


def test_invitation_email_carries_a_one_time_sign_in_link(lead: User, mentor: Participant) -> None:
    services.participant_invite(actor=lead, participant=mentor)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [mentor.user.email]
    assert "/sign-in/link/?token=" in message.body
    assert "/accounts/login/code/" in message.body
    mentor.refresh_from_db()
    assert mentor.invitations_sent == 1 and mentor.invited_at is not None


def test_a_withdrawn_participant_is_not_invited(lead: User, mentor: Participant) -> None:
    services.participant_withdraw(actor=lead, participant=mentor, reason="Maternity leave")
    with pytest.raises(ServiceError, match="withdrawn"):
        services.participant_invite(actor=lead, participant=mentor)
    assert mail.outbox == []
    mentor.refresh_from_db()
    assert mentor.withdrawn_on is not None and mentor.withdrawn_reason == "Maternity leave"


def test_invite_all_invites_only_those_not_yet_invited(
    lead: User, scheme: Scheme, mentor: Participant, other_mentor: Participant
) -> None:
    services.participant_invite(actor=lead, participant=mentor)
    assert (
        services.participants_invite_pending(actor=lead, scheme=scheme) == 2
    )  # other_mentor, mentee
    assert services.participants_invite_pending(actor=lead, scheme=scheme) == 0
    assert len(mail.outbox) == 3


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_inviting_everyone_takes_a_write_per_person_only_for_their_email(
    lead: User, scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A regional scheme is invited in one request: one queued email each, little else."""
    monkeypatch.setattr(services, "INVITE_BATCH", 7)  # several statements for the many
    queries = []
    for n in (3, 30):
        people = [ParticipantFactory(scheme=scheme) for _ in range(n)]
        with CaptureQueriesContext(connection) as captured:
            assert services.participants_invite_pending(actor=lead, scheme=scheme) == n
        queries.append(len(captured))
        for person in people:
            person.refresh_from_db()
            assert person.invited_at is not None and person.invitations_sent == 1
        sent = AuditEvent.objects.filter(action=AuditEvent.Action.SEND, scheme_id=scheme.pk)
        assert sent.filter(object_id__in=[str(p.pk) for p in people]).count() == n
        assert all(e.summary == "Sent invitation" and e.actor == lead for e in sent)
    queued = DBTaskResult.objects.filter(task_path__endswith="send_invitation")
    assert sorted(r.args_kwargs["args"][0] for r in queued) == sorted(
        Participant.objects.filter(scheme=scheme).values_list("pk", flat=True)
    )
    # The email tasks, and the updates in batches of seven (4 more for 27 more people).
    assert queries[1] - queries[0] <= 27 + 4, queries


def test_consent_is_stored_once_even_if_submitted_twice(mentor: Participant) -> None:
    services.consent_give(participant=mentor, take_part=True, research_use=False)
    with pytest.raises(ServiceError, match="already"):
        services.consent_give(participant=mentor, take_part=True, research_use=True)
    consent = Consent.objects.get()
    assert consent.research_use is False
    assert consent.information_sheet_version == mentor.scheme.information_sheet_version


def test_withdrawing_consent_keeps_the_record_and_allows_consenting_again(
    mentor: Participant,
) -> None:
    services.consent_give(participant=mentor, take_part=True, research_use=True)
    services.consent_withdraw(participant=mentor)
    assert mentor.current_consent() is None
    services.consent_give(participant=mentor, take_part=True, research_use=False)
    assert Consent.objects.filter(participant=mentor).count() == 2


def test_consent_requires_agreeing_to_take_part(mentor: Participant) -> None:
    with pytest.raises(ServiceError):
        services.consent_give(participant=mentor, take_part=False, research_use=True)
    assert not Consent.objects.exists()

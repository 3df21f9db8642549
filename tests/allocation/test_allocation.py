from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from revmentor.allocation import selectors, services
from revmentor.allocation.models import Allocation, Pair
from revmentor.allocation.services import AllocationError
from revmentor.allocator import verify
from revmentor.core.backends import ACCOUNT_BACKEND
from revmentor.core.models import User
from revmentor.feedback import services as phase_1
from revmentor.feedback.models import Willingness
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from revmentor.schemes.services import ServiceError
from tests.factories import ConsentFactory, ParticipantFactory

ClientFor = Callable[[User | None], Client]


@pytest.fixture
def cohort(scheme: Scheme) -> tuple[list[Participant], list[Participant]]:
    """3 consented mentors and 3 consented mentees; each mentor willing to mentor two."""
    mentors = [ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR) for _ in range(3)]
    mentees = [ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE) for _ in range(3)]
    for person in mentors + mentees:
        ConsentFactory(participant=person)
    for i, mentor in enumerate(mentors):
        for j, mentee in enumerate(mentees):
            Willingness.objects.create(mentor=mentor, mentee=mentee, willing=j != i)
    scheme.phase = Phase.ALLOCATION
    scheme.save()
    return mentors, mentees


def test_an_allocation_pairs_everyone_only_with_willing_partners_and_keeps_its_seed(
    lead: User, scheme: Scheme, cohort: tuple[list[Participant], list[Participant]]
) -> None:
    made = services.allocation_run(actor=lead, scheme=scheme)
    pairs = list(Pair.objects.filter(allocation=made))
    assert len(pairs) == 3
    for pair in pairs:
        assert Willingness.objects.get(mentor=pair.mentor, mentee=pair.mentee).willing
    assert made.seed > 0 and made.inputs_sha256 == made.record["inputs_sha256"]
    assert verify(made.record)
    assert services.allocation_verify(actor=lead, allocation=made)[0]


def test_a_withdrawn_mentor_is_not_allocated_and_says_why(
    lead: User, scheme: Scheme, cohort: tuple[list[Participant], list[Participant]]
) -> None:
    mentors, _mentees = cohort
    scheme_services.participant_withdraw(
        actor=lead, participant=mentors[0], reason="Maternity leave"
    )
    made = services.allocation_run(actor=lead, scheme=scheme)
    assert not Pair.objects.filter(allocation=made, mentor=mentors[0]).exists()
    assert (mentors[0], "withdrawn, so not allocated") in selectors.unmatched_of(made)


def test_a_rerun_needs_a_reason_and_replaces_the_draft(
    lead: User, scheme: Scheme, cohort: tuple[list[Participant], list[Participant]]
) -> None:
    first = services.allocation_run(actor=lead, scheme=scheme)
    with pytest.raises(AllocationError, match="reason"):
        services.allocation_run(actor=lead, scheme=scheme)
    second = services.allocation_run(actor=lead, scheme=scheme, reason="A mentee asked to swap")
    first.refresh_from_db()
    assert first.status == Allocation.Status.DISCARDED and second.reason == "A mentee asked to swap"
    assert selectors.current(scheme) == second


def test_publishing_tells_every_pair_and_releases_the_document_to_the_delivering_mentor(
    lead: User, scheme: Scheme, cohort: tuple[list[Participant], list[Participant]]
) -> None:
    _mentors, mentees = cohort
    for mentee in mentees:
        phase_1.notes_save(
            actor=lead,
            interview=phase_1.interview_for(scheme),
            mentee=mentee,
            texts={"technology": "Good"},
        )
        phase_1.document_compile(actor=lead, mentee=mentee)
        phase_1.document_approve(actor=lead, mentee=mentee, number=1)
    made = services.allocation_run(actor=lead, scheme=scheme)
    pair = (
        Pair.objects.filter(allocation=made).select_related("mentor__user", "mentee__user").first()
    )
    assert pair is not None
    url = reverse("released_document", args=[scheme.pk, pair.mentee_id])
    assert _client(pair.mentor.user).get(url).status_code == 404  # not before publishing
    services.allocation_publish(actor=lead, allocation=made)
    assert len(mail.outbox) == 6
    assert _client(pair.mentor.user).get(url).status_code == 200
    other = Pair.objects.filter(allocation=made).exclude(pk=pair.pk).first()
    assert other is not None
    assert _client(other.mentor.user).get(url).status_code == 404  # only the one who delivers it
    assert _client(pair.mentee.user).get(url).status_code == 404  # not before their session
    with pytest.raises(AllocationError, match="published"):
        services.allocation_run(actor=lead, scheme=scheme, reason="again")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=ACCOUNT_BACKEND)
    return client


def test_phase_2_waits_for_a_published_allocation(
    lead: User, scheme: Scheme, cohort: tuple[list[Participant], list[Participant]]
) -> None:
    with pytest.raises(ServiceError, match="Publish the allocation"):
        scheme_services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_2)
    services.allocation_publish(
        actor=lead, allocation=services.allocation_run(actor=lead, scheme=scheme)
    )
    scheme_services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_2)


def test_nobody_willing_gets_a_clear_message(
    lead: User, scheme: Scheme, mentor: Participant, mentee: Participant
) -> None:
    ConsentFactory(participant=mentor)
    ConsentFactory(participant=mentee)
    scheme.phase = Phase.ALLOCATION
    scheme.save()
    with pytest.raises(AllocationError, match="Nobody is willing"):
        services.allocation_run(actor=lead, scheme=scheme)


def test_the_lead_allocates_publishes_and_verifies_in_the_browser_forms(
    client_for: ClientFor,
    lead: User,
    facilitator: User,
    scheme: Scheme,
    cohort: tuple[list[Participant], list[Participant]],
) -> None:
    client = client_for(lead)
    url = reverse("schemes:allocation", args=[scheme.pk])
    assert client.post(url, {"own_supervisor": "allow", "capacity": "1"}).status_code == 302
    made = Allocation.objects.get()
    page = client.get(url).content.decode()
    assert f"Seed {made.seed}" in page and "Publish and tell the pairs" in page
    # The facilitator can see and verify but not run or publish.
    assert (
        client_for(facilitator).post(url, {"own_supervisor": "allow", "capacity": "1"}).status_code
        == 403
    )
    client_for(facilitator).post(reverse("schemes:allocation_verify", args=[scheme.pk, made.pk]))
    client.post(reverse("schemes:allocation_publish", args=[scheme.pk, made.pk]))
    made.refresh_from_db()
    assert made.status == Allocation.Status.PUBLISHED
    record = client.get(reverse("schemes:allocation_record", args=[scheme.pk, made.pk])).json()
    assert verify(record)

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from revmentor.allocation import selectors, services
from revmentor.allocation.models import Allocation, Pair
from revmentor.allocation.presenters import pairing_rows
from revmentor.allocation.services import AllocationError
from revmentor.allocator import verify
from revmentor.core.backends import ACCOUNT_BACKEND
from revmentor.core.models import AuditEvent, User
from revmentor.feedback import services as phase_1
from revmentor.feedback.models import Willingness
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from revmentor.schemes.selectors import own_participations
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


# When someone of a published pair stops taking part: withdraws their consent, or the
# lead withdraws them. Their partner is never told which.


def _stop(person: Participant, how: str, lead: User) -> None:
    if how == "consent":
        scheme_services.consent_withdraw(participant=person)
    else:
        scheme_services.participant_withdraw(actor=lead, participant=person, reason="Left")


@pytest.fixture
def delivering(lead: User, scheme: Scheme, mentor: Participant, mentee: Participant) -> Pair:
    """``mentor`` and ``mentee``, consented and published as a pair before phase 2, with
    ``mentee``'s document approved."""
    from tests.meetings.conftest import publish

    ConsentFactory(participant=mentor)
    ConsentFactory(participant=mentee)
    phase_1.document_edit(actor=lead, mentee=mentee, texts={"technology": "Clear"})
    phase_1.document_approve(actor=lead, mentee=mentee, number=1)
    scheme.phase = Phase.ALLOCATION
    scheme.save()
    return publish(scheme, [(mentor, mentee)])[0]


def _document(pair: Pair) -> str:
    return reverse("released_document", args=[pair.allocation.scheme_id, pair.mentee_id])


@pytest.mark.parametrize("how", ["consent", "withdrawn"])
def test_a_mentor_cannot_open_the_document_of_a_mentee_who_stopped_taking_part(
    client_for: ClientFor, lead: User, delivering: Pair, mentee: Participant, how: str
) -> None:
    client = client_for(delivering.mentor.user)
    assert client.get(_document(delivering)).status_code == 200
    _stop(mentee, how, lead)
    assert client.get(_document(delivering)).status_code == 404
    pdf = reverse("released_document_pdf", args=[mentee.scheme_id, mentee.pk])
    assert client.get(pdf).status_code == 404


def test_a_mentor_who_withdrew_their_consent_cannot_open_the_document(
    client_for: ClientFor, lead: User, delivering: Pair, mentor: Participant
) -> None:
    _stop(mentor, "consent", lead)
    assert client_for(mentor.user).get(_document(delivering)).status_code == 404


def _rows(person: Participant) -> list[tuple[str, str, str, str]]:
    """Allocation's rows in the person's Your tasks."""
    rows = pairing_rows(list(own_participations(person.user)))
    return [(r.title, r.href, r.status, r.hint) for r in rows.get(person.pk, [])]


LEFT = (
    "Your one-to-one session with {}",
    "",
    "Will not go ahead",
    "{} is no longer taking part in the scheme, so the session will not go ahead. "
    "There is nothing you need to do.",
)


def _left(name: str) -> tuple[str, str, str, str]:
    return (LEFT[0].format(name), LEFT[1], LEFT[2], LEFT[3].format(name))


@pytest.mark.parametrize("how", ["consent", "withdrawn"])
def test_before_phase_2_a_partner_is_told_the_session_will_not_go_ahead_and_never_why(
    lead: User, delivering: Pair, mentor: Participant, mentee: Participant, how: str
) -> None:
    assert _rows(mentor) == [
        ("Read the group's feedback for Dr Mentee One", _document(delivering), "Ready", "")
    ]
    _stop(mentee, how, lead)
    assert _rows(mentor) == [_left("Dr Mentee One")]
    assert not any("consent" in part or "withdr" in part for part in _rows(mentor)[0])


def test_a_mentee_is_told_when_their_mentor_stops_taking_part(
    lead: User, delivering: Pair, mentor: Participant, mentee: Participant
) -> None:
    assert _rows(mentee) == []
    _stop(mentor, "withdrawn", lead)
    assert _rows(mentee) == [_left("Dr Mentor One")]


def test_the_notice_shows_in_your_tasks_without_a_link(
    client_for: ClientFor, lead: User, delivering: Pair, mentor: Participant, mentee: Participant
) -> None:
    _stop(mentee, "consent", lead)
    page = client_for(mentor.user).get(reverse("tasks")).content.decode()
    assert "Dr Mentee One is no longer taking part in the scheme" in page
    assert _document(delivering) not in page and "Will not go ahead" in page


def test_an_approved_document_that_names_a_mentor_is_withheld_until_corrected(
    client_for: ClientFor, lead: User, delivering: Pair, other_mentor: Participant
) -> None:
    """Approval refuses a version naming a mentor; one approved before a mentor of that
    name joined (or before approval checked names) is withheld from the mentor who
    delivers it, unaudited, and the PDF goes to the page that says so."""
    client = client_for(delivering.mentor.user)
    version = phase_1.document_edit(
        actor=lead, mentee=delivering.mentee, texts={"technology": "Clear, said Dr Mentor Two."}
    )
    other_mentor.user.full_name = "Dr Zed Zebedee"
    other_mentor.user.save(update_fields=["full_name"])
    phase_1.document_approve(
        actor=lead, mentee=delivering.mentee, number=version.number, names_checked=True
    )
    assert "Clear, said Dr Mentor Two." in client.get(_document(delivering)).content.decode()
    # Then the mentor's name is put back as it was: the approved version names them
    other_mentor.user.full_name = "Dr Mentor Two"
    other_mentor.user.save(update_fields=["full_name"])
    reads = AuditEvent.objects.filter(summary="Read a released feedback document").count()

    page = client.get(_document(delivering))
    pdf = client.get(
        reverse("released_document_pdf", args=[delivering.mentee.scheme_id, delivering.mentee_id])
    )

    body = page.content.decode()
    assert page.status_code == 200
    assert "This feedback document is being corrected" in body
    assert "Dr Mentor Two" not in body
    assert pdf.status_code == 302 and pdf["Location"] == _document(delivering)
    assert AuditEvent.objects.filter(summary="Read a released feedback document").count() == reads


def test_a_draft_pairing_someone_who_has_since_stopped_cannot_be_published(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    cohort: tuple[list[Participant], list[Participant]],
) -> None:
    draft = services.allocation_run(actor=lead, scheme=scheme)
    pair = Pair.objects.filter(allocation=draft).select_related("mentor__user").first()
    assert pair is not None
    scheme_services.participant_withdraw(actor=lead, participant=pair.mentor, reason="Leave")
    mail.outbox.clear()
    page = client_for(lead).get(reverse("schemes:allocation", args=[scheme.pk])).content.decode()

    with pytest.raises(AllocationError, match="no longer taking part"):
        services.allocation_publish(actor=lead, allocation=draft)

    draft.refresh_from_db()
    assert draft.status == Allocation.Status.DRAFT and mail.outbox == []
    assert "Draw it again before you publish" in page
    assert f"{pair.mentor.user.full_name} is no longer taking part" in page
    assert "Publish and tell the pairs" not in page
    # Drawn again without them, it publishes
    again = services.allocation_run(actor=lead, scheme=scheme, reason="A mentor left")
    services.allocation_publish(actor=lead, allocation=again)
    assert not Pair.objects.filter(allocation=again, mentor=pair.mentor).exists()


def test_a_mentor_whose_mentees_document_is_not_approved_is_told_it_is_not_ready(
    lead: User, scheme: Scheme, mentor: Participant, mentee: Participant
) -> None:
    from revmentor.allocation.tasks import send_pair_emails
    from tests.meetings.conftest import publish

    ConsentFactory(participant=mentor)
    ConsentFactory(participant=mentee)
    phase_1.document_edit(actor=lead, mentee=mentee, texts={"technology": "Clear"})  # a draft
    (pair,) = publish(scheme, [(mentor, mentee)])

    assert _rows(mentor) == [
        (
            f"Read the group's feedback for {mentee.user.full_name}",
            "",
            "Not ready yet",
            "The programme lead has not approved it yet: it opens here then.",
        )
    ]
    send_pair_emails.call(pair.allocation_id)
    (to_mentor,) = [m for m in mail.outbox if m.to == [mentor.user.email]]
    body = " ".join(to_mentor.body.split())
    assert "is not approved yet" in body and "You can now read" not in body

    phase_1.document_approve(actor=lead, mentee=mentee, number=1)
    assert _rows(mentor)[0][2] == "Ready"

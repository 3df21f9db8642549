"""What people are told when they stop taking part: the email to someone the scheme's
lead withdrew, and the scheme's leads named wherever a participant is told to ask them
(the withdrawal page, the consent-withdrawn email, the lead-withdrawn email)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from html import unescape

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from revmentor.core.models import AuditEvent, User
from revmentor.schemes import services
from revmentor.schemes.models import Participant, Scheme, StaffRole
from revmentor.schemes.tasks import send_participant_withdrawn
from revmentor.schemes.withdrawal import contact_lead, what_happens, what_happens_withdrawn
from tests.factories import (
    ConsentFactory,
    MembershipFactory,
    ParticipantFactory,
    SchemeFactory,
    UserFactory,
)

ClientFor = Callable[[User | None], Client]

NAMED_LEAD = "the scheme's programme lead, Lena Lead (lead@example.nhs.uk)"
WITHDRAWN_SUBJECT = "you are no longer taking part in Gastro scheme"


def _to(person: Participant) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [person.user.email]]


def _paragraphs(html: str) -> list[str]:
    return [unescape(p) for p in re.findall(r"<p>([^<]*)</p>", html)]


def _consented_in_a_scheme_without_a_lead() -> Participant:
    person = ParticipantFactory(scheme=SchemeFactory())
    ConsentFactory(participant=person)
    return person


# Whom to ask: the scheme's leads by name and email address


def test_contact_lead_names_each_lead_with_their_email_or_keeps_the_generic_words() -> None:
    lena = User(full_name="Lena Lead", email="lead@example.nhs.uk")
    adam = User(full_name="Adam Able", email="adam@example.nhs.uk")
    nameless = User(full_name="", email="x@example.nhs.uk")
    assert contact_lead([]) == "the scheme's programme lead"
    assert contact_lead([lena]) == NAMED_LEAD
    assert contact_lead([adam, lena]) == (
        "one of the scheme's programme leads: Adam Able (adam@example.nhs.uk) "
        "or Lena Lead (lead@example.nhs.uk)"
    )
    assert contact_lead([adam, nameless, lena]) == (
        "one of the scheme's programme leads: Adam Able (adam@example.nhs.uk), "
        "x@example.nhs.uk or Lena Lead (lead@example.nhs.uk)"
    )


def test_withdrawal_page_names_the_schemes_active_leads_in_name_order(
    client_for: ClientFor,
    lead: User,
    facilitator: User,
    other_lead: User,
    mentor: Participant,
    scheme: Scheme,
) -> None:
    ConsentFactory(participant=mentor)
    adam = UserFactory(full_name="Adam Able", email="adam@example.nhs.uk")
    MembershipFactory(scheme=scheme, user=adam, role=StaffRole.LEAD)
    MembershipFactory(scheme=scheme, user=adam, role=StaffRole.RESEARCHER)  # named once
    gone = UserFactory(full_name="Aaron Gone", is_active=False)
    MembershipFactory(scheme=scheme, user=gone, role=StaffRole.LEAD)

    page = client_for(mentor.user).get(reverse("consent_withdraw", args=[scheme.pk]))

    asking = (
        "If you want them deleted, ask one of the scheme's programme leads: "
        "Adam Able (adam@example.nhs.uk) or Lena Lead (lead@example.nhs.uk)."
    )
    said = _paragraphs(page.content.decode())
    assert any(paragraph.endswith(asking) for paragraph in said)
    body = page.content.decode()
    for not_asked in ("Frank Facilitator", "Otto Otherlead", "Aaron Gone"):
        assert not_asked not in body


def test_withdrawal_page_of_a_scheme_without_a_lead_keeps_the_generic_words(
    client_for: ClientFor, db: None
) -> None:
    person = _consented_in_a_scheme_without_a_lead()

    page = client_for(person.user).get(reverse("consent_withdraw", args=[person.scheme_id]))

    said = _paragraphs(page.content.decode())
    assert any(
        p.endswith("If you want them deleted, ask the scheme's programme lead.") for p in said
    )
    for paragraph in what_happens(taking_part=True):
        assert paragraph in said


def test_withdrawal_page_queries_do_not_grow_with_the_number_of_leads(
    client_for: ClientFor, lead: User, mentor: Participant, scheme: Scheme
) -> None:
    ConsentFactory(participant=mentor)
    client = client_for(mentor.user)
    url = reverse("consent_withdraw", args=[scheme.pk])
    client.get(url)  # the session and sign-in settle
    with CaptureQueriesContext(connection) as one_lead:
        first = client.get(url)
    for _ in range(5):
        MembershipFactory(scheme=scheme, role=StaffRole.LEAD)
    with CaptureQueriesContext(connection) as six_leads:
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert second.content.decode().count("@example.nhs.uk)") == 6
    assert len(one_lead) == len(six_leads)


def test_consent_withdrawn_email_names_the_lead_to_ask_and_to_tell(
    client_for: ClientFor, lead: User, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor)
    client = client_for(mentor.user)
    url = reverse("consent_withdraw", args=[mentor.scheme_id])
    page = _paragraphs(client.get(url).content.decode())

    client.post(url)

    (email,) = _to(mentor)
    for paragraph in what_happens(taking_part=True, leads=[lead]):
        assert paragraph in page and f"- {paragraph}" in email.body
    assert f"If you want them deleted, ask {NAMED_LEAD}." in email.body
    assert f"If you did not withdraw your consent, tell {NAMED_LEAD}." in email.body


# Someone the lead withdraws is told they no longer take part, never why


def test_someone_the_lead_withdraws_is_emailed_that_they_no_longer_take_part_but_not_why(
    client_for: ClientFor, lead: User, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor, research_use=True)
    mail.outbox.clear()

    with time_machine.travel(datetime(2026, 3, 4, 9, tzinfo=UTC), tick=False):
        response = client_for(lead).post(
            reverse("schemes:participant_withdraw", args=[mentor.scheme_id, mentor.pk]),
            {"reason": "Maternity leave"},
        )

    assert response.status_code == 302
    (email,) = _to(mentor)
    assert email.subject.endswith(WITHDRAWN_SUBJECT)
    assert email.body.startswith("Dear Dr Mentor One,")
    assert (
        "The scheme's lead has recorded that you are no longer taking part in Gastro scheme, "
        "as of 4 March 2026." in email.body
    )
    said = what_happens_withdrawn(research_use=True, leads=[lead])
    for paragraph in said:
        assert f"- {paragraph}" in email.body
    assert "still allows their use for research" in said[0]
    assert f"If you want them deleted, ask {NAMED_LEAD}." in email.body
    assert f"If you have a question about this, ask {NAMED_LEAD}." in email.body
    # How to withdraw their consent too, which stops the research use
    assert "To withdraw your consent, sign in and go to Your tasks" in email.body
    assert f"{settings.SITE_URL}{reverse('tasks')}" in email.body
    assert reverse("account_request_login_code") in email.body
    # Never the reason the lead gave, nor that their consent was withdrawn
    assert "Maternity" not in email.body
    assert "withdrew your consent" not in email.body
    sent = AuditEvent.objects.get(
        summary="Sent the confirmation that they are no longer taking part"
    )
    assert (sent.action, sent.object_id, sent.scheme_id) == (
        AuditEvent.Action.SEND,
        str(mentor.pk),
        mentor.scheme_id,
    )


def test_someone_withdrawn_whose_consent_keeps_answers_out_of_research_is_told_so(
    lead: User, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor, research_use=False)

    services.participant_withdraw(actor=lead, participant=mentor, reason="Left the trust")

    (email,) = _to(mentor)
    assert "but not used for research, as your consent says" in email.body
    assert "still allows" not in email.body and "To withdraw your consent" not in email.body
    assert "Left the trust" not in email.body


def test_someone_withdrawn_of_a_scheme_without_a_lead_is_told_to_ask_the_programme_lead(
    site_admin: User, db: None
) -> None:
    person = _consented_in_a_scheme_without_a_lead()

    services.participant_withdraw(actor=site_admin, participant=person, reason="")

    (email,) = _to(person)
    assert "If you want them deleted, ask the scheme's programme lead." in email.body
    assert "If you have a question about this, ask the scheme's programme lead." in email.body


def test_someone_who_withdrew_their_consent_is_not_emailed_again_when_the_lead_withdraws_them(
    lead: User, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor)
    services.consent_withdraw(participant=mentor)
    (confirmation,) = _to(mentor)
    assert "consent to take part in Gastro scheme is withdrawn" in confirmation.subject
    mail.outbox.clear()

    services.participant_withdraw(actor=lead, participant=mentor, reason="Tidying the list")

    assert _to(mentor) == []
    assert not AuditEvent.objects.filter(summary__contains="no longer taking part").exists()


def test_someone_who_never_consented_is_not_emailed_when_withdrawn(
    lead: User, mentor: Participant
) -> None:
    services.participant_withdraw(actor=lead, participant=mentor, reason="Never replied")
    assert _to(mentor) == []


@pytest.mark.parametrize("placeholder", ["imported", "erased"])
def test_someone_without_an_address_of_their_own_is_not_emailed_when_withdrawn(
    lead: User, mentor: Participant, placeholder: str
) -> None:
    ConsentFactory(participant=mentor)
    if placeholder == "imported":
        mentor.imported = True
    else:
        mentor.erased_at = timezone.now()
    mentor.save()
    mail.outbox.clear()

    services.participant_withdraw(actor=lead, participant=mentor, reason="")

    assert _to(mentor) == []
    assert not AuditEvent.objects.filter(summary__contains="no longer taking part").exists()


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_queued_email_is_not_sent_once_they_have_withdrawn_their_consent_since(
    lead: User, mentor: Participant
) -> None:
    """The database worker may send it later: by then they may have withdrawn their
    consent too, and are told what that means by its own email."""
    ConsentFactory(participant=mentor)
    services.participant_withdraw(actor=lead, participant=mentor, reason="", on=date(2026, 3, 4))
    queued = DBTaskResult.objects.get(task_path__endswith="send_participant_withdrawn")
    assert queued.args_kwargs["args"] == [mentor.pk]
    services.consent_withdraw(participant=mentor)

    assert send_participant_withdrawn.call(mentor.pk) == 0
    assert mail.outbox == []


def test_the_email_is_not_sent_for_someone_still_taking_part_or_gone(
    mentor: Participant,
) -> None:
    ConsentFactory(participant=mentor)
    assert send_participant_withdrawn.call(mentor.pk) == 0  # never withdrawn
    assert send_participant_withdrawn.call(mentor.pk + 1000) == 0  # deleted by an erasure
    assert mail.outbox == []

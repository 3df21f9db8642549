"""When someone who withdrew their consent gives it again, they take part again: their
partner in a published pair, told before that the session would not go ahead, is told
that it can after all (never why), and the scheme's leads what it means for the pairs.
The pair is not quietly back on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from revmentor.allocation.models import Pair
from revmentor.core.models import AuditEvent, User
from revmentor.meetings import services
from revmentor.meetings.resuming import send_resumed_taking_part
from revmentor.meetings.selectors import own_pairs
from revmentor.schemes.models import Participant, Phase, Scheme
from revmentor.schemes.services import consent_give, consent_withdraw, participant_withdraw
from tests.factories import ConsentFactory
from tests.meetings.conftest import local

NOW = local(2027, 3, 1, 10, 0)
BACK = "your one-to-one session can go ahead after all"
LEADS = "a participant is taking part again"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _sent(subject: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if subject in m.subject]


def _again(person: Participant) -> None:
    consent_give(participant=person, take_part=True, research_use=True)


def test_a_mentee_giving_consent_again_is_told_to_their_mentor_and_the_leads(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    consent_withdraw(participant=mentee)
    assert own_pairs(mentor)[0].has_ended
    mail.outbox.clear()

    _again(mentee)

    (partner,) = _sent(BACK)
    assert partner.to == [mentor.user.email]
    assert (
        "Dr Mentee One is taking part in Gastro scheme again, so your one-to-one reverse "
        "mentoring session with them can go ahead after all." in partner.body
    )
    assert "The group's feedback for them is back on Your tasks" in partner.body
    assert "agree a new time together" in partner.body
    assert f"{settings.SITE_URL}{reverse('tasks')}" in partner.body
    for hidden in ("consent", "withdr"):
        assert hidden not in partner.body.lower()
    (told,) = _sent(LEADS)
    assert told.to == [lead.email]
    assert "Dr Mentee One, a mentee in Gastro scheme, is taking part again" in told.body
    assert (
        "Their one-to-one session with Dr Mentor One can go ahead again. "
        "We have emailed Dr Mentor One to say so." in told.body
    )
    assert mentee.user.email not in [a for m in mail.outbox for a in m.to]
    # The pair is on again, for both of them.
    assert not own_pairs(mentor)[0].has_ended
    assert not own_pairs(mentee)[0].has_ended
    sends = AuditEvent.objects.filter(action=AuditEvent.Action.SEND)
    assert sends.filter(summary__contains="can go ahead after all").count() == 1
    assert sends.filter(summary__contains="take part again").count() == 1


def test_a_mentor_giving_consent_again_is_told_to_their_mentee_without_the_feedback_line(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    consent_withdraw(participant=mentor)
    mail.outbox.clear()
    _again(mentor)
    (partner,) = _sent(BACK)
    assert partner.to == [mentee.user.email]
    assert "Dr Mentor One is taking part in Gastro scheme again" in partner.body
    assert "group's feedback" not in partner.body


def test_a_partner_who_stopped_meanwhile_is_not_told(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    consent_withdraw(participant=mentee)
    participant_withdraw(actor=lead, participant=mentor, reason="Left the trust")
    mail.outbox.clear()
    _again(mentee)
    assert _sent(BACK) == []
    (told,) = _sent(LEADS)
    assert "Their partner, Dr Mentor One, is no longer taking part: there is no session." in (
        told.body
    )


def test_a_session_already_logged_is_not_announced(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=45)
    consent_withdraw(participant=mentee)
    mail.outbox.clear()
    _again(mentee)
    assert _sent(BACK) == []
    (told,) = _sent(LEADS)
    assert "Their session with Dr Mentor One was already logged" in told.body


def test_after_phase_2_nobody_is_asked_to_arrange_a_session(
    lead: User, pair: Pair, scheme: Scheme, mentor: Participant, mentee: Participant
) -> None:
    consent_withdraw(participant=mentee)
    scheme.phase = Phase.ANALYSIS
    scheme.save()
    mail.outbox.clear()
    _again(mentee)
    assert _sent(BACK) == []
    (told,) = _sent(LEADS)
    assert "sessions are arranged only in phase 2, so nobody has been asked" in told.body


def test_a_first_consent_tells_nobody(lead: User, mentor: Participant) -> None:
    _again(mentor)
    assert _sent(LEADS) == [] and _sent(BACK) == []


def test_someone_the_lead_withdrew_does_not_take_part_again_by_giving_consent(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    participant_withdraw(actor=lead, participant=mentee, reason="")
    consent_withdraw(participant=mentee)
    mail.outbox.clear()
    _again(mentee)
    assert _sent(LEADS) == [] and _sent(BACK) == []
    assert own_pairs(mentor)[0].has_ended


def test_someone_who_stopped_again_before_the_emails_went_is_not_announced(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    consent_withdraw(participant=mentee)
    _again(mentee)
    consent_withdraw(participant=mentee)
    mail.outbox.clear()
    assert send_resumed_taking_part.call(mentee.pk) == 0
    assert mail.outbox == []


def test_a_lead_with_someone_back_outside_any_pair_hears_so(
    lead: User, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor)
    consent_withdraw(participant=mentor)
    mail.outbox.clear()
    _again(mentor)
    (told,) = _sent(LEADS)
    assert "They are not in a pair, so no session is affected." in told.body

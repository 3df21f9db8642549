"""When someone stops taking part (withdraws their consent, or the lead withdraws them):
their partner in a published pair is emailed that the session will not go ahead, never
why, and the scheme's other leads are emailed how and what it means for the pair."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from revmentor.allocation.models import Allocation, Pair
from revmentor.core.models import AuditEvent, User
from revmentor.meetings import services
from revmentor.meetings.tasks import send_meeting_reminder
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme, StaffRole
from revmentor.schemes.services import consent_withdraw, participant_withdraw
from tests.factories import ConsentFactory, MembershipFactory, ParticipantFactory, UserFactory
from tests.meetings.conftest import local, publish

NOW = local(2027, 3, 1, 10, 0)
SESSION = local(2027, 3, 15, 14, 30)
PARTNER_SUBJECT = "your one-to-one session will not go ahead"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def co_lead(scheme: Scheme) -> User:
    user = UserFactory(full_name="Cora Colead", email="colead@example.nhs.uk")
    MembershipFactory(scheme=scheme, user=user, role=StaffRole.LEAD)
    return user


def _to(*people: User) -> list[list[str]]:
    return sorted([person.email] for person in people)


def _sent(subject: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if subject in m.subject]


def test_a_mentee_withdrawing_consent_tells_their_mentor_and_every_lead(
    lead: User, co_lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    mail.outbox.clear()
    consent_withdraw(participant=mentee)
    (partner,) = _sent(PARTNER_SUBJECT)
    assert partner.to == [mentor.user.email]
    assert "Dr Mentee One is no longer taking part in Gastro scheme" in partner.body
    assert "will not go ahead" in partner.body
    # How to reach the site, not a reply to a no-reply address; and never why.
    assert f"{settings.SITE_URL}{reverse('tasks')}" in partner.body
    assert reverse("account_request_login_code") in partner.body
    for hidden in ("consent", "withdr", "reply"):
        assert hidden not in partner.body.lower()
    leads = _sent("a participant is no longer taking part")
    assert sorted(m.to for m in leads) == _to(lead, co_lead)
    body = leads[0].body
    assert "Dr Mentee One, a mentee in Gastro scheme, is no longer taking part" in body
    assert "they withdrew their consent on the site on 1 March 2027" in body
    assert (
        "Their one-to-one session with Dr Mentor One will not go ahead. "
        "We have emailed Dr Mentor One to say so, without saying why." in body
    )
    participant_page = reverse("schemes:participant_edit", args=[mentee.scheme_id, mentee.pk])
    assert f"{settings.SITE_URL}{participant_page}" in body
    # They are sent only the confirmation that their consent is withdrawn.
    (confirmation,) = [m for m in mail.outbox if mentee.user.email in m.to]
    assert "consent to take part in Gastro scheme is withdrawn" in confirmation.subject
    sends = AuditEvent.objects.filter(action=AuditEvent.Action.SEND)
    assert sends.filter(summary__contains="will not go ahead").count() == 1
    assert sends.filter(summary__contains="stopped taking part").count() == 2


def test_the_lead_who_withdraws_someone_is_not_emailed_but_the_others_and_the_partner_are(
    lead: User, co_lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    mail.outbox.clear()
    participant_withdraw(actor=lead, participant=mentor, reason="Maternity leave")
    (partner,) = _sent(PARTNER_SUBJECT)
    assert partner.to == [mentee.user.email]
    assert "withdr" not in partner.body.lower() and "Maternity" not in partner.body
    (told,) = _sent("a participant is no longer taking part")
    assert told.to == [co_lead.email]
    assert "Lena Lead recorded on 1 March 2027 that they are withdrawn" in told.body
    assert "Maternity" not in told.body


def test_a_partner_whose_session_was_logged_is_not_emailed(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=45)
    mail.outbox.clear()
    consent_withdraw(participant=mentee)
    assert _sent(PARTNER_SUBJECT) == []
    (told,) = _sent("a participant is no longer taking part")
    assert "Their session with Dr Mentor One was already logged" in told.body


def test_a_partner_who_already_left_is_not_emailed(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    consent_withdraw(participant=mentor)
    mail.outbox.clear()
    participant_withdraw(actor=lead, participant=mentee, reason="")
    # No partner to tell, and the lead did it: only the mentee hears that they stopped.
    (withdrawn,) = mail.outbox
    assert withdrawn.to == [mentee.user.email]
    assert "no longer taking part" in withdrawn.subject
    mail.outbox.clear()
    consent_withdraw(participant=mentee)
    # Already withdrawn: nobody else is told again; they are sent only the confirmation.
    assert [m.to for m in mail.outbox] == [[mentee.user.email]]


def test_someone_never_taking_part_is_withdrawn_without_emails(
    lead: User, co_lead: User, mentor: Participant
) -> None:
    participant_withdraw(actor=lead, participant=mentor, reason="Never replied")
    assert mail.outbox == []


def test_without_a_pair_the_leads_are_told_no_session_is_affected(
    lead: User, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor)
    consent_withdraw(participant=mentor)
    (told,) = _sent("a participant is no longer taking part")
    assert told.to == [lead.email]
    assert "They are not in a pair, so no session is affected." in told.body


def test_someone_in_a_draft_allocation_means_running_it_again(
    lead: User, scheme: Scheme, mentor: Participant, mentee: Participant
) -> None:
    for someone in (mentor, mentee):
        ConsentFactory(participant=someone)
    scheme.phase = Phase.ALLOCATION
    scheme.save()
    draft = Allocation.objects.create(
        scheme=scheme, number=1, seed=1, algorithm="x", inputs_sha256="0" * 64, record={}
    )
    Pair.objects.create(allocation=draft, mentor=mentor, mentee=mentee)
    consent_withdraw(participant=mentee)
    # The mentor was not told (nothing was published); the mentee got the confirmation.
    (told,) = _sent("a participant is no longer taking part")
    assert mentor.user.email not in [address for m in mail.outbox for address in m.to]
    assert "They are paired with Dr Mentor One in draft allocation 1." in told.body
    assert "Run the allocation again" in told.body


def test_a_mentee_with_two_mentors_leaving_tells_both(
    lead: User, phase_2: Scheme, mentor: Participant, mentee: Participant
) -> None:
    second = ParticipantFactory(scheme=phase_2, role=ParticipantRole.MENTOR)
    for someone in (mentor, mentee, second):
        ConsentFactory(participant=someone)
    publish(phase_2, [(mentor, mentee), (second, mentee)])
    participant_withdraw(actor=lead, participant=mentee, reason="")
    assert sorted(m.to for m in _sent(PARTNER_SUBJECT)) == _to(mentor.user, second.user)


def test_no_reminder_is_sent_for_a_session_that_will_not_go_ahead(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    meeting = services.meeting_confirm(participant=mentee, pair=pair)
    assert send_meeting_reminder.call(meeting.pk, meeting.sequence) == 2
    consent_withdraw(participant=mentee)
    assert send_meeting_reminder.call(meeting.pk, meeting.sequence) == 0


def test_an_arranged_session_is_called_off_and_giving_consent_again_does_not_revive_it(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    from revmentor.schemes.services import consent_give

    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    services.meeting_confirm(participant=mentee, pair=pair)
    consent_withdraw(participant=mentee)
    (told,) = _sent(PARTNER_SUBJECT)
    assert "Open the calendar file attached to remove it from your calendar." in told.body

    consent_give(participant=mentee, take_part=True, research_use=True)

    pair.meeting.refresh_from_db()
    assert (pair.meeting.starts_at, pair.meeting.confirmed_at, pair.meeting.place) == (
        None,
        None,
        "",
    )
    assert AuditEvent.objects.filter(
        summary="Cancelled the time of the session: a person stopped taking part"
    ).exists()


def _event(content: bytes | str, method: str) -> Any:
    """The one event of a calendar file, checked to be ``method``."""
    raw = content if isinstance(content, bytes) else content.encode()
    calendar = Calendar.from_ical(raw)
    assert str(calendar["METHOD"]) == method
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.mark.parametrize("who_stops", ["mentee withdraws consent", "lead withdraws mentor"])
def test_a_partner_whose_time_was_confirmed_is_emailed_the_file_that_removes_it(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant, who_stops: str
) -> None:
    services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Seminar room 2"
    )
    services.meeting_confirm(participant=mentee, pair=pair)
    (name, content, _mimetype), *_ = next(m for m in mail.outbox if m.attachments).attachments
    invite = _event(content, "REQUEST")
    mail.outbox.clear()

    if who_stops == "mentee withdraws consent":
        consent_withdraw(participant=mentee)
        partner, stopped = mentor, mentee
    else:
        participant_withdraw(actor=lead, participant=mentor, reason="Maternity leave")
        partner, stopped = mentee, mentor

    (told,) = _sent(PARTNER_SUBJECT)
    assert told.to == [partner.user.email]
    body = " ".join(told.body.split())
    assert "The time you had both confirmed is cancelled: When: 15 March 2027 at 14:30" in body
    assert "Where: Seminar room 2" in body
    assert "Open the calendar file attached to remove it from your calendar." in body
    assert "If it is in your calendar" not in body
    for hidden in ("consent", "withdr", "maternity"):
        assert hidden not in body.lower()
    ((name, content, mimetype),) = told.attachments
    assert name == f"reverse-mentoring-session-{pair.meeting.pk}-cancelled.ics"
    assert mimetype == "text/calendar; method=CANCEL"
    cancel = _event(content, "CANCEL")
    # It removes the invite's event as confirmed: same UID, time, place and people, and
    # a higher SEQUENCE than the invite sent.
    assert str(cancel["UID"]) == str(invite["UID"])
    assert cancel.decoded("SEQUENCE") > invite.decoded("SEQUENCE")
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert cancel.decoded("DTSTART") == SESSION
    assert str(cancel["LOCATION"]) == "Seminar room 2"
    assert str(cancel["ORGANIZER"]) == f"mailto:{mentor.user.email}"
    assert str(cancel["ATTENDEE"]) == f"mailto:{mentee.user.email}"
    assert stopped.user.email not in str(told.to)
    assert AuditEvent.objects.filter(
        summary="Sent the email that their session will not go ahead, with the calendar "
        "cancellation of its time"
    ).exists()

    # The meeting keeps the cancellation's sequence, so a time arranged afresh (once the
    # person takes part again) is an invite above the cancellation.
    pair.meeting.refresh_from_db()
    assert pair.meeting.starts_at is None
    assert pair.meeting.sequence == cancel.decoded("SEQUENCE")


def test_a_partner_whose_time_was_only_proposed_gets_no_calendar_file(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    mail.outbox.clear()
    consent_withdraw(participant=mentee)
    (told,) = _sent(PARTNER_SUBJECT)
    assert told.attachments == []  # no invite went out, so there is nothing to take back
    assert "If it is in your calendar, you can remove it." in told.body
    assert "confirmed" not in told.body


@pytest.mark.parametrize("who_stops", ["mentee withdraws consent", "lead withdraws mentor"])
def test_the_person_who_stops_is_sent_the_file_that_removes_the_confirmed_time(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant, who_stops: str
) -> None:
    services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Seminar room 2"
    )
    services.meeting_confirm(participant=mentee, pair=pair)
    (_name, content, _mimetype), *_ = next(m for m in mail.outbox if m.attachments).attachments
    invite = _event(content, "REQUEST")
    mail.outbox.clear()

    if who_stops == "mentee withdraws consent":
        consent_withdraw(participant=mentee)
        stopped = mentee
    else:
        participant_withdraw(actor=lead, participant=mentor, reason="Maternity leave")
        stopped = mentor

    (own,) = _sent("your one-to-one session is cancelled")
    assert own.to == [stopped.user.email]
    body = " ".join(own.body.split())
    assert (
        "Your one-to-one reverse mentoring session at this time is cancelled: "
        "When: 15 March 2027 at 14:30 Where: Seminar room 2"
    ) in body
    assert "Open the calendar file attached to remove it from your calendar." in body
    for hidden in ("consent", "withdr", "maternity", "taking part"):
        assert hidden not in body.lower()
    ((name, content, mimetype),) = own.attachments
    assert name == f"reverse-mentoring-session-{pair.meeting.pk}-cancelled.ics"
    assert mimetype == "text/calendar; method=CANCEL"
    cancel = _event(content, "CANCEL")
    assert str(cancel["UID"]) == str(invite["UID"])
    assert cancel.decoded("SEQUENCE") > invite.decoded("SEQUENCE")
    assert cancel.decoded("DTSTART") == SESSION
    # The partner's file is the same one.
    (told,) = _sent(PARTNER_SUBJECT)
    assert told.attachments == own.attachments
    assert AuditEvent.objects.filter(
        summary="Sent the email that the time of their session is cancelled, with the "
        "calendar cancellation"
    ).exists()


def test_the_person_who_stops_gets_no_note_for_a_time_only_proposed(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    consent_withdraw(participant=mentee)
    assert _sent("your one-to-one session is cancelled") == []  # no invite went out


def test_someone_imported_who_stops_is_not_emailed_the_cancellation(
    lead: User, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    services.meeting_confirm(participant=mentee, pair=pair)
    mentee.imported = True
    mentee.save(update_fields=["imported"])
    mail.outbox.clear()
    participant_withdraw(actor=lead, participant=mentee, reason="")
    assert _sent("your one-to-one session is cancelled") == []
    assert len(_sent(PARTNER_SUBJECT)) == 1

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from html import unescape

import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from revmentor.config import jinja2
from revmentor.core.models import AuditEvent, User
from revmentor.schemes import services
from revmentor.schemes.models import Consent, Participant
from revmentor.schemes.withdrawal import what_happens
from tests.factories import ConsentFactory

ClientFor = Callable[[User | None], Client]


def test_tasks_put_consent_first(client_for: ClientFor, mentor: Participant) -> None:
    body = client_for(mentor.user).get(reverse("tasks")).content.decode()
    assert "Read the information sheet and give consent" in body
    assert "Give consent first" in body


def test_tasks_lists_are_kept_for_people_at_the_same_step_and_never_shared_across_steps(
    client_for: ClientFor, mentor: Participant, other_mentor: Participant
) -> None:
    """The task list is rendered once for everyone at the same step of the same scheme."""
    ConsentFactory(participant=mentor)
    jinja2._MEMO.clear()

    def task_list(person: Participant) -> str:
        body = client_for(person.user).get(reverse("tasks")).content.decode()
        start = body.index('<ul class="nhsuk-task-list"')
        return body[start : body.index("</ul>", start)]

    def kept_lists() -> int:
        prefix = f"scheme-{mentor.scheme_id}"
        return sum(1 for key in jinja2._MEMO if prefix in repr(key))

    consented, not_yet = task_list(mentor), task_list(other_mentor)
    assert "Completed" in consented and "Start" not in consented
    assert "Completed" not in not_yet and "Start" in not_yet
    assert kept_lists() == 2  # one for each step
    kept = len(jinja2._MEMO)
    ConsentFactory(participant=other_mentor)  # now at the mentor's step
    assert task_list(other_mentor) == consented
    assert len(jinja2._MEMO) == kept  # the mentor's list, not rendered again


def test_tasks_empty_state_for_someone_in_no_scheme(client_for: ClientFor, outsider: User) -> None:
    body = client_for(outsider).get(reverse("tasks")).content.decode()
    assert "You are not taking part in any scheme yet" in body


def test_participant_reads_the_sheet_and_consents(
    client_for: ClientFor, mentor: Participant
) -> None:
    client = client_for(mentor.user)
    page = client.get(reverse("consent", args=[mentor.scheme_id])).content.decode()
    assert "Information sheet" in page and mentor.scheme.information_sheet.split(" ")[0] in page
    response = client.post(reverse("consent", args=[mentor.scheme_id]), {"take_part": "on"})
    assert response["Location"] == reverse("tasks")
    consent = Consent.objects.get(participant=mentor)
    assert consent.take_part and not consent.research_use
    body = client.get(reverse("tasks")).content.decode()
    assert "Completed" in body


def test_consent_without_agreeing_to_take_part_is_refused(
    client_for: ClientFor, mentor: Participant
) -> None:
    response = client_for(mentor.user).post(
        reverse("consent", args=[mentor.scheme_id]), {"research_use": "on"}
    )
    assert "Confirm that you agree to take part" in response.content.decode()
    assert not Consent.objects.exists()


def test_withdrawn_participant_cannot_consent(client_for: ClientFor, mentor: Participant) -> None:
    mentor.status = "withdrawn"
    mentor.withdrawn_on = "2026-01-01"
    mentor.save()
    assert (
        client_for(mentor.user).get(reverse("consent", args=[mentor.scheme_id])).status_code == 404
    )


def test_withdrawn_participant_can_still_withdraw_their_consent(
    client_for: ClientFor, withdrawn: Participant
) -> None:
    client = client_for(withdrawn.user)
    url = reverse("consent_withdraw", args=[withdrawn.scheme_id])
    assert url in client.get(reverse("tasks")).content.decode()
    assert client.post(url)["Location"] == reverse("tasks")
    assert withdrawn.current_consent() is None
    assert url not in client.get(reverse("tasks")).content.decode()


def test_home_sends_staff_to_schemes_and_participants_to_tasks(
    client_for: ClientFor, lead: User, mentor: Participant
) -> None:
    assert client_for(lead).get(reverse("home"))["Location"] == reverse("schemes:list")
    assert client_for(mentor.user).get(reverse("home"))["Location"] == reverse("tasks")


# Your tasks says who ended someone's part in a scheme, and when.


def _tasks(client_for: ClientFor, person: Participant) -> str:
    return client_for(person.user).get(reverse("tasks")).content.decode()


def test_someone_the_lead_withdrew_is_told_the_lead_recorded_it_not_that_they_withdrew(
    client_for: ClientFor, lead: User, mentee: Participant
) -> None:
    ConsentFactory(participant=mentee)
    services.participant_withdraw(
        actor=lead, participant=mentee, reason="Left the trust", on=date(2026, 1, 5)
    )
    page = _tasks(client_for, mentee)
    assert (
        "The scheme&#39;s lead has recorded that you are no longer taking part, "
        "as of 5 January 2026." in page
    )
    assert "You withdrew" not in page and "Left the trust" not in page


def test_someone_who_withdrew_their_consent_is_told_they_withdrew_and_how_to_come_back(
    client_for: ClientFor, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor)
    with time_machine.travel(datetime(2026, 2, 3, 9, tzinfo=UTC), tick=False):
        services.consent_withdraw(participant=mentor)
    page = _tasks(client_for, mentor)
    assert "You withdrew from this scheme on 3 February 2026." in page
    assert reverse("consent", args=[mentor.scheme_id]) in page
    assert "Give consent first" not in page


def test_the_lead_recording_it_after_they_withdrew_consent_still_says_they_withdrew(
    client_for: ClientFor, lead: User, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor)
    with time_machine.travel(datetime(2026, 2, 3, 9, tzinfo=UTC), tick=False):
        services.consent_withdraw(participant=mentor)
    services.participant_withdraw(actor=lead, participant=mentor, reason="", on=date(2026, 2, 10))
    page = _tasks(client_for, mentor)
    assert "You withdrew from this scheme on 3 February 2026." in page
    assert "recorded" not in page


# Research use can be allowed or stopped later, without stopping taking part


def test_someone_taking_part_allows_research_use_later_and_goes_on_taking_part(
    client_for: ClientFor, mentor: Participant
) -> None:
    from django.core import mail

    from revmentor.core.models import AuditEvent
    from revmentor.schemes.selectors import research_participant_ids

    first = ConsentFactory(participant=mentor, research_use=False)
    client = client_for(mentor.user)
    url = reverse("consent", args=[mentor.scheme_id])
    assert "Allow research use of my answers" in client.get(url).content.decode()
    assert mentor.pk not in research_participant_ids(mentor.scheme)

    response = client.post(url, {"research_use_change": "allow"}, follow=True)

    assert "Your answers may now be used for research" in response.content.decode()
    first.refresh_from_db()
    current = mentor.current_consent()
    assert first.withdrawn_at is not None  # the record of what was agreed first stays
    assert current is not None and current.pk != first.pk
    assert (current.take_part, current.research_use) == (True, True)
    assert mentor.pk in research_participant_ids(mentor.scheme)
    assert "You withdrew" not in client.get(reverse("tasks")).content.decode()
    assert mail.outbox == []  # nobody is told: they have not stopped taking part
    assert AuditEvent.objects.filter(summary="Allowed research use").count() == 1

    client.post(url, {"research_use_change": "stop"})

    assert mentor.pk not in research_participant_ids(mentor.scheme)
    assert Consent.objects.filter(participant=mentor, withdrawn_at__isnull=True).count() == 1
    assert mentor.current_consent().take_part  # type: ignore[union-attr]


def test_changing_research_use_to_what_it_is_or_without_consent_changes_nothing(
    client_for: ClientFor, mentor: Participant, other_mentor: Participant
) -> None:
    ConsentFactory(participant=mentor, research_use=True)
    url = reverse("consent", args=[mentor.scheme_id])

    already = client_for(mentor.user).post(url, {"research_use_change": "allow"}, follow=True)
    never = client_for(other_mentor.user).post(
        reverse("consent", args=[other_mentor.scheme_id]),
        {"research_use_change": "allow"},
        follow=True,
    )

    assert "already allows research use" in already.content.decode()
    assert "Give your consent first" in never.content.decode()
    assert Consent.objects.filter(participant=mentor).count() == 1
    assert not Consent.objects.filter(participant=other_mentor).exists()


# Withdrawing consent is confirmed by email, saying what the page said would happen


def _paragraphs(html: str) -> list[str]:
    return [unescape(p) for p in re.findall(r"<p>([^<]*)</p>", html)]


def test_withdrawing_consent_is_confirmed_by_email_with_what_the_page_said(
    client_for: ClientFor, lead: User, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor)
    client = client_for(mentor.user)
    url = reverse("consent_withdraw", args=[mentor.scheme_id])
    page = _paragraphs(client.get(url).content.decode())
    mail.outbox.clear()

    with time_machine.travel(datetime(2026, 2, 3, 9, tzinfo=UTC), tick=False):
        response = client.post(url, follow=True)

    assert "We have emailed you to confirm it" in response.content.decode()
    (email,) = [m for m in mail.outbox if m.to == [mentor.user.email]]
    assert email.subject.endswith("your consent to take part in Gastro scheme is withdrawn")
    assert email.body.startswith("Dear Dr Mentor One,")
    assert "You withdrew your consent to take part in Gastro scheme on 3 February 2026." in (
        email.body
    )
    said = what_happens(taking_part=True, leads=[lead])  # the page names the lead to ask
    assert len(said) == 3
    for paragraph in said:
        assert paragraph in page  # the same words on the page before
        assert f"- {paragraph}" in email.body
    assert "give your consent again" in email.body
    assert f"{settings.SITE_URL}{reverse('tasks')}" in email.body
    # Sent through send_recorded: in the audit trail, about them, without its text
    sent = AuditEvent.objects.get(summary="Sent the confirmation that their consent is withdrawn")
    assert (sent.action, sent.object_id, sent.scheme_id) == (
        AuditEvent.Action.SEND,
        str(mentor.pk),
        mentor.scheme_id,
    )


def test_someone_already_withdrawn_is_told_only_what_happens_to_their_answers(
    client_for: ClientFor, withdrawn: Participant
) -> None:
    client = client_for(withdrawn.user)
    url = reverse("consent_withdraw", args=[withdrawn.scheme_id])
    page = _paragraphs(client.get(url).content.decode())
    mail.outbox.clear()

    client.post(url)

    (email,) = mail.outbox
    assert email.to == [withdrawn.user.email]
    said = what_happens(taking_part=False)
    assert len(said) == 2
    for paragraph in said:
        assert paragraph in page and f"- {paragraph}" in email.body
    assert "one-to-one" not in email.body and "give your consent again" not in email.body


def test_no_confirmation_is_sent_when_there_is_no_consent_to_withdraw(
    client_for: ClientFor, mentor: Participant
) -> None:
    client_for(mentor.user).post(reverse("consent_withdraw", args=[mentor.scheme_id]))
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SEND).exists()

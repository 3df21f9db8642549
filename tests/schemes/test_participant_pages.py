from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from revmentor.core.models import User
from revmentor.schemes.models import Consent, Participant

ClientFor = Callable[[User | None], Client]


def test_tasks_put_consent_first(client_for: ClientFor, mentor: Participant) -> None:
    body = client_for(mentor.user).get(reverse("tasks")).content.decode()
    assert "Read the information sheet and give consent" in body
    assert "Give consent first" in body


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

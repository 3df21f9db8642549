from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from revmentor.config import jinja2
from revmentor.core.models import User
from revmentor.schemes.models import Consent, Participant
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

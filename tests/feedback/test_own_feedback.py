"""A mentor's own online feedback page (``own_feedback_mentee``): boxes to type in during
phase 1 only; before and after it, what they wrote, read-only, with no form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from revmentor.core.models import User
from revmentor.feedback import services
from revmentor.feedback.models import Contribution
from revmentor.schemes.models import Participant, Phase, Scheme
from tests.factories import ConsentFactory
from tests.meetings.conftest import publish

ClientFor = Callable[[User | None], Client]


@pytest.fixture(autouse=True)
def mentee_taking_part(mentee: Participant) -> None:
    """``mentee`` has consented: phase 1 writes feedback about mentees taking part only."""
    ConsentFactory(participant=mentee)


def _page(client_for: ClientFor, mentor: Participant, mentee: Participant) -> str:
    url = reverse("own_feedback_mentee", args=[mentor.scheme_id, mentee.pk])
    response = client_for(mentor.user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def _no_form(page: str) -> None:
    main = page[page.index("<main") : page.index("</main>")]  # not the header's sign out
    assert "<form" not in main and "<textarea" not in main
    assert "Save your feedback" not in main


@pytest.mark.parametrize("paired", [False, True], ids=["unmatched", "paired"])
def test_after_phase_1_a_mentor_reads_what_they_wrote_with_nothing_to_edit(
    client_for: ClientFor,
    facilitator: User,
    phase_1: Scheme,
    mentor: Participant,
    other_mentor: Participant,
    mentee: Participant,
    paired: bool,
) -> None:
    for someone in (mentor, other_mentor):
        ConsentFactory(participant=someone)
    services.contributions_save(
        mentor=mentor,
        mentee=mentee,
        texts={"technology": "Uses the EPR well", "strengths": "Kind to juniors"},
    )
    merged = Contribution.objects.get(domain="strengths")
    services.contribution_merge(actor=facilitator, contribution=merged)
    phase_1.phase = Phase.PHASE_2
    phase_1.save()
    # The published allocation pairs the mentee with ``mentor``, or leaves them unmatched.
    publish(phase_1, [(mentor if paired else other_mentor, mentee)])

    page = _page(client_for, mentor, mentee)
    _no_form(page)
    assert "Phase 1 is over, so you can no longer add or change your feedback." in page
    assert "This is what you wrote." in page
    assert "Uses the EPR well" in page and "Kind to juniors" in page
    assert "Added to the group's notes on" in page
    assert "Use of technology" in page  # the domains they wrote about, as headings

    # A form sent anyway changes nothing, and is told why.
    url = reverse("own_feedback_mentee", args=[phase_1.pk, mentee.pk])
    sent = client_for(mentor.user).post(url, {"technology": "Changed", "strengths": "x"})
    assert sent.status_code == 200
    after = sent.content.decode()
    assert "Feedback can be added only during phase 1." in after
    _no_form(after)
    assert Contribution.objects.get(domain="technology").text == "Uses the EPR well"

    listing = client_for(mentor.user).get(reverse("own_feedback", args=[phase_1.pk]))
    assert "You can still read what you wrote." in listing.content.decode()


def test_a_mentor_who_wrote_nothing_is_told_so_after_phase_1(
    client_for: ClientFor, scheme: Scheme, mentor: Participant, mentee: Participant
) -> None:
    ConsentFactory(participant=mentor)
    scheme.phase = Phase.ALLOCATION
    scheme.save()
    page = _page(client_for, mentor, mentee)
    _no_form(page)
    assert "You did not add any feedback about Dr Mentee One online." in page


def test_before_phase_1_there_is_nothing_to_type_in_yet(
    client_for: ClientFor, scheme: Scheme, mentor: Participant, mentee: Participant
) -> None:
    ConsentFactory(participant=mentor)
    page = _page(client_for, mentor, mentee)
    _no_form(page)
    assert "You can add your feedback once phase 1 starts." in page


def test_during_phase_1_the_boxes_and_the_save_button_are_there(
    client_for: ClientFor, phase_1: Scheme, mentor: Participant, mentee: Participant
) -> None:
    ConsentFactory(participant=mentor)
    page = _page(client_for, mentor, mentee)
    assert page.count("<textarea") == len(phase_1.domains)
    assert "Save your feedback" in page

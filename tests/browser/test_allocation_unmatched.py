"""People the allocation leaves out, in the browser: the lead's allocation page accounts
for everyone (pairs, left unmatched, not included for want of consent); a re-run without
its reason marks the reason in error; publishing tells the unmatched too; in phase 2 an
unmatched mentor is not given the session's questionnaire, and opening it says why.
axe checks every page on the way.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from revmentor.feedback.models import Willingness
from revmentor.schemes.models import ParticipantRole, Phase
from revmentor.schemes.services import scheme_move_phase
from tests.browser.conftest import Axe, sign_in
from tests.browser.test_allocation_and_session import (
    SCHEME,
    banner,
    scheme_in_allocation,
    scheme_tab,
)
from tests.factories import ParticipantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNMATCHED_SUBJECT = "revmentor: the pairs for the one-to-one sessions"
SESSION_QUESTIONNAIRE = "Before your one-to-one session"


def test_the_people_left_out_are_accounted_for_told_and_not_asked_about_a_session(
    new_page: Any, axe: Axe
) -> None:
    # Given a scheme in allocation where Omar is willing to mentor nobody (so he and
    # Beth cannot be paired), and a mentee who has not consented
    setup = scheme_in_allocation()
    Willingness.objects.filter(mentor=setup.omar).update(willing=False)
    ParticipantFactory(
        scheme=setup.scheme, role=ParticipantRole.MENTEE, user__full_name="Dr Nia Notyet"
    )

    # When the lead allocates
    lead = new_page()
    sign_in(lead, axe, setup.lead, "Schemes")
    lead.get_by_role("link", name=SCHEME).click()
    lead.get_by_role("heading", name=SCHEME, level=1).wait_for()
    scheme_tab(lead, axe, "Allocation", "Allocation")
    lead.get_by_role("button", name="Allocate", exact=True).click()

    # Then the page lists who was left unmatched and says one person was not included
    lead.get_by_role("heading", name="Allocation 1 Draft", level=3).wait_for()
    axe.check(lead)
    main = lead.locator("main").inner_text()
    assert "Dr Omar Okonjo (mentor)" in main and "Dr Beth Bramley (mentee)" in main
    assert (
        "1 person taking part was not included in this allocation: they had not given "
        "consent (or had withdrawn it) when it was drawn, or joined the scheme after."
    ) in main

    # When they run it again without saying why
    lead.get_by_role("button", name="Run the allocation again").click()

    # Then the error summary, at the top of the page, links to the reason, which is
    # marked in error; the title says there is an error first
    summary = lead.locator(".nhsuk-error-summary")
    summary.wait_for()
    axe.check(lead)
    heading = lead.get_by_role("heading", name=SCHEME, level=1)
    assert summary.bounding_box()["y"] < heading.bounding_box()["y"]
    assert lead.title().startswith("Error: Allocation – ")
    summary.get_by_role("link", name="Enter the reason for running the allocation again").click()
    reason = lead.get_by_label("Why are you running it again?")
    assert reason.evaluate("element => element === document.activeElement")
    assert "nhsuk-textarea--error" in (reason.get_attribute("class") or "")
    assert lead.locator("#id_reason-error").is_visible()

    # The two buttons of the draft stand apart, as in any group of buttons
    publish = lead.get_by_role("button", name="Publish and tell the pairs").bounding_box()
    verify = lead.get_by_role("button", name="Verify").bounding_box()
    assert publish and verify
    assert verify["x"] >= publish["x"] + publish["width"] + 8 or verify["y"] >= (
        publish["y"] + publish["height"] + 8
    )

    # When they publish the draft
    lead.get_by_role("button", name="Publish and tell the pairs").click()

    # Then the pair and the two left unmatched are told
    banner(lead, "The allocation is published and every pair, and everyone left unmatched")
    axe.check(lead)
    told = sorted(m.to[0] for m in mail.outbox if m.subject == UNMATCHED_SUBJECT)
    assert told == sorted([setup.omar.user.email, setup.beth.user.email])

    # When the scheme moves on to phase 2 and Omar signs in
    scheme_move_phase(actor=setup.lead, scheme=setup.scheme, to_phase=Phase.PHASE_2)
    omar = new_page()
    sign_in(omar, axe, setup.omar.user, "Your tasks")

    # Then the session's questionnaire is not among his tasks
    assert omar.get_by_role("link", name=SESSION_QUESTIONNAIRE).count() == 0

    # And opening it from an old link says why it is not for him
    omar.goto(reverse("questionnaire", args=[setup.scheme.pk, "pre_session"]))
    omar.get_by_role("heading", name="This questionnaire is not for you", level=1).wait_for()
    axe.check(omar)
    assert "You were not paired with anyone" in omar.locator("main").inner_text()

    # While Fatima, in the pair, has it
    fatima = new_page()
    sign_in(fatima, axe, setup.fatima.user, "Your tasks")
    assert fatima.get_by_role("link", name=SESSION_QUESTIONNAIRE).count() == 1

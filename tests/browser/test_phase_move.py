"""Moving a scheme on, in the browser: the page lists what is unfinished, with links,
and what the move does; without the tick it says what to do at the box; with it, the
scheme moves on. axe checks each page."""

from __future__ import annotations

from typing import Any

import pytest

from revmentor.core.models import User
from revmentor.schemes.models import ParticipantRole, Phase, Scheme, StaffRole
from revmentor.schemes.services import scheme_move_phase
from tests.browser.conftest import Axe, sign_in
from tests.browser.test_allocation_and_session import banner
from tests.factories import ConsentFactory, MembershipFactory, ParticipantFactory, SchemeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOVE = "Move on to allocation"


def test_the_lead_sees_what_is_unfinished_and_confirms_moving_on(
    new_page: Any, axe: Axe, tmp_path: Any
) -> None:
    # Given a scheme in phase 1 where one mentor has not answered a questionnaire, no
    # document is approved and nobody has given willingness
    scheme: Scheme = SchemeFactory.create(name="Cardiology scheme")
    lead: User = MembershipFactory.create(
        scheme=scheme, role=StaffRole.LEAD, user__full_name="Lena Lead"
    ).user
    for role in (ParticipantRole.MENTOR, ParticipantRole.MENTOR, ParticipantRole.MENTEE):
        ConsentFactory(participant=ParticipantFactory.create(scheme=scheme, role=role))
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)

    # When the lead opens the move from the dashboard
    page = new_page()
    sign_in(page, axe, lead, "Schemes")
    page.get_by_role("link", name="Cardiology scheme").click()
    page.get_by_role("button", name=MOVE).click()
    page.get_by_role("heading", name=MOVE, level=1).wait_for()
    axe.check(page)

    # Then it lists what is unfinished in phase 1, each with a link, and what moving does
    unfinished = page.locator("main ul").first.inner_text()
    assert "2 of 2 mentors have not submitted the questionnaire “Before the group" in unfinished
    assert "The mentor questionnaire “After the group interview” was never opened" in unfinished
    assert "1 of 1 mentee has no approved feedback document" in unfinished
    assert "2 of 2 mentors have not said about every mentee" in unfinished
    assert page.get_by_role("link", name="See the feedback documents").is_visible()
    assert page.get_by_text("The scheme cannot be moved back to phase 1").is_visible()
    page.screenshot(path=str(tmp_path / "move.png"), full_page=True)

    # When they move on without ticking the box
    page.get_by_role("button", name=MOVE).click()

    # Then the error summary links to the box, and nothing moved
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    axe.check(page)
    link = summary.get_by_role("link", name="Tick the box to confirm")
    assert link.get_attribute("href") == "#id_confirm"
    scheme.refresh_from_db()
    assert scheme.phase == Phase.PHASE_1

    # When they tick it and move on
    page.get_by_label("I have read what is unfinished and want to move on anyway").check()
    page.get_by_role("button", name=MOVE).click()

    # Then the scheme is in allocation
    banner(page, "The scheme is now in Allocation")
    axe.check(page)
    scheme.refresh_from_db()
    assert scheme.phase == Phase.ALLOCATION

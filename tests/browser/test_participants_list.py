"""A lead of a large scheme pages through its participants and finds one by name.

axe checks each page on the way: the search form, the pagination, the empty result.
"""

from __future__ import annotations

from typing import Any

import pytest

from revmentor.schemes.models import ParticipantRole, StaffRole
from tests.browser.conftest import Axe, sign_in
from tests.factories import MembershipFactory, ParticipantFactory, SchemeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_pages_through_participants_and_finds_one(new_page: Any, axe: Axe) -> None:
    # Given a scheme of 120 mentors and 10 mentees, one of them Dr Fatima Farooq
    scheme = SchemeFactory(name="Regional reverse mentoring")
    lead = UserFactory(full_name="Lena Lead")
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    for n in range(120):
        ParticipantFactory(scheme=scheme, user__full_name=f"Dr Mentor {n:03d}")
    for n in range(9):
        ParticipantFactory(
            scheme=scheme, role=ParticipantRole.MENTEE, user__full_name=f"Dr Consultant {n}"
        )
    ParticipantFactory(
        scheme=scheme,
        role=ParticipantRole.MENTEE,
        user__full_name="Dr Fatima Farooq",
        user__email="fatima.farooq@nhs.net",
    )

    # When the lead opens the participants
    page = new_page()
    sign_in(page, axe, lead, lands_on="Schemes")
    page.goto(f"/schemes/{scheme.pk}/participants/")
    page.get_by_role("heading", name="Participants", exact=True).wait_for()
    axe.check(page)

    # Then they see the first hundred, mentors first, and can go on to the rest
    page.get_by_text("120 mentors and 10 mentees.").wait_for()
    page.get_by_text("1 to 100 of 130 people.").wait_for()
    mentors = page.get_by_role("table", name="Mentors")
    assert mentors.locator("tbody tr").count() == 100
    assert page.get_by_role("table", name="Mentees").count() == 0
    page.get_by_role("link", name="Next").click()
    page.get_by_text("101 to 130 of 130 people.").wait_for()
    axe.check(page)
    assert page.get_by_role("table", name="Mentees").locator("tbody tr").count() == 10

    # And when they look for part of an email address
    page.get_by_label("Find a participant").fill("FAROOQ@")
    page.get_by_role("button", name="Find").click()
    page.get_by_text("1 person whose name or email address holds “FAROOQ@”.").wait_for()
    axe.check(page)
    rows = page.get_by_role("table", name="Mentees").locator("tbody tr")
    assert rows.count() == 1 and "Dr Fatima Farooq" in rows.inner_text()

    # And for someone who is not there, then everyone again
    page.get_by_label("Find a participant").fill("Nobody Such")
    page.get_by_role("button", name="Find").click()
    page.get_by_text("Nobody's name or email address holds “Nobody Such”.").wait_for()
    axe.check(page)
    page.get_by_role("link", name="Show everyone").click()
    page.get_by_text("1 to 100 of 130 people.").wait_for()


def test_on_a_phone_each_person_is_a_block_of_labelled_lines_and_nothing_scrolls(
    new_page: Any, axe: Axe
) -> None:
    # Given a scheme with a mentor and a mentee, and its lead on a phone
    scheme = SchemeFactory()
    lead = UserFactory()
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    mentee = ParticipantFactory(
        scheme=scheme, role=ParticipantRole.MENTEE, user__full_name="Dr Alan Ashworth"
    )
    ParticipantFactory(scheme=scheme, user__full_name="Dr Fatima Farooq", supervisor=mentee)
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, axe, lead, lands_on="Schemes")

    # When they open the participants
    page.goto(f"/schemes/{scheme.pk}/participants/")
    page.get_by_role("heading", name="Participants", exact=True).wait_for()

    # Then nothing reaches past the screen: the page does not scroll sideways
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.outerHTML.slice(0, 80))"
    )
    assert wide == []
    # And each line of a person says what it is, beside what it holds
    mentors = page.get_by_role("table", name="Mentors")
    row = mentors.get_by_role("row").filter(has_text="Dr Fatima Farooq")
    lines = [" ".join(t.split()) for t in row.get_by_role("cell").all_inner_texts()]
    assert lines[0].startswith("Name Dr Fatima Farooq")
    assert lines[2] == "Own clinical supervisor Dr Alan Ashworth"
    # And a screen reader still finds a table with its column headers
    assert mentors.get_by_role("columnheader").all_inner_texts()[:3] == [
        "Name",
        "Status",
        "Own clinical supervisor",
    ]
    # And the row's actions are on the screen
    withdraw = page.get_by_role("link", name="Withdraw Dr Fatima Farooq")
    withdraw.scroll_into_view_if_needed()
    box = withdraw.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    axe.check(page)

    # And on a desktop screen it is an ordinary table: a person a row
    page.set_viewport_size({"width": 1280, "height": 900})
    cells = row.get_by_role("cell")
    first, third = cells.nth(0).bounding_box(), cells.nth(2).bounding_box()
    assert first is not None and third is not None and abs(first["y"] - third["y"]) < 2
    assert not page.locator(".nhsuk-table__heading").first.is_visible()
    axe.check(page)


def test_the_participants_list_fits_a_320_pixel_screen_with_long_names_and_emails(
    new_page: Any, axe: Axe
) -> None:
    scheme = SchemeFactory(name="Regional reverse mentoring")
    lead = UserFactory(full_name="Lena Lead")
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    supervisor = ParticipantFactory(
        scheme=scheme,
        role=ParticipantRole.MENTEE,
        user__full_name="Professor Bartholomew Featherstonehaugh-Cholmondeley",
        user__email="bartholomew.featherstonehaugh-cholmondeley@nhs.net",
    )
    ParticipantFactory(
        scheme=scheme,
        supervisor=supervisor,
        user__full_name="Dr Hannah Hughes",
        user__email="hannah.hughes.clinical.fellow@somewhere-long.nhs.uk",
    )
    page = new_page()
    sign_in(page, axe, lead, lands_on="Schemes")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/schemes/{scheme.pk}/participants/")
    page.get_by_role("heading", name="Participants", exact=True).wait_for()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{width} pixels wide on a 320-pixel screen"
    axe.check(page)

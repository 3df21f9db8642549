"""A consented mentor answers "Before the group interview": meets a validation error,
saves a draft, resumes it, submits once, and cannot submit again. axe checks every page.

Also: a questionnaire page fits a 320 px wide screen without scrolling sideways, and Your
tasks does not ask a consented mentor to consent first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from revmentor.core.models import User
from revmentor.instruments import STUDY_DOMAINS
from revmentor.questionnaires.models import Answer, Response
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme, StaffRole
from revmentor.schemes.services import scheme_move_phase
from tests.browser.conftest import Axe, sign_in, watch
from tests.factories import (
    ConsentFactory,
    MembershipFactory,
    ParticipantFactory,
    SchemeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Before the group interview"
UNDERSTANDING = "How well do you understand what reverse mentoring involves?"
CONCERNS = "Do you have any concerns about taking part?"
CONCERNS_TEXT = "What are your concerns?"
MY_CONCERNS = "Giving honest feedback to my own clinical supervisor."
# One 1–5 answer per domain for each grid page, different on each page so that a mix-up
# between pages or domains shows in the stored answers.
GRIDS: dict[str, tuple[str, dict[str, str]]] = {
    "importance": (
        "Importance of giving feedback to consultants",
        {d.slug: str(i % 5 + 1) for i, d in enumerate(STUDY_DOMAINS)},
    ),
    "confidence": (
        "Confidence in giving feedback to consultants",
        {d.slug: str((i + 2) % 5 + 1) for i, d in enumerate(STUDY_DOMAINS)},
    ),
    "ability": (
        "Ability to give feedback to consultants",
        {d.slug: str(5 - i % 5) for i, d in enumerate(STUDY_DOMAINS)},
    ),
}


def scheme_in_phase_1_with_consented_mentor() -> Participant:
    """A scheme moved into phase 1 by its lead (which opens the stage), and its mentor."""
    scheme: Scheme = SchemeFactory.create(name="Gastro reverse mentoring")
    lead: User = UserFactory.create(full_name="Lena Lead")
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    mentor: Participant = ParticipantFactory.create(
        scheme=scheme,
        role=ParticipantRole.MENTOR,
        user__full_name="Dr Fatima Farooq",
        user__email="fatima@nhs.net",
    )
    ConsentFactory(participant=mentor)
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    return mentor


def task_row(page: Any, title: str) -> Any:
    return page.locator(".nhsuk-task-list__item").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )


def answer_grid(page: Any, axe: Axe, heading: str, answers: dict[str, str]) -> None:
    """Answer one grid page: one radio group per domain, legend the domain, values 1–5."""
    page.get_by_role("heading", name=heading, level=1).wait_for()
    axe.check(page)
    for domain in STUDY_DOMAINS:
        group = page.get_by_role("group", name=domain.label, exact=True)
        radios = group.get_by_role("radio")
        assert [radios.nth(i).get_attribute("value") for i in range(radios.count())] == [
            "1",
            "2",
            "3",
            "4",
            "5",
        ]
        group.get_by_label(answers[domain.slug], exact=True).check()
    page.get_by_role("button", name="Continue").click()


def test_mentor_meets_an_error_saves_a_draft_resumes_and_submits_once(
    new_page: Any, axe: Axe
) -> None:
    # Given a scheme in phase 1 with a consented mentor, signed in
    mentor = scheme_in_phase_1_with_consented_mentor()
    page = new_page()
    sign_in(page, axe, mentor.user)

    # When they open the questionnaire from Your tasks
    row = task_row(page, TITLE)
    assert "Not started" in row.inner_text()
    row.get_by_role("link", name=TITLE).click()
    page.get_by_role("heading", name=TITLE, level=1).wait_for()
    axe.check(page)
    page.get_by_role("button", name="Start now").click()
    page.get_by_role("heading", name="Understanding and concerns").wait_for()
    axe.check(page)

    # And press Continue without answering
    page.get_by_role("button", name="Continue").click()

    # Then an error summary links to each unanswered question on the page
    summary = page.locator(".nhsuk-error-summary")
    summary.get_by_role("heading", name="There is a problem").wait_for()
    axe.check(page)
    links = summary.get_by_role("link")
    assert links.all_inner_texts() == [
        "Select how well you understand reverse mentoring",
        "Select yes if you have any concerns about taking part",
    ]
    for link in links.all():
        target = link.get_attribute("href")
        assert target is not None and target.startswith("#")
        assert page.locator(target).count() == 1, f"{target} is not on the page"
    links.first.click()
    focused = page.evaluate("document.activeElement.id")
    assert focused == links.first.get_attribute("href").removeprefix("#")
    assert not Response.objects.filter(participant=mentor).exists()  # not even an empty draft

    # When they answer understanding and say they have concerns
    page.get_by_role("group", name=UNDERSTANDING).get_by_label("4", exact=True).check()
    concerns_text = page.get_by_label(CONCERNS_TEXT)
    assert not concerns_text.is_visible()
    page.get_by_role("group", name=CONCERNS).get_by_label("Yes", exact=True).check()

    # Then they are asked what their concerns are
    concerns_text.wait_for(state="visible")
    axe.check(page)
    concerns_text.fill(MY_CONCERNS)

    # When they save a draft
    page.get_by_role("button", name="Save as draft").click()

    # Then they are back on Your tasks, told their answers are saved, in progress
    page.get_by_role("heading", name="Your tasks").wait_for()
    page.get_by_text(
        "Your answers have been saved. You can come back to them at any time"
    ).wait_for()
    axe.check(page)
    assert "In progress" in task_row(page, TITLE).inner_text()

    # When they come back from Your tasks, they resume on the next page not started
    task_row(page, TITLE).get_by_role("link", name=TITLE).click()
    page.get_by_role("heading", name=TITLE, level=1).wait_for()
    axe.check(page)
    pages = page.locator("main ol > li").all_inner_texts()
    assert ["(started)" in text for text in pages] == [True, False, False, False]
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name=GRIDS["importance"][0], level=1).wait_for()

    # And going back to page 1 shows their saved answers
    page.get_by_role("link", name="Back", exact=True).click()
    page.get_by_role("heading", name="Understanding and concerns").wait_for()
    axe.check(page)
    understanding = page.get_by_role("group", name=UNDERSTANDING)
    assert understanding.get_by_label("4", exact=True).is_checked()
    assert page.get_by_role("group", name=CONCERNS).get_by_label("Yes", exact=True).is_checked()
    assert page.get_by_label(CONCERNS_TEXT).input_value() == MY_CONCERNS

    # When they complete every page
    page.get_by_role("button", name="Continue").click()
    for heading, answers in GRIDS.values():
        answer_grid(page, axe, heading, answers)

    # Then they check their answers
    page.get_by_role("heading", name="Check your answers").wait_for()
    axe.check(page)
    assert MY_CONCERNS in page.locator("main").inner_text()
    # (and the same form is open in a second tab, as after a double click or a new window)
    second_tab = page.context.new_page()
    second_tab.goto(page.url)
    second_tab.get_by_role("heading", name="Check your answers").wait_for()

    # When they submit
    page.get_by_role("button", name="Submit").click()

    # Then their answers are received
    page.get_by_role("heading", name="Questionnaire submitted").wait_for()
    axe.check(page)

    # When they press the browser's Back button
    page.go_back()

    # Then they are told they already submitted
    page.get_by_role("heading", name="You have already submitted this questionnaire").wait_for()
    axe.check(page)

    # When they submit the check form again from the second tab
    second_tab.get_by_role("button", name="Submit").click()

    # Then they are told they already submitted, and one response is stored as it was
    second_tab.get_by_role(
        "heading", name="You have already submitted this questionnaire"
    ).wait_for()
    axe.check(second_tab)
    response = Response.objects.get()
    assert response.participant == mentor
    assert response.status == Response.Status.SUBMITTED
    assert response.stage.timepoint == "pre_phase1"
    expected = {"understanding": "4", "concerns": "yes", "concerns_text": MY_CONCERNS}
    for name, (_heading, answers) in GRIDS.items():
        expected |= {f"{name}.{slug}": value for slug, value in answers.items()}
    stored = list(Answer.objects.filter(response=response).values_list("name", "value"))
    assert len(stored) == len(expected) == 3 + 3 * len(STUDY_DOMAINS)
    assert dict(stored) == expected
    assert len(axe.pages_checked) == 16


@pytest.fixture
def narrow_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page in a phone-sized window: 320 CSS pixels wide."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 800})
    watch(context, live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def scrolls_sideways(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > 320"))


def test_questionnaire_pages_fit_a_320_pixel_wide_screen(narrow_page: Any, axe: Axe) -> None:
    # Given a consented mentor in phase 1, signed in on a 320 px wide phone
    mentor = scheme_in_phase_1_with_consented_mentor()
    page = narrow_page
    sign_in(page, axe, mentor.user)
    assert page.evaluate("window.innerWidth") == 320

    # When they open the first page, with its error summary and the concerns text shown
    page.goto(f"/tasks/{mentor.scheme_id}/questionnaires/pre_phase1/1/")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    page.get_by_role("group", name=CONCERNS).get_by_label("Yes", exact=True).check()
    page.get_by_label(CONCERNS_TEXT).wait_for(state="visible")

    # Then the page does not scroll sideways
    axe.check(page)
    assert not scrolls_sideways(page)

    # And nor does a domain grid page, with an error on every domain
    page.goto(f"/tasks/{mentor.scheme_id}/questionnaires/pre_phase1/2/")
    page.get_by_role("button", name="Continue").click()
    errors = page.locator(".nhsuk-error-summary").get_by_role("link")
    errors.first.wait_for()
    assert errors.count() == len(STUDY_DOMAINS)
    axe.check(page)
    assert not scrolls_sideways(page)


def test_tasks_do_not_ask_a_consented_mentor_to_give_consent_first(new_page: Any, axe: Axe) -> None:
    # Given a consented mentor with an open questionnaire, signed in
    mentor = scheme_in_phase_1_with_consented_mentor()
    page = new_page()

    # When they look at Your tasks
    sign_in(page, axe, mentor.user)

    # Then the questionnaire is listed, and they are not told to give consent first
    task_row(page, TITLE).wait_for()
    main = page.locator("main").inner_text()
    assert re.search(r"give consent first", main, re.IGNORECASE) is None, main

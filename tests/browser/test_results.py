"""A researcher reads the scheme's results; axe checks the page with its charts."""

from __future__ import annotations

from typing import Any

import pytest

from revmentor.questionnaires import services as questionnaires
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import ParticipantRole, Phase, StaffRole
from revmentor.schemes.services import scheme_move_phase
from tests.browser.conftest import Axe, sign_in
from tests.factories import (
    ConsentFactory,
    MembershipFactory,
    ParticipantFactory,
    SchemeFactory,
    UserFactory,
)
from tests.questionnaires.conftest import FULL_MENTOR_PRE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_researcher_reads_the_results_with_charts_and_ids_only(new_page: Any, axe: Axe) -> None:
    # Given a scheme in phase 1 where two mentors answered the first questionnaire
    scheme = SchemeFactory(name="Gastro reverse mentoring")
    lead = UserFactory(full_name="Lena Lead")
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    researcher = UserFactory(full_name="Rita Researcher")
    MembershipFactory(scheme=scheme, user=researcher, role=StaffRole.RESEARCHER)
    mentee = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    mentors = [ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR) for _ in range(2)]
    for person in [mentee, *mentors]:
        ConsentFactory(participant=person)
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    for mentor in mentors:
        for section in range(4):
            questionnaires.response_save_page(
                participant=mentor,
                stage=stage,
                section=section,
                answers=FULL_MENTOR_PRE,
                complete=True,
            )
        questionnaires.response_submit(participant=mentor, stage=stage)

    # When the researcher opens the Results tab
    page = new_page()
    sign_in(page, axe, researcher, lands_on="Schemes")
    page.goto(f"/schemes/{scheme.pk}/results/")
    page.get_by_role("heading", name="Results", level=2).wait_for()

    # Then they see the figures and charts, with no participant's name, and axe passes
    axe.check(page)
    body = page.content()
    charts = page.locator("img.chart")
    assert charts.count() > 0
    # The charts drew (an image that failed to load has no natural width).
    assert page.evaluate(
        "() => [...document.querySelectorAll('img.chart')].every(i => i.naturalWidth > 0)"
    )
    for person in mentors:
        assert person.user.full_name not in body and person.user.email not in body
    # A table's caption is not set larger than the report's headings, as the NHS.UK
    # style sheet's own captions are
    assert page.evaluate(
        "() => [...document.querySelectorAll('.rm-report caption')].every(c =>"
        " parseFloat(getComputedStyle(c).fontSize) <="
        " parseFloat(getComputedStyle(document.querySelector('.rm-report h3')).fontSize))"
    )
    # And choosing another quartile method recomputes the page
    page.get_by_label("Linear").check()
    page.get_by_role("button", name="Show results").click()
    page.wait_for_url("**quartiles=linear**")
    axe.check(page)


def test_on_a_phone_a_chart_keeps_its_size_and_scrolls_sideways(new_page: Any, axe: Axe) -> None:
    # Given a scheme whose results have charts, read by its researcher
    scheme = SchemeFactory()
    lead = UserFactory()
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    researcher = UserFactory()
    MembershipFactory(scheme=scheme, user=researcher, role=StaffRole.RESEARCHER)
    mentor = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR)
    mentee = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    for person in (mentor, mentee):
        ConsentFactory(participant=person)
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    for section in range(4):
        questionnaires.response_save_page(
            participant=mentor, stage=stage, section=section, answers=FULL_MENTOR_PRE, complete=True
        )
    questionnaires.response_submit(participant=mentor, stage=stage)

    # When they open the Results tab on a phone's screen
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, axe, researcher, lands_on="Schemes")
    page.goto(f"/schemes/{scheme.pk}/results/")
    page.get_by_role("heading", name="Results", level=2).wait_for()

    # Then every chart is drawn at its own size, not shrunk to the screen, inside a frame
    # that scrolls sideways and can be focused to scroll it with the keyboard
    content = ".chart-frame .nhsuk-scroll__content"
    frames = page.evaluate(
        f"""() => [...document.querySelectorAll('{content}')].map(f => {{
            const img = f.querySelector('img.chart');
            return {{natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
                    scrolls: f.scrollWidth > f.clientWidth, tabindex: f.tabIndex,
                    name: f.getAttribute('aria-label')}};
        }})"""
    )
    assert frames, "the page has no chart"
    for frame in frames:
        assert frame["shown"] == pytest.approx(frame["natural"], abs=1)
        assert frame["scrolls"] and frame["tabindex"] == 0 and frame["name"]
    # And the page itself does not scroll sideways, and axe passes at this width
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.locator(content).first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.querySelector('{content}').scrollLeft > 0")
    axe.check(page)

    # And on a desktop screen the same chart fits its column: nothing to scroll, so the
    # frame is no longer a stop for the Tab key
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{content}')]"
        ".every(f => f.scrollWidth <= f.clientWidth && !f.hasAttribute('tabindex'))"
    )

"""A researcher reads the scheme's results and gets the report PDF; axe checks each page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.test import override_settings

from revmentor.analysis import charts
from revmentor.core.models import User
from revmentor.questionnaires import services as questionnaires
from revmentor.questionnaires.models import Stage
from revmentor.research.models import Report
from revmentor.research.tasks import draw_charts, make_report
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme, StaffRole
from revmentor.schemes.services import scheme_move_phase
from tests.browser.conftest import Axe, sign_in
from tests.factories import (
    ConsentFactory,
    MembershipFactory,
    ParticipantFactory,
    SchemeFactory,
    UserFactory,
)
from tests.pdfs import pdf_text
from tests.questionnaires.conftest import FULL_MENTOR_PRE

DUMMY = "django_tasks.backends.dummy.DummyBackend"  # keeps what is queued, runs nothing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answered() -> tuple[Scheme, User, list[Participant]]:
    """A scheme in phase 1 where two mentors answered the first questionnaire: the
    scheme, its researcher and the mentors."""
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
    return scheme, researcher, mentors


def test_a_researcher_reads_the_results_with_charts_and_ids_only(new_page: Any, axe: Axe) -> None:
    # Given a scheme in phase 1 where two mentors answered the first questionnaire
    scheme, researcher, mentors = _answered()

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


def test_the_report_pdf_is_made_in_the_background_and_offered_when_ready(
    new_page: Any, axe: Axe
) -> None:
    # Given a scheme with answers, and a task worker that has not got to the report yet
    scheme, researcher, mentors = _answered()
    with override_settings(TASKS={"default": {"BACKEND": DUMMY}}):
        # When the researcher follows the Results page's link and asks for the report
        page = new_page()
        sign_in(page, axe, researcher, lands_on="Schemes")
        page.goto(f"/schemes/{scheme.pk}/results/?quartiles=linear")
        page.get_by_role("link", name="Make and download the report (.pdf)").click()
        page.get_by_role("heading", name="Report (PDF)").wait_for()
        axe.check(page)
        page.get_by_role("button", name="Make the report").click()

        # Then the page says it is waiting, and offers no download yet
        status = page.locator("#report-status")
        status.get_by_text("Waiting to start").wait_for()
        assert status.get_attribute("aria-live") == "polite"
        assert page.get_by_role("link", name=re.compile("Download the report")).count() == 0
        axe.check(page)

        # When the worker makes it
        page.evaluate("() => { window.stillThisPage = true; }")
        report = Report.objects.get(scheme=scheme)
        assert report.quartiles == "linear"
        assert make_report.call(report.pk) is True

    # Then the same page, not reloaded, soon offers the download
    download_link = page.get_by_role("link", name=re.compile(r"Download the report \(PDF, \d+"))
    download_link.wait_for(timeout=15_000)
    assert page.evaluate("() => window.stillThisPage === true")
    axe.check(page)
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith("-report.pdf")
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    for person in mentors:
        assert person.user.full_name not in pdf_text(content)


def test_charts_drawn_by_the_worker_take_their_places_on_the_open_page(
    new_page: Any, axe: Axe
) -> None:
    # Given a scheme with answers whose charts nobody has drawn yet, and a task worker
    # that has not got to them
    scheme, researcher, _mentors = _answered()
    charts._kept_charts.clear()
    caches["charts"].clear()
    with override_settings(TASKS={"default": {"BACKEND": DUMMY}}):
        # When the researcher opens the Results tab
        page = new_page()
        sign_in(page, axe, researcher, lands_on="Schemes")
        page.goto(f"/schemes/{scheme.pk}/results/")
        page.get_by_role("heading", name="Results", level=2).wait_for()

        # Then the page shows at once, its tables complete, a box where each chart goes
        boxes = page.locator("img.chart[data-chart-waiting]")
        assert boxes.count() > 0 and boxes.count() == page.locator("img.chart").count()
        assert "being drawn from the latest answers" in page.locator("#charts-status").inner_text()
        axe.check(page)

        # When the worker draws them
        page.evaluate("() => { window.stillThisPage = true; }")
        assert draw_charts.call([scheme.pk], "tukey") is True

    # Then each takes its box's place on the same page, and the live region says so
    page.locator("#charts-status").get_by_text("All the charts are drawn.").wait_for(timeout=15_000)
    assert page.evaluate("() => window.stillThisPage === true")
    assert boxes.count() == 0 and page.locator("img.chart").count() > 0
    assert page.evaluate(
        "() => [...document.querySelectorAll('img.chart')].every(i => i.naturalWidth > 0)"
    )
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

"""A researcher of two schemes analyses them together; axe checks every page on the way."""

from __future__ import annotations

from typing import Any

import pytest

from revmentor.core.models import User
from revmentor.questionnaires import services as questionnaires
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import ParticipantRole, Phase, Scheme, StaffRole
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


def _scheme_with_answers(name: str, researcher: User, mentors: int) -> Scheme:
    """A scheme in phase 1 whose mentors answered the first questionnaire."""
    scheme = SchemeFactory(name=name)
    lead = UserFactory()
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    MembershipFactory(scheme=scheme, user=researcher, role=StaffRole.RESEARCHER)
    mentee = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    people = [
        ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR) for _ in range(mentors)
    ]
    for person in [mentee, *people]:
        ConsentFactory(participant=person)
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    for mentor in people:
        for section in range(4):
            questionnaires.response_save_page(
                participant=mentor,
                stage=stage,
                section=section,
                answers=FULL_MENTOR_PRE,
                complete=True,
            )
        questionnaires.response_submit(participant=mentor, stage=stage)
    return scheme


def test_a_researcher_pools_two_schemes_and_reads_the_results(new_page: Any, axe: Axe) -> None:
    # Given a researcher of two schemes whose mentors answered, and a scheme of someone else
    researcher = UserFactory(full_name="Rita Researcher")
    gastro = _scheme_with_answers("Gastro reverse mentoring", researcher, mentors=2)
    cardio = _scheme_with_answers("Cardiology reverse mentoring", researcher, mentors=3)
    SchemeFactory(name="Somebody else's scheme")

    # When they follow the link from their schemes to Pooled results
    page = new_page()
    sign_in(page, axe, researcher, lands_on="Schemes")
    page.get_by_role("link", name="analyse them together in pooled results").click()
    page.get_by_role("heading", name="Pooled results", level=1).wait_for()
    axe.check(page)
    assert "Somebody else" not in page.content()

    # And choose both schemes
    page.get_by_label("Gastro reverse mentoring").check()
    page.get_by_label("Cardiology reverse mentoring").check()
    page.get_by_role("button", name="Show pooled results").click()
    page.get_by_role("heading", name="Results of 2 schemes together").wait_for()

    # Then they see the report of the five mentors together, counted per scheme
    axe.check(page)
    per_scheme = page.get_by_role("table", name="Participants in each scheme pooled")
    assert per_scheme.get_by_role("row", name=f"scheme-{gastro.pk} 2 1 3").is_visible()
    assert per_scheme.get_by_role("row", name=f"scheme-{cardio.pk} 3 1 4").is_visible()
    assert "<svg" in page.content()
    # And choosing another quartile method keeps the schemes chosen
    page.get_by_label("Linear").check()
    page.get_by_role("button", name="Show results").click()
    page.wait_for_url("**quartiles=linear**")
    page.get_by_role("heading", name="Results of 2 schemes together").wait_for()
    axe.check(page)
    assert page.get_by_label("Cardiology reverse mentoring").is_checked()

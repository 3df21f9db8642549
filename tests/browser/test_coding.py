"""Two researchers code the free text blind, settle their disagreements, and Table 1
of the Results counts the agreed coding; axe checks every page on the way."""

from __future__ import annotations

from typing import Any

import pytest

from revmentor.coding import selectors
from revmentor.core.models import User
from revmentor.schemes.models import Scheme, StaffRole
from tests.browser.conftest import Axe, sign_in
from tests.factories import MembershipFactory, UserFactory
from tests.research.conftest import demo_scheme  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _researcher(scheme: Scheme, name: str) -> User:
    user = UserFactory(full_name=name)
    MembershipFactory(scheme=scheme, user=user, role=StaffRole.RESEARCHER)
    return user


def _tick(page: Any, answer_id: int) -> None:
    page.locator(f"#answer-{answer_id}").get_by_label("Worry about the supervisor").check()


def test_two_coders_blind_then_settle_and_table_1_counts_it(
    new_page: Any,
    axe: Axe,
    demo_scheme: Scheme,  # noqa: F811
) -> None:
    scheme = demo_scheme
    ann, ben = _researcher(scheme, "Ann Coder"), _researcher(scheme, "Ben Coder")
    answers = [a.answer_id for a in selectors.free_text_answers(scheme)]
    assert len(answers) == 10
    base = f"/schemes/{scheme.pk}/coding/"

    # Ann builds the codebook
    page = new_page()
    sign_in(page, axe, ann, lands_on="Schemes")
    page.goto(base + "codebook/")
    axe.check(page)
    page.get_by_label("Short name").fill("supervisor")
    page.get_by_label("Label").fill("Worry about the supervisor")
    page.get_by_label("Description (optional)").fill("Fears the supervisor learns what was said.")
    page.get_by_role("button", name="Add code").click()
    page.get_by_text("Added the code 'Worry about the supervisor'.").wait_for()
    axe.check(page)
    page.get_by_role("link", name="Worry about the supervisor").click()
    page.get_by_label("Memo").fill("Includes fear of being recognised.")
    page.get_by_role("button", name="Add memo").click()
    page.get_by_text("Added your memo.").wait_for()
    axe.check(page)

    # ... codes the first answer with the keyboard and three more with the mouse, and finishes
    page.goto(base)
    page.get_by_role("heading", name="Code the free-text answers").wait_for()
    axe.check(page)
    page.keyboard.press("j")
    page.keyboard.press("1")
    for answer in answers[1:4]:
        _tick(page, answer)
    page.keyboard.press("s")
    page.get_by_text("Saved your coding of 10 answers (4 changes).").wait_for()
    page.get_by_role("button", name="I have finished coding").click()
    page.get_by_text("One coder has finished").wait_for()
    axe.check(page)

    # Ben codes blind: he cannot see Ann's coding
    other = new_page()
    sign_in(other, axe, ben, lands_on="Schemes")
    other.goto(base)
    other.get_by_role("heading", name="Code the free-text answers").wait_for()
    assert "Ann Coder:" not in other.content()
    for answer in [*answers[:3], answers[4]]:
        _tick(other, answer)
    other.get_by_role("button", name="Save my coding of this page").click()
    other.get_by_text("(4 changes)").wait_for()
    other.get_by_role("button", name="I have finished coding").click()

    # Both finished: the agreement page shows kappa and the two disagreements
    other.get_by_role("heading", name="Agreement between coders").wait_for()
    axe.check(other)
    kappa = other.locator("#kappa tbody tr").first
    assert kappa.locator("td").last.inner_text() == "0.583"
    assert "2, of which 2 not yet settled" in other.content()

    # They settle: the first applies, the second does not
    other.locator(f"#answer-{answers[3]}").get_by_role("button", name="applies").click()
    other.get_by_text("Settled:").wait_for()
    other.locator(f"#answer-{answers[4]}").get_by_role("button", name="It does not apply").click()
    other.get_by_text("2, of which 0 not yet settled").wait_for()
    axe.check(other)

    # Table 1 of the Results counts the agreed coding: 4 answers by 4 mentors
    other.goto(f"/schemes/{scheme.pk}/results/")
    row = other.locator("tr", has_text="Worry about the supervisor").first
    row.wait_for()
    counts = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert sum(int(c) for c in counts if c.isdigit()) == 4
    axe.check(other)

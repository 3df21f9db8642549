"""The Content-Security-Policy breaks no page, and two-step verification works in a browser.

Every page axe checks is also checked for CSP violations (tests/browser/conftest.py);
here a few representative pages are checked on purpose: the policy is sent, the NHS.UK
template's nonce'd inline script runs, the frontend's JavaScript starts, and nothing is
blocked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings

from revmentor.questionnaires import services as questionnaires
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import ParticipantRole, Phase, StaffRole
from revmentor.schemes.services import scheme_move_phase
from tests.browser.conftest import Axe, csp_violations, sign_in
from tests.factories import (
    ConsentFactory,
    MembershipFactory,
    ParticipantFactory,
    SchemeFactory,
    UserFactory,
)
from tests.questionnaires.conftest import FULL_MENTOR_PRE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _keeps_to_the_policy(page: Any, response: Any, axe: Axe) -> None:
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy)
    assert nonce, policy
    # The NHS.UK template's inline script ran (it carries this response's nonce)...
    assert page.evaluate("() => document.body.classList.contains('js-enabled')")
    axe.check(page)  # ...the frontend's JavaScript started, and nothing was blocked.
    assert csp_violations(page) == []


def test_the_listener_sees_a_violation(new_page: Any) -> None:
    # The check above can fail: an inline style added to a page is blocked and reported.
    page = new_page()
    page.goto("/about/")
    page.evaluate(
        "() => { document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>') }"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert any("style-src" in v for v in csp_violations(page))


def test_the_accessibility_check_fails_on_a_page_that_breaks_a_rule(
    new_page: Any, axe: Axe
) -> None:
    # The check every browser test makes can fail: an image without a text alternative
    # added to a page is named, with where it is.
    page = new_page()
    page.goto("/about/")
    page.evaluate("() => { document.querySelector('main').append(new Image(10, 10)) }")
    with pytest.raises(AssertionError, match=r"image-alt: .*\['img'\]"):
        axe.check(page)


def test_representative_pages_keep_to_the_content_security_policy(new_page: Any, axe: Axe) -> None:
    # Given a scheme in phase 1 where two mentors answered the first questionnaire
    scheme = SchemeFactory(name="Gastro reverse mentoring")
    lead = UserFactory(full_name="Lena Lead")
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
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

    # The sign-in page
    page = new_page()
    _keeps_to_the_policy(page, page.goto("/accounts/login/"), axe)

    # A mentor's Your tasks
    sign_in(page, axe, mentors[0].user)
    _keeps_to_the_policy(page, page.goto("/tasks/"), axe)

    # The lead's scheme dashboard and the Results page with its charts
    lead_page = new_page()
    sign_in(lead_page, axe, lead, lands_on="Schemes")
    _keeps_to_the_policy(lead_page, lead_page.goto(f"/schemes/{scheme.pk}/"), axe)
    response = lead_page.goto(f"/schemes/{scheme.pk}/results/")
    lead_page.get_by_role("heading", name="Results", level=2).wait_for()
    _keeps_to_the_policy(lead_page, response, axe)
    assert lead_page.locator("img.chart").count() > 0


def _code(secret: str) -> str:
    """The code an authenticator app shows now (RFC 6238, 6 digits, 30 seconds)."""
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@override_settings(REVMENTOR_REQUIRE_MFA=True)
def test_a_lead_sets_up_an_authenticator_app_and_signs_in_with_it(new_page: Any, axe: Axe) -> None:
    cache.clear()
    # Given a lead of a scheme, without an authenticator app
    scheme = SchemeFactory(name="Gastro reverse mentoring")
    lead = UserFactory(email="lead@nhs.net", full_name="Lena Lead")
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)

    # When they sign in with their password, they are asked to set one up first
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("lead@nhs.net")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up an authenticator app").wait_for()
    assert page.get_by_text("You lead a scheme or look after this site").is_visible()
    axe.check(page)

    # And when they add it and enter the code it shows, they see their recovery codes
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("details code").inner_text()
    page.get_by_label("Code from your authenticator app").fill(_code(secret))
    page.get_by_role("button", name="Turn on two-step verification").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    axe.check(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Schemes", level=1).wait_for()

    # Then signing in again asks for the code from the app
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill("lead@nhs.net")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Enter the code from your authenticator app").wait_for()
    axe.check(page)
    page.get_by_label("Code").fill(_code(secret))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Schemes", level=1).wait_for()
    axe.check(page)
    cache.clear()

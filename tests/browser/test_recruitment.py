"""The lead creates a scheme and invites a mentor; the mentor signs in with a code,
consents and sees Your tasks. axe checks every page on the way."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from revmentor.schemes.models import Consent, OrganisationMember
from tests.browser.conftest import Axe
from tests.factories import OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_recruits_a_mentor_who_consents(new_page: Any, axe: Axe) -> None:
    # Given a programme lead of an NHS trust
    organisation = OrganisationFactory(name="Sheffield Teaching Hospitals")
    lead = UserFactory(email="lead@nhs.net", full_name="Lena Lead")
    OrganisationMember.objects.create(organisation=organisation, user=lead)

    # When they sign in with their password
    page = new_page()
    page.goto("/accounts/login/")
    axe.check(page)
    page.get_by_label("Email").fill("lead@nhs.net")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()

    # And create a scheme
    page.get_by_role("heading", name="Schemes").wait_for()
    axe.check(page)
    page.get_by_role("button", name="Create a scheme").click()
    page.get_by_role("heading", name="Create a scheme").wait_for()
    axe.check(page)
    page.get_by_label("Name").fill("Gastro reverse mentoring")
    page.get_by_label("Specialty").fill("Gastroenterology")
    page.get_by_role("button", name="Create scheme").click()
    page.get_by_role("heading", name="Gastro reverse mentoring").wait_for()
    axe.check(page)

    # And add a mentor and invite them
    page.get_by_role("link", name="Participants").first.click()
    page.get_by_role("heading", name="Participants", exact=True).wait_for()
    axe.check(page)
    page.get_by_role("button", name="Add a participant").click()
    page.get_by_role("heading", name="Add a participant").wait_for()
    axe.check(page)
    page.get_by_label("Full name").fill("Dr Fatima Farooq")
    page.get_by_label("Email").fill("fatima@nhs.net")
    page.get_by_label("Mentor", exact=True).check()
    page.get_by_role("button", name="Add participant", exact=True).click()
    page.get_by_text("Dr Fatima Farooq has been added").wait_for()
    axe.check(page)
    page.get_by_role("button", name="Invite Dr Fatima Farooq").click()
    page.get_by_text("An invitation has been sent to fatima@nhs.net").wait_for()
    assert mail.outbox[-1].to == ["fatima@nhs.net"]
    invitation = mail.outbox[-1].body
    code_path = re.search(r"http://[^/\s]+(/accounts/login/code/)", invitation)
    assert code_path is not None

    # Then the mentor, in their own browser, asks for a code from the email's address
    mentor = new_page()
    mentor.goto(code_path.group(1))
    axe.check(mentor)
    mentor.get_by_label("Email").fill("fatima@nhs.net")
    mentor.get_by_role("button", name="Send me a code").click()
    mentor.get_by_role("heading", name="Enter your sign-in code").wait_for()
    axe.check(mentor)
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert code is not None
    mentor.get_by_label("Code").fill(code.group(1))
    mentor.get_by_role("button", name="Sign in").click()

    # And lands on Your tasks with consent first
    mentor.get_by_role("heading", name="Your tasks").wait_for()
    axe.check(mentor)
    mentor.get_by_role("link", name="Read the information sheet and give consent").click()
    mentor.get_by_role("heading", name="Information sheet").wait_for()
    axe.check(mentor)
    mentor.get_by_label("I have read the information sheet and agree to take part").check()
    mentor.get_by_role("button", name="Give consent").click()
    mentor.get_by_text("Your consent has been recorded").wait_for()
    axe.check(mentor)
    assert Consent.objects.get().participant.user.email == "fatima@nhs.net"
    assert len(axe.pages_checked) == 12

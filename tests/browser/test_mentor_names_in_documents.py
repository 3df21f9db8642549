"""A feedback document that names a mentor, in the browser: the facilitator's version is
saved and the page says which section names whom, with a link to it; the lead is not
offered its approval; a mentor's first name alone is approved once the lead ticks that
they checked it. axe checks every page on the way."""

from __future__ import annotations

from typing import Any

import pytest

from revmentor.core.models import AuditEvent
from revmentor.feedback import services
from revmentor.feedback.models import DocumentVersion
from tests.browser.conftest import Axe, sign_in
from tests.browser.test_phase_1 import banner, scheme_in_phase_1

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMING = "Fatima Farooq said he is a great teacher. Dr Omar Okonjo agreed."
NAMED = "Strengths names Fatima Farooq and Dr Omar Okonjo"
MAYBE = "Strengths has “Fatima”, the first name of a mentor (Dr Fatima Farooq)"
CHECKED = "I have checked: these words do not name a mentor who gave the feedback"


def test_a_document_naming_a_mentor_is_saved_flagged_and_not_approved(
    new_page: Any, axe: Axe
) -> None:
    # Given a scheme in phase 1 whose mentee A has a first version, naming nobody
    setup = scheme_in_phase_1()
    mentee = setup.mentee_a
    services.document_edit(
        actor=setup.facilitator, mentee=mentee, texts={"strengths": "A great teacher."}
    )
    document = f"/schemes/{setup.scheme.pk}/phase-1/documents/{mentee.pk}/"

    # When the facilitator writes two mentors' names into Strengths and saves
    room = new_page()
    sign_in(room, axe, setup.facilitator, "Schemes")
    room.goto(document)
    room.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    axe.check(room)
    assert room.locator(".nhsuk-card--warning").count() == 0
    room.get_by_label("Strengths", exact=True).fill(NAMING)
    room.get_by_role("button", name="Save as a new version").click()

    # Then version 2 is saved as typed, and the page says which section names whom,
    # linking to that field
    banner(room, "A new version of the document has been saved")
    axe.check(room)
    warning = room.locator(".nhsuk-card--warning")
    assert warning.get_by_role("heading", name="Version 2 names a mentor", level=2).is_visible()
    link = warning.get_by_role("link", name=NAMED)
    assert link.get_attribute("href") == "#doc-strengths"
    assert room.get_by_label("Strengths", exact=True).input_value() == NAMING
    assert DocumentVersion.objects.get(number=2).sections[5]["text"] == NAMING
    link.click()
    room.wait_for_function("() => location.hash === '#doc-strengths'")

    # When the lead opens the document
    lead = new_page()
    sign_in(lead, axe, setup.lead, "Schemes")
    lead.goto(document)
    lead.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    axe.check(lead)

    # Then they see the same warning and are not offered its approval
    assert lead.locator(".nhsuk-card--warning").get_by_role("link", name=NAMED).is_visible()
    assert lead.get_by_text("Version 2 cannot be approved while it names a mentor.").is_visible()
    assert lead.get_by_role("button", name="Approve version 2").count() == 0

    # When the facilitator takes the names out but leaves a first name
    room.get_by_label("Strengths", exact=True).fill("Fatima-level calm; a great teacher.")
    room.get_by_role("button", name="Save as a new version").click()
    banner(room, "A new version of the document has been saved")
    axe.check(room)

    # Then the page says version 3 may name a mentor
    warning = room.locator(".nhsuk-card--warning")
    assert warning.get_by_role("heading", name="Version 3 may name a mentor").is_visible()
    assert warning.get_by_role("link", name=MAYBE).is_visible()

    # When the lead reloads and approves without ticking the box
    lead.reload()
    lead.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    axe.check(lead)
    lead.get_by_role("button", name="Approve version 3").click()

    # Then nothing is approved, and the error at the top leads to the box to tick
    summary = lead.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert lead.title().startswith("Error: ")
    link = summary.get_by_role("link", name="Select to confirm you have checked that these words")
    assert link.get_attribute("href") == "#id_names_checked"
    assert lead.locator("#id_names_checked").is_visible()
    axe.check(lead)
    assert DocumentVersion.objects.filter(approved_at__isnull=False).count() == 0

    # When they tick that they checked the word, and approve
    lead.get_by_label(CHECKED).check()
    lead.get_by_role("button", name="Approve version 3").click()

    # Then version 3 is approved, and the audit trail says they checked
    banner(lead, "The document for Dr Alan Ashworth is approved")
    axe.check(lead)
    approved = DocumentVersion.objects.get(approved_at__isnull=False)
    assert (approved.number, approved.approved_by) == (3, setup.lead)
    assert AuditEvent.objects.filter(
        actor=setup.lead,
        summary="Approved document version 3, having checked that the possible mentor "
        "names in Strengths do not name a mentor who gave the feedback",
    ).exists()

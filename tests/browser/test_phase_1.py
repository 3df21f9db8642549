"""Phase 1 in the browser: a mentor adds online feedback, the facilitator records the
group interview for two mentees (autosave and the Save notes button), merges the online
feedback without its author, compiles a document, the lead approves it, and a mentee who
tries to open it before release is refused. axe checks every page on the way, and no
page the facilitator or lead works on names a mentor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from revmentor.core.models import User
from revmentor.feedback.models import Contribution, DocumentVersion, FeedbackDocument, Note
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

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEME = "Gastro reverse mentoring"
ONLINE_TASK = "Add your feedback online (if you cannot come to the group interview)"
# The mentor writes online about mentee A's approach to juniors; the group then talks
# about the same domain, so merging adds to notes already typed.
ONLINE_FEEDBACK = "Always finds time to explain decisions on the ward round."
TECHNOLOGY_NOTE = "Confident with the electronic patient record; shares shortcuts."
JUNIORS_NOTE = "Juniors feel able to ask questions in clinic."
MERGED_JUNIORS = f"{JUNIORS_NOTE}\n\n{ONLINE_FEEDBACK}"
STRENGTHS_NOTE_B = "Calm in a crisis; the team trusts her judgement."


@dataclass
class Phase1Scheme:
    scheme: Scheme
    lead: User
    facilitator: User
    mentee_a: Participant
    mentee_b: Participant
    mentors: list[Participant]

    def mentor_identifiers(self) -> list[str]:
        """Every mentor's full name, surname and email, to search pages for."""
        found = []
        for mentor in self.mentors:
            found += [mentor.user.full_name, mentor.user.full_name.split()[-1], mentor.user.email]
        return found


def scheme_in_phase_1() -> Phase1Scheme:
    """A scheme in phase 1 with a lead, a facilitator, two mentees and two mentors, all
    participants consented."""
    scheme: Scheme = SchemeFactory.create(name=SCHEME)
    lead: User = UserFactory.create(full_name="Lena Lead", email="lena.lead@nhs.net")
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    facilitator: User = UserFactory.create(
        full_name="Felix Facilitator", email="felix.facilitator@nhs.net"
    )
    MembershipFactory(scheme=scheme, user=facilitator, role=StaffRole.FACILITATOR)
    people = {}
    for key, role, name, email in [
        ("a", ParticipantRole.MENTEE, "Dr Alan Ashworth", "alan.ashworth@nhs.net"),
        ("b", ParticipantRole.MENTEE, "Dr Beth Bramley", "beth.bramley@nhs.net"),
        ("fatima", ParticipantRole.MENTOR, "Dr Fatima Farooq", "fatima.farooq@nhs.net"),
        ("omar", ParticipantRole.MENTOR, "Dr Omar Okonjo", "omar.okonjo@nhs.net"),
    ]:
        people[key] = ParticipantFactory.create(
            scheme=scheme, role=role, user__full_name=name, user__email=email
        )
        ConsentFactory(participant=people[key])
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    return Phase1Scheme(
        scheme=scheme,
        lead=lead,
        facilitator=facilitator,
        mentee_a=people["a"],
        mentee_b=people["b"],
        mentors=[people["fatima"], people["omar"]],
    )


def open_phase_1(page: Any, axe: Axe) -> None:
    """From Schemes, open the scheme and its Phase 1 tab: the group interview."""
    page.get_by_role("link", name=SCHEME).click()
    page.get_by_role("heading", name=SCHEME, level=1).wait_for()
    axe.check(page)
    page.get_by_role("navigation", name="Scheme").get_by_role("link", name="Phase 1").click()
    page.get_by_role("heading", name="Group interview", level=2).wait_for()
    axe.check(page)


def banner(page: Any, text: str) -> None:
    page.locator(".nhsuk-notification-banner").get_by_text(text).wait_for()


def assert_names_no_mentor(page: Any, setup: Phase1Scheme) -> None:
    """Nothing in the page's HTML (text, attributes, hidden text) names a mentor."""
    html = page.content()
    named = [found for found in setup.mentor_identifiers() if found.lower() in html.lower()]
    assert named == [], f"{page.url} names a mentor: {named}"


def wait_for_status(page: Any, text: str) -> None:
    """Wait until the autosave status (a live region) reads exactly ``text``."""
    page.wait_for_function(
        "(text) => document.querySelector('[data-autosave-status]').textContent === text",
        arg=text,
    )


def notes_of(setup: Phase1Scheme, mentee: Participant) -> dict[str, str]:
    """The group's notes on a mentee that have text (Save notes stores every domain)."""
    return dict(
        Note.objects.filter(interview__scheme=setup.scheme, mentee=mentee)
        .exclude(text="")
        .values_list("domain", "text")
    )


def test_phase_1_from_online_feedback_to_an_approved_document_not_yet_released(
    new_page: Any, axe: Axe
) -> None:
    # Given a scheme in phase 1 with a lead, a facilitator, two mentees and two mentors
    setup = scheme_in_phase_1()
    fatima = setup.mentors[0]
    mentee_a, mentee_b = setup.mentee_a, setup.mentee_b

    # When a mentor who cannot come to the group interview signs in
    mentor = new_page()
    sign_in(mentor, axe, fatima.user, "Your tasks")

    # And opens "Add your feedback online" from Your tasks
    mentor.get_by_role("link", name=ONLINE_TASK).click()
    mentor.get_by_role("heading", name="Your feedback online").wait_for()
    axe.check(mentor)
    mentor.get_by_role("link", name="Dr Alan Ashworth").click()
    mentor.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    axe.check(mentor)

    # And writes feedback on mentee A in one domain and saves it
    mentor.get_by_label("Approach to juniors", exact=True).fill(ONLINE_FEEDBACK)
    mentor.get_by_role("button", name="Save your feedback").click()

    # Then it is saved, as one domain of seven, and stored as their own contribution
    mentor.get_by_role("heading", name="Your feedback online").wait_for()
    banner(mentor, "Your feedback on Dr Alan Ashworth has been saved")
    axe.check(mentor)
    row = mentor.locator("main li").filter(has=mentor.get_by_role("link", name="Dr Alan Ashworth"))
    assert "1 of 7 domains written" in row.inner_text()
    contribution = Contribution.objects.get()
    assert (contribution.mentor, contribution.mentee) == (fatima, mentee_a)
    assert (contribution.domain, contribution.text) == ("approach_to_juniors", ONLINE_FEEDBACK)

    # When the facilitator signs in on the meeting room laptop and opens the interview
    room = new_page()
    sign_in(room, axe, setup.facilitator, "Schemes")
    open_phase_1(room, axe)

    # And opens mentee A's notes
    room.get_by_role("link", name="Dr Alan Ashworth").click()
    room.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    axe.check(room)

    # And types the group's notes in two domains, without pressing Save notes
    room.get_by_label("Use of technology", exact=True).fill(TECHNOLOGY_NOTE)
    wait_for_status(room, "Saved")
    room.get_by_label("Approach to juniors", exact=True).fill(JUNIORS_NOTE)

    # Then the page says the notes are saved, and they are
    wait_for_status(room, "Saved")
    axe.check(room)
    assert notes_of(setup, mentee_a) == {
        "technology": TECHNOLOGY_NOTE,
        "approach_to_juniors": JUNIORS_NOTE,
    }

    # When they go on to mentee B and save with the Save notes button (autosave is
    # blocked on this page, so only the button can save)
    room.get_by_role("link", name="Back to the group interview").click()
    room.get_by_role("heading", name="Group interview", level=2).wait_for()
    axe.check(room)
    autosaves: list[str] = []

    def block_autosave(route: Any) -> None:
        if route.request.headers.get("x-autosave"):
            autosaves.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    room.route("**/phase-1/interview/notes/**", block_autosave)
    room.get_by_role("link", name="Dr Beth Bramley").click()
    room.get_by_role("heading", name="Dr Beth Bramley", level=1).wait_for()
    axe.check(room)
    room.get_by_label("Strengths", exact=True).fill(STRENGTHS_NOTE_B)
    wait_for_status(room, "Not saved: check your connection, then press Save notes")
    assert notes_of(setup, mentee_b) == {}
    axe.check(room)
    room.get_by_role("button", name="Save notes").click()

    # Then they are told the notes are saved, and they are
    banner(room, "Notes on Dr Beth Bramley saved")
    axe.check(room)
    room.unroute("**/phase-1/interview/notes/**")
    assert room.get_by_label("Strengths", exact=True).input_value() == STRENGTHS_NOTE_B
    assert notes_of(setup, mentee_b) == {"strengths": STRENGTHS_NOTE_B}
    assert len(autosaves) == 1  # the one blocked autosave, and no other

    # When they return to mentee A's notes
    room.get_by_role("link", name="Back to the group interview").click()
    room.get_by_role("heading", name="Group interview", level=2).wait_for()
    axe.check(room)
    room.get_by_role("link", name="Dr Alan Ashworth").click()
    room.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    axe.check(room)

    # Then the autosaved notes are there, and the mentor's online feedback is shown
    # without their name (nowhere in the page)
    assert room.get_by_label("Use of technology", exact=True).input_value() == TECHNOLOGY_NOTE
    assert room.get_by_label("Approach to juniors", exact=True).input_value() == JUNIORS_NOTE
    online = room.locator(".nhsuk-card").filter(has_text=ONLINE_FEEDBACK)
    assert online.count() == 1
    assert "Approach to juniors" in online.inner_text()
    assert_names_no_mentor(room, setup)

    # When they add it to the notes
    online.get_by_role("button", name="Add to notes on Approach to juniors").click()

    # Then it is merged into the group's notes on that domain, and no longer waiting
    banner(room, "Added to the group's notes")
    axe.check(room)
    assert room.get_by_label("Approach to juniors", exact=True).input_value() == MERGED_JUNIORS
    assert room.get_by_text("No online feedback is waiting for this mentee.").is_visible()
    assert_names_no_mentor(room, setup)

    # When they open Feedback documents and compile mentee A's from the notes
    room.get_by_role("link", name="Back to the group interview").click()
    room.get_by_role("heading", name="Group interview", level=2).wait_for()
    axe.check(room)
    room.get_by_role("link", name="Feedback documents").click()
    room.get_by_role("heading", name="Feedback documents", level=2).wait_for()
    axe.check(room)
    room.get_by_role("link", name="Dr Alan Ashworth").click()
    room.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    axe.check(room)
    room.get_by_role("button", name="Compile from the group's notes").click()

    # Then version 1 is a draft holding the group's notes, naming no mentor, and the
    # facilitator cannot approve it
    banner(room, "The document has been compiled from the group's notes")
    axe.check(room)
    assert room.get_by_text("Version 1 is a draft").is_visible()
    assert room.get_by_label("Use of technology", exact=True).input_value() == TECHNOLOGY_NOTE
    assert room.get_by_label("Approach to juniors", exact=True).input_value() == MERGED_JUNIORS
    assert room.get_by_role("button", name="Approve version 1").count() == 0
    assert_names_no_mentor(room, setup)
    pdf = room.context.request.get(
        room.get_by_role("link", name="Download version 1 as a PDF").get_attribute("href")
    )
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # When the lead signs in and approves version 1
    lead = new_page()
    sign_in(lead, axe, setup.lead, "Schemes")
    open_phase_1(lead, axe)
    lead.get_by_role("link", name="Feedback documents").click()
    lead.get_by_role("heading", name="Feedback documents", level=2).wait_for()
    axe.check(lead)
    row = lead.locator("tbody tr").filter(has=lead.get_by_role("link", name="Dr Alan Ashworth"))
    assert "Draft (version 1)" in row.inner_text()
    row.get_by_role("link", name="Dr Alan Ashworth").click()
    lead.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    axe.check(lead)
    assert_names_no_mentor(lead, setup)
    lead.get_by_role("button", name="Approve version 1").click()

    # Then it is approved
    banner(lead, "The document for Dr Alan Ashworth is approved")
    axe.check(lead)
    assert lead.get_by_text("Version 1 was approved on").is_visible()
    assert lead.get_by_role("button", name="Approve version 1").count() == 0
    assert_names_no_mentor(lead, setup)

    # When mentee A signs in and tries to open their document before it is released
    mentee = new_page()
    sign_in(mentee, axe, mentee_a.user, "Your tasks")
    response = mentee.goto(f"/tasks/{setup.scheme.pk}/documents/{mentee_a.pk}/")

    # Then they are refused on the service's Page not found, and nothing of the
    # document is shown
    assert response is not None and response.status == 404
    mentee.get_by_role("heading", name="Page not found", level=1).wait_for()
    axe.check(mentee)
    assert mentee.get_by_role("link", name="Go to your tasks").is_visible()
    shown = mentee.content()
    for text in [TECHNOLOGY_NOTE, JUNIORS_NOTE, ONLINE_FEEDBACK, "Use of technology"]:
        assert text not in shown
    pdf = mentee.context.request.get(f"/tasks/{setup.scheme.pk}/documents/{mentee_a.pk}/pdf/")
    assert pdf.status == 404

    # And the database holds the group's notes, the merged contribution, and version 1
    # approved by the lead as compiled
    assert notes_of(setup, mentee_a) == {
        "technology": TECHNOLOGY_NOTE,
        "approach_to_juniors": MERGED_JUNIORS,
    }
    assert notes_of(setup, mentee_b) == {"strengths": STRENGTHS_NOTE_B}
    contribution.refresh_from_db()
    assert contribution.merged_at is not None
    assert Contribution.objects.count() == 1
    version = DocumentVersion.objects.get()
    document = FeedbackDocument.objects.get()
    assert (document.mentee, document.approved) == (mentee_a, version)
    assert (version.number, version.created_by, version.approved_by) == (
        1,
        setup.facilitator,
        setup.lead,
    )
    assert version.approved_at is not None
    assert {s["domain"]: s["text"] for s in version.sections if s["text"]} == {
        "technology": TECHNOLOGY_NOTE,
        "approach_to_juniors": MERGED_JUNIORS,
    }
    assert len(axe.pages_checked) == 32


def test_autosave_says_saved_only_when_every_field_is_saved(new_page: Any, axe: Axe) -> None:
    # Given the facilitator on mentee A's notes, on a network where one save is slow
    setup = scheme_in_phase_1()
    page = new_page()
    sign_in(page, axe, setup.facilitator, "Schemes")
    held: list[Any] = []

    def slow_clinical_practice(route: Any) -> None:
        if route.request.headers.get("x-autosave") and 'name="clinical_practice"' in (
            route.request.post_data or ""
        ):
            held.append(route)  # answered only after the check below, as on a slow network
        else:
            route.continue_()

    page.route("**/phase-1/interview/notes/**", slow_clinical_practice)
    page.goto(f"/schemes/{setup.scheme.pk}/phase-1/interview/notes/{setup.mentee_a.pk}/")
    page.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()

    # When they type in two domains, one after the other, and the first is saved
    with page.expect_response(
        lambda r: (
            bool(r.request.headers.get("x-autosave"))
            and 'name="technology"' in (r.request.post_data or "")
        )
    ) as technology:
        page.get_by_label("Use of technology", exact=True).fill(TECHNOLOGY_NOTE)
        page.get_by_label("Clinical practice", exact=True).fill(JUNIORS_NOTE)
    assert technology.value.ok
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    if not held:
        pytest.fail("the clinical practice autosave was never sent")
    page.wait_for_timeout(300)  # time for the page's script to handle the first response
    try:
        # Then the page does not say "Saved" while the second save is outstanding
        assert notes_of(setup, setup.mentee_a) == {"technology": TECHNOLOGY_NOTE}
        status = page.locator("[data-autosave-status]").inner_text()
        assert status != "Saved", "'Saved' shown while clinical practice is not saved"
    finally:
        for route in held:
            route.continue_()
        held.clear()

    # And once it is answered, "Saved" is shown and both are stored
    wait_for_status(page, "Saved")
    assert notes_of(setup, setup.mentee_a) == {
        "technology": TECHNOLOGY_NOTE,
        "clinical_practice": JUNIORS_NOTE,
    }


def test_notes_typed_after_being_signed_out_are_not_called_saved_and_come_back(
    new_page: Any, axe: Axe
) -> None:
    # Given the facilitator on mentee A's notes, whose session then ends (it ran out, or
    # they signed out in another tab): the browser still has the page
    setup = scheme_in_phase_1()
    page = new_page()
    sign_in(page, axe, setup.facilitator, "Schemes")
    notes = f"/schemes/{setup.scheme.pk}/phase-1/interview/notes/{setup.mentee_a.pk}/"
    page.goto(notes)
    page.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    page.context.clear_cookies(name="sessionid")

    # When they type, the autosave is refused, and the page says so (not "Saved")
    page.get_by_label("Use of technology", exact=True).fill(TECHNOLOGY_NOTE)
    wait_for_status(
        page,
        "Not saved: you have been signed out. Press Save notes, then sign in again: "
        "your notes will be kept",
    )
    assert notes_of(setup, setup.mentee_a) == {}

    # And Save notes takes them to sign in, saying the page was not saved
    page.get_by_label("Strengths", exact=True).fill(STRENGTHS_NOTE_B)
    page.get_by_role("button", name="Save notes").click()
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    banner(page, "so the page you sent was not saved")
    axe.check(page)
    assert notes_of(setup, setup.mentee_a) == {}

    # Once they have signed in again they are back on the notes, with what they typed
    page.get_by_label("Email").fill(setup.facilitator.email)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Dr Alan Ashworth", level=1).wait_for()
    banner(page, "What you typed is shown below: check it, then save it.")
    axe.check(page)
    assert page.get_by_label("Use of technology", exact=True).input_value() == TECHNOLOGY_NOTE
    assert page.get_by_label("Strengths", exact=True).input_value() == STRENGTHS_NOTE_B
    assert notes_of(setup, setup.mentee_a) == {}

    # And saving them stores them
    page.get_by_role("button", name="Save notes").click()
    banner(page, "Notes on Dr Alan Ashworth saved")
    assert notes_of(setup, setup.mentee_a) == {
        "technology": TECHNOLOGY_NOTE,
        "strengths": STRENGTHS_NOTE_B,
    }

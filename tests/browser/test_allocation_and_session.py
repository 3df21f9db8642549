"""Phase 2 in the browser: the lead allocates, verifies and publishes, and the pairs are
told by email; the lead moves the scheme on to phase 2; a mentor reads the group's
feedback for their mentee, proposes a time, the mentee confirms it, the mentor downloads
the calendar invite and, after the session, logs that it took place and lasted 45
minutes; the lead's Sessions page shows it held and one session still outstanding. The
mentee is asked to check what the mentor logged (not to change what they told us, as
they told nothing), corrects it to 60 minutes, and both pages say who changed it from
what; the mentor confirms it. axe checks every HTML page on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair
from revmentor.core.models import User
from revmentor.feedback import services as feedback
from revmentor.feedback.willingness import willingness_set
from revmentor.meetings.models import Meeting
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
ALAN_FEEDBACK = "Explains his decisions on the ward round; juniors feel able to ask."
BETH_FEEDBACK = "Calm in a crisis; the team trusts her judgement."
READ_ALAN = "Read the group's feedback for Dr Alan Ashworth"
SESSION_TASK = "Arrange and log your one-to-one session"
PLACE = "Seminar room 2, Endoscopy unit"
PAIR_EMAIL_SUBJECT = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}your one-to-one session"


class SessionAxe(Axe):
    """axe, also on the printable feedback document.

    That page is a standalone HTML document without the service's layout or scripts
    (it is also the PDF's source), so nothing sets the ready flag ``check`` waits for:
    with no script to wait for, the page is checked as loaded.
    """

    def check_printable(self, page: Any) -> None:
        assert page.evaluate("document.scripts.length") == 0
        page.evaluate("document.documentElement.dataset.revmentorReady = 'true'")
        self.check(page)


@pytest.fixture
def axe() -> SessionAxe:
    return SessionAxe()


@dataclass
class AllocationScheme:
    scheme: Scheme
    lead: User
    fatima: Participant  # mentor, willing to mentor only Alan
    omar: Participant  # mentor, willing to mentor only Beth
    alan: Participant  # mentee
    beth: Participant  # mentee

    @property
    def everyone(self) -> list[Participant]:
        return [self.fatima, self.omar, self.alan, self.beth]


def scheme_in_allocation() -> AllocationScheme:
    """A scheme in the allocation phase: a lead, two consented mentors and two consented
    mentees, each mentor willing to mentor exactly one, different, mentee (so there is one
    maximum allocation), and an approved feedback document for each mentee."""
    scheme: Scheme = SchemeFactory.create(name=SCHEME)
    lead: User = UserFactory.create(full_name="Lena Lead", email="lena.lead@nhs.net")
    MembershipFactory(scheme=scheme, user=lead, role=StaffRole.LEAD)
    people = {}
    for key, role, name, email in [
        ("alan", ParticipantRole.MENTEE, "Dr Alan Ashworth", "alan.ashworth@nhs.net"),
        ("beth", ParticipantRole.MENTEE, "Dr Beth Bramley", "beth.bramley@nhs.net"),
        ("fatima", ParticipantRole.MENTOR, "Dr Fatima Farooq", "fatima.farooq@nhs.net"),
        ("omar", ParticipantRole.MENTOR, "Dr Omar Okonjo", "omar.okonjo@nhs.net"),
    ]:
        people[key] = ParticipantFactory.create(
            scheme=scheme, role=role, user__full_name=name, user__email=email
        )
        ConsentFactory(participant=people[key])
    alan, beth = people["alan"], people["beth"]
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    willingness_set(mentor=people["fatima"], choices={alan.pk: True, beth.pk: False})
    willingness_set(mentor=people["omar"], choices={alan.pk: False, beth.pk: True})
    interview = feedback.interview_for(scheme)
    for mentee, text in [(alan, ALAN_FEEDBACK), (beth, BETH_FEEDBACK)]:
        feedback.notes_save(
            actor=lead, interview=interview, mentee=mentee, texts={"strengths": text}
        )
        version = feedback.document_compile(actor=lead, mentee=mentee)
        feedback.document_approve(actor=lead, mentee=mentee, number=version.number)
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.ALLOCATION)
    return AllocationScheme(scheme, lead, people["fatima"], people["omar"], alan, beth)


def banner(page: Any, text: str) -> None:
    page.locator(".nhsuk-notification-banner").get_by_text(text).wait_for()


def scheme_tab(page: Any, axe: Axe, tab: str, heading: str) -> None:
    """Open a tab of the scheme's navigation and wait for its heading."""
    page.get_by_role("navigation", name="Scheme").get_by_role("link", name=tab).click()
    page.get_by_role("heading", name=heading, level=2).wait_for()
    axe.check(page)


def table_cells(table: Any) -> list[list[str]]:
    """The text of each body cell of a table, row by row."""
    return [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]


def task_row(page: Any, title: str) -> Any:
    return page.locator(".nhsuk-task-list__item").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )


def open_session_page(page: Any, axe: Axe) -> None:
    task_row(page, SESSION_TASK).get_by_role("link", name=SESSION_TASK).click()
    page.get_by_role("heading", name="Your one-to-one session", level=1).wait_for()
    axe.check(page)


def status_on_session_page(page: Any) -> str:
    """The Status row of the pair's summary list."""
    row = page.locator(".nhsuk-summary-list__row").filter(
        has=page.locator(".nhsuk-summary-list__key", has_text="Status")
    )
    return row.locator(".nhsuk-summary-list__value").inner_text().strip()


def test_lead_allocates_and_publishes_and_a_mentor_logs_a_45_minute_session(
    new_page: Any, axe: SessionAxe
) -> None:
    # Given a scheme in the allocation phase where each mentor is willing to mentor
    # exactly one, different, mentee, whose feedback documents are approved
    setup = scheme_in_allocation()
    fatima, omar, alan, beth = setup.fatima, setup.omar, setup.alan, setup.beth

    # When the lead signs in and opens the scheme's Allocation tab
    lead = new_page()
    sign_in(lead, axe, setup.lead, "Schemes")
    lead.get_by_role("link", name=SCHEME).click()
    lead.get_by_role("heading", name=SCHEME, level=1).wait_for()
    axe.check(lead)
    scheme_tab(lead, axe, "Allocation", "Allocation")
    assert lead.get_by_text("No allocation has been drawn yet.").is_visible()

    # And allocates, allowing a mentor's own supervisor, one mentor per mentee
    rule = lead.get_by_role("group", name="Pairing a mentor with their own clinical supervisor")
    rule.get_by_label("Allow: treat like any other pair").check()
    lead.get_by_label("How many mentors each mentee can meet").fill("1")
    lead.get_by_role("button", name="Allocate", exact=True).click()

    # Then they see the seed drawn and the only possible pairs, with nobody unmatched
    lead.get_by_role("heading", name="Allocation 1 Draft", level=3).wait_for()
    allocation = Allocation.objects.get()
    banner(lead, f"Allocation 1 drawn with seed {allocation.seed}")
    axe.check(lead)
    assert f"Seed {allocation.seed} ·" in lead.locator("main").inner_text()
    assert table_cells(lead.get_by_role("table", name="Pairs")) == [
        ["Dr Fatima Farooq", "Dr Alan Ashworth"],
        ["Dr Omar Okonjo", "Dr Beth Bramley"],
    ]
    assert lead.get_by_role("heading", name="Left unmatched").count() == 0
    assert (allocation.status, allocation.capacity, allocation.own_supervisor) == (
        Allocation.Status.DRAFT,
        1,
        "allow",
    )

    # When they verify it
    lead.get_by_role("button", name="Verify").click()

    # Then re-running it from its record gives the same pairs
    banner(lead, "Allocation 1: Reproduced: 2 pairs, same as recorded.")
    axe.check(lead)

    # When they publish it (until now only the questionnaires' emails have gone out)
    assert {m.subject.split(":")[1].strip() for m in mail.outbox} <= {"questionnaire to answer"}
    earlier = len(mail.outbox)
    lead.get_by_role("button", name="Publish and tell the pairs").click()

    # Then it is published, cannot be run again, and all four people are told by email
    banner(lead, "The allocation is published and every pair has been told")
    axe.check(lead)
    assert lead.get_by_role("heading", name="Allocation 1 Published", level=3).is_visible()
    assert lead.get_by_role("button", name="Publish and tell the pairs").count() == 0
    assert lead.get_by_role("button", name="Allocate", exact=True).count() == 0
    allocation.refresh_from_db()
    assert (allocation.status, allocation.published_by) == (
        Allocation.Status.PUBLISHED,
        setup.lead,
    )
    told = {
        message.to[0]: message.body
        for message in mail.outbox[earlier:]
        if message.subject == PAIR_EMAIL_SUBJECT
    }
    assert sorted(message.to[0] for message in mail.outbox[earlier:]) == sorted(told)
    assert sorted(told) == sorted(p.user.email for p in setup.everyone)
    assert "You will give the group's feedback to Dr Alan Ashworth" in told[fatima.user.email]
    assert "You will give the group's feedback to Dr Beth Bramley" in told[omar.user.email]
    assert "Dr Fatima Farooq will meet you" in told[alan.user.email]
    assert "Dr Omar Okonjo will meet you" in told[beth.user.email]

    # When they move the scheme on to phase 2 from the dashboard
    lead.get_by_role("navigation", name="Scheme").get_by_role("link", name="Dashboard").click()
    lead.get_by_role("heading", name=SCHEME, level=1).wait_for()
    axe.check(lead)
    lead.get_by_role("button", name="Move on to phase 2: one-to-one feedback").click()

    # Then a page says what moving on does, with nothing unfinished, and they confirm
    lead.get_by_role("heading", name="Move on to phase 2: one-to-one feedback", level=1).wait_for()
    axe.check(lead)
    assert lead.get_by_text("Everything in allocation is finished.").is_visible()
    assert lead.get_by_text(
        "The questionnaires “Before the session” open, and the 2 mentees and 2 mentors who "
        "should answer are emailed that theirs is ready."
    ).is_visible()
    lead.get_by_role("button", name="Move on to phase 2: one-to-one feedback").click()

    # Then the scheme is in phase 2
    banner(lead, "The scheme is now in Phase 2: one-to-one feedback")
    axe.check(lead)
    setup.scheme.refresh_from_db()
    assert setup.scheme.phase == Phase.PHASE_2

    # When a mentor signs in
    mentor = new_page()
    sign_in(mentor, axe, fatima.user, "Your tasks")

    # Then Your tasks offers the group's feedback for their mentee, and their session
    assert "Ready" in task_row(mentor, READ_ALAN).inner_text()
    assert task_row(mentor, "Read the group's feedback for Dr Beth Bramley").count() == 0
    session_row = task_row(mentor, SESSION_TASK)
    assert "With Dr Alan Ashworth" in session_row.inner_text()
    assert "Not started" in session_row.inner_text()

    # When they open the group's feedback
    with mentor.expect_response(lambda r: f"/documents/{alan.pk}/" in r.url) as opened:
        mentor.get_by_role("link", name=READ_ALAN).click()
    mentor.get_by_role("heading", name="Feedback for Dr Alan Ashworth", level=1).wait_for()

    # Then it is the approved document for their mentee, naming no mentor (not the
    # other mentor, nor the reader)
    assert opened.value.status == 200
    axe.check_printable(mentor)
    text = mentor.locator("body").inner_text()
    assert ALAN_FEEDBACK in text
    assert BETH_FEEDBACK not in text
    html = mentor.content()
    for named in ["Omar Okonjo", "Okonjo", omar.user.email, "Farooq", fatima.user.email]:
        assert named not in html, f"the feedback document names a mentor: {named}"

    # When they go back to Your tasks and open their session
    mentor.go_back()
    mentor.get_by_role("heading", name="Your tasks", level=1).wait_for()
    axe.check(mentor)
    open_session_page(mentor, axe)
    assert mentor.get_by_role(
        "heading", name="Your session with Dr Alan Ashworth", level=2
    ).is_visible()
    assert status_on_session_page(mentor) == "Not arranged"

    # And propose a time and place the day after tomorrow
    starts_at = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=2), time(14, 30))
    )
    day = mentor.get_by_role("group", name="Date", exact=True)
    day.get_by_label("Day").fill(f"{starts_at.day}")
    day.get_by_label("Month").fill(f"{starts_at.month}")
    day.get_by_label("Year").fill(f"{starts_at.year}")
    mentor.get_by_label("Start time", exact=True).fill("14:30")
    mentor.get_by_label("Where — a room or a video link", exact=True).fill(PLACE)
    mentor.get_by_role("button", name="Propose this time").click()

    # Then it waits for the mentee to confirm it
    banner(mentor, "Time proposed. We will show it to the other person to confirm")
    axe.check(mentor)
    when = f"{starts_at:%-d %B %Y at %H:%M}"
    assert status_on_session_page(mentor) == f"Proposed for {when}, not yet confirmed"
    assert mentor.get_by_text("Waiting for Dr Alan Ashworth to confirm this time.").is_visible()

    # When the mentee signs in on their own computer and confirms the time
    mentee = new_page()
    sign_in(mentee, axe, alan.user, "Your tasks")
    assert task_row(mentee, READ_ALAN).count() == 0  # documents are not released to mentees
    mentee_row = task_row(mentee, SESSION_TASK)
    assert "With Dr Fatima Farooq" in mentee_row.inner_text()
    assert "Confirm the time" in mentee_row.inner_text()
    open_session_page(mentee, axe)
    assert mentee.get_by_role(
        "heading", name="Your session with Dr Fatima Farooq", level=2
    ).is_visible()
    assert PLACE in mentee.locator(".nhsuk-summary-list").inner_text()
    mentee.get_by_role("button", name="Confirm this time").click()

    # Then the session is arranged and both are emailed the invite
    banner(mentee, "Session confirmed. We have emailed you both a calendar invite")
    axe.check(mentee)
    assert status_on_session_page(mentee) == f"Arranged for {when}"
    arranged = [m for m in mail.outbox if m.subject.endswith("your one-to-one session is arranged")]
    assert sorted(m.to[0] for m in arranged) == sorted([fatima.user.email, alan.user.email])
    for message in arranged:
        (name, content, mimetype) = message.attachments[0]
        invite = content.decode() if isinstance(content, bytes) else content
        assert (name, mimetype) == (
            f"reverse-mentoring-session-{Meeting.objects.get().pk}.ics",
            "text/calendar; method=REQUEST",
        )
        assert invite.startswith("BEGIN:VCALENDAR") and "METHOD:REQUEST" in invite

    # When the mentor looks at their session again and downloads the calendar invite
    mentor.reload()
    mentor.get_by_role("heading", name="Your one-to-one session", level=1).wait_for()
    axe.check(mentor)
    assert status_on_session_page(mentor) == f"Arranged for {when}"
    with mentor.expect_download() as download:
        mentor.get_by_role("link", name="Download the calendar invite (.ics file)").click()

    # Then it is the confirmed session, at its time and place
    meeting = Meeting.objects.get()
    assert download.value.suggested_filename == f"reverse-mentoring-session-{meeting.pk}.ics"
    ics = Path(download.value.path()).read_text(encoding="utf-8").replace("\r\n ", "")
    assert ics.startswith("BEGIN:VCALENDAR")
    assert "STATUS:CONFIRMED" in ics
    assert f"DTSTART:{starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics
    assert f"LOCATION:{PLACE.replace(',', chr(92) + ',')}" in ics

    # When, after the session, the mentor logs that it took place and lasted 45 minutes
    with time_machine.travel(starts_at + timedelta(minutes=75), tick=True):
        mentor.reload()
        mentor.get_by_role("heading", name="Your one-to-one session", level=1).wait_for()
        axe.check(mentor)
        took_place = mentor.get_by_role("group", name="Did the session take place?")
        took_place.get_by_label("Yes", exact=True).check()
        mentor.get_by_label("How long did it last? (minutes)").fill("45")
        mentor.get_by_role("button", name="Save", exact=True).click()

        # Then it is recorded, and the task is done
        banner(mentor, "Thank you. We have recorded what you told us about the session")
        axe.check(mentor)
        assert status_on_session_page(mentor) == "Held, 45 minutes"
        mentor.get_by_role("link", name="Back to your tasks").click()
        mentor.get_by_role("heading", name="Your tasks", level=1).wait_for()
        axe.check(mentor)
        assert "Completed" in task_row(mentor, SESSION_TASK).inner_text()

        # And the lead's Sessions page shows it held, 45 minutes, and the other pair's
        # session still outstanding
        scheme_tab(lead, axe, "Sessions", "One-to-one sessions")
        assert lead.get_by_text("1 of 2 sessions still outstanding.").is_visible()
        assert table_cells(lead.get_by_role("table", name="Sessions")) == [
            ["Dr Fatima Farooq", "Dr Alan Ashworth", "Held, 45 minutes"],
            ["Dr Omar Okonjo", "Dr Beth Bramley", "Not arranged"],
        ]

        # When the mentee looks at their session
        logged_on = f"{timezone.localdate():%-d %B %Y}"
        mentee.reload()
        mentee.get_by_role("heading", name="Your one-to-one session", level=1).wait_for()
        axe.check(mentee)

        # Then they are asked to check what the mentor logged, filled in with it
        assert mentee.get_by_role("heading", name="Check what your partner logged").is_visible()
        assert mentee.get_by_role("heading", name="Change what you told us").count() == 0
        assert mentee.get_by_text(
            f"Dr Fatima Farooq logged that it took place, 45 minutes, on {logged_on}."
        ).is_visible()
        minutes = mentee.get_by_label("How long did it last? (minutes)")
        assert minutes.input_value() == "45"

        # When they correct it to 60 minutes
        minutes.fill("60")
        mentee.get_by_role("button", name="Save", exact=True).click()

        # Then it is stored, and they are told the mentor will see the change
        banner(mentee, "Thank you. We have recorded your change and will show it to Dr Fatima")
        axe.check(mentee)
        assert status_on_session_page(mentee) == "Held, 60 minutes"
        changed = f"Changed from 45 to 60 minutes by you on {logged_on}."
        assert mentee.get_by_text(changed).is_visible()

        # And the mentor's page says who changed it, from what, and asks them to check it
        mentor.get_by_role("link", name=SESSION_TASK).click()
        mentor.get_by_role("heading", name="Your one-to-one session", level=1).wait_for()
        axe.check(mentor)
        assert status_on_session_page(mentor) == "Held, 60 minutes"
        assert mentor.get_by_role("heading", name="Check what your partner logged").is_visible()
        changed = f"Changed from 45 to 60 minutes by Dr Alan Ashworth on {logged_on}."
        assert mentor.get_by_text(changed).is_visible()

        # When the mentor confirms it
        mentor.get_by_role("button", name="Confirm it is right").click()

        # Then it is recorded that they agree
        banner(mentor, "Thank you for checking. We have recorded that you agree with Dr Alan")
        axe.check(mentor)
        assert mentor.get_by_text(f"You confirmed it on {logged_on}.").is_visible()
        assert mentor.get_by_role("button", name="Confirm it is right").count() == 0

    # And the database holds the held session, its length, who arranged and logged it,
    # what the correction replaced and who confirmed it
    meeting.refresh_from_db()
    assert meeting.pair == Pair.objects.get(mentor=fatima, mentee=alan)
    assert (meeting.held, meeting.duration_minutes) == (True, 60)
    assert (meeting.proposed_by, meeting.confirmed_by, meeting.logged_by) == (fatima, alan, alan)
    assert (meeting.previous_held, meeting.previous_minutes, meeting.agreed_by) == (
        True,
        45,
        fatima,
    )
    assert (meeting.starts_at, meeting.place) == (starts_at, PLACE)
    assert not Meeting.objects.filter(pair__mentor=omar).exists()
    assert len(axe.pages_checked) == 29

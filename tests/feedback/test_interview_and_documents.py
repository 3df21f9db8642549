from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.core.models import User
from revmentor.feedback import selectors, services
from revmentor.feedback.models import Contribution, DocumentVersion, Note
from revmentor.feedback.services import FeedbackError
from revmentor.schemes.models import Participant, Scheme
from tests.factories import ConsentFactory
from tests.forms import date_input
from tests.pdfs import pdf_info, pdf_text

ClientFor = Callable[[User | None], Client]


@pytest.fixture(autouse=True)
def mentee_taking_part(mentee: Participant) -> None:
    """``mentee`` has consented: phase 1 writes feedback about mentees taking part only.
    ``other_mentee`` has not, unless a test gives it."""
    ConsentFactory(participant=mentee)


def test_notes_autosave_one_field_at_a_time(
    client_for: ClientFor, facilitator: User, scheme: Scheme, mentee: Participant
) -> None:
    client = client_for(facilitator)
    url = reverse("schemes:interview_notes", args=[scheme.pk, mentee.pk])
    response = client.post(url, {"technology": "Uses the EPR well"}, HTTP_X_AUTOSAVE="1")
    assert response.json() == {"saved": True}
    client.post(url, {"strengths": "Kind to juniors"}, HTTP_X_AUTOSAVE="1")
    assert selectors.notes_of(services.interview_for(scheme), mentee) == {
        "technology": "Uses the EPR well",
        "strengths": "Kind to juniors",
    }


def test_notes_save_without_javascript_and_follow_the_schemes_own_domains(
    client_for: ClientFor, facilitator: User, scheme: Scheme, mentee: Participant
) -> None:
    scheme.domains = [{"slug": "teaching", "label": "Teaching"}]
    scheme.save()
    client = client_for(facilitator)
    url = reverse("schemes:interview_notes", args=[scheme.pk, mentee.pk])
    page = client.get(url).content.decode()
    assert "Teaching" in page and "Use of technology" not in page
    assert client.post(url, {"teaching": "Clear"}).status_code == 302
    assert Note.objects.get().text == "Clear"
    with pytest.raises(FeedbackError, match="Unknown domain"):
        services.notes_save(
            actor=facilitator,
            interview=services.interview_for(scheme),
            mentee=mentee,
            texts={"technology": "x"},
        )


def test_a_mentor_sees_only_their_own_contributions(
    client_for: ClientFor,
    phase_1: Scheme,
    mentor: Participant,
    other_mentor: Participant,
    mentee: Participant,
) -> None:
    ConsentFactory(participant=mentor)
    ConsentFactory(participant=other_mentor)
    services.contributions_save(
        mentor=mentor, mentee=mentee, texts={"technology": "Mine: fast typist"}
    )
    services.contributions_save(
        mentor=other_mentor, mentee=mentee, texts={"technology": "Theirs: slow"}
    )
    url = reverse("own_feedback_mentee", args=[phase_1.pk, mentee.pk])
    mine = client_for(mentor.user).get(url).content.decode()
    assert "Mine: fast typist" in mine and "Theirs: slow" not in mine
    theirs = client_for(other_mentor.user).get(url).content.decode()
    assert "Theirs: slow" in theirs and "Mine: fast typist" not in theirs


def test_a_mentors_feedback_too_long_is_shown_at_its_box_and_empty_is_not_called_saved(
    client_for: ClientFor, phase_1: Scheme, mentor: Participant, mentee: Participant
) -> None:
    ConsentFactory(participant=mentor)
    client = client_for(mentor.user)
    url = reverse("own_feedback_mentee", args=[phase_1.pk, mentee.pk])
    long = "x" * 6_000
    html = client.post(url, {"strengths": long, "technology": "Kept as typed"}).content.decode()
    message = "Strengths must be 5,000 characters or fewer (it has 6,000)"
    # The summary links to the box.
    assert re.search(rf'<a href="#own-strengths">\s*{re.escape(message)}\s*</a>', html)
    assert html.count(message) == 2  # and the box says it too
    assert "Kept as typed" in html and long in html
    assert not Contribution.objects.exists()

    done = client.post(url, dict.fromkeys(["strengths", "technology"], ""), follow=True)
    page = done.content.decode()
    assert "has been saved" not in page
    assert f"Every box was empty, so no feedback on {mentee.user.full_name} is kept" in page
    assert not Contribution.objects.exists()


def test_the_facilitator_sees_contributions_without_names_and_merges_them(
    client_for: ClientFor,
    facilitator: User,
    phase_1: Scheme,
    mentor: Participant,
    mentee: Participant,
) -> None:
    ConsentFactory(participant=mentor)
    services.contributions_save(
        mentor=mentor, mentee=mentee, texts={"technology": "Great with apps"}
    )
    client = client_for(facilitator)
    page = client.get(
        reverse("schemes:interview_notes", args=[phase_1.pk, mentee.pk])
    ).content.decode()
    assert "Great with apps" in page
    assert mentor.user.full_name not in page and mentor.user.email not in page
    contribution = Contribution.objects.get()
    client.post(reverse("schemes:contribution_merge", args=[phase_1.pk, contribution.pk]))
    assert Note.objects.get(mentee=mentee, domain="technology").text == "Great with apps"
    assert selectors.unmerged_contributions(mentee) == []
    with pytest.raises(FeedbackError, match="already"):
        services.contribution_merge(actor=facilitator, contribution=contribution)


def test_contributions_are_closed_outside_phase_1(
    scheme: Scheme, mentor: Participant, mentee: Participant
) -> None:
    ConsentFactory(participant=mentor)
    with pytest.raises(FeedbackError, match="only during phase 1"):
        services.contributions_save(mentor=mentor, mentee=mentee, texts={"technology": "x"})


def test_documents_are_versioned_and_the_approved_version_is_kept(
    client_for: ClientFor, facilitator: User, lead: User, scheme: Scheme, mentee: Participant
) -> None:
    interview = services.interview_for(scheme)
    services.notes_save(
        actor=facilitator,
        interview=interview,
        mentee=mentee,
        texts={"technology": "Good", "strengths": "Calm"},
    )
    client_for(facilitator).post(reverse("schemes:document_compile", args=[scheme.pk, mentee.pk]))
    first = DocumentVersion.objects.get()
    assert [s["text"] for s in first.sections if s["text"]] == ["Good", "Calm"]
    # The facilitator cannot approve; the lead can.
    assert (
        client_for(facilitator)
        .post(reverse("schemes:document_approve", args=[scheme.pk, mentee.pk]), {"version": "1"})
        .status_code
        == 403
    )
    approved = client_for(lead).post(
        reverse("schemes:document_approve", args=[scheme.pk, mentee.pk]),
        {"version": "1"},
        follow=True,
    )
    assert selectors.approved_version(mentee) == first
    # The page says who approved it, with no possible names checked too.
    assert "was approved on" in approved.content.decode()
    assert f" by {lead.full_name}." in approved.content.decode()
    # Editing makes version 2; version 1 stays approved and unchanged.
    client_for(facilitator).post(
        reverse("schemes:document", args=[scheme.pk, mentee.pk]),
        {"technology": "Very good", "strengths": "Calm"},
    )
    assert selectors.latest_version(mentee).number == 2  # type: ignore[union-attr]
    first.refresh_from_db()
    assert first.sections[0]["text"] == "Good" and selectors.approved_version(mentee) == first
    # Approving an out-of-date version is refused.
    with pytest.raises(FeedbackError, match="changed since"):
        services.document_approve(actor=lead, mentee=mentee, number=1)


def test_an_empty_document_cannot_be_approved(
    lead: User, scheme: Scheme, mentee: Participant
) -> None:
    services.document_compile(actor=lead, mentee=mentee)
    with pytest.raises(FeedbackError, match="empty"):
        services.document_approve(actor=lead, mentee=mentee, number=1)


def test_the_pdf_is_a4_and_says_it_is_the_groups_feedback(
    client_for: ClientFor, facilitator: User, scheme: Scheme, mentee: Participant
) -> None:
    services.notes_save(
        actor=facilitator,
        interview=services.interview_for(scheme),
        mentee=mentee,
        texts={"clinical_practice": "Thorough ward rounds"},
    )
    services.document_compile(actor=facilitator, mentee=mentee)
    response = client_for(facilitator).get(
        reverse("schemes:document_pdf", args=[scheme.pk, mentee.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    info = pdf_info(response.content)
    assert "595.276 x 841.89 pts (A4)" in info
    # Tagged, with its title shown, so that a screen reader can read it
    assert re.search(r"^Tagged: +yes$", info, re.M)
    assert re.search(r"^Title: +Feedback for Dr Mentee One$", info, re.M)
    text = pdf_text(response.content)
    assert "feedback of the group" in text and "Thorough ward rounds" in text


def test_a_document_is_not_released_to_mentees_or_mentors_yet(
    client_for: ClientFor, lead: User, scheme: Scheme, mentor: Participant, mentee: Participant
) -> None:
    services.notes_save(
        actor=lead,
        interview=services.interview_for(scheme),
        mentee=mentee,
        texts={"technology": "x"},
    )
    services.document_compile(actor=lead, mentee=mentee)
    services.document_approve(actor=lead, mentee=mentee, number=1)
    for person in (mentee.user, mentor.user):
        assert (
            client_for(person)
            .get(reverse("released_document", args=[scheme.pk, mentee.pk]))
            .status_code
            == 404
        )


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_transcript_is_deleted_by_the_worker_after_the_retention_date(
    lead: User, scheme: Scheme
) -> None:
    interview = services.interview_for(scheme)
    services.transcript_set(actor=lead, interview=interview, text="Everything said")
    retention = timezone.localdate() + timedelta(days=30)
    services.retention_set(actor=lead, scheme=scheme, retention_date=retention)
    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    interview.refresh_from_db()
    assert interview.transcript == "Everything said"
    with time_machine.travel(timezone.now() + timedelta(days=32), tick=False):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    interview.refresh_from_db()
    assert interview.transcript == "" and isinstance(retention, date)


def test_only_the_facilitator_and_lead_read_the_transcript(
    client_for: ClientFor, lead: User, facilitator: User, researcher: User, scheme: Scheme
) -> None:
    services.transcript_set(actor=lead, interview=services.interview_for(scheme), text="Verbatim")
    url = reverse("schemes:interview_transcript", args=[scheme.pk])
    assert client_for(facilitator).get(url).content.decode() == "Verbatim"
    assert client_for(lead).get(url).status_code == 200
    assert client_for(researcher).get(url).status_code == 403


def test_a_wrong_retention_date_or_transcript_is_shown_on_the_interview_page_to_fix(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    url = reverse("schemes:interview_transcript", args=[scheme.pk])
    client = client_for(lead)
    page = client.post(url, {"action": "retention", **date_input("retention_date", "31 4 2030")})
    html = page.content.decode()
    assert page.status_code == 200 and "Group interview" in html
    assert '<a href="#id_retention_date_day">' in html and 'value="31"' in html
    assert "The retention date must be a real date" in html
    upload = SimpleUploadedFile("notes.docx", b"Verbatim")
    page = client.post(url, {"action": "upload", "file": upload})
    html = page.content.decode()
    assert page.status_code == 200 and '<a href="#id_file">' in html
    assert "The transcript must be a plain text file ending in .txt" in html
    scheme.refresh_from_db()
    assert scheme.retention_date is None and services.interview_for(scheme).transcript == ""

    saved = client.post(url, {"action": "retention", **date_input("retention_date", "30 4 2030")})
    assert saved.status_code == 302
    scheme.refresh_from_db()
    assert scheme.retention_date == date(2030, 4, 30)


def test_mentors_find_phase_1_tasks_and_the_dashboard_counts_them(
    client_for: ClientFor,
    lead: User,
    phase_1: Scheme,
    mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    ConsentFactory(participant=mentor)
    body = client_for(mentor.user).get(reverse("tasks")).content.decode()
    assert "Say which consultants you are willing to mentor" in body
    assert "Add your feedback online" in body
    services.notes_save(
        actor=lead,
        interview=services.interview_for(phase_1),
        mentee=mentee,
        texts={"technology": "x"},
    )
    dashboard = client_for(lead).get(reverse("schemes:detail", args=[phase_1.pk])).content.decode()
    # One mentee: in the singular
    assert "<strong>1</strong> of 1 mentee has notes" in dashboard
    assert "<strong>0</strong> of 1 document approved" in dashboard


def test_saving_the_document_says_what_to_fix_at_the_section_and_keeps_no_empty_or_same_version(
    client_for: ClientFor, facilitator: User, lead: User, scheme: Scheme, mentee: Participant
) -> None:
    services.document_edit(actor=lead, mentee=mentee, texts={"strengths": "Calm"})
    client = client_for(facilitator)
    url = reverse("schemes:document", args=[scheme.pk, mentee.pk])
    slugs = [d["slug"] for d in scheme.domains]
    blank = dict.fromkeys(slugs, "")

    # Too long: the summary links to the section, which says what to fix; text kept
    long = "x" * (services.MAX_NOTE + 1)
    html = client.post(url, {**blank, "strengths": long}).content.decode()
    assert re.search(r"<title>\s*Error: ", html)
    message = f"Strengths must be {services.MAX_NOTE:,} characters or fewer (it has 10,001)"
    assert re.search(rf'<a href="#doc-strengths">\s*{re.escape(message)}\s*</a>', html)
    assert f'<span class="nhsuk-u-visually-hidden">Error: </span>{message}' in html
    assert long in html

    # Every section empty: refused, nothing saved
    html = client.post(url, blank).content.decode()
    assert "Write the group&#39;s feedback in at least one section" in html

    # The same text again: no new version, and it says so
    html = client.post(url, {**blank, "strengths": " Calm "}, follow=True).content.decode()
    assert "Nothing has changed since version 1" in html
    assert DocumentVersion.objects.filter(document__mentee=mentee).count() == 1


# Only mentees taking part are discussed ---------------------------------------------------


def _interview_page(client: Client, scheme: Scheme) -> str:
    return client.get(reverse("schemes:interview", args=[scheme.pk])).content.decode()


def _section(page: str, heading: str) -> str:
    """The interview page's list under ``heading``, up to the next list's end."""
    start = page.index(heading)
    return page[start : page.index("</ul>", start)]


def _row(page: str, name: str) -> str:
    """The table row of the page naming ``name``."""
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def test_a_mentee_who_has_not_consented_is_not_offered_for_notes_or_a_document(
    client_for: ClientFor,
    facilitator: User,
    phase_1: Scheme,
    mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    ConsentFactory(participant=mentor)  # other_mentee has not consented
    client = client_for(facilitator)
    notes_of = {
        m: reverse("schemes:interview_notes", args=[phase_1.pk, m.pk])
        for m in (mentee, other_mentee)
    }
    page = _interview_page(client, phase_1)
    discussed = _section(page, "Notes on each mentee")
    assert notes_of[mentee] in discussed and "Dr Mentee Two" not in discussed
    apart = _section(page, "Not taking part")
    assert "Dr Mentee Two" in apart and "(no consent to take part)" in apart
    assert notes_of[other_mentee] not in page  # nothing to read, and no new notes
    documents = client.get(reverse("schemes:documents", args=[phase_1.pk])).content.decode()
    assert "Dr Mentee One" in documents and "Dr Mentee Two" not in documents
    # The document page offers no compiling, and a compile sent anyway makes nothing.
    document_url = reverse("schemes:document", args=[phase_1.pk, other_mentee.pk])
    document = client.get(document_url).content.decode()
    assert "Compile from the group" not in document
    assert "Dr Mentee Two is not taking part, so no document is compiled for them." in document
    refused = client.post(
        reverse("schemes:document_compile", args=[phase_1.pk, other_mentee.pk]), follow=True
    )
    assert "Dr Mentee Two is not taking part, so no feedback about them is added" in (
        refused.content.decode()
    )
    assert not DocumentVersion.objects.exists()
    # Mentors are not asked for their own feedback on them either.
    own = client_for(mentor.user).get(reverse("own_feedback", args=[phase_1.pk])).content.decode()
    assert "Dr Mentee One" in own and "Dr Mentee Two" not in own


@pytest.mark.parametrize("how", ["withdraws their consent", "is withdrawn by the lead"])
def test_a_mentee_who_stops_in_phase_1_keeps_their_notes_and_document_but_is_not_offered(
    client_for: ClientFor,
    facilitator: User,
    lead: User,
    phase_1: Scheme,
    mentee: Participant,
    other_mentee: Participant,
    how: str,
) -> None:
    from revmentor.schemes.services import consent_withdraw, participant_withdraw

    ConsentFactory(participant=other_mentee)
    services.notes_save(
        actor=facilitator,
        interview=services.interview_for(phase_1),
        mentee=mentee,
        texts={"strengths": "Calm in clinic"},
    )
    services.document_compile(actor=facilitator, mentee=mentee)
    if how == "withdraws their consent":
        consent_withdraw(participant=mentee)
    else:
        participant_withdraw(actor=lead, participant=mentee, reason="Moved trust")
    client = client_for(facilitator)

    page = _interview_page(client, phase_1)
    assert "Dr Mentee One" not in _section(page, "Notes on each mentee")
    apart = _section(page, "Not taking part")
    notes_url = reverse("schemes:interview_notes", args=[phase_1.pk, mentee.pk])
    assert notes_url in apart and "(notes kept)" in apart
    label = "(withdrawn)" if how == "is withdrawn by the lead" else "(no consent to take part)"
    assert label in apart
    notes = client.get(notes_url).content.decode()
    assert "Calm in clinic" in notes
    assert "Dr Mentee One is not taking part, so the group does not discuss them." in notes

    documents = client.get(reverse("schemes:documents", args=[phase_1.pk])).content.decode()
    stopped, taking_part = _row(documents, "Dr Mentee One"), _row(documents, "Dr Mentee Two")
    assert "Draft (version 1)" in stopped and "Not taking part" in stopped
    assert "Not started" in taking_part and "Not taking part" not in taking_part
    document_url = reverse("schemes:document", args=[phase_1.pk, mentee.pk])
    document = client.get(document_url).content.decode()
    assert "Calm in clinic" in document and "Compile again from the notes" not in document
    client.post(reverse("schemes:document_compile", args=[phase_1.pk, mentee.pk]))
    assert DocumentVersion.objects.filter(document__mentee=mentee).count() == 1
    dashboard = client_for(lead).get(reverse("schemes:detail", args=[phase_1.pk])).content.decode()
    assert "<strong>0</strong> of 1 mentee has notes" in dashboard


def test_nothing_new_is_written_about_a_mentee_who_stopped_taking_part(
    client_for: ClientFor,
    facilitator: User,
    phase_1: Scheme,
    mentor: Participant,
    mentee: Participant,
) -> None:
    from revmentor.schemes.services import consent_withdraw

    ConsentFactory(participant=mentor)
    interview = services.interview_for(phase_1)
    services.notes_save(
        actor=facilitator, interview=interview, mentee=mentee, texts={"strengths": "Calm"}
    )
    services.contributions_save(mentor=mentor, mentee=mentee, texts={"strengths": "Kind"})
    contribution = Contribution.objects.get()
    consent_withdraw(participant=mentee)

    # The services refuse, and change nothing.
    with pytest.raises(FeedbackError, match="Dr Mentee One is not taking part"):
        services.notes_save(
            actor=facilitator, interview=interview, mentee=mentee, texts={"strengths": "X"}
        )
    with pytest.raises(FeedbackError, match="not taking part"):
        services.contribution_merge(actor=facilitator, contribution=contribution)
    with pytest.raises(FeedbackError, match="not taking part"):
        services.contributions_save(mentor=mentor, mentee=mentee, texts={"strengths": "Y"})
    with pytest.raises(FeedbackError, match="not taking part"):
        services.document_compile(actor=facilitator, mentee=mentee)
    assert list(Note.objects.values_list("text", flat=True)) == ["Calm"]
    contribution.refresh_from_db()
    assert (contribution.text, contribution.merged_at) == ("Kind", None)
    assert not DocumentVersion.objects.exists()

    # The notes page shows the notes kept, with no form, and a form sent is refused.
    client = client_for(facilitator)
    notes_url = reverse("schemes:interview_notes", args=[phase_1.pk, mentee.pk])
    page = client.get(notes_url).content.decode()
    assert "Calm" in page and "data-autosave" not in page and "Add to notes" not in page
    refused = client.post(notes_url, {"strengths": "Typed anyway"})
    assert "is not taking part, so no feedback about them is added" in refused.content.decode()
    assert "Typed anyway" not in refused.content.decode()  # shown as kept, it would mislead
    autosave = client.post(notes_url, {"strengths": "Typed"}, headers={"X-Autosave": "1"})
    assert autosave.status_code == 400 and autosave.json()["saved"] is False
    assert list(Note.objects.values_list("text", flat=True)) == ["Calm"]
    # The mentor's own page about them is read-only.
    own_url = reverse("own_feedback_mentee", args=[phase_1.pk, mentee.pk])
    own = client_for(mentor.user).get(own_url).content.decode()
    assert "Kind" in own and 'name="strengths"' not in own


def _interview_queries(client: Client, scheme: Scheme) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("schemes:interview", args=[scheme.pk])).status_code == 200
    return len(queries)


def test_the_interview_page_costs_the_same_queries_for_more_mentees_taking_part_or_not(
    client_for: ClientFor, facilitator: User, phase_1: Scheme
) -> None:
    from tests.factories import ParticipantFactory

    interview = services.interview_for(phase_1)

    def add(consented: bool) -> None:
        """A mentee with notes, who then stops taking part unless ``consented``."""
        person = ParticipantFactory.create(scheme=phase_1, role="mentee")
        consent = ConsentFactory(participant=person)
        services.notes_save(
            actor=facilitator, interview=interview, mentee=person, texts={"strengths": "x"}
        )
        if not consented:
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])

    add(True)
    add(False)
    client = client_for(facilitator)
    small = _interview_queries(client, phase_1)
    for n in range(10):
        add(n % 2 == 0)
    page = client.get(reverse("schemes:interview", args=[phase_1.pk])).content.decode()
    assert page.count("(notes kept)") == 6
    assert _interview_queries(client, phase_1) == small

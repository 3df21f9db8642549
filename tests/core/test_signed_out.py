"""A form sent by someone whose session has ended: told, and what they typed kept.

Each test signs in, opens a page, then ends the session the way a browser sees it end
(the session cookie is gone or no longer valid, the CSRF cookie stays), and sends the
form. CSRF checks are on, as in a browser.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from revmentor.core.backends import ACCOUNT_BACKEND
from revmentor.core.models import User
from revmentor.core.signed_out import (
    GIVEN_BACK,
    KEEP_AT_MOST,
    KEEP_FOR,
    KEPT,
    KEY,
    SIGNED_OUT,
)
from revmentor.feedback import selectors as feedback_selectors
from revmentor.feedback import services as feedback_services
from revmentor.feedback.models import Contribution, DocumentVersion, Note
from revmentor.feedback.services import MAX_NOTE
from revmentor.questionnaires.models import Answer, Response, Stage
from revmentor.schemes.models import Participant, Scheme
from tests.factories import ConsentFactory, ParticipantFactory


def signed_in(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend=ACCOUNT_BACKEND)
    return client


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, f"no {name} field on the page"
    return found.group(1)


def form_of(client: Client, url: str) -> dict[str, str]:
    """The hidden fields of the page's form, as the browser would send them."""
    page = client.get(url).content.decode()
    return {
        "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
        "kept_for": hidden(page, "kept_for"),
    }


def session_ends(client: Client) -> None:
    """The session is over (expired, or signed out elsewhere); the browser keeps its cookie."""
    client.session.flush()  # removes it from the store; the cookie now names nothing


def sent_signed_out(user: User, url: str, typed: dict[str, str]) -> tuple[Client, Any]:
    """``user`` opens ``url``, their session ends, and they send its form with ``typed``
    (which may replace the hidden fields): the browser and the answer."""
    client = signed_in(user)
    fields = form_of(client, url)
    session_ends(client)
    return client, client.post(url, {**fields, **typed})


def textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found, f"no textarea {name}"
    return found.group(1).strip()


def text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


# A questionnaire page -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def mentee_taking_part(mentee: Participant) -> None:
    """The mentee has consented: phase 1's notes, documents and mentors' own feedback are
    about mentees taking part."""
    ConsentFactory(participant=mentee)


@pytest.fixture
def answering(open_stage: Stage, mentor: Participant) -> Participant:
    ConsentFactory(participant=mentor)
    return mentor


def page_url(stage: Stage, number: int = 1) -> str:
    return reverse("questionnaire_page", args=[stage.scheme_id, stage.timepoint, number])


def test_a_questionnaire_page_sent_signed_out_is_not_saved_and_comes_back_after_signing_in(
    answering: Participant, open_stage: Stage
) -> None:
    client = signed_in(answering.user)
    url = page_url(open_stage)
    fields = form_of(client, url)
    session_ends(client)

    sent = client.post(
        url,
        {
            **fields,
            "understanding": "4",
            "concerns": "yes",
            "concerns_text": "Time",
            "continue": "1",
        },
    )

    # Sent to sign in, told the page was not saved, and nothing was stored.
    login = f"{reverse('account_login')}?next={url}"
    assert sent.status_code == 302 and sent["Location"] == login
    assert KEPT in text(client.get(login).content.decode())
    assert not Answer.objects.exists() and not Response.objects.exists()

    # Signing in again with a code from email takes them back to the page.
    start = client.get(login).content.decode()
    code_link = re.search(r'href="([^"]*login/code/[^"]*)"', start)
    assert code_link and "next=" in code_link.group(1), "the code link keeps where they were going"
    request_code = code_link.group(1).replace("&amp;", "&")
    code_page = client.get(request_code).content.decode()
    client.post(
        request_code,
        {
            "csrfmiddlewaretoken": hidden(code_page, "csrfmiddlewaretoken"),
            "email": answering.user.email,
            "next": url,
        },
    )
    email = str(mail.outbox[-1].body)
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", email, re.MULTILINE)
    assert code, email
    confirm = client.get(reverse("account_confirm_login_code")).content.decode()
    back = client.post(
        reverse("account_confirm_login_code"),
        {
            "csrfmiddlewaretoken": hidden(confirm, "csrfmiddlewaretoken"),
            "code": code.group(1),
            "next": url,
        },
    )
    assert back.status_code == 302 and back["Location"] == url

    # The page shows what they typed, says why, and still nothing is saved for them.
    page = client.get(url).content.decode()
    assert GIVEN_BACK in text(page)
    assert re.search(r'value="4"[^>]*checked', page), "the answer they chose is selected"
    assert textarea(page, "concerns_text") == "Time"
    assert not Answer.objects.exists()

    # Given back once: the next visit shows the stored (empty) answers.
    again = client.get(url).content.decode()
    assert GIVEN_BACK not in text(again) and not re.search(r'value="4"[^>]*checked', again)


def test_what_one_person_typed_is_not_given_to_the_next_person_on_the_same_browser(
    answering: Participant, open_stage: Stage, scheme: Scheme
) -> None:
    other: Participant = ParticipantFactory.create(scheme=scheme)  # a second mentor, same page
    ConsentFactory(participant=other)
    url = page_url(open_stage)
    client, _sent = sent_signed_out(
        answering.user, url, {"understanding": "4", "concerns_text": "Mine"}
    )

    client.force_login(other.user, backend=ACCOUNT_BACKEND)  # the same browser's session
    page = client.get(url).content.decode()
    assert "Mine" not in page and GIVEN_BACK not in text(page)
    # And it is gone: the first person signing in afterwards does not get it either.
    client.force_login(answering.user, backend=ACCOUNT_BACKEND)
    assert "Mine" not in client.get(url).content.decode()


def test_what_was_typed_is_kept_for_a_day_at_most(
    answering: Participant, open_stage: Stage
) -> None:
    url = page_url(open_stage)
    client, _sent = sent_signed_out(answering.user, url, {"concerns_text": "Stale"})
    with time_machine.travel(timezone.now() + timedelta(seconds=KEEP_FOR + 60)):
        client.force_login(answering.user, backend=ACCOUNT_BACKEND)
        page = client.get(url).content.decode()
    assert "Stale" not in page and GIVEN_BACK not in text(page)


def test_a_forged_note_of_who_typed_it_keeps_nothing(
    answering: Participant, open_stage: Stage
) -> None:
    url = page_url(open_stage)
    forged = f"{answering.user.pk}:not-a-signature"
    client, sent = sent_signed_out(
        answering.user, url, {"kept_for": forged, "concerns_text": "Forged"}
    )
    assert KEY not in client.session
    assert SIGNED_OUT in text(client.get(sent["Location"]).content.decode())
    client.force_login(answering.user, backend=ACCOUNT_BACKEND)
    assert "Forged" not in client.get(url).content.decode()


def test_more_than_the_longest_form_holds_is_not_kept(
    answering: Participant, open_stage: Stage
) -> None:
    url = page_url(open_stage)
    client, sent = sent_signed_out(answering.user, url, {"concerns_text": "x" * (KEEP_AT_MOST + 1)})
    assert KEY not in client.session
    assert SIGNED_OUT in text(client.get(sent["Location"]).content.decode())


def test_a_page_that_keeps_nothing_still_says_what_was_sent_was_not_saved(
    lead: User, scheme: Scheme
) -> None:
    client = signed_in(lead)
    url = reverse("schemes:edit", args=[scheme.pk])
    token = hidden(client.get(url).content.decode(), "csrfmiddlewaretoken")
    session_ends(client)
    sent = client.post(url, {"csrfmiddlewaretoken": token, "name": "Renamed"})
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("account_login"))
    assert SIGNED_OUT in text(client.get(sent["Location"]).content.decode())
    scheme.refresh_from_db()
    assert scheme.name != "Renamed"
    # Nothing of what was sent is held in the session.
    assert KEY not in client.session


def test_a_signed_in_post_never_meets_any_of_this(
    answering: Participant, open_stage: Stage
) -> None:
    client = signed_in(answering.user)
    url = page_url(open_stage)
    fields = form_of(client, url)
    sent = client.post(url, {**fields, "understanding": "4", "save_draft": "1"})
    assert sent.status_code == 302 and sent["Location"] == reverse("tasks")
    assert Answer.objects.get(name="understanding").value == "4"
    assert SESSION_KEY in client.session


# The group's notes: autosave and Save notes -------------------------------------------


def test_an_autosave_sent_signed_out_is_answered_401_not_a_sign_in_page(
    facilitator: User, phase_1: Scheme, mentee: Participant
) -> None:
    client = signed_in(facilitator)
    url = reverse("schemes:interview_notes", args=[phase_1.pk, mentee.pk])
    fields = form_of(client, url)
    session_ends(client)
    answer = client.post(
        url,
        {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"], "technology": "Typed"},
        HTTP_X_AUTOSAVE="1",
    )
    assert answer.status_code == 401
    assert answer.json() == {
        "saved": False,
        "signed_out": True,
        "error": "You have been signed out.",
    }
    assert not Note.objects.exists()


def test_notes_sent_signed_out_come_back_to_the_facilitator(
    facilitator: User, phase_1: Scheme, mentee: Participant
) -> None:
    url = reverse("schemes:interview_notes", args=[phase_1.pk, mentee.pk])
    client, _sent = sent_signed_out(
        facilitator, url, {"technology": "Uses the EPR well", "strengths": "Calm"}
    )
    assert not Note.objects.exists()
    client.force_login(facilitator, backend=ACCOUNT_BACKEND)
    page = client.get(url).content.decode()
    assert textarea(page, "technology") == "Uses the EPR well"
    assert textarea(page, "strengths") == "Calm"
    assert GIVEN_BACK in text(page).replace("&#39;", "'")
    assert not Note.objects.exists()


# A feedback document and a mentor's own feedback ---------------------------------------


@pytest.fixture
def document(facilitator: User, phase_1: Scheme, mentee: Participant) -> DocumentVersion:
    interview = feedback_services.interview_for(phase_1)
    feedback_services.notes_save(
        actor=facilitator, interview=interview, mentee=mentee, texts={"technology": "Good"}
    )
    return feedback_services.document_compile(actor=facilitator, mentee=mentee)


def test_a_document_sent_signed_out_comes_back_for_the_facilitator(
    facilitator: User, phase_1: Scheme, mentee: Participant, document: DocumentVersion
) -> None:
    url = reverse("schemes:document", args=[phase_1.pk, mentee.pk])
    client, _sent = sent_signed_out(facilitator, url, {"technology": "Very good with the EPR"})
    client.force_login(facilitator, backend=ACCOUNT_BACKEND)
    page = client.get(url).content.decode()
    assert textarea(page, "technology") == "Very good with the EPR"
    assert DocumentVersion.objects.count() == 1


def test_a_document_too_long_to_save_keeps_what_was_typed_on_the_page(
    facilitator: User, phase_1: Scheme, mentee: Participant, document: DocumentVersion
) -> None:
    client = signed_in(facilitator)
    url = reverse("schemes:document", args=[phase_1.pk, mentee.pk])
    fields = form_of(client, url)
    too_long = "An edit. " + "x" * MAX_NOTE
    page = client.post(url, {**fields, "technology": too_long, "strengths": "Calm"})
    body = page.content.decode()
    assert "There is a problem" in body
    assert textarea(body, "technology") == too_long  # not the stored "Good"
    assert textarea(body, "strengths") == "Calm"
    assert DocumentVersion.objects.count() == 1


def test_a_mentors_own_feedback_sent_signed_out_or_too_long_is_kept(
    phase_1: Scheme, mentor: Participant, mentee: Participant
) -> None:
    ConsentFactory(participant=mentor)
    client = signed_in(mentor.user)
    url = reverse("own_feedback_mentee", args=[phase_1.pk, mentee.pk])
    fields = form_of(client, url)
    too_long = "y" * 5001
    body = client.post(url, {**fields, "technology": too_long}).content.decode()
    assert "There is a problem" in body and textarea(body, "technology") == too_long
    assert not Contribution.objects.exists()

    session_ends(client)
    client.post(url, {**fields, "technology": "Explains the EPR to juniors"})
    assert not Contribution.objects.exists()
    client.force_login(mentor.user, backend=ACCOUNT_BACKEND)
    page = client.get(url).content.decode()
    assert textarea(page, "technology") == "Explains the EPR to juniors"
    assert feedback_selectors.own_contributions(mentor, mentee) == {}

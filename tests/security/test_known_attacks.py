"""The hostile inputs that once caused a server error, each pinned down by name.

Hypothesis finds inputs like these by chance; here each is sent every time. Every one of
them used to end in a server error (on PostgreSQL for the NULs) and now gets a message
that says what to do, with nothing stored.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from allauth.mfa.totp.internal import auth as totp
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from revmentor.analysis.problems import StudyDataError
from revmentor.analysis.reader import read_study
from revmentor.core.models import User
from revmentor.schemes.models import OrganisationMember, Phase
from tests.security.conftest import World
from tests.security.hostile import error_messages, snapshot
from tests.security.test_imports_never_fail import GOOD_FOLDER

ClientFor = Callable[[User | None], Client]
HUGE_CELL = b'"' + b"a" * 140_000 + b'"'
PASSWORD = "a-long-test-password"  # every factory user's


def _refused(client: Client, url: str, data: dict[str, object], **headers: str) -> str:
    """Post ``data``; check nothing was stored; return the page or the error message."""
    before = snapshot()
    response = client.post(url, data, **headers)  # type: ignore[arg-type]
    assert response.status_code in (200, 302, 400)
    assert snapshot() == before
    if response.status_code == 302:
        return " ".join(error_messages(response))
    return response.content.decode()


@pytest.mark.parametrize("typed", ["²", "9" * 5000])
def test_numbers_that_only_look_like_numbers(
    world: World, client_for: ClientFor, typed: str
) -> None:
    lead, mentor = client_for(world.lead), client_for(world.mentor.user)
    s = world.scheme.pk
    approve = reverse("schemes:document_approve", args=[s, world.mentee.pk])
    assert "changed since you opened it" in _refused(lead, approve, {"version": typed})
    reminders = reverse("schemes:questionnaire_reminders", args=[s])
    assert "whole numbers of days" in _refused(
        lead, reminders, {"reminder_days": typed[:60], "due_days": "7"}
    )
    world.phase(Phase.PHASE_2)
    meeting = reverse("own_meeting", args=[s])
    before = snapshot()
    assert mentor.post(meeting, {"pair": typed, "action": "confirm"}).status_code == 404
    assert snapshot() == before
    world.phase(Phase.SETUP)
    supervisors = reverse("schemes:supervisors", args=[s])
    response = lead.post(supervisors, {f"supervisor-{world.mentor.pk}": typed})
    assert response.status_code == 302  # read as "no supervisor", which is allowed


@pytest.mark.parametrize("field", ["technology", "strengths"])
def test_a_nul_in_the_groups_feedback_is_refused(
    world: World, client_for: ClientFor, field: str
) -> None:
    s, mentee = world.scheme.pk, world.mentee.pk
    facilitator, mentor = client_for(world.facilitator), client_for(world.mentor.user)
    text = {field: "kind\x00 and clear"}
    notes = reverse("schemes:interview_notes", args=[s, mentee])
    assert "hidden null character" in _refused(facilitator, notes, text)
    assert "hidden null character" in _refused(facilitator, notes, text, HTTP_X_AUTOSAVE="1")
    document = reverse("schemes:document", args=[s, mentee])
    assert "hidden null character" in _refused(facilitator, document, text)
    feedback = reverse("own_feedback_mentee", args=[s, mentee])
    assert "hidden null character" in _refused(mentor, feedback, text)


@pytest.mark.parametrize("content", [b"a\x00b", b"a" * 600_000], ids=["NUL", "600,000 characters"])
def test_a_transcript_that_cannot_be_stored_is_refused(
    world: World, client_for: ClientFor, content: bytes
) -> None:
    url = reverse("schemes:interview_transcript", args=[world.scheme.pk])
    upload = SimpleUploadedFile("transcript.txt", content)
    assert "transcript" in _refused(client_for(world.lead), url, {"file": upload})


def test_a_nul_in_a_free_text_answer_is_refused(world: World, client_for: ClientFor) -> None:
    url = reverse("questionnaire_page", args=[world.scheme.pk, "pre_phase1", 1])
    page = _refused(
        client_for(world.mentor.user),
        url,
        {"understanding": "3", "concerns": "yes", "concerns_text": "a\x00b"},
    )
    assert "hidden null character" in page


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("people.csv", b"full_name,email,role\n" + HUGE_CELL + b",a@example.nhs.uk,mentor\n"),
        ("q.csv", b"Variable / Field Name,Form Name\n" + HUGE_CELL + b",x\n"),
        ("q.json", b'"a questionnaire"'),
        ("q.json", b"5"),
        ("q.json", b"[" * 100_000),
        ("q.json", json.dumps({"resourceType": "Questionnaire", "title": "a\x00b"}).encode()),
    ],
)
def test_uploads_that_cannot_be_read_are_refused_with_a_problem(
    world: World, client_for: ClientFor, name: str, content: bytes
) -> None:
    s = world.scheme.pk
    if name == "people.csv":
        url = reverse("schemes:participant_import", args=[s])
        data: dict[str, object] = {"file": SimpleUploadedFile(name, content)}
    else:
        url = reverse("schemes:import_instrument", args=[s])
        data = {
            "file": SimpleUploadedFile(name, content),
            "role": "mentor",
            "label": "Three months later",
            "phase": "phase_2",
        }
    assert "nhsuk-error-summary" in _refused(client_for(world.lead), url, data)


def test_a_header_cell_the_csv_module_refuses_is_a_problem_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "participants.csv").write_bytes(HUGE_CELL + b"\n")
    (tmp_path / "responses.csv").write_text("participant_id,role,timepoint,item,value\n")
    with pytest.raises(StudyDataError) as error:
        read_study(tmp_path)
    assert "cannot be read as CSV" in str(error.value)


def test_a_study_folder_with_a_value_too_long_to_read_is_refused(
    world: World, client_for: ClientFor
) -> None:
    OrganisationMember.objects.get_or_create(
        organisation=world.scheme.organisation, user=world.lead
    )
    files = dict(GOOD_FOLDER)
    files["responses.csv"] = files["responses.csv"].replace("'=1+1", HUGE_CELL.decode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(f"study/{name}", text)
    data = {
        "organisation": world.scheme.organisation_id,
        "name": "Imported",
        "specialty": "Gastroenterology",
        "file": SimpleUploadedFile("study.zip", buffer.getvalue()),
    }
    page = _refused(client_for(world.lead), reverse("schemes:import_study"), data)
    assert "cannot be read as CSV" in page


def test_the_sign_in_code_page_without_a_code(world: World, client_for: ClientFor) -> None:
    """allauth takes a POST without ``code`` for a security key (which we do not offer)
    and gives the page no form; the page is shown again."""
    TOTP.activate(world.lead, totp.generate_totp_secret())
    client = client_for(None)
    client.post(reverse("account_login"), {"login": world.lead.email, "password": PASSWORD})
    for data in ({}, {"credential": "{}"}, {"credential": "[" * 1000}):
        page = _refused(client, reverse("mfa_authenticate"), data)
        assert "Enter the code from your authenticator app" in page
    assert "_auth_user_id" not in client.session

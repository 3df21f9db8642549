"""The subject access export: one zip with everything held about a participant."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revmentor.core.models import AuditEvent, User
from revmentor.feedback.models import Contribution, Willingness
from revmentor.privacy import access
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import Participant
from tests.factories import ConsentFactory, ParticipantFactory, SchemeFactory
from tests.privacy.conftest import MENTEE_EMAIL, MENTOR_EMAIL, Data
from tests.research.conftest import answers, submit

ClientFor = Callable[[User | None], Client]


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def load(files: dict[str, bytes], name: str) -> Any:
    return json.loads(files[name])


def download(client_for: ClientFor, user: User, participant: Participant) -> dict[str, bytes]:
    url = reverse("schemes:participant_personal_data", args=[participant.scheme_id, participant.pk])
    response = client_for(user).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="personal-data-{participant.pk}.zip"'
    )
    return unzip(response.content)


def test_a_mentors_export_holds_every_file_and_a_readme_explaining_each(
    client_for: ClientFor, data: Data, lead: User
) -> None:
    files = download(client_for, lead, data.mentor)
    assert sorted(files) == [
        "README.txt",
        "audit.json",
        "feedback-written.json",
        "participation.json",
        "person.json",
        "questionnaires.json",
        "sessions.json",
        "willingness.json",
    ]
    readme = files["README.txt"].decode()
    assert "Dr Mentor One <mentor.one@example.nhs.uk>" in readme
    for name in files:
        if name != "README.txt":
            assert f"\n{name}\n" in readme, f"README explains {name}"
    assert "never recorded" in readme


def test_person_and_participation_hold_the_account_the_row_and_every_consent(
    client_for: ClientFor, data: Data, lead: User
) -> None:
    files = download(client_for, lead, data.mentor)
    person = load(files, "person.json")
    assert (person["name"], person["email"], person["account_active"]) == (
        "Dr Mentor One",
        MENTOR_EMAIL,
        True,
    )
    assert person["account_created"]
    participation = load(files, "participation.json")
    assert participation["role"] == "mentor"
    assert (participation["sex"], participation["age"]) == ("Male", 29)
    assert participation["grade"] == "Clinical fellow"
    assert participation["own_clinical_supervisor"] == "Dr Mentee One"
    assert participation["research_id"] == pseudonym(data.mentor)
    [consent] = participation["consents"]
    assert consent["take_part"] is True and consent["research_use"] is True
    assert consent["withdrawn"] is None


def test_questionnaires_hold_each_answer_with_its_question_drafts_too(
    client_for: ClientFor, data: Data, lead: User
) -> None:
    files = download(client_for, lead, data.mentor)
    submitted, draft = load(files, "questionnaires.json")
    assert submitted["status"] == "submitted" and submitted["submitted"]
    by_item = {a["item"]: a for a in submitted["answers"]}
    assert by_item["concerns_text"]["answer"] == "Whether my supervisor will know."
    assert by_item["confidence.technology"]["question"].endswith("– Use of technology")
    assert draft["status"] == "draft"
    assert draft["answers"] == [
        {"item": "understanding", "question": draft["answers"][0]["question"], "answer": "4"}
    ]


def test_willingness_and_feedback_they_wrote(client_for: ClientFor, data: Data, lead: User) -> None:
    files = download(client_for, lead, data.mentor)
    assert [(w["mentee"], w["willing"]) for w in load(files, "willingness.json")] == [
        ("Dr Mentee One", True),
        ("Dr Mentee Two", False),
    ]
    written = load(files, "feedback-written.json")
    assert [(w["about"], w["domain"], w["text"]) for w in written] == [
        ("Dr Mentee One", "Strengths", "Calm in a crisis"),
        ("Dr Mentee One", "Use of technology", "Uses the EPR brilliantly"),
        ("Dr Mentee Two", "Strengths", "Always teaches on rounds"),
    ]
    assert written[2]["added_to_group_notes"] is not None
    assert written[0]["added_to_group_notes"] is None


def test_a_mentees_export_has_the_approved_document_and_no_mentor_file(
    client_for: ClientFor, data: Data, lead: User
) -> None:
    files = download(client_for, lead, data.mentee)
    assert "willingness.json" not in files and "feedback-written.json" not in files
    html = files["feedback-document-v1.html"].decode()
    assert "Feedback for Dr Mentee One" in html
    assert "Thorough ward rounds" in html
    assert "Mentor One" not in html and "Mentor Two" not in html
    assert load(files, "person.json")["email"] == MENTEE_EMAIL


def test_sessions_hold_the_pair_and_the_arrangements_only(
    client_for: ClientFor, data: Data, lead: User
) -> None:
    [row] = load(download(client_for, lead, data.mentor), "sessions.json")
    assert row["allocation_status"] == "published"
    assert row["paired_with"] == "Dr Mentee One"
    session = row["session"]
    assert (session["place"], session["took_place"], session["duration_minutes"]) == (
        "Seminar room 2",
        True,
        45,
    )
    # Who logged it and who agreed, as the subject reads it; no correction replaced it.
    assert (session["logged_by"], session["agreed_by"], session["replaced_answer"]) == (
        "you",
        "the other person",
        None,
    )
    assert set(session) == {
        "starts",
        "place",
        "confirmed",
        "took_place",
        "duration_minutes",
        "logged",
        "logged_by",
        "agreed",
        "agreed_by",
        "replaced_answer",
    }


def test_audit_holds_their_actions_and_actions_on_their_records(
    client_for: ClientFor, data: Data, lead: User
) -> None:
    events = load(download(client_for, lead, data.mentor), "audit.json")
    summaries = {(e["summary"], e["by"]) for e in events}
    assert ("Saved online feedback", "you") in summaries
    assert ("Submitted Before the group interview", "you") in summaries
    sign_in = next(e for e in events if e["action"] == "sign_in")
    assert sign_in["ip_address"] == "192.0.2.44"
    # Actions on the scheme as a whole, or on other people's records, are not theirs.
    assert not any(e["summary"].startswith("Ran allocation") for e in events)
    assert not any("Approved document" in e["summary"] for e in events)


def test_the_mentees_audit_names_staff_who_acted_on_their_document(
    client_for: ClientFor, data: Data, lead: User
) -> None:
    events = load(download(client_for, lead, data.mentee), "audit.json")
    assert ("Approved document version 1", "Lena Lead") in {(e["summary"], e["by"]) for e in events}


def test_the_export_is_audited_without_a_name_and_covers_this_scheme_only(
    client_for: ClientFor, data: Data, lead: User, site_admin: User
) -> None:
    elsewhere = ParticipantFactory(user=data.mentor.user, scheme=SchemeFactory(name="Other"))
    Contribution.objects.create(
        mentor=elsewhere,
        mentee=ParticipantFactory(scheme=elsewhere.scheme, role="mentee"),
        domain="strengths",
        text="Written in another scheme",
    )
    files = download(client_for, site_admin, data.mentor)
    assert "Written in another scheme" not in b"".join(files.values()).decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == site_admin
    assert event.object_id == str(data.mentor.pk) and event.scheme_id == data.scheme.pk
    assert "Mentor One" not in event.summary and "subject access" in event.summary


def _mentor_with(data: Data, *, stages: list[str], mentees: list[Participant]) -> Participant:
    mentor = ParticipantFactory(scheme=data.scheme)
    ConsentFactory(participant=mentor)
    for timepoint in stages:
        submit(mentor, Stage.objects.get(scheme=data.scheme, timepoint=timepoint), answers(2))
    for mentee in mentees:
        Contribution.objects.create(mentor=mentor, mentee=mentee, domain="strengths", text="Kind")
        Willingness.objects.create(mentor=mentor, mentee=mentee, willing=True)
    return mentor


def test_the_export_costs_the_same_queries_whatever_the_amount_of_data(data: Data) -> None:
    more = [ParticipantFactory(scheme=data.scheme, role="mentee") for _ in range(4)]
    small = _mentor_with(data, stages=["pre_phase1"], mentees=[data.mentee])
    large = _mentor_with(data, stages=["pre_phase1", "post_phase1"], mentees=[data.mentee, *more])
    with CaptureQueriesContext(connection) as first:
        access.personal_data(
            Participant.objects.select_related(
                "user", "scheme__organisation", "supervisor__user"
            ).get(pk=small.pk)
        )
    with CaptureQueriesContext(connection) as second:
        access.personal_data(
            Participant.objects.select_related(
                "user", "scheme__organisation", "supervisor__user"
            ).get(pk=large.pk)
        )
    assert len(second) == len(first)

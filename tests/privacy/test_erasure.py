"""Erasing a participant follows their consent, leaves no trace of their name or email,
keeps the research export working, and is all or nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revmentor.allocation.models import Pair
from revmentor.core.models import AuditEvent, User
from revmentor.feedback.models import (
    Contribution,
    DocumentVersion,
    FeedbackDocument,
    GroupInterview,
    Note,
    Willingness,
)
from revmentor.meetings.models import MAX_PLACE, Meeting
from revmentor.privacy import erasure
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Answer, Response, Stage
from revmentor.research import selectors as research_selectors
from revmentor.research.export import study_folder
from revmentor.schemes import services as schemes
from revmentor.schemes.models import Participant, ParticipantStatus
from revmentor.schemes.services import ServiceError
from tests.factories import ConsentFactory, ParticipantFactory
from tests.privacy.conftest import (
    MENTEE_EMAIL,
    MENTOR_EMAIL,
    Data,
    dump,
    refreshed,
    set_research_use,
)
from tests.research.conftest import answers, submit

ClientFor = Callable[[User | None], Client]


def rows(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name].decode())))


def assert_nowhere(*needles: str) -> None:
    """No table holds any of ``needles``, in any text column, in any case."""
    everything = dump().lower()
    for needle in needles:
        assert needle.lower() not in everything, needle


@pytest.mark.parametrize("research_use", [True, False])
def test_name_and_email_appear_nowhere_after_erasing_a_mentor(
    data: Data, lead: User, research_use: bool
) -> None:
    set_research_use(data.mentor, research_use)
    assert "Mentor One" in dump() and MENTOR_EMAIL in dump()
    erasure.participant_erase(actor=lead, participant=data.mentor)
    assert_nowhere("Mentor One", MENTOR_EMAIL)
    folder = b"".join(study_folder(data.scheme).values()).decode()
    assert "Mentor One" not in folder and MENTOR_EMAIL not in folder


@pytest.mark.parametrize("research_use", [True, False])
def test_name_and_email_appear_nowhere_after_erasing_a_mentee(
    data: Data, lead: User, research_use: bool
) -> None:
    set_research_use(data.mentee, research_use)
    erasure.participant_erase(actor=lead, participant=data.mentee)
    assert_nowhere("Mentee One", MENTEE_EMAIL)
    # Other people's free text lost only the name: "Dr Mentee One (email) and ..." reads
    # "[name removed] ([name removed]) and ...".
    other = Answer.objects.get(response__participant=data.other_mentor, name="concerns_text")
    assert other.value == "[name removed] ([name removed]) and Mentor One."


def test_research_use_keeps_answers_and_willingness_under_the_same_research_id(
    data: Data, lead: User
) -> None:
    before = study_folder(data.scheme)
    research_id = pseudonym(data.mentor)
    # The confirmation page says what happens below: a mentor has no years as consultant.
    said = erasure.erasure_plan(data.mentor).steps()[0]
    assert (
        f"their age, sex and whether they had mentored before are kept under research ID {research_id}"
        in said
    )
    assert "now marked as withdrawn" in said and "willingness they gave is left out" in said
    assert "does not change" not in said
    erasure.participant_erase(actor=lead, participant=data.mentor)
    after = study_folder(data.scheme)
    # Unchanged, but for the mentor's name in another mentor's free text.
    assert after["responses.csv"] == before["responses.csv"].replace(
        b"Mentor One", b"[name removed]"
    )
    # Erasing someone still taking part withdraws them: as for any withdrawal, their
    # willingness is kept but no longer counts.
    assert research_id in before["willingness.csv"].decode()
    assert research_id not in after["willingness.csv"].decode()
    assert Willingness.objects.filter(mentor_id=data.mentor.pk).count() == 2
    assert after["sessions.csv"] == before["sessions.csv"]
    [row] = [r for r in rows(after, "participants.csv") if r["participant_id"] == research_id]
    assert (row["sex"], row["age"], row["status"]) == ("male", "29", "withdrawn")
    stub = refreshed(data.mentor)
    assert stub is not None and stub.erased_at is not None and stub.grade == ""
    # The account was only this participation: anonymised in place, closed.
    assert stub.user_id == data.mentor.user_id
    assert stub.user.full_name == erasure.ERASED_NAME and not stub.user.is_active
    assert stub.user.email.endswith("@erased.invalid") and not stub.user.has_usable_password()
    # Drafts go whatever the consent.
    assert list(Response.objects.filter(participant=stub).values_list("status", flat=True)) == [
        "submitted"
    ]
    assert research_selectors.analysed(data.scheme).results is not None


def test_without_research_use_answers_and_willingness_go_but_the_pair_keeps_a_stub(
    data: Data, lead: User
) -> None:
    set_research_use(data.mentor, False)
    research_id = pseudonym(data.mentor)
    erasure.participant_erase(actor=lead, participant=data.mentor)
    stub = refreshed(data.mentor)
    assert stub is not None, "the published pair refers to the row"
    assert (stub.sex, stub.age, stub.grade) == ("", None, "")
    assert not Response.objects.filter(participant=stub).exists()
    assert not Willingness.objects.filter(mentor=stub).exists()
    assert stub.current_consent() is None
    folder = study_folder(data.scheme)
    assert research_id not in b"".join(folder.values()).decode()
    # The partner's session stays for them, the pair in the allocation too.
    assert Pair.objects.filter(mentor=stub, mentee=data.mentee).exists()
    assert Meeting.objects.get(pair__mentor=stub).duration_minutes == 45
    assert research_selectors.analysed(data.scheme).results is not None


def test_without_research_use_and_no_pair_the_row_and_the_account_go(
    data: Data, lead: User
) -> None:
    unpaired = ParticipantFactory(scheme=data.scheme, user__full_name="Dr Solo Person")
    Willingness.objects.create(mentor=unpaired, mentee=data.mentee, willing=True)
    user_id = unpaired.user_id
    erasure.participant_erase(actor=lead, participant=unpaired)
    assert refreshed(unpaired) is None
    assert not User.objects.filter(pk=user_id).exists()
    assert not Willingness.objects.filter(mentor_id=unpaired.pk).exists()
    assert_nowhere("Solo Person")


@pytest.mark.parametrize("research_use", [True, False])
def test_feedback_about_a_mentee_is_deleted_whatever_their_consent(
    data: Data, lead: User, research_use: bool
) -> None:
    set_research_use(data.mentee, research_use)
    erasure.participant_erase(actor=lead, participant=data.mentee)
    assert not FeedbackDocument.objects.filter(mentee=data.mentee).exists()
    assert not DocumentVersion.objects.filter(document__mentee_id=data.mentee.pk).exists()
    assert not Note.objects.filter(mentee_id=data.mentee.pk).exists()
    assert not Contribution.objects.filter(mentee_id=data.mentee.pk).exists()
    # The other mentee's document stays; it only loses the erased mentee's name.
    other = DocumentVersion.objects.get(document__mentee=data.other_mentee)
    texts = [s["text"] for s in other.sections if s["text"]]
    assert texts == ["Much like [name removed], easy to talk to", "Always teaches on rounds"]


def test_an_erased_mentor_is_no_longer_tied_to_the_words_checked_of_their_name(
    data: Data, lead: User
) -> None:
    other = DocumentVersion.objects.get(document__mentee=data.other_mentee)
    mine = ["strengths", "first_name", data.mentor.pk, "hannah"]
    theirs = ["strengths", "surname", data.other_mentor.pk, "grant"]
    other.names_checked = [mine, theirs]
    other.save(update_fields=["names_checked"])
    erasure.participant_erase(actor=lead, participant=data.mentor)
    other.refresh_from_db()
    assert other.names_checked == [theirs]


def test_an_erased_mentors_feedback_goes_but_what_was_merged_stays_unattributed(
    data: Data, lead: User
) -> None:
    erasure.participant_erase(actor=lead, participant=data.mentor)
    assert not Contribution.objects.filter(mentor_id=data.mentor.pk).exists()
    assert Note.objects.get(mentee=data.other_mentee, domain="strengths").text == (
        "Always teaches on rounds"
    )
    # The other mentor's feedback about the mentee is untouched.
    assert Contribution.objects.filter(mentor=data.other_mentor).count() == 1


def test_someone_in_another_scheme_keeps_their_account_and_the_stub_moves_off_it(
    data: Data, lead: User
) -> None:
    elsewhere = ParticipantFactory(user=data.mentor.user)
    erasure.participant_erase(actor=lead, participant=data.mentor)
    user = User.objects.get(pk=data.mentor.user_id)
    assert (user.full_name, user.email, user.is_active) == ("Dr Mentor One", MENTOR_EMAIL, True)
    assert refreshed(elsewhere) is not None
    stub = refreshed(data.mentor)
    assert stub is not None and stub.user_id != user.pk
    assert stub.user.full_name == erasure.ERASED_NAME
    # Nothing in this scheme's audit trail says the account did anything here any more.
    assert not AuditEvent.objects.filter(actor=user, scheme_id=data.scheme.pk).exists()
    # In this scheme's free text the name is gone all the same.
    assert "Mentor One" not in GroupInterview.objects.get(scheme=data.scheme).transcript


def test_the_audit_trail_records_the_erasure_without_the_name_and_drops_ip_addresses(
    data: Data, lead: User
) -> None:
    erasure.participant_erase(actor=lead, participant=data.mentor)
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, object_id=str(data.mentor.pk))
    assert event.actor == lead and event.scheme_id == data.scheme.pk
    assert event.summary.startswith("Erased a mentor's personal data: research data kept")
    assert "Mentor One" not in event.summary
    assert not AuditEvent.objects.filter(ip_address="192.0.2.44").exists()
    assert AuditEvent.objects.filter(summary__contains="because [name removed] was on").exists()


def test_an_active_participant_is_withdrawn_and_cannot_be_erased_twice(
    data: Data, lead: User
) -> None:
    erasure.participant_erase(actor=lead, participant=data.mentor)
    stub = refreshed(data.mentor)
    assert stub is not None and stub.status == ParticipantStatus.WITHDRAWN
    with pytest.raises(ServiceError, match="already been erased"):
        erasure.participant_erase(actor=lead, participant=stub)


def _refuse_user_updates() -> None:
    """Make the database refuse any change to an account, as a failing disk would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_change() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_user_update BEFORE UPDATE ON core_user "
                "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_user_update BEFORE UPDATE ON core_user "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )


def test_a_failure_half_way_changes_nothing(data: Data, lead: User) -> None:
    before = dump()
    _refuse_user_updates()  # the account is anonymised after everything else is deleted
    with pytest.raises(DatabaseError):
        erasure.participant_erase(actor=lead, participant=data.mentor)
    assert dump() == before
    assert refreshed(data.mentor).erased_at is None  # type: ignore[union-attr]


def test_the_lead_sees_what_will_happen_then_confirms(
    client_for: ClientFor, data: Data, lead: User
) -> None:
    set_research_use(data.mentor, False)
    client = client_for(lead)
    url = reverse("schemes:participant_erase", args=[data.scheme.pk, data.mentor.pk])
    page = client.get(url).content.decode()
    assert "Erase the personal data of Dr Mentor One" in page
    assert "This cannot be undone" in page and ">download their personal data</a>" in page
    assert "does not allow research use, so their 1 submitted questionnaire" in page
    assert "1 questionnaire they had not submitted will be deleted" in page
    assert "The online feedback they wrote (3 entries) is deleted" in page
    assert "They are in an allocation" in page
    assert "Their account is anonymised" in page
    refused = client.post(url, {})
    assert "Confirm that you understand this cannot be undone" in refused.content.decode()
    assert refreshed(data.mentor).erased_at is None  # type: ignore[union-attr]
    done = client.post(url, {"confirm": "on"})
    assert done.status_code == 302 and done["Location"] == reverse(
        "schemes:participants", args=[data.scheme.pk]
    )
    assert refreshed(data.mentor).erased_at is not None  # type: ignore[union-attr]
    listing = client.get(done["Location"]).content.decode()
    assert "Personal data erased" in listing and "Mentor One" not in listing
    again = client.get(url)
    assert again.status_code == 302


def test_the_participant_page_offers_both_rights_and_an_erased_stub_cannot_be_edited(
    client_for: ClientFor, data: Data, lead: User
) -> None:
    client = client_for(lead)
    url = reverse("schemes:participant_edit", args=[data.scheme.pk, data.mentor.pk])
    page = client.get(url).content.decode()
    assert (
        reverse("schemes:participant_personal_data", args=[data.scheme.pk, data.mentor.pk]) in page
    )
    assert reverse("schemes:participant_erase", args=[data.scheme.pk, data.mentor.pk]) in page
    erasure.participant_erase(actor=lead, participant=data.mentor)
    page = client.get(url).content.decode()
    assert "Their personal data was erased on" in page and MENTOR_EMAIL not in page
    client.post(url, {"age": "40"})
    assert refreshed(data.mentor).age == 29  # type: ignore[union-attr]


def _mentor_with(
    data: Data, name: str, *, stages: list[str], mentees: list[Participant]
) -> Participant:
    """A consented mentor (research use) who answered at ``stages`` and wrote feedback on,
    and said whether they would mentor, each of ``mentees``."""
    mentor = ParticipantFactory(scheme=data.scheme, user__full_name=name)
    ConsentFactory(participant=mentor)
    for timepoint in stages:
        stage = Stage.objects.get(scheme=data.scheme, timepoint=timepoint)
        submit(mentor, stage, answers(1))
    for mentee in mentees:
        Contribution.objects.create(mentor=mentor, mentee=mentee, domain="strengths", text="Kind")
        Willingness.objects.create(mentor=mentor, mentee=mentee, willing=True)
    return mentor


def test_erasure_costs_the_same_queries_whatever_the_amount_of_data(data: Data, lead: User) -> None:
    more = [ParticipantFactory(scheme=data.scheme, role="mentee") for _ in range(3)]
    small = _mentor_with(data, "Dr Small Mentor", stages=["pre_phase1"], mentees=[data.mentee])
    large = _mentor_with(
        data,
        "Dr Large Mentor",
        stages=["pre_phase1", "post_phase1"],
        mentees=[data.mentee, data.other_mentee, *more],
    )
    with CaptureQueriesContext(connection) as first:
        erasure.participant_erase(actor=lead, participant=small)
    with CaptureQueriesContext(connection) as second:
        erasure.participant_erase(actor=lead, participant=large)
    assert len(second) == len(first)


def test_text_at_its_full_length_stays_within_its_column(data: Data, lead: User) -> None:
    """The redaction is longer than a short name: the text keeps its start and its
    column's length, on every database (PostgreSQL would cut it, SQLite keep it longer)."""
    reason = " ".join(["Dr Mentor One"] * 30)[:300]
    schemes.participant_withdraw(actor=lead, participant=data.other_mentor, reason=reason)
    Meeting.objects.filter(pair__mentor=data.mentor).update(place=reason[:MAX_PLACE])
    erasure.participant_erase(actor=lead, participant=data.mentor)
    place = Meeting.objects.get(pair__mentee=data.mentee).place
    withdrawn_reason = refreshed(data.other_mentor).withdrawn_reason  # type: ignore[union-attr]
    for text, limit in ((withdrawn_reason, 300), (place, MAX_PLACE)):
        assert "Mentor One" not in text and text.startswith("[name removed] [name removed]")
        assert len(text) <= limit

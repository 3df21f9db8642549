"""Moving a scheme on: the lead sees what stops the move, what is unfinished and what the
move does, and confirms; nothing moves on a page that no longer tells the truth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.core.models import AuditEvent, User
from revmentor.feedback.services import (
    document_approve,
    document_compile,
    interview_for,
    notes_save,
)
from revmentor.feedback.willingness import willingness_set
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.models import Response, Stage
from revmentor.schemes import phases
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from revmentor.schemes.services import ServiceError, scheme_move_phase
from tests.factories import ConsentFactory, ParticipantFactory
from tests.meetings.conftest import publish

ClientFor = Callable[[User | None], Client]


def _consented(scheme: Scheme, role: ParticipantRole, **kwargs: Any) -> Participant:
    person: Participant = ParticipantFactory(
        scheme=scheme, role=role, invited_at=timezone.now(), **kwargs
    )
    ConsentFactory(participant=person)
    return person


def _keys(move: phases.MovePlan) -> list[str]:
    return [item.key for item in move.unfinished]


def _in_phase(scheme: Scheme, phase: Phase) -> Scheme:
    scheme.phase = phase
    scheme.save(update_fields=["phase"])
    return scheme


def _open(scheme: Scheme, timepoint: str) -> Stage:
    stage = Stage.objects.get(scheme=scheme, timepoint=timepoint)
    stage.opened_at = timezone.now()
    stage.save(update_fields=["opened_at"])
    return stage


def _submitted(mentor: Participant, stage: Stage) -> None:
    instrument = stage.instruments.get(role=ParticipantRole.MENTOR)
    Response.objects.create(
        participant=mentor,
        stage=stage,
        scheme_instrument=instrument,
        version=instrument.version,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


def _approved_document(mentee: Participant) -> None:
    interview = interview_for(mentee.scheme)
    notes_save(actor=None, interview=interview, mentee=mentee, texts={"technology": "Kind"})  # type: ignore[arg-type]
    version = document_compile(actor=None, mentee=mentee)  # type: ignore[arg-type]
    document_approve(actor=None, mentee=mentee, number=version.number)  # type: ignore[arg-type]


# What the lead is told


def test_starting_phase_1_lists_people_not_invited_or_not_consented_and_who_is_emailed(
    scheme: Scheme,
) -> None:
    _consented(scheme, ParticipantRole.MENTOR)
    _consented(scheme, ParticipantRole.MENTOR)
    _consented(scheme, ParticipantRole.MENTEE)
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)  # not invited
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR, invited_at=timezone.now())

    move = phases.plan(scheme, Phase.PHASE_1)

    assert move.blocker == ""
    assert [item.text for item in move.unfinished] == [
        "1 person has not been invited.",
        "1 person has been invited and not given consent yet. They are sent no "
        "questionnaire until they do.",
    ]
    assert (
        "The questionnaires “Before the group interview” open, and the 2 mentors who should "
        "answer are emailed that theirs is ready." in move.effects
    )
    assert "The feedback domains are fixed: they can no longer be changed." in move.effects


def test_a_move_its_guard_refuses_lists_only_why(scheme: Scheme) -> None:
    _consented(scheme, ParticipantRole.MENTOR)  # and no mentee

    move = phases.plan(scheme, Phase.PHASE_1)

    assert move.blocker.startswith("Add at least one active mentor and one active mentee")
    assert move.unfinished == [] and move.effects == []


def test_leaving_phase_1_lists_questionnaires_documents_and_willingness_not_done(
    scheme: Scheme,
) -> None:
    mentee = _consented(scheme, ParticipantRole.MENTEE)
    other_mentee = _consented(scheme, ParticipantRole.MENTEE)
    mentors = [_consented(scheme, ParticipantRole.MENTOR) for _ in range(3)]
    _in_phase(scheme, Phase.PHASE_1)
    stage = _open(scheme, "pre_phase1")
    _submitted(mentors[0], stage)
    _approved_document(mentee)
    willingness_set(mentor=mentors[0], choices={mentee.pk: True, other_mentee.pk: False})

    move = phases.plan(scheme, Phase.ALLOCATION)
    texts = {item.key.split(":")[0]: item.text for item in move.unfinished}

    assert texts["questionnaire-not-submitted"] == (
        "2 of 3 mentors have not submitted the questionnaire “Before the group interview”. "
        "They can still answer it after you move on."
    )
    assert texts["questionnaire-not-opened"] == (
        "The mentor questionnaire “After the group interview” was never opened: nobody has "
        "answered it."
    )
    assert texts["documents-not-approved"].startswith(
        "1 of 2 mentees have no approved feedback document"
    )
    assert texts["willingness-not-given"].startswith(
        "2 of 3 mentors have not said about every mentee whether they would mentor them"
    )
    assert "Mentors can no longer add their own feedback about mentees online." in move.effects


def test_leaving_phase_1_with_everything_done_lists_nothing(scheme: Scheme) -> None:
    mentee = _consented(scheme, ParticipantRole.MENTEE)
    mentor = _consented(scheme, ParticipantRole.MENTOR)
    _in_phase(scheme, Phase.PHASE_1)
    for timepoint in ("pre_phase1", "post_phase1"):
        stage = _open(scheme, timepoint)
        _submitted(mentor, stage)
    _approved_document(mentee)
    willingness_set(mentor=mentor, choices={mentee.pk: True})

    assert phases.plan(scheme, Phase.ALLOCATION).unfinished == []


def test_leaving_phase_2_lists_sessions_nobody_logged(scheme: Scheme) -> None:
    pairs = [
        (_consented(scheme, ParticipantRole.MENTOR), _consented(scheme, ParticipantRole.MENTEE))
        for _ in range(3)
    ]
    _in_phase(scheme, Phase.PHASE_2)
    held, not_logged, _no_meeting = publish(scheme, pairs)
    Meeting.objects.create(pair=held, held=True, duration_minutes=45)
    Meeting.objects.create(pair=not_logged, starts_at=timezone.now())

    move = phases.plan(scheme, Phase.ANALYSIS)

    assert [item.text for item in move.unfinished if item.key == "sessions-not-logged"] == [
        "2 of 3 sessions have not been logged as held or not held. Pairs can still log "
        "them during analysis."
    ]
    assert any(
        effect.startswith("Pairs can no longer arrange a session") for effect in move.effects
    )


def test_a_session_that_will_not_go_ahead_is_not_counted_as_unlogged(
    scheme: Scheme, lead: User
) -> None:
    from revmentor.schemes.services import participant_withdraw

    pairs = [
        (_consented(scheme, ParticipantRole.MENTOR), _consented(scheme, ParticipantRole.MENTEE))
        for _ in range(2)
    ]
    _in_phase(scheme, Phase.PHASE_2)
    publish(scheme, pairs)
    participant_withdraw(actor=lead, participant=pairs[0][1], reason="Moved trust")

    move = phases.plan(scheme, Phase.ANALYSIS)

    unlogged = [item.text for item in move.unfinished if item.key == "sessions-not-logged"]
    assert [text.split(".")[0] for text in unlogged] == [
        "1 of 1 session has not been logged as held or not held"
    ]


# The move itself


def test_a_move_refuses_what_the_lead_was_not_shown_and_changes_nothing(
    scheme: Scheme, lead: User
) -> None:
    _consented(scheme, ParticipantRole.MENTOR)
    _consented(scheme, ParticipantRole.MENTEE)
    shown = _keys(phases.plan(scheme, Phase.PHASE_1))
    assert shown == []
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)  # added meanwhile

    with pytest.raises(ServiceError, match="1 person has not been invited"):
        scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1, seen=shown)

    scheme.refresh_from_db()
    assert scheme.phase == Phase.SETUP
    assert not Stage.objects.filter(scheme=scheme, opened_at__isnull=False).exists()


def test_a_count_that_changed_since_the_page_is_still_what_the_lead_saw(
    scheme: Scheme, lead: User
) -> None:
    _consented(scheme, ParticipantRole.MENTOR)
    _consented(scheme, ParticipantRole.MENTEE)
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    shown = _keys(phases.plan(scheme, Phase.PHASE_1))
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)  # "1 person" is now 2

    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1, seen=shown)

    scheme.refresh_from_db()
    assert scheme.phase == Phase.PHASE_1
    event = AuditEvent.objects.filter(object_type="schemes.Scheme").latest("pk")
    assert event.summary == (
        "Moved to Phase 1: group assessment. Unfinished then: 2 people have not been invited."
    )


# The page


def test_the_dashboard_links_to_the_move_page_which_lists_what_is_unfinished(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    _consented(scheme, ParticipantRole.MENTOR, user__full_name="Dr A")
    _consented(scheme, ParticipantRole.MENTEE)
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    client = client_for(lead)
    url = reverse("schemes:advance", args=[scheme.pk])

    dashboard = client.get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    page = client.get(url).content.decode()

    assert f'href="{url}"' in dashboard and "Move on to phase 1: group assessment" in dashboard
    assert "<h1>Move on to phase 1: group assessment</h1>" in page
    assert "1 person has not been invited." in page
    assert (
        "The questionnaires “Before the group interview” open, and the 1 mentor who should "
        "answer is emailed that theirs is ready." in page
    )
    assert "I have read what is unfinished and want to move on anyway" in page
    assert 'name="seen" value="not-invited"' in page
    assert "The scheme cannot be moved back to set-up." in page


def test_moving_on_with_something_unfinished_needs_the_tick(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    mentor = _consented(scheme, ParticipantRole.MENTOR)
    _consented(scheme, ParticipantRole.MENTEE)
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    client = client_for(lead)
    url = reverse("schemes:advance", args=[scheme.pk])
    posted = {"to": "phase_1", "seen": ["not-invited"]}

    refused = client.post(url, posted)

    assert refused.status_code == 200
    assert "Tick the box to confirm that you want to move on" in refused.content.decode()
    scheme.refresh_from_db()
    assert scheme.phase == Phase.SETUP and mail.outbox == []

    moved = client.post(url, {**posted, "confirm": "on"})

    assert moved.status_code == 302 and moved["Location"] == reverse(
        "schemes:detail", args=[scheme.pk]
    )
    scheme.refresh_from_db()
    assert scheme.phase == Phase.PHASE_1
    assert [message.to for message in mail.outbox] == [[mentor.user.email]]


def test_the_page_says_who_made_the_last_move_and_when(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    """Back after a move shows the next move's page: it says a move was just made."""
    _consented(scheme, ParticipantRole.MENTOR)
    _consented(scheme, ParticipantRole.MENTEE)
    scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)

    body = client_for(lead).get(reverse("schemes:advance", args=[scheme.pk])).content.decode()

    assert "<h1>Move on to allocation</h1>" in body
    assert "The scheme is in phase 1: group assessment. Lena Lead moved it there on " in body


def test_moving_on_with_nothing_unfinished_needs_no_tick(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    _consented(scheme, ParticipantRole.MENTOR)
    _consented(scheme, ParticipantRole.MENTEE)
    client = client_for(lead)
    url = reverse("schemes:advance", args=[scheme.pk])

    assert "I have read what is unfinished" not in client.get(url).content.decode()
    client.post(url, {"to": "phase_1"})

    scheme.refresh_from_db()
    assert scheme.phase == Phase.PHASE_1


def test_the_page_says_when_something_new_is_unfinished_and_shows_it(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    _consented(scheme, ParticipantRole.MENTOR)
    _consented(scheme, ParticipantRole.MENTEE)
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR, invited_at=timezone.now())

    response = client_for(lead).post(
        reverse("schemes:advance", args=[scheme.pk]),
        {"to": "phase_1", "seen": ["not-invited"], "confirm": "on"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Since you opened the page, more is unfinished" in body
    assert 'name="seen" value="not-consented"' in body
    assert "checked" not in body  # the tick is asked for again
    scheme.refresh_from_db()
    assert scheme.phase == Phase.SETUP


def test_a_blocked_move_offers_no_button(client_for: ClientFor, lead: User, scheme: Scheme) -> None:
    _consented(scheme, ParticipantRole.MENTOR)

    body = client_for(lead).get(reverse("schemes:advance", args=[scheme.pk])).content.decode()

    assert "You cannot move on yet" in body
    assert "Add at least one active mentor and one active mentee" in body
    assert 'name="to"' not in body


def test_a_closed_scheme_has_no_move_page(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    _in_phase(scheme, Phase.CLOSED)

    response = client_for(lead).get(reverse("schemes:advance", args=[scheme.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("schemes:detail", args=[scheme.pk])


def test_the_move_page_costs_the_same_queries_whatever_the_size_of_the_scheme(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    for _ in range(2):
        _consented(scheme, ParticipantRole.MENTOR)
        _consented(scheme, ParticipantRole.MENTEE)
    _in_phase(scheme, Phase.PHASE_1)
    client = client_for(lead)
    url = reverse("schemes:advance", args=[scheme.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(10):
        _approved_document(_consented(scheme, ParticipantRole.MENTEE))
        _consented(scheme, ParticipantRole.MENTOR)

    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200

    assert len(large) == len(small) <= 20


def test_a_page_that_showed_nothing_unfinished_is_refused_for_what_is_new(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    _consented(scheme, ParticipantRole.MENTOR)
    _consented(scheme, ParticipantRole.MENTEE)
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)  # added after the page

    body = (
        client_for(lead)
        .post(reverse("schemes:advance", args=[scheme.pk]), {"to": "phase_1"})
        .content.decode()
    )

    assert "Since you opened the page, more is unfinished: 1 person has not been invited." in body
    assert "Tick the box" not in body
    scheme.refresh_from_db()
    assert scheme.phase == Phase.SETUP

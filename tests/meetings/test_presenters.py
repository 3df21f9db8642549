"""Sessions in Your tasks, on the dashboard, and releasing the document to the mentee."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revmentor.allocation.models import Pair
from revmentor.core.models import User
from revmentor.feedback import services as feedback_services
from revmentor.meetings import presenters, services
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from revmentor.schemes.presenters import STAGE_COUNTERS, TASK_PROVIDERS, task_rows
from revmentor.schemes.services import consent_withdraw, participant_withdraw
from tests.factories import ConsentFactory
from tests.meetings.conftest import local, person, publish, scheme_in_phase_2

ClientFor = Callable[[User | None], Client]
NOW = local(2027, 3, 1, 10, 0)
SESSION = local(2027, 3, 15, 14, 30)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _row(participant: Participant) -> tuple[str, str, str]:
    rows = task_rows(list(scheme_selectors.own_participations(participant.user)))
    (found,) = [r for r in rows.get(participant.pk, []) if r.title == presenters.TASK_TITLE]
    return found.status, found.hint, found.href


def test_the_hooks_are_registered() -> None:
    assert presenters.session_rows in TASK_PROVIDERS
    assert STAGE_COUNTERS["sessions"] is presenters.session_counts


def test_your_tasks_follow_the_session_from_not_started_to_completed(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    href = reverse("own_meeting", args=[pair.allocation.scheme_id])
    assert _row(mentor) == ("Not started", f"With {mentee.user.full_name}", href)
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    assert _row(mentor)[0] == "Waiting for confirmation"
    assert _row(mentee)[0] == "Confirm the time"
    services.meeting_confirm(participant=mentee, pair=pair)
    assert _row(mentor)[0] == _row(mentee)[0] == "Arranged"
    with time_machine.travel(SESSION, tick=False):  # logged once its time has come
        services.meeting_log(participant=mentee, pair=pair, held=False, duration_minutes=None)
    assert _row(mentor)[0] == "completed"


def test_in_analysis_a_time_never_confirmed_asks_to_log_the_session(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    scheme = pair.allocation.scheme
    scheme.phase = Phase.ANALYSIS
    scheme.save()
    # Nobody can confirm it now: neither is asked to, nor told to wait for it.
    assert _row(mentor)[0] == _row(mentee)[0] == "Log the session"


def test_there_is_no_session_task_before_phase_2_or_without_a_published_pair(
    pair: Pair, mentor: Participant, other_mentor: Participant
) -> None:
    assert presenters.session_rows([other_mentor]) == {}
    scheme = pair.allocation.scheme
    scheme.phase = Phase.ALLOCATION
    scheme.save()
    participations = list(scheme_selectors.own_participations(mentor.user))
    assert presenters.session_rows(participations) == {}


def test_the_dashboard_counts_held_sessions_of_the_published_pairs(
    phase_2: Scheme, mentor: Participant, mentee: Participant, other_mentor: Participant
) -> None:
    assert presenters.session_counts(phase_2) == []
    for someone in (mentor, mentee, other_mentor):
        ConsentFactory(participant=someone)
    first, second = publish(phase_2, [(mentor, mentee), (other_mentor, mentee)])
    services.meeting_log(participant=mentor, pair=first, held=True, duration_minutes=45)
    services.meeting_propose(participant=other_mentor, pair=second, starts_at=SESSION, place="R")
    services.meeting_confirm(participant=mentee, pair=second)
    assert presenters.session_counts(phase_2) == [
        ("of 2 sessions held", 1),
        ("arranged and still to come", 1),
        ("did not take place", 0),
    ]


def test_the_dashboard_counts_sessions_that_will_not_go_ahead_apart(
    phase_2: Scheme, mentor: Participant, mentee: Participant, other_mentor: Participant
) -> None:
    for someone in (mentor, mentee, other_mentor):
        ConsentFactory(participant=someone)
    other_mentee = person(phase_2, ParticipantRole.MENTEE)
    first, _second = publish(phase_2, [(mentor, mentee), (other_mentor, other_mentee)])
    services.meeting_log(participant=mentor, pair=first, held=True, duration_minutes=45)
    consent_withdraw(participant=other_mentee)
    consent_withdraw(participant=mentee)  # after the session was held: it counts
    assert presenters.session_counts(phase_2) == [
        ("of 1 session held", 1),
        ("arranged and still to come", 0),
        ("did not take place", 0),
        ("will not go ahead because someone stopped taking part", 1),
    ]


@pytest.fixture
def approved(pair: Pair, lead: User, mentee: Participant) -> Pair:
    feedback_services.document_edit(actor=lead, mentee=mentee, texts={"technology": "Clear"})
    feedback_services.document_approve(actor=lead, mentee=mentee, number=1)
    return pair


def _read(client_for: ClientFor, user: User, pair: Pair) -> int:
    url = reverse("released_document", args=[pair.allocation.scheme_id, pair.mentee_id])
    return client_for(user).get(url).status_code


def test_a_mentee_reads_their_document_only_after_their_session_was_held_if_released(
    client_for: ClientFor, approved: Pair, mentee: Participant
) -> None:
    scheme = approved.allocation.scheme
    scheme.release_documents_to_mentees = True
    scheme.save()
    assert _read(client_for, mentee.user, approved) == 404
    services.meeting_log(participant=mentee, pair=approved, held=False, duration_minutes=None)
    assert _read(client_for, mentee.user, approved) == 404
    services.meeting_log(participant=mentee, pair=approved, held=True, duration_minutes=30)
    assert _read(client_for, mentee.user, approved) == 200


def test_a_mentee_does_not_read_it_when_the_scheme_does_not_release_documents(
    client_for: ClientFor, approved: Pair, mentee: Participant
) -> None:
    services.meeting_log(participant=mentee, pair=approved, held=True, duration_minutes=30)
    assert _read(client_for, mentee.user, approved) == 404


def test_another_mentee_never_reads_it(
    client_for: ClientFor, approved: Pair, mentee: Participant, other_mentee: Participant
) -> None:
    scheme = approved.allocation.scheme
    scheme.release_documents_to_mentees = True
    scheme.save()
    services.meeting_log(participant=mentee, pair=approved, held=True, duration_minutes=30)
    assert _read(client_for, other_mentee.user, approved) == 404


# What each person of the pair is told about the logged answer.


def _told(who: Participant, pair: Pair) -> tuple[str, list[str], bool]:
    other = pair.mentee if who.pk == pair.mentor_id else pair.mentor
    pair.refresh_from_db()
    summary = presenters.log_summary(who, other, pair.meeting)
    return summary.heading, summary.lines, summary.can_confirm


def _log(who: Participant, pair: Pair, minutes: int | None) -> None:
    services.meeting_log(
        participant=who, pair=pair, held=minutes is not None, duration_minutes=minutes
    )


def test_before_anything_is_logged_both_are_asked_about_the_session(
    pair: Pair, mentor: Participant
) -> None:
    assert presenters.log_summary(mentor, pair.mentee, None).heading == "After the session"


def test_only_the_person_who_logged_it_is_asked_to_change_what_they_told_us(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentor, pair, 45)
    assert _told(mentor, pair) == (
        "Change what you told us",
        ["You logged that it took place, 45 minutes, on 1 March 2027."],
        False,
    )
    assert _told(mentee, pair) == (
        "Check what your partner logged",
        ["Dr Mentor One logged that it took place, 45 minutes, on 1 March 2027."],
        True,
    )


def test_a_correction_is_shown_to_both_with_who_made_it(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentor, pair, 45)
    with time_machine.travel(local(2027, 3, 2, 9, 0), tick=False):
        _log(mentee, pair, 60)
    assert _told(mentor, pair) == (
        "Check what your partner logged",
        [
            "Dr Mentee One logged that it took place, 60 minutes, on 2 March 2027.",
            "Changed from 45 to 60 minutes by Dr Mentee One on 2 March 2027.",
        ],
        True,
    )
    assert _told(mentee, pair) == (
        "Change what you told us",
        [
            "You logged that it took place, 60 minutes, on 2 March 2027.",
            "Changed from 45 to 60 minutes by you on 2 March 2027.",
        ],
        False,
    )


def test_a_confirmation_is_shown_to_both(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentor, pair, None)
    with time_machine.travel(local(2027, 3, 3, 9, 0), tick=False):
        _log(mentee, pair, None)
    assert _told(mentor, pair) == (
        "Change what you told us",
        [
            "You logged that it did not take place, on 1 March 2027.",
            "Dr Mentee One confirmed it on 3 March 2027.",
        ],
        False,
    )
    assert _told(mentee, pair)[1:] == (
        [
            "Dr Mentor One logged that it did not take place, on 1 March 2027.",
            "You confirmed it on 3 March 2027.",
        ],
        False,
    )


def test_your_tasks_asks_the_mentor_to_check_a_change_their_mentee_made_to_the_log(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    href = reverse("own_meeting", args=[pair.allocation.scheme_id])
    _log(mentor, pair, 45)
    assert _row(mentor)[0] == "completed"
    _log(mentee, pair, 60)  # the mentee corrects what the mentor logged
    assert _row(mentor) == ("Check the change", f"With {mentee.user.full_name}", href)
    assert _row(mentee)[0] == "completed"
    page = client_for(mentor.user).get(reverse("tasks")).content.decode()
    assert "Check the change" in page and f'href="{href}"' in page
    _log(mentor, pair, 60)  # the mentor confirms it
    assert _row(mentor)[0] == _row(mentee)[0] == "completed"


def test_your_tasks_asks_the_other_to_check_a_change_until_they_answer_it(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentee, pair, None)
    assert _row(mentor)[0] == "completed"  # a first answer is not a change to check
    _log(mentor, pair, None)  # confirmed by the mentor
    _log(mentee, pair, 30)  # then changed by the mentee
    assert _row(mentor)[0] == "Check the change"
    _log(mentor, pair, 50)  # the mentor gives their own answer: now the mentee checks it
    assert _row(mentor)[0] == "completed"
    assert _row(mentee)[0] == "Check the change"


def test_a_change_left_unchecked_when_the_partner_stops_is_done(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _log(mentor, pair, 45)
    _log(mentee, pair, 60)
    _stop(mentee, "consent")  # nothing can be confirmed any more
    assert _session_rows(mentor)[0][0::2] == (presenters.TASK_TITLE, "completed")


def test_a_mentee_allowed_to_read_their_document_finds_it_in_your_tasks(
    client_for: ClientFor, approved: Pair, mentee: Participant
) -> None:
    scheme = approved.allocation.scheme
    scheme.release_documents_to_mentees = True
    scheme.save()
    document = reverse("released_document", args=[scheme.pk, mentee.pk])
    client = client_for(mentee.user)
    assert document not in client.get(reverse("tasks")).content.decode()
    services.meeting_log(participant=mentee, pair=approved, held=True, duration_minutes=30)
    tasks = client.get(reverse("tasks")).content.decode()
    assert "Read the group&#39;s feedback about you" in tasks and f'href="{document}"' in tasks
    # The page is not a dead end: back to Your tasks, and its PDF.
    page = client.get(document).content.decode()
    pdf = reverse("released_document_pdf", args=[scheme.pk, mentee.pk])
    assert f'href="{reverse("tasks")}"' in page and f'href="{pdf}"' in page


# When the other person of the pair stops taking part: withdraws their consent, or the
# lead withdraws them. The partner is told the session will not go ahead, never why.


def _stop(person: Participant, how: str) -> None:
    if how == "consent":
        consent_withdraw(participant=person)
    else:
        participant_withdraw(actor=None, participant=person, reason="Moved trust")  # type: ignore[arg-type]


def _session_rows(person: Participant) -> list[tuple[str, str, str, str]]:
    rows = presenters.session_rows(list(scheme_selectors.own_participations(person.user)))
    return [(r.title, r.href, r.status, r.hint) for r in rows.get(person.pk, [])]


def _left(name: str) -> tuple[str, str, str, str]:
    return (
        f"Your one-to-one session with {name}",
        "",
        "Will not go ahead",
        f"{name} is no longer taking part in the scheme, so the session will not go ahead. "
        "There is nothing you need to do.",
    )


@pytest.mark.parametrize("how", ["consent", "withdrawn"])
def test_a_partner_is_told_the_session_will_not_go_ahead_in_the_same_words_either_way(
    pair: Pair, mentor: Participant, mentee: Participant, how: str
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    _stop(mentee, how)
    assert _session_rows(mentor) == [_left("Dr Mentee One")]


def test_a_mentee_is_told_when_their_mentor_stops(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _stop(mentor, "consent")
    assert _session_rows(mentee) == [_left("Dr Mentor One")]


def test_a_session_logged_before_the_partner_left_stays_done(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=40)
    _stop(mentee, "consent")
    assert _session_rows(mentor)[0][0::2] == (presenters.TASK_TITLE, "completed")


def test_your_tasks_shows_the_notice_without_a_link_to_arrange_the_session(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    _stop(mentee, "withdrawn")
    page = client_for(mentor.user).get(reverse("tasks")).content.decode()
    assert "Dr Mentee One is no longer taking part in the scheme" in page
    assert reverse("own_meeting", args=[pair.allocation.scheme_id]) not in page
    assert "Moved trust" not in page


@pytest.mark.parametrize("how", ["consent", "withdrawn"])
def test_a_mentee_who_stopped_no_longer_reads_their_document(
    client_for: ClientFor, approved: Pair, mentee: Participant, how: str
) -> None:
    scheme = approved.allocation.scheme
    scheme.release_documents_to_mentees = True
    scheme.save()
    services.meeting_log(participant=mentee, pair=approved, held=True, duration_minutes=30)
    assert _read(client_for, mentee.user, approved) == 200
    _stop(mentee, how)
    assert _read(client_for, mentee.user, approved) == 404


def test_a_mentor_no_longer_reads_the_document_of_a_mentee_who_stopped(
    client_for: ClientFor, approved: Pair, mentor: Participant, mentee: Participant
) -> None:
    assert _read(client_for, mentor.user, approved) == 200
    _stop(mentee, "consent")
    assert _read(client_for, mentor.user, approved) == 404


def test_your_tasks_costs_the_same_queries_for_1_or_4_pairs_some_of_them_left(
    client_for: ClientFor, phase_2: Scheme, mentee: Participant
) -> None:
    """A mentee met by several mentors, one of whom left: no query a pair."""
    ConsentFactory(participant=mentee)
    bigger = scheme_in_phase_2()
    counts = []
    for scheme, one, n in (
        (phase_2, mentee, 1),
        (bigger, person(bigger, ParticipantRole.MENTEE), 4),
    ):
        mentors = [person(scheme, ParticipantRole.MENTOR) for _ in range(n)]
        publish(scheme, [(m, one) for m in mentors])
        _stop(mentors[0], "consent")
        client = client_for(one.user)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("tasks")).content.decode()
        assert page.count("is no longer taking part in the scheme") == 1
        counts.append(len(queries))
    assert counts[0] == counts[1]

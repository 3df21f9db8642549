"""The reminder the day before is a deferred task in the database queue, run by the
real worker; it is not sent once the session is cancelled or moved (or logged, which can
happen only once its time has come)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from revmentor.allocation.models import Pair
from revmentor.meetings import services
from revmentor.schemes.models import Participant
from tests.meetings.conftest import local

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NOW = local(2027, 3, 1, 10, 0)
SESSION = local(2027, 3, 15, 14, 30)
REMIND_AT = local(2027, 3, 14, 9, 0)


def _work(at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def _arrange(pair: Pair, mentor: Participant, mentee: Participant) -> None:
    with time_machine.travel(NOW, tick=False):
        services.meeting_propose(
            participant=mentor, pair=pair, starts_at=SESSION, place="Seminar room 2"
        )
        services.meeting_confirm(participant=mentee, pair=pair)


def _reminders() -> list[list[str]]:
    return sorted(m.to for m in mail.outbox if "reminder" in m.subject)


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_QUEUE)
def test_both_people_are_reminded_the_day_before_by_the_worker(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    from django_tasks_db.models import DBTaskResult

    _arrange(pair, mentor, mentee)
    queued = DBTaskResult.objects.get(task_path="revmentor.meetings.tasks.send_meeting_reminder")
    assert queued.run_after == REMIND_AT

    _work(NOW)
    assert len(mail.outbox) == 2  # the confirmations, with the invite
    assert _reminders() == []

    _work(local(2027, 3, 14, 8, 59))
    assert _reminders() == []  # not due yet

    _work(local(2027, 3, 14, 9, 1))
    assert _reminders() == sorted([[mentor.user.email], [mentee.user.email]])
    reminder = next(m for m in mail.outbox if "reminder" in m.subject)
    assert "15 March 2027 at 14:30" in reminder.body
    assert reminder.attachments


# Nothing can be logged before the session's time (services.NotYet), so before the
# reminder an arranged session can only be cancelled or moved.


def _cancel(pair: Pair, mentor: Participant, mentee: Participant) -> None:
    with time_machine.travel(local(2027, 3, 10, 12, 0), tick=False):
        services.meeting_cancel(participant=mentor, pair=pair)


def _move(pair: Pair, mentor: Participant, mentee: Participant) -> None:
    # Moved to a later day and not yet confirmed: the old reminder must not go.
    with time_machine.travel(local(2027, 3, 10, 12, 0), tick=False):
        services.meeting_propose(
            participant=mentee, pair=pair, starts_at=local(2027, 3, 20, 9, 0), place="Room 4"
        )


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_QUEUE)
@pytest.mark.parametrize("change", [_cancel, _move], ids=["cancelled", "moved"])
def test_no_reminder_once_the_session_is_cancelled_or_moved(
    pair: Pair,
    mentor: Participant,
    mentee: Participant,
    change: Callable[[Pair, Participant, Participant], None],
) -> None:
    _arrange(pair, mentor, mentee)
    change(pair, mentor, mentee)
    _work(local(2027, 3, 14, 9, 1))
    assert _reminders() == []


@override_settings(TASKS=DATABASE_QUEUE)
def test_no_reminder_is_queued_for_a_session_tomorrow(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    from django_tasks_db.models import DBTaskResult

    with time_machine.travel(local(2027, 3, 14, 10, 0), tick=False):
        services.meeting_propose(
            participant=mentor, pair=pair, starts_at=SESSION, place="Seminar room 2"
        )
        services.meeting_confirm(participant=mentee, pair=pair)
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == {
        "revmentor.meetings.tasks.send_meeting_proposed",
        "revmentor.meetings.tasks.send_meeting_confirmation",
    }


def test_without_a_deferring_backend_confirming_still_emails_the_invite(
    pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    # The test settings run tasks at once and cannot defer: no reminder, no failure.
    _arrange(pair, mentor, mentee)
    assert len([m for m in mail.outbox if "arranged" in m.subject]) == 2
    assert _reminders() == []

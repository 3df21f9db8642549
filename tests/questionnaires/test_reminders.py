"""Reminders are deferred tasks in the database queue, run by the real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from revmentor.core.models import User
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Participant, Phase, Scheme

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_QUEUE)
def test_a_mentor_who_has_not_answered_after_three_days_is_reminded_by_the_worker(
    lead: User, scheme: Scheme, consented_mentor: Participant
) -> None:
    from django_tasks_db.models import DBTaskResult

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        scheme_services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    queued = DBTaskResult.objects.get(
        task_path="revmentor.questionnaires.tasks.send_stage_reminders"
    )
    assert queued.run_after == start + timedelta(days=3)

    with time_machine.travel(start + timedelta(days=2), tick=False):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert mail.outbox == []  # not due yet

    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [m.to for m in mail.outbox] == [[consented_mentor.user.email]]
    assert "reminder" in mail.outbox[0].subject

"""Questionnaire emails: one when a stage opens; reminders, deferred tasks run by the worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from revmentor.core.models import AuditEvent, User
from revmentor.questionnaires import services
from revmentor.questionnaires.models import Response, Stage
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from tests.factories import ConsentFactory, ParticipantFactory

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
    # Only the email that said the questionnaire was ready: the reminder is not due yet.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            [consented_mentor.user.email],
            "revmentor: questionnaire to answer: Before the group interview",
        )
    ]

    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [m.to for m in mail.outbox[1:]] == [[consented_mentor.user.email]]
    assert "reminder" in mail.outbox[1].subject
    assert '"Withdraw your consent"' in mail.outbox[1].body
    assert "reply to" not in mail.outbox[1].body


def test_opening_a_stage_emails_each_person_who_should_answer_that_it_is_ready(
    lead: User,
    scheme: Scheme,
    consented_mentor: Participant,
    other_mentor: Participant,
    withdrawn: Participant,
    mentee: Participant,
) -> None:
    ConsentFactory(participant=mentee)
    scheme_services.scheme_move_phase(actor=lead, scheme=scheme, to_phase=Phase.PHASE_1)
    mail.outbox.clear()
    stage = Stage.objects.get(scheme=scheme, timepoint="post_phase1")
    # A mentor who has already submitted at this stage is not told again.
    submitted = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR)
    ConsentFactory(participant=submitted)
    instrument = stage.instruments.get()
    Response.objects.create(
        participant=submitted,
        stage=stage,
        scheme_instrument=instrument,
        version=instrument.version,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )

    opened_on = timezone.localdate()
    services.stage_open(actor=lead, stage=stage)

    # Mentors only (the stage has no mentees' questionnaire), consented, active, yet to
    # answer: not the mentor without consent, the withdrawn one or the one who submitted.
    assert [m.to for m in mail.outbox] == [[consented_mentor.user.email]]
    message = mail.outbox[0]
    assert message.subject == "revmentor: questionnaire to answer: After the group interview"
    assert f"Dear {consented_mentor.user.full_name}," in message.body
    assert f"for {scheme.name} is ready for you to answer" in message.body
    due = opened_on + timedelta(days=stage.due_days)
    assert f"Please answer it by {due.day} {due:%B %Y}." in message.body
    assert f"{settings.SITE_URL}/tasks/" in message.body
    # Sent from an address nobody reads: withdrawing is done on the site, not by reply.
    assert '"Withdraw your consent"' in message.body and "reply to" not in message.body
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SEND,
        object_id=str(consented_mentor.pk),
        summary="Sent questionnaire: After the group interview",
    ).exists()


def test_a_questionnaire_switched_on_at_an_open_stage_is_announced_to_its_role_only(
    client_for: Callable[[User | None], Client],
    lead: User,
    scheme: Scheme,
    consented_mentor: Participant,
    mentee: Participant,
) -> None:
    ConsentFactory(participant=mentee)
    scheme.phase = Phase.PHASE_2
    scheme.save()
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_session")
    mentees_questionnaire = stage.instruments.get(role=ParticipantRole.MENTEE)
    services.scheme_instrument_set_enabled(
        actor=lead, scheme_instrument=mentees_questionnaire, enabled=False
    )
    services.stage_open(actor=lead, stage=stage)
    assert [m.to for m in mail.outbox] == [[consented_mentor.user.email]]  # mentors only
    mail.outbox.clear()

    client = client_for(lead)
    toggle = reverse("schemes:instrument_toggle", args=[scheme.pk, mentees_questionnaire.pk])
    page = client.post(toggle, {"enabled": "1"}, follow=True).content.decode()
    assert "the people who should answer it are being emailed that it is ready" in page
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([mentee.user.email], "revmentor: questionnaire to answer: Before your one-to-one session")
    ]

    # Pressed again (a double click, a stale page): already on, nobody is told twice.
    page = client.post(toggle, {"enabled": "1"}, follow=True).content.decode()
    assert "being emailed" not in page
    assert len(mail.outbox) == 1


def test_a_questionnaire_switched_off_and_on_again_at_an_open_stage_is_not_announced_twice(
    client_for: Callable[[User | None], Client],
    lead: User,
    scheme: Scheme,
    consented_mentor: Participant,
) -> None:
    scheme.phase = Phase.PHASE_2
    scheme.save()
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_session")
    opened_on = timezone.localdate()
    services.stage_open(actor=lead, stage=stage)
    assert [m.to for m in mail.outbox] == [[consented_mentor.user.email]]
    mail.outbox.clear()

    mentors_questionnaire = stage.instruments.get(role=ParticipantRole.MENTOR)
    client = client_for(lead)
    toggle = reverse("schemes:instrument_toggle", args=[scheme.pk, mentors_questionnaire.pk])
    client.post(toggle, {"enabled": "0"})
    page = client.post(toggle, {"enabled": "1"}, follow=True).content.decode()

    assert mail.outbox == []  # they were told when the stage opened
    assert "being emailed" not in page
    assert (
        "The people who should answer it were emailed that it was ready on "
        f"{opened_on.day} {opened_on:%B %Y}, so they are not emailed again"
    ) in page
    mentors_questionnaire.refresh_from_db()
    assert mentors_questionnaire.enabled
    assert mentors_questionnaire.announced_at == stage.opened_at


@pytest.mark.django_db(transaction=True)  # SQLite cannot migrate inside a transaction
def test_the_migration_marks_the_questionnaires_on_at_open_stages_as_announced(
    lead: User, scheme: Scheme
) -> None:
    scheme.phase = Phase.PHASE_2
    scheme.save()
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_session")
    off = stage.instruments.get(role=ParticipantRole.MENTEE)
    services.scheme_instrument_set_enabled(actor=lead, scheme_instrument=off, enabled=False)
    services.stage_open(actor=lead, stage=stage)
    executor = MigrationExecutor(connection)
    executor.migrate([("questionnaires", "0001_initial")])
    try:
        MigrationExecutor(connection).migrate(
            [("questionnaires", "0002_schemeinstrument_announced_at")]
        )
    finally:
        call_command("migrate", verbosity=0)  # whatever happened, leave the schema whole
    announced = dict(stage.instruments.values_list("role", "announced_at"))
    stage.refresh_from_db()
    assert announced == {ParticipantRole.MENTOR: stage.opened_at, ParticipantRole.MENTEE: None}
    # Not open: nothing announced.
    later = Stage.objects.get(scheme=scheme, timepoint="post_session")
    assert not later.instruments.exclude(announced_at=None).exists()

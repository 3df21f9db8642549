"""The scheme's retention date: set by the lead, applied once the day after it passes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.core.models import AuditEvent, User
from revmentor.feedback import services as phase_1
from revmentor.feedback.models import DocumentVersion, GroupInterview
from revmentor.privacy import retention
from revmentor.questionnaires.models import Response, Stage
from revmentor.research import selectors as research_selectors
from revmentor.schemes.models import Participant, ParticipantRole, ParticipantStatus, Scheme
from tests.factories import ConsentFactory, ParticipantFactory, SchemeFactory
from tests.forms import date_input
from tests.privacy.conftest import MENTEE_EMAIL, MENTOR_EMAIL, Data, dump, set_research_use
from tests.research.conftest import answers, submit

ClientFor = Callable[[User | None], Client]
WORKER = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_command() -> str:
    out = StringIO()
    call_command("apply_retention", stdout=out)
    return out.getvalue()


def edit_form(scheme: Scheme, retention_date: str) -> dict[str, str]:
    """The scheme's own details, and ``retention_date`` as typed: "31 3 2030"."""
    return {
        "name": scheme.name,
        "specialty": scheme.specialty,
        "domains": "\n".join(d["label"] for d in scheme.domains),
        "information_sheet": scheme.information_sheet,
        "information_sheet_version": scheme.information_sheet_version,
        **date_input("retention_date", retention_date),
    }


def test_the_lead_sets_the_retention_date_on_the_scheme_form(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    client = client_for(lead)
    url = reverse("schemes:edit", args=[scheme.pk])
    page = client.get(url).content.decode()
    assert "Retention date" in page and "every participant&#39;s name" in page
    bad = client.post(url, edit_form(scheme, "31 2 2030"))
    assert "The retention date must be a real date" in bad.content.decode()
    scheme.refresh_from_db()
    assert scheme.retention_date is None
    assert client.post(url, edit_form(scheme, "31 3 2030")).status_code == 302
    scheme.refresh_from_db()
    assert scheme.retention_date == date(2030, 3, 31)
    assert AuditEvent.objects.filter(
        object_id=str(scheme.pk), summary="Updated scheme details; retention date 2030-03-31"
    ).exists()
    assert client.post(url, edit_form(scheme, "")).status_code == 302
    scheme.refresh_from_db()
    assert scheme.retention_date is None


@pytest.mark.parametrize("days", [0, -1, -3650])
def test_a_retention_date_today_or_past_is_refused_and_nothing_is_deleted(
    client_for: ClientFor, lead: User, scheme: Scheme, mentor: Participant, days: int
) -> None:
    ConsentFactory(participant=mentor)
    interview = phase_1.interview_for(scheme)
    phase_1.transcript_set(actor=lead, interview=interview, text="Dr Mentor One spoke")
    typed = (timezone.localdate() + timedelta(days=days)).strftime("%d %m %Y")
    client = client_for(lead)
    refused = client.post(reverse("schemes:edit", args=[scheme.pk]), edit_form(scheme, typed))
    assert "The retention date must be after today" in refused.content.decode()
    on_interview_page = client.post(
        reverse("schemes:interview_transcript", args=[scheme.pk]),
        {"action": "retention", **date_input("retention_date", typed)},
    )
    assert "The retention date must be after today" in on_interview_page.content.decode()
    scheme.refresh_from_db()
    assert scheme.retention_date is None
    assert Participant.objects.get(pk=mentor.pk).erased_at is None
    assert GroupInterview.objects.get(scheme=scheme).transcript == "Dr Mentor One spoke"


def test_a_retention_date_already_passed_does_not_stop_other_details_being_saved(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    passed = timezone.localdate() - timedelta(days=10)
    scheme.retention_date = passed
    scheme.save(update_fields=["retention_date"])
    url = reverse("schemes:edit", args=[scheme.pk])
    form = edit_form(scheme, passed.strftime("%d %m %Y")) | {"name": "Renamed"}
    assert client_for(lead).post(url, form).status_code == 302
    scheme.refresh_from_db()
    assert (scheme.name, scheme.retention_date) == ("Renamed", passed)


def test_retention_applies_once_the_day_after_the_date(data: Data) -> None:
    set_research_use(data.other_mentor, False)
    scheme = data.scheme
    scheme.retention_date = timezone.localdate() + timedelta(days=30)
    scheme.save()
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert run_command().endswith("Retention applied to 0 schemes.\n")
    assert "Mentor One" in GroupInterview.objects.get(scheme=scheme).transcript

    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        output = run_command()
    assert f"Scheme {scheme.pk}: transcript deleted; 4 participants erased" in output
    assert GroupInterview.objects.get(scheme=scheme).transcript == ""
    everything = dump().lower()
    for needle in (
        "Mentor One",
        "Mentor Two",
        "Mentee One",
        "Mentee Two",
        MENTOR_EMAIL,
        MENTEE_EMAIL,
    ):
        assert needle.lower() not in everything, needle
    # Research data stay where consent allows, and the scheme's results still compute.
    assert Response.objects.filter(participant=data.mentor).exists()
    assert not Response.objects.filter(participant_id=data.other_mentor.pk).exists()
    assert not DocumentVersion.objects.filter(document__mentee__scheme=scheme).exists()
    mentor = Participant.objects.get(pk=data.mentor.pk)
    assert mentor.erased_at is not None and mentor.status == ParticipantStatus.ACTIVE
    assert research_selectors.analysed(scheme).results is not None
    [event] = AuditEvent.objects.filter(object_type="schemes.Scheme", action="delete")
    assert event.actor is None and event.summary.startswith(
        f"Applied the retention date {scheme.retention_date}: deleted the transcript, erased "
        "the identifiers of 4 participants"
    )

    with time_machine.travel(timezone.now() + timedelta(days=60), tick=False):
        assert run_command().endswith("Retention applied to 0 schemes.\n")
    assert AuditEvent.objects.filter(object_type="schemes.Scheme", action="delete").count() == 1


def test_a_scheme_without_a_date_or_before_it_is_left_alone(data: Data) -> None:
    other = SchemeFactory(retention_date=timezone.localdate())
    ParticipantFactory(scheme=other, user__full_name="Dr Still Here")
    assert retention.apply_due_retention() == []
    assert retention.scheme_retention_apply(scheme=data.scheme).changed is False
    assert "Still Here" in dump() and "Mentor One" in dump()


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=WORKER)
def test_the_worker_applies_the_date_set_on_the_scheme_form(
    client_for: ClientFor, lead: User, scheme: Scheme, mentor: Participant
) -> None:
    ConsentFactory(participant=mentor)
    phase_1.transcript_set(
        actor=lead, interview=phase_1.interview_for(scheme), text="Dr Mentor One spoke"
    )
    retention_date = timezone.localdate() + timedelta(days=30)
    client_for(lead).post(
        reverse("schemes:edit", args=[scheme.pk]),
        edit_form(scheme, retention_date.strftime("%d %m %Y")),
    )
    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Participant.objects.get(pk=mentor.pk).erased_at is None
    with time_machine.travel(timezone.now() + timedelta(days=32), tick=False):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Participant.objects.get(pk=mentor.pk).erased_at is not None
    assert GroupInterview.objects.get(scheme=scheme).transcript == ""
    assert "Mentor One" not in dump()


def _scheme_with(units: int) -> Scheme:
    """A scheme whose retention date has passed, with ``units`` × (a mentor who answered
    and agreed to research use, a mentee who did not agree to research use)."""
    scheme = SchemeFactory(retention_date=timezone.localdate() - timedelta(days=1))
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    Stage.objects.filter(pk=stage.pk).update(opened_at=timezone.now())
    stage.refresh_from_db()
    for _ in range(units):
        mentor = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR)
        ConsentFactory(participant=mentor)
        submit(mentor, stage, answers(1))
        mentee = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
        ConsentFactory(participant=mentee, research_use=False)
    phase_1.transcript_set(actor=None, interview=phase_1.interview_for(scheme), text="Notes")  # type: ignore[arg-type]
    return scheme


def test_retention_costs_the_same_queries_for_a_small_and_a_large_scheme(db: object) -> None:
    small, large = _scheme_with(1), _scheme_with(4)
    with CaptureQueriesContext(connection) as first:
        assert retention.scheme_retention_apply(scheme=small).erased == 2
    with CaptureQueriesContext(connection) as second:
        assert retention.scheme_retention_apply(scheme=large).erased == 8
    assert len(second) == len(first)

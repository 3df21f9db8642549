"""Personas shared by every test: who they are and what they hold.

``scheme`` is the scheme under test. Its lead, facilitator and researcher hold staff
roles in it; ``mentor`` (supervised by ``mentee``), ``other_mentor`` and ``other_mentee``
take part in it; ``withdrawn`` was a mentor of it who gave consent and then withdrew;
``other_lead`` runs a different scheme; ``outsider`` has an account and no role anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from revmentor.analysis import charts
from revmentor.core.backends import ACCOUNT_BACKEND
from revmentor.core.models import User
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import (
    OrganisationMember,
    Participant,
    ParticipantRole,
    Phase,
    Scheme,
    StaffRole,
)
from revmentor.schemes.services import participant_withdraw
from tests.factories import (
    ConsentFactory,
    MembershipFactory,
    ParticipantFactory,
    SchemeFactory,
    UserFactory,
)


@pytest.fixture
def scheme(db: Any) -> Scheme:
    return SchemeFactory(name="Gastro scheme")


@pytest.fixture
def lead(scheme: Scheme) -> User:
    user = UserFactory(full_name="Lena Lead", email="lead@example.nhs.uk")
    MembershipFactory(scheme=scheme, user=user, role=StaffRole.LEAD)
    OrganisationMember.objects.create(organisation=scheme.organisation, user=user)
    return user


@pytest.fixture
def facilitator(scheme: Scheme) -> User:
    user = UserFactory(full_name="Frank Facilitator")
    MembershipFactory(scheme=scheme, user=user, role=StaffRole.FACILITATOR)
    return user


@pytest.fixture
def researcher(scheme: Scheme) -> User:
    user = UserFactory(full_name="Rita Researcher")
    MembershipFactory(scheme=scheme, user=user, role=StaffRole.RESEARCHER)
    return user


@pytest.fixture
def site_admin(db: Any) -> User:
    return UserFactory(full_name="Sam Admin", is_superuser=True, is_staff=True)


@pytest.fixture
def other_lead(db: Any) -> User:
    user = UserFactory(full_name="Otto Otherlead")
    MembershipFactory(user=user, role=StaffRole.LEAD)
    return user


@pytest.fixture
def outsider(db: Any) -> User:
    return UserFactory(full_name="Olive Outsider")


@pytest.fixture
def mentee(scheme: Scheme) -> Participant:
    return ParticipantFactory(
        scheme=scheme, role=ParticipantRole.MENTEE, user__full_name="Dr Mentee One"
    )


@pytest.fixture
def other_mentee(scheme: Scheme) -> Participant:
    return ParticipantFactory(
        scheme=scheme, role=ParticipantRole.MENTEE, user__full_name="Dr Mentee Two"
    )


@pytest.fixture
def mentor(scheme: Scheme, mentee: Participant) -> Participant:
    return ParticipantFactory(
        scheme=scheme,
        role=ParticipantRole.MENTOR,
        supervisor=mentee,
        user__full_name="Dr Mentor One",
    )


@pytest.fixture
def other_mentor(scheme: Scheme) -> Participant:
    return ParticipantFactory(
        scheme=scheme, role=ParticipantRole.MENTOR, user__full_name="Dr Mentor Two"
    )


@pytest.fixture
def withdrawn(scheme: Scheme) -> Participant:
    """A mentor of the scheme who consented, then was withdrawn by the scheme's lead."""
    participant = ParticipantFactory(
        scheme=scheme, role=ParticipantRole.MENTOR, user__full_name="Dr Withdrawn"
    )
    ConsentFactory(participant=participant)
    return participant_withdraw(actor=None, participant=participant, reason="Maternity leave")  # type: ignore[arg-type]


@pytest.fixture
def client_for(db: Any) -> Callable[[User | None], Client]:
    """Return a test client signed in as the given user (or anonymous for None)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend=ACCOUNT_BACKEND)
        return client

    return make


@pytest.fixture
def phase_1(scheme: Scheme) -> Scheme:
    """``scheme`` in phase 1 (set directly: nothing that moving it would do is done)."""
    scheme.phase = Phase.PHASE_1
    scheme.save()
    return scheme


@pytest.fixture
def open_stage(scheme: Scheme) -> Stage:
    """The scheme's "before the group interview" stage, open."""
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    stage.opened_at = timezone.now()
    stage.save()
    return stage


@pytest.fixture
def chart_draws(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The ids of the charts actually drawn (rendered to SVG) while the test runs; none
    kept in this process before it."""
    drawn: list[str] = []
    real = charts._svg

    def counting(fig: Any, chart_id: str, title: str) -> str:
        drawn.append(chart_id)
        return real(fig, chart_id, title)

    monkeypatch.setattr(charts, "_svg", counting)
    charts._kept_charts.clear()
    yield drawn
    charts._kept_charts.clear()

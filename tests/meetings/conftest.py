"""A scheme in phase 2 with a published allocation: ``mentor`` is paired with ``mentee``.

The allocation services are built elsewhere; here the published allocation and its
pairs are made directly, as publishing would leave them.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import pytest
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from tests.factories import ConsentFactory, ParticipantFactory, SchemeFactory


def publish(scheme: Scheme, pairs: list[tuple[Participant, Participant]]) -> list[Pair]:
    """Publish an allocation of ``scheme`` pairing each (mentor, mentee)."""
    allocation = Allocation.objects.create(
        scheme=scheme,
        number=Allocation.objects.filter(scheme=scheme).count() + 1,
        seed=1,
        algorithm="x",
        inputs_sha256="0" * 64,
        record={},
        status=Allocation.Status.PUBLISHED,
    )
    return [Pair.objects.create(allocation=allocation, mentor=m, mentee=e) for m, e in pairs]


def person(scheme: Scheme, role: ParticipantRole) -> Participant:
    """A new participant of ``scheme`` with a new account, who consented to take part."""
    participant = cast(Participant, ParticipantFactory(scheme=scheme, role=role))
    ConsentFactory(participant=participant)
    return participant


def scheme_in_phase_2() -> Scheme:
    """Another scheme, already in phase 2."""
    return cast(Scheme, SchemeFactory(phase=Phase.PHASE_2))


def local(*args: int) -> datetime:
    """An aware datetime in UK time: ``local(2027, 3, 15, 14, 30)``."""
    return timezone.make_aware(datetime(*args))  # type: ignore[arg-type]


@pytest.fixture
def phase_2(scheme: Scheme) -> Scheme:
    scheme.phase = Phase.PHASE_2
    scheme.save()
    return scheme


@pytest.fixture
def pair(phase_2: Scheme, mentor: Participant, mentee: Participant) -> Pair:
    """``mentor`` and ``mentee``, consented and paired in the published allocation."""
    ConsentFactory(participant=mentor)
    ConsentFactory(participant=mentee)
    return publish(phase_2, [(mentor, mentee)])[0]

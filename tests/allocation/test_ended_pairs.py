"""A published pair of which someone stopped taking part: marked as ended on the
allocation page and counted apart on the dashboard; a published allocation is never
drawn again, and the page says so."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revmentor.allocation.models import Pair
from revmentor.allocation.presenters import allocation_counts
from revmentor.core.models import User
from revmentor.meetings import services as meeting_services
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from tests.factories import MembershipFactory, SchemeFactory
from tests.meetings.conftest import local, person, publish

ClientFor = Callable[[User | None], Client]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(local(2027, 3, 1, 10, 0), tick=False):
        yield


def _pairs(scheme: Scheme, n: int) -> list[Pair]:
    people = [
        (person(scheme, ParticipantRole.MENTOR), person(scheme, ParticipantRole.MENTEE))
        for _ in range(n)
    ]
    return publish(scheme, people)


def _stop_one_of_each_way(lead: User, pairs: list[Pair]) -> tuple[Participant, Participant]:
    """The first pair's mentee withdraws their consent on 3 March; the lead records the
    second pair's mentor as withdrawn on 5 March."""
    with time_machine.travel(local(2027, 3, 3, 9, 0), tick=False):
        scheme_services.consent_withdraw(participant=pairs[0].mentee)
    scheme_services.participant_withdraw(
        actor=lead, participant=pairs[1].mentor, reason="Left the trust", on=date(2027, 3, 5)
    )
    return pairs[0].mentee, pairs[1].mentor


@pytest.fixture
def allocation_phase(scheme: Scheme) -> Scheme:
    scheme.phase = Phase.ALLOCATION
    scheme.save()
    return scheme


def test_the_allocation_page_marks_a_pair_ended_when_someone_stopped_taking_part(
    client_for: ClientFor, lead: User, allocation_phase: Scheme
) -> None:
    pairs = _pairs(allocation_phase, 3)
    left_by_consent, left_by_lead = _stop_one_of_each_way(lead, pairs)
    page = client_for(lead).get(reverse("schemes:allocation", args=[allocation_phase.pk]))
    text = " ".join(page.content.decode().split())
    assert f"Ended: {left_by_consent.user.full_name} stopped taking part on 3 March 2027." in text
    assert f"Ended: {left_by_lead.user.full_name} stopped taking part on 5 March 2027." in text
    assert text.count("Both still taking part") == 1
    assert "This allocation is published, so it cannot be drawn again." in text
    assert "2 of the 3 pairs have ended." in text
    assert "consent" not in text.split("<h2>Allocation</h2>")[1].split("Pairs</caption>")[1]


def test_a_pair_of_which_both_stopped_names_both(
    client_for: ClientFor, lead: User, allocation_phase: Scheme
) -> None:
    (pair,) = _pairs(allocation_phase, 1)
    scheme_services.consent_withdraw(participant=pair.mentor)
    scheme_services.participant_withdraw(actor=lead, participant=pair.mentee, reason="Left")
    page = client_for(lead).get(reverse("schemes:allocation", args=[allocation_phase.pk]))
    assert (
        f"Ended: {pair.mentor.user.full_name} stopped taking part on 1 March 2027 and "
        f"{pair.mentee.user.full_name} stopped taking part on 1 March 2027."
    ) in " ".join(page.content.decode().split())


def test_the_dashboard_counts_ended_pairs_apart(
    client_for: ClientFor, lead: User, allocation_phase: Scheme
) -> None:
    pairs = _pairs(allocation_phase, 4)
    assert allocation_counts(allocation_phase) == [("pairs published", 4), ("left unmatched", 0)]
    _stop_one_of_each_way(lead, pairs)
    assert allocation_counts(allocation_phase) == [
        ("pairs published", 4),
        ("ended because someone stopped taking part", 2),
        ("left unmatched", 0),
    ]
    page = client_for(lead).get(reverse("schemes:detail", args=[allocation_phase.pk]))
    assert "<strong>2</strong> ended because someone stopped taking part" in page.content.decode()


def test_a_pair_whose_session_was_logged_before_someone_stopped_has_not_ended(
    client_for: ClientFor, lead: User, allocation_phase: Scheme
) -> None:
    """Held, then the mentee stopped: a held session, not an ended pair; logged as not
    taking place, then the mentor stopped: logged too. Only the pair whose mentor
    stopped before anything was logged has ended: on the page, the dashboard, the model."""
    allocation_phase.phase = Phase.PHASE_2
    allocation_phase.save()
    held, not_held, ended, going = _pairs(allocation_phase, 4)
    meeting_services.meeting_log(participant=held.mentor, pair=held, held=True, duration_minutes=45)
    meeting_services.meeting_log(
        participant=not_held.mentee, pair=not_held, held=False, duration_minutes=None
    )
    scheme_services.consent_withdraw(participant=held.mentee)
    scheme_services.consent_withdraw(participant=not_held.mentor)
    scheme_services.consent_withdraw(participant=ended.mentor)

    page = client_for(lead).get(reverse("schemes:allocation", args=[allocation_phase.pk]))
    text = " ".join(page.content.decode().split())
    assert "1 of the 4 pairs has ended." in text
    assert text.count("Ended:") == 1
    assert f"Ended: {ended.mentor.user.full_name} stopped taking part on 1 March 2027." in text
    for who in (held.mentee, not_held.mentor):
        assert (
            f"Session logged before {who.user.full_name} stopped taking part on 1 March 2027."
        ) in text
    assert text.count("Both still taking part") == 1
    assert allocation_counts(allocation_phase) == [
        ("pairs published", 4),
        ("ended because someone stopped taking part", 1),
        ("left unmatched", 0),
    ]
    dashboard = client_for(lead).get(reverse("schemes:detail", args=[allocation_phase.pk]))
    assert "<strong>1</strong> ended because someone stopped taking part" in (
        dashboard.content.decode()
    )
    found = {p.pk: p.has_ended for p in Pair.objects.with_stopped()}
    assert found == {held.pk: False, not_held.pk: False, ended.pk: True, going.pk: False}


def test_the_allocation_page_and_dashboard_make_as_many_queries_for_3_or_12_pairs(
    client_for: ClientFor, lead: User, allocation_phase: Scheme
) -> None:
    bigger = SchemeFactory(phase=Phase.ALLOCATION)
    MembershipFactory(scheme=bigger, user=lead)
    counts = []
    for scheme, n in ((allocation_phase, 3), (bigger, 12)):
        _stop_one_of_each_way(lead, _pairs(scheme, n))
        client = client_for(lead)
        made = []
        for name in ("schemes:allocation", "schemes:detail"):
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse(name, args=[scheme.pk])).content.decode()
            assert "stopped taking part" in page
            made.append(len(queries))
        counts.append(made)
    assert counts[0] == counts[1]

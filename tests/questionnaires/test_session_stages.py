"""The questionnaires about the one-to-one session are for the people of a pair.

Someone the published allocation left unmatched has no session: they are not asked the
"before" and "after" questionnaires, emailed or reminded about them, shown them in Your
tasks, let answer them (a page says why), or counted in "3 of 4 mentors submitted". The
earlier questionnaires are theirs as before. A scheme with no allocation published (a
study folder imported without its sessions; a scheme whose session stages opened before
phase 2 waited for one) asks everyone, as it did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair
from revmentor.core.models import User
from revmentor.questionnaires import selectors, services, tasks
from revmentor.questionnaires.models import Response, SchemeInstrument, Stage
from revmentor.questionnaires.services import NoSession
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from tests.factories import ConsentFactory, ParticipantFactory, SchemeFactory

ClientFor = Callable[[User | None], Client]


@dataclass
class Cohort:
    """Consented mentors and mentees; with ``pairs`` published, the rest unmatched."""

    scheme: Scheme
    mentors: list[Participant]
    mentees: list[Participant]

    @property
    def paired_mentor(self) -> Participant:
        return self.mentors[0]

    @property
    def unmatched_mentor(self) -> Participant:
        return self.mentors[-1]

    @property
    def paired_mentee(self) -> Participant:
        return self.mentees[0]

    @property
    def unmatched_mentee(self) -> Participant:
        return self.mentees[-1]


def make_cohort(scheme: Scheme, size: int) -> Cohort:
    """``size`` consented mentors and mentees, in phase 2 (set directly)."""
    people = {
        role: [ParticipantFactory(scheme=scheme, role=role) for _ in range(size)]
        for role in (ParticipantRole.MENTOR, ParticipantRole.MENTEE)
    }
    for person in [*people[ParticipantRole.MENTOR], *people[ParticipantRole.MENTEE]]:
        ConsentFactory(participant=person)
    scheme.phase = Phase.PHASE_2
    scheme.save()
    return Cohort(scheme, people[ParticipantRole.MENTOR], people[ParticipantRole.MENTEE])


def publish_pairs(cohort: Cohort) -> Allocation:
    """A published allocation pairing each mentor with the mentee of the same index,
    but the last of each: they are left unmatched."""
    pairs = list(zip(cohort.mentors[:-1], cohort.mentees[:-1], strict=True))
    allocation = Allocation.objects.create(
        scheme=cohort.scheme,
        number=1,
        seed=1,
        algorithm="test",
        inputs_sha256="0" * 64,
        record={
            "pairs": [{"mentor_id": f"p{m.pk}", "mentee_id": f"p{e.pk}"} for m, e in pairs],
            "unmatched": [
                {"participant_id": f"p{p.pk}", "role": p.role, "reason": "no_willing_partner"}
                for p in (cohort.unmatched_mentor, cohort.unmatched_mentee)
            ],
        },
        status=Allocation.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    Pair.objects.bulk_create(Pair(allocation=allocation, mentor=m, mentee=e) for m, e in pairs)
    return allocation


@pytest.fixture
def cohort(scheme: Scheme) -> Cohort:
    """Three mentors and three mentees; two pairs published, one of each unmatched."""
    made = make_cohort(scheme, 3)
    publish_pairs(made)
    return made


def _stage(scheme: Scheme, timepoint: str) -> Stage:
    return Stage.objects.get(scheme=scheme, timepoint=timepoint)


def _with_consent(people: list[Participant]) -> list[Participant]:
    return list(Participant.objects.with_consent().filter(pk__in=[p.pk for p in people]))


def _titles(cohort: Cohort, person: Participant) -> list[str]:
    found = selectors.tasks_for(_with_consent([person]))
    return [t.stage.timepoint for t in found.get(person.pk, [])]


def test_opening_a_session_stage_emails_only_the_people_of_a_pair(
    lead: User, cohort: Cohort
) -> None:
    services.stage_open(actor=lead, stage=_stage(cohort.scheme, "pre_session"))
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted(p.user.email for p in (*cohort.mentors[:-1], *cohort.mentees[:-1]))
    mail.outbox.clear()
    assert tasks.send_stage_reminders.call(_stage(cohort.scheme, "pre_session").pk) == 4
    assert cohort.unmatched_mentor.user.email not in [m.to[0] for m in mail.outbox]
    assert cohort.unmatched_mentee.user.email not in [m.to[0] for m in mail.outbox]


def test_the_unmatched_are_still_asked_the_earlier_questionnaires(
    lead: User, cohort: Cohort
) -> None:
    Stage.objects.filter(scheme=cohort.scheme).update(opened_at=timezone.now())
    stage = _stage(cohort.scheme, "post_phase1")
    assert cohort.unmatched_mentor in [p for p, _v in selectors.outstanding(stage)]
    assert _titles(cohort, cohort.unmatched_mentor) == ["pre_phase1", "post_phase1"]
    assert _titles(cohort, cohort.paired_mentor) == [
        "pre_phase1",
        "post_phase1",
        "pre_session",
        "post_session",
    ]
    assert _titles(cohort, cohort.unmatched_mentee) == []
    assert _titles(cohort, cohort.paired_mentee) == ["pre_session", "post_session"]


def test_your_tasks_shows_the_session_questionnaires_to_the_pairs_only(
    client_for: ClientFor, cohort: Cohort
) -> None:
    Stage.objects.filter(scheme=cohort.scheme, timepoint="pre_session").update(
        opened_at=timezone.now()
    )
    paired = client_for(cohort.paired_mentee.user).get(reverse("tasks")).content.decode()
    unmatched = client_for(cohort.unmatched_mentee.user).get(reverse("tasks")).content.decode()
    assert "Before your one-to-one session" in paired
    assert "Before your one-to-one session" not in unmatched


@pytest.mark.parametrize("page", ["", "1/", "check/", "submitted/"])
def test_an_unmatched_person_opening_a_session_questionnaire_is_told_it_is_not_for_them(
    client_for: ClientFor, cohort: Cohort, page: str
) -> None:
    stage = _stage(cohort.scheme, "pre_session")
    Stage.objects.filter(pk=stage.pk).update(opened_at=timezone.now())
    url = reverse("questionnaire", args=[cohort.scheme.pk, "pre_session"]) + page
    refused = client_for(cohort.unmatched_mentor.user).get(url)
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "This questionnaire is not for you" in html
    assert "You were not paired with anyone" in html
    assert "The answers you gave earlier are kept" in html
    posted = client_for(cohort.unmatched_mentor.user).post(url, {"understanding": "2"})
    assert posted.status_code == 403
    assert not Response.objects.filter(participant=cohort.unmatched_mentor).exists()
    # Their partner-to-be's questionnaire is open to a paired mentor.
    start = reverse("questionnaire", args=[cohort.scheme.pk, "pre_session"])
    assert client_for(cohort.paired_mentor.user).get(start).status_code == 200


def test_saving_a_session_questionnaire_refuses_the_unmatched(cohort: Cohort) -> None:
    stage = _stage(cohort.scheme, "pre_session")
    Stage.objects.filter(pk=stage.pk).update(opened_at=timezone.now())
    stage.refresh_from_db()
    with pytest.raises(NoSession, match="not paired with anyone"):
        services.response_save_page(
            participant=cohort.unmatched_mentee,
            stage=stage,
            section=0,
            answers={},
            complete=False,
        )
    assert not Response.objects.filter(participant=cohort.unmatched_mentee).exists()


def _submit(person: Participant, timepoint: str) -> None:
    """A submitted response, stored directly: only its being there is counted."""
    stage = _stage(person.scheme, timepoint)
    instrument = SchemeInstrument.objects.get(stage=stage, role=person.role)
    Response.objects.create(
        participant=person,
        stage=stage,
        scheme_instrument=instrument,
        version_id=instrument.version_id,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


def _counts(scheme: Scheme) -> dict[tuple[str, str], tuple[int, int]]:
    """(submitted, eligible) by time point and role: "1 of 2 mentors submitted"."""
    return {
        (c.instrument.stage.timepoint, c.instrument.role): (c.submitted, c.eligible)
        for c in selectors.completion(scheme)
    }


def test_completion_counts_only_the_pairs_at_the_session_stages(cohort: Cohort) -> None:
    for person in cohort.mentors:
        _submit(person, "pre_phase1")
    _submit(cohort.paired_mentor, "pre_session")
    counts = _counts(cohort.scheme)
    assert counts[("pre_phase1", ParticipantRole.MENTOR)] == (3, 3)  # everyone, as before
    assert counts[("pre_session", ParticipantRole.MENTOR)] == (1, 2)  # "1 of 2"
    assert counts[("pre_session", ParticipantRole.MENTEE)] == (0, 2)
    assert counts[("post_session", ParticipantRole.MENTEE)] == (0, 2)


def test_an_imported_answer_from_someone_in_no_pair_is_counted_apart(cohort: Cohort) -> None:
    _submit(cohort.paired_mentor, "post_session")
    _submit(cohort.unmatched_mentor, "post_session")  # as a study folder may hold
    found = next(
        c
        for c in selectors.completion(cohort.scheme)
        if (c.instrument.stage.timepoint, c.instrument.role) == ("post_session", "mentor")
    )
    assert (found.submitted, found.eligible, found.submitted_unpaired) == (1, 2, 1)


def test_without_a_published_allocation_everyone_is_asked_as_before(
    lead: User, scheme: Scheme, client_for: ClientFor
) -> None:
    made = make_cohort(scheme, 2)
    services.stage_open(actor=lead, stage=_stage(scheme, "pre_session"))
    assert len(mail.outbox) == 4
    _submit(made.mentors[1], "pre_session")
    counts = _counts(scheme)
    assert counts[("pre_session", ParticipantRole.MENTOR)] == (1, 2)
    assert _titles(made, made.mentees[1]) == ["pre_session"]
    start = reverse("questionnaire", args=[scheme.pk, "pre_session"])
    assert client_for(made.mentors[0].user).get(start).status_code == 200
    # A draft allocation changes nothing: only a published one makes pairs.
    allocation = publish_pairs(made)
    Allocation.objects.filter(pk=allocation.pk).update(status=Allocation.Status.DRAFT)
    assert client_for(made.unmatched_mentee.user).get(start).status_code == 200
    assert _counts(scheme)[("pre_session", ParticipantRole.MENTOR)] == (1, 2)


def _completion_queries(scheme: Scheme) -> int:
    with CaptureQueriesContext(connection) as queries:
        selectors.completion(scheme)
    return len(queries)


def test_completion_runs_two_queries_however_many_people_and_pairs(scheme: Scheme) -> None:
    small = make_cohort(scheme, 2)
    publish_pairs(small)
    assert _completion_queries(scheme) == 2
    bigger_scheme = SchemeFactory()
    bigger = make_cohort(bigger_scheme, 6)
    publish_pairs(bigger)
    for person in bigger.mentors:
        _submit(person, "pre_session")
    assert _completion_queries(bigger_scheme) == 2


def test_your_tasks_runs_the_same_queries_for_the_paired_and_the_unmatched(
    cohort: Cohort, django_assert_num_queries: Any
) -> None:
    Stage.objects.filter(scheme=cohort.scheme).update(opened_at=timezone.now())
    for person in (cohort.paired_mentor, cohort.unmatched_mentor):
        people = _with_consent([person])
        with django_assert_num_queries(3):
            selectors.tasks_for(people)

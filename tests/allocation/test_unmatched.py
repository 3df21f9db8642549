"""People the allocation leaves out: told when it is published, and accounted for on its
page; and the reason a re-run needs, marked in error when it is left out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.allocation import services
from revmentor.allocation.models import Allocation
from revmentor.core.models import User
from revmentor.feedback.models import Willingness
from revmentor.questionnaires.models import Stage
from revmentor.questionnaires.services import response_submit
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from tests.factories import ConsentFactory, MembershipFactory, ParticipantFactory, SchemeFactory
from tests.questionnaires.conftest import answer_whole

ClientFor = Callable[[User | None], Client]
SUBJECT = "revmentor: the pairs for the one-to-one sessions"


@dataclass
class People:
    mentors: list[Participant]  # two, each willing to mentor the mentee of the same index
    mentees: list[Participant]  # two
    lonely_mentor: Participant  # consented, willing to mentor nobody
    lonely_mentee: Participant  # consented, nobody willing to mentor them
    withdrawn: Participant  # consented, then withdrawn by the lead
    never_consented: Participant
    consent_withdrawn: Participant


def _person(scheme: Scheme, role: str, name: str, consented: bool = True) -> Participant:
    person = ParticipantFactory(scheme=scheme, role=role, user__full_name=name)
    if consented:
        ConsentFactory(participant=person)
    return person


@pytest.fixture
def people(scheme: Scheme, lead: User) -> People:
    mentor, mentee = ParticipantRole.MENTOR, ParticipantRole.MENTEE
    mentors = [_person(scheme, mentor, f"Dr Mentor {n}") for n in (1, 2)]
    mentees = [_person(scheme, mentee, f"Dr Mentee {n}") for n in (1, 2)]
    for one, other in zip(mentors, mentees, strict=True):
        Willingness.objects.create(mentor=one, mentee=other, willing=True)
    withdrawn = _person(scheme, mentor, "Dr Gone")
    Willingness.objects.create(mentor=withdrawn, mentee=mentees[0], willing=True)
    scheme_services.participant_withdraw(actor=lead, participant=withdrawn, reason="Leave")
    consent_withdrawn = _person(scheme, mentee, "Dr Changed Mind")
    consent_withdrawn.consents.update(withdrawn_at=timezone.now())
    scheme.phase = Phase.ALLOCATION
    scheme.save()
    return People(
        mentors,
        mentees,
        _person(scheme, mentor, "Dr Lonely Mentor"),
        _person(scheme, mentee, "Dr Lonely Mentee"),
        withdrawn,
        _person(scheme, mentor, "Dr Not Yet", consented=False),
        consent_withdrawn,
    )


def test_publishing_tells_everyone_left_unmatched_kindly_what_it_means_for_them(
    lead: User, scheme: Scheme, people: People
) -> None:
    # The lonely mentor still has the questionnaire after the group interview to answer.
    Stage.objects.filter(scheme=scheme, timepoint="post_phase1").update(opened_at=timezone.now())
    pre = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    Stage.objects.filter(pk=pre.pk).update(opened_at=timezone.now())
    pre.refresh_from_db()
    answer_whole(people.lonely_mentor, pre)
    response_submit(participant=people.lonely_mentor, stage=pre)
    mail.outbox.clear()

    made = services.allocation_run(actor=lead, scheme=scheme)
    services.allocation_publish(actor=lead, allocation=made)

    unmatched = {m.to[0]: m.body for m in mail.outbox if m.subject == SUBJECT}
    assert sorted(unmatched) == sorted(
        [people.lonely_mentor.user.email, people.lonely_mentee.user.email]
    )  # not the withdrawn, nor those without consent
    assert len(mail.outbox) == 4 + 2  # the two pairs, and the two left unmatched
    for body in unmatched.values():
        assert "you will not have a one-to-one session in this scheme" in body
        assert "Any answers you have already given are kept" in body
        assert "you will not be asked the questionnaires before and after the session" in body
    mentor_body = unmatched[people.lonely_mentor.user.email]
    assert "Please answer this questionnaire:\n\n- After the group interview" in mentor_body
    assert "Before the group interview" not in mentor_body  # submitted already
    assert "/tasks/" in mentor_body
    assert "There is nothing more you need to do." in unmatched[people.lonely_mentee.user.email]


def test_someone_who_withdraws_after_the_draw_is_not_written_to(
    lead: User, scheme: Scheme, people: People
) -> None:
    made = services.allocation_run(actor=lead, scheme=scheme)
    people.lonely_mentee.consents.update(withdrawn_at=timezone.now())
    services.allocation_publish(actor=lead, allocation=made)
    told = [m.to[0] for m in mail.outbox if m.subject == SUBJECT]
    assert told == [people.lonely_mentor.user.email]


def test_the_publish_message_says_the_unmatched_were_told(
    client_for: ClientFor, lead: User, scheme: Scheme, people: People
) -> None:
    made = services.allocation_run(actor=lead, scheme=scheme)
    client = client_for(lead)
    page = client.post(
        reverse("schemes:allocation_publish", args=[scheme.pk, made.pk]), follow=True
    ).content.decode()
    assert "every pair, and everyone left unmatched, has been told" in page


def test_the_page_says_how_many_were_not_included_for_want_of_consent(
    client_for: ClientFor, lead: User, scheme: Scheme, people: People
) -> None:
    services.allocation_run(actor=lead, scheme=scheme)
    page = client_for(lead).get(reverse("schemes:allocation", args=[scheme.pk])).content.decode()
    assert "Left unmatched" in page
    # 9 people, 7 active: 2 pairs (4) + 2 left unmatched + 2 without consent; the
    # withdrawn mentor is listed as unmatched, withdrawn.
    assert (
        "2 people taking part were not included in this allocation: they had not given "
        "consent (or had withdrawn it) when it was drawn, or joined the scheme after."
    ) in page
    assert reverse("schemes:participants", args=[scheme.pk]) in page


def assert_reason_in_error(html: str) -> None:
    """The error summary links to the reason field, and the field itself is in error."""
    said = r"\s*Enter the reason for running the allocation again\s*"
    assert re.search(rf'<a href="#id_reason">{said}</a>', html)
    error = rf'<span class="nhsuk-error-message" id="id_reason-error">.*?{said}'
    assert re.search(error, html, re.DOTALL)
    assert re.search(r'<textarea class="[^"]*nhsuk-textarea--error[^"]*" id="id_reason"', html)


def test_a_rerun_without_a_reason_marks_the_reason_field_in_error(
    client_for: ClientFor, lead: User, scheme: Scheme, people: People
) -> None:
    services.allocation_run(actor=lead, scheme=scheme)
    url = reverse("schemes:allocation", args=[scheme.pk])
    shown = client_for(lead).post(url, {"own_supervisor": "allow", "capacity": "1", "reason": " "})
    assert shown.status_code == 200
    html = shown.content.decode()
    assert_reason_in_error(html)
    assert Allocation.objects.filter(scheme=scheme).count() == 1


def test_a_draft_drawn_since_the_page_was_shown_marks_the_reason_field_too(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from revmentor.allocation import selectors

    url = reverse("schemes:allocation", args=[scheme.pk])
    client = client_for(lead)
    first = selectors.current
    calls: list[int] = []

    def none_then_current(of: Scheme) -> Allocation | None:
        calls.append(1)
        return None if len(calls) == 1 else first(of)

    services.allocation_run(actor=lead, scheme=scheme)  # "by someone else"
    monkeypatch.setattr(selectors, "current", none_then_current)
    html = client.post(url, {"own_supervisor": "allow", "capacity": "1"}).content.decode()
    assert_reason_in_error(html)
    assert Allocation.objects.filter(scheme=scheme).count() == 1


def _tasks_page(client_for: ClientFor, someone: Participant) -> str:
    page = client_for(someone.user).get(reverse("tasks")).content.decode()
    return " ".join(page.split())


def test_your_tasks_tells_someone_left_unmatched_in_the_words_of_the_email(
    client_for: ClientFor, lead: User, scheme: Scheme, people: People
) -> None:
    made = services.allocation_run(actor=lead, scheme=scheme)
    assert "Not paired" not in _tasks_page(client_for, people.lonely_mentor)  # a draft
    services.allocation_publish(actor=lead, allocation=made)

    (email,) = [m for m in mail.outbox if m.to == [people.lonely_mentor.user.email]]
    said = " ".join(email.body.split("\n\n")[1].split())
    assert said.startswith(f"The pairs for the one-to-one sessions of {scheme.name} have been")
    why = said.split(" have been drawn at random. ")[1]
    assert why.startswith("Not everyone can be paired")
    for lonely in (people.lonely_mentor, people.lonely_mentee):
        page = _tasks_page(client_for, lonely)
        assert "Your one-to-one session" in page and "Not paired" in page
        assert f"The pairs for the one-to-one sessions have been drawn at random. {why}" in page
        assert "There is nothing else for you to do yet" not in page
    for other in (people.mentors[0], people.mentees[1]):
        assert "Not paired" not in _tasks_page(client_for, other)


def test_someone_who_stopped_taking_part_is_not_told_they_were_not_paired(
    client_for: ClientFor, lead: User, scheme: Scheme, people: People
) -> None:
    services.allocation_publish(
        actor=lead, allocation=services.allocation_run(actor=lead, scheme=scheme)
    )
    scheme_services.participant_withdraw(
        actor=lead, participant=people.lonely_mentor, reason="Left"
    )
    assert "Not paired" not in _tasks_page(client_for, people.lonely_mentor)
    # Withdrawn when it was drawn, and back since: the email was not for them either.
    people.withdrawn.status, people.withdrawn.withdrawn_on = "active", None
    people.withdrawn.save()
    assert "Not paired" not in _tasks_page(client_for, people.withdrawn)


def _lonely_in_new_scheme(lead: User, lonely: int) -> Participant:
    """A new scheme whose published allocation pairs one mentor and leaves ``lonely``
    mentors unmatched; the first of them."""
    scheme = SchemeFactory()
    MembershipFactory(scheme=scheme, user=lead)
    mentor, mentee = (
        _person(scheme, role, name)
        for role, name in ((ParticipantRole.MENTOR, "Dr M"), (ParticipantRole.MENTEE, "Dr E"))
    )
    Willingness.objects.create(mentor=mentor, mentee=mentee, willing=True)
    alone = [_person(scheme, ParticipantRole.MENTOR, f"Dr Alone {n}") for n in range(lonely)]
    scheme.phase = Phase.ALLOCATION
    scheme.save()
    services.allocation_publish(
        actor=lead, allocation=services.allocation_run(actor=lead, scheme=scheme)
    )
    return alone[0]


def test_your_tasks_makes_as_many_queries_for_2_or_20_left_unmatched(
    client_for: ClientFor, lead: User, db: None
) -> None:
    counts = []
    for lonely in (2, 20):
        someone = _lonely_in_new_scheme(lead, lonely)
        client = client_for(someone.user)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("tasks")).content.decode()
        assert "Not paired" in page
        counts.append(len(queries))
    assert counts[0] == counts[1]

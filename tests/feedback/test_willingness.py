"""Willingness to mentor: the services, the mentor's page, the matrix and willingness.csv."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revmentor.core.models import AuditEvent, User
from revmentor.feedback import moves, presenters, willingness, willingness_views
from revmentor.feedback.models import Willingness
from revmentor.feedback.willingness import WillingnessError
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme, taking_part
from revmentor.schemes.services import consent_withdraw, participant_withdraw
from tests.factories import ConsentFactory, ParticipantFactory, SchemeFactory

ClientFor = Callable[[User | None], Client]


def _in_phase(scheme: Scheme, phase: Phase) -> Scheme:
    scheme.phase = phase
    scheme.save(update_fields=["phase"])
    return scheme


def _consented(participant: Participant) -> Participant:
    ConsentFactory(participant=participant)
    return participant


def _participant(**kwargs: Any) -> Participant:
    return cast(Participant, ParticipantFactory(**kwargs))


def _mentor(scheme: Scheme) -> Participant:
    return _consented(_participant(scheme=scheme, role=ParticipantRole.MENTOR))


def _mentee(scheme: Scheme) -> Participant:
    return _consented(_participant(scheme=scheme, role=ParticipantRole.MENTEE))


def _not_consented(scheme: Scheme, role: ParticipantRole, name: str = "") -> Participant:
    """Someone added to the scheme who has not given their consent to take part yet."""
    if name:
        return _participant(scheme=scheme, role=role, user__full_name=name)
    return _participant(scheme=scheme, role=role)


def _withdraw(participant: Participant) -> None:
    participant_withdraw(actor=participant.user, participant=participant, reason="Maternity leave")


@pytest.fixture
def phase_1(scheme: Scheme) -> Scheme:
    return _in_phase(scheme, Phase.PHASE_1)


@pytest.fixture
def ready_mentor(
    phase_1: Scheme, mentor: Participant, mentee: Participant, other_mentee: Participant
) -> Participant:
    """``mentor``, consented, in phase 1, with two consented mentees: ``mentee`` (their
    own supervisor) and ``other_mentee``."""
    _consented(mentee)
    _consented(other_mentee)
    return _consented(mentor)


@pytest.fixture
def paper(phase_1: Scheme) -> tuple[list[Participant], list[Participant]]:
    """The paper's phase 1: 6 mentors and 5 mentees; 3 mentors willing to mentor all 5,
    2 willing to mentor 3 of 5, 1 willing to mentor 4 of 5."""
    mentees = [_mentee(phase_1) for _ in range(5)]
    mentors = [_mentor(phase_1) for _ in range(6)]
    willing_counts = [5, 5, 5, 3, 3, 4]
    for mentor, count in zip(mentors, willing_counts, strict=True):
        willingness.willingness_set(
            mentor=mentor,
            choices={m.pk: index < count for index, m in enumerate(mentees)},
        )
    return mentors, mentees


PAPER_FIGURES = [
    "3 of 6 mentors are willing to mentor all 5 mentees",
    "2 are willing to mentor 3 of 5",
    "1 is willing to mentor 4 of 5",
]


# Services ------------------------------------------------------------------------------


def test_mentor_answers_for_every_mentee_and_the_answers_are_stored(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    stored = willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: False}
    )
    assert stored == 2
    assert willingness.own_choices(ready_mentor) == {mentee.pk: True, other_mentee.pk: False}
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.UPDATE,
        object_type="schemes.Participant",
        object_id=str(ready_mentor.pk),
    )
    assert event.actor == ready_mentor.user and event.scheme_id == ready_mentor.scheme_id


def test_every_active_mentee_must_be_answered(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    with pytest.raises(WillingnessError, match=r"every mentee\. 1 is not answered"):
        willingness.willingness_set(mentor=ready_mentor, choices={mentee.pk: True})
    assert not Willingness.objects.exists()


def test_mentee_of_another_scheme_is_refused(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    elsewhere = _participant(role=ParticipantRole.MENTEE)
    with pytest.raises(WillingnessError, match="only answer for mentees of this scheme"):
        willingness.willingness_set(
            mentor=ready_mentor,
            choices={mentee.pk: True, other_mentee.pk: True, elsewhere.pk: True},
        )
    assert not Willingness.objects.exists()


def test_a_mentor_cannot_be_answered_for_as_if_a_mentee(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    colleague = _mentor(ready_mentor.scheme)
    with pytest.raises(WillingnessError):
        willingness.willingness_set(
            mentor=ready_mentor,
            choices={mentee.pk: True, other_mentee.pk: True, colleague.pk: True},
        )


def test_withdrawn_mentor_is_refused(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    _withdraw(ready_mentor)
    with pytest.raises(WillingnessError, match="You have withdrawn from this scheme"):
        willingness.willingness_set(
            mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: True}
        )
    assert not Willingness.objects.exists()


def test_mentor_without_consent_is_refused(
    phase_1: Scheme, mentor: Participant, mentee: Participant
) -> None:
    with pytest.raises(WillingnessError, match="Give your consent"):
        willingness.willingness_set(mentor=mentor, choices={mentee.pk: True})


def test_a_mentee_cannot_say_whom_they_would_mentor(
    phase_1: Scheme, mentee: Participant, other_mentee: Participant
) -> None:
    _consented(mentee)
    with pytest.raises(WillingnessError, match="Only mentors"):
        willingness.willingness_set(mentor=mentee, choices={other_mentee.pk: True})


@pytest.mark.parametrize("phase", [Phase.SETUP, Phase.PHASE_2, Phase.CLOSED])
def test_willingness_is_refused_outside_phase_1_and_allocation(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant, phase: Phase
) -> None:
    _in_phase(ready_mentor.scheme, phase)
    with pytest.raises(WillingnessError, match="only during phase 1 or allocation"):
        willingness.willingness_set(
            mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: True}
        )
    assert not Willingness.objects.exists()


def test_willingness_can_still_change_during_allocation(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    _in_phase(ready_mentor.scheme, Phase.ALLOCATION)
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: False, other_mentee.pk: True}
    )
    assert willingness.own_choices(ready_mentor) == {mentee.pk: False, other_mentee.pk: True}


def test_answering_again_updates_and_never_duplicates(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: True}
    )
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: False, other_mentee.pk: True}
    )
    assert Willingness.objects.count() == 2
    assert willingness.own_choices(ready_mentor) == {mentee.pk: False, other_mentee.pk: True}


def test_a_withdrawn_mentee_need_not_and_cannot_be_answered(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    _withdraw(other_mentee)
    with pytest.raises(WillingnessError):
        willingness.willingness_set(
            mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: True}
        )
    willingness.willingness_set(mentor=ready_mentor, choices={mentee.pk: True})
    assert willingness.own_choices(ready_mentor) == {mentee.pk: True}


def _set_queries(scheme: Scheme, mentor: Participant) -> int:
    mentees = list(Participant.objects.filter(scheme=scheme, role=ParticipantRole.MENTEE))
    with CaptureQueriesContext(connection) as queries:
        willingness.willingness_set(mentor=mentor, choices={m.pk: True for m in mentees})
    return len(queries)


def test_saving_takes_the_same_number_of_queries_for_5_and_50_mentees(phase_1: Scheme) -> None:
    for _ in range(5):
        _mentee(phase_1)
    small = _set_queries(phase_1, _mentor(phase_1))
    for _ in range(45):
        _mentee(phase_1)
    first = _mentor(phase_1)
    large = _set_queries(phase_1, first)
    again = _set_queries(phase_1, first)  # updates rather than inserts
    assert small == large == again


def test_summary_reproduces_the_papers_figures(
    phase_1: Scheme, paper: tuple[list[Participant], list[Participant]]
) -> None:
    assert willingness.summary(phase_1) == PAPER_FIGURES


def test_summary_counts_only_mentors_who_have_answered(
    phase_1: Scheme, paper: tuple[list[Participant], list[Participant]]
) -> None:
    _mentor(phase_1)
    assert willingness.summary(phase_1) == [
        *PAPER_FIGURES,
        "1 of 7 mentors has not answered yet",
    ]


def test_summary_when_nobody_has_answered_yet(
    phase_1: Scheme, mentor: Participant, other_mentor: Participant, mentee: Participant
) -> None:
    for person in (mentor, other_mentor, mentee):
        _consented(person)
    assert willingness.summary(phase_1) == ["2 of 2 mentors have not answered yet"]


def test_summary_names_mentors_willing_to_mentor_nobody(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: False, other_mentee.pk: False}
    )
    assert willingness.summary(ready_mentor.scheme) == [
        "1 of 1 mentor is not willing to mentor any of the 2 mentees"
    ]


def test_a_mentor_withdrawn_afterwards_drops_out_of_matrix_and_summary(
    phase_1: Scheme, paper: tuple[list[Participant], list[Participant]]
) -> None:
    mentors, _mentees = paper
    _withdraw(mentors[0])  # one of the three willing to mentor everyone
    result = willingness.matrix(phase_1)
    assert mentors[0] not in [row.mentor for row in result.rows]
    assert len(result.rows) == 5
    assert willingness.summary(phase_1) == [
        "2 of 5 mentors are willing to mentor all 5 mentees",
        "2 are willing to mentor 3 of 5",
        "1 is willing to mentor 4 of 5",
    ]
    # Their answers are kept: phase 1 data stay.
    assert Willingness.objects.filter(mentor=mentors[0]).count() == 5


def test_a_mentee_withdrawn_afterwards_drops_out_of_the_matrix(
    phase_1: Scheme, paper: tuple[list[Participant], list[Participant]]
) -> None:
    _mentors, mentees = paper
    _withdraw(mentees[4])  # the one only the "all" mentors were willing to mentor
    result = willingness.matrix(phase_1)
    assert mentees[4] not in result.mentees
    # The mentor who said no only to that mentee is now willing to mentor everyone.
    assert willingness.summary(phase_1) == [
        "4 of 6 mentors are willing to mentor all 4 mentees",
        "2 are willing to mentor 3 of 4",
    ]


def test_willingness_rows_are_the_answered_cells_of_the_matrix_in_two_queries(
    phase_1: Scheme, paper: tuple[list[Participant], list[Participant]]
) -> None:
    mentors, mentees = paper
    mentors[2].supervisor = mentees[1]
    mentors[2].save(update_fields=["supervisor"])
    _withdraw(mentors[0])
    _withdraw(mentees[4])
    _mentee(phase_1)  # nobody has answered about them: no rows

    def ids(p: Participant) -> str:
        return p.research_id

    def no_matrix(scheme: Scheme) -> None:
        raise AssertionError("willingness.csv must not build the mentors × mentees matrix")

    with pytest.MonkeyPatch.context() as patch, CaptureQueriesContext(connection) as queries:
        patch.setattr(willingness, "matrix", no_matrix)
        rows = willingness.willingness_rows(phase_1, ids)
    assert len(queries) == 2
    from_matrix = sorted(
        (
            ids(row.mentor),
            ids(cell.mentee),
            "yes" if cell.willing else "no",
            "yes" if cell.own_supervisor else "no",
        )
        for row in willingness.matrix(phase_1).rows
        for cell in row.cells
        if cell.willing is not None
    )
    assert rows == from_matrix
    assert len(rows) == 5 * 4  # five active mentors, four active mentees answered about
    assert sum(1 for r in rows if r[3] == "yes") == 1


def _answered_both_ways(scheme: Scheme) -> int:
    """Mentors who answered about every active mentee: counted, and from the matrix."""
    counted = willingness.mentors_answered(scheme)
    whole = willingness.matrix(scheme)
    assert counted == len(whole.answered)
    # The figures, counted by the database, say what the whole matrix says.
    assert willingness.summary(scheme) == willingness.summary_of(whole)
    # Some of the rows, built alone, are those rows of the whole matrix.
    some = willingness.mentors_taking_part(scheme)[1:3]
    assert willingness.matrix(scheme, mentors=some).rows == whole.rows[1:3]
    return counted


def test_mentors_answered_is_counted_as_the_matrix_counts_it(
    phase_1: Scheme, paper: tuple[list[Participant], list[Participant]]
) -> None:
    mentors, mentees = paper
    assert _answered_both_ways(phase_1) == 6
    # A mentee added after everyone answered: nobody has answered about them yet.
    late = _mentee(phase_1)
    assert _answered_both_ways(phase_1) == 0
    willingness.willingness_set(mentor=mentors[3], choices={m.pk: True for m in [*mentees, late]})
    assert _answered_both_ways(phase_1) == 1
    # Withdrawn, they need no answer: everyone has answered about every mentee left.
    _withdraw(late)
    assert _answered_both_ways(phase_1) == 6
    _withdraw(mentors[0])  # a withdrawn mentor is not counted
    assert _answered_both_ways(phase_1) == 5
    # A mentor with one answer missing is not counted, even with an answer about a mentee
    # of another scheme in its place (the service refuses one; the count must not need it).
    Willingness.objects.filter(mentor=mentors[1], mentee=mentees[0]).delete()
    elsewhere = _mentee(SchemeFactory())
    Willingness.objects.create(mentor=mentors[1], mentee=elsewhere, willing=True)
    assert _answered_both_ways(phase_1) == 4


def test_mentors_answered_with_no_mentee_left_counts_every_active_mentor(
    phase_1: Scheme, paper: tuple[list[Participant], list[Participant]]
) -> None:
    _mentors, mentees = paper
    for mentee in mentees:
        _withdraw(mentee)
    assert _answered_both_ways(phase_1) == 6


def test_mentors_answered_and_the_figures_take_two_queries_however_big_the_scheme(
    phase_1: Scheme,
) -> None:
    mentees = [_mentee(phase_1) for _ in range(12)]
    for _ in range(12):
        willingness.willingness_set(mentor=_mentor(phase_1), choices={m.pk: True for m in mentees})
    with CaptureQueriesContext(connection) as queries:
        assert willingness.mentors_answered(phase_1) == 12
    assert len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        assert willingness.summary(phase_1) == [
            "12 of 12 mentors are willing to mentor all 12 mentees"
        ]
    assert len(queries) == 2


def test_matrix_flags_own_supervisor_and_unanswered_pairs(
    ready_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
    other_mentor: Participant,
) -> None:
    _consented(other_mentor)
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: False, other_mentee.pk: True}
    )
    result = willingness.matrix(ready_mentor.scheme)
    by_mentor = {row.mentor.pk: row for row in result.rows}
    cells = {cell.mentee.pk: cell for cell in by_mentor[ready_mentor.pk].cells}
    assert cells[mentee.pk].own_supervisor and cells[mentee.pk].label == "No"
    assert not cells[other_mentee.pk].own_supervisor and cells[other_mentee.pk].label == "Yes"
    assert [c.label for c in by_mentor[other_mentor.pk].cells] == ["Not answered"] * 2
    assert not any(c.own_supervisor for c in by_mentor[other_mentor.pk].cells)


def test_willingness_rows_use_the_given_ids_and_leave_out_withdrawn_people(
    ready_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
    other_mentor: Participant,
) -> None:
    _consented(other_mentor)
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: False}
    )
    willingness.willingness_set(
        mentor=other_mentor, choices={mentee.pk: True, other_mentee.pk: True}
    )
    _withdraw(other_mentor)

    def ids(p: Participant) -> str:
        return f"P{p.pk}"

    assert willingness.willingness_rows(ready_mentor.scheme, ids) == sorted(
        [
            (f"P{ready_mentor.pk}", f"P{mentee.pk}", "yes", "yes"),
            (f"P{ready_mentor.pk}", f"P{other_mentee.pk}", "no", "no"),
        ]
    )


# The mentor's page ---------------------------------------------------------------------


def _own_url(scheme: Scheme) -> str:
    return reverse("own_willingness", args=[scheme.pk])


def test_mentor_answers_through_the_page(
    client_for: ClientFor,
    ready_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    client = client_for(ready_mentor.user)
    page = client.get(_own_url(ready_mentor.scheme)).content.decode()
    assert "Would you be willing to mentor Dr Mentee One?" in page
    assert "Would you be willing to mentor Dr Mentee Two?" in page
    assert page.count("Your own clinical supervisor") == 1
    assert page.index("Dr Mentee One?") < page.index("Your own clinical supervisor")
    response = client.post(
        _own_url(ready_mentor.scheme),
        {f"mentee-{mentee.pk}": "no", f"mentee-{other_mentee.pk}": "yes"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("tasks")
    assert willingness.own_choices(ready_mentor) == {mentee.pk: False, other_mentee.pk: True}
    assert "Your answers have been saved" in client.get(reverse("tasks")).content.decode()
    again = client.get(_own_url(ready_mentor.scheme)).content.decode()
    assert (
        f'id="mentee-{other_mentee.pk}" name="mentee-{other_mentee.pk}" type="radio" value="yes" checked'
        in again
    )


def test_an_unanswered_mentee_shows_an_error_summary_and_saves_nothing(
    client_for: ClientFor,
    ready_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    response = client_for(ready_mentor.user).post(
        _own_url(ready_mentor.scheme), {f"mentee-{mentee.pk}": "yes"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Select yes if you would be willing to mentor Dr Mentee Two" in body
    assert f'href="#mentee-{other_mentee.pk}"' in body and f'id="mentee-{other_mentee.pk}"' in body
    assert "Select yes if you would be willing to mentor Dr Mentee One" not in body
    # What was answered stays selected.
    assert f'name="mentee-{mentee.pk}" type="radio" value="yes" checked' in body
    assert not Willingness.objects.exists()


def test_outside_phase_1_and_allocation_the_page_says_when_to_come_back(
    client_for: ClientFor,
    ready_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    _in_phase(ready_mentor.scheme, Phase.PHASE_2)
    client = client_for(ready_mentor.user)
    page = client.get(_own_url(ready_mentor.scheme)).content.decode()
    assert "during phase 1 and allocation" in page and '<form method="post"' not in page
    response = client.post(
        _own_url(ready_mentor.scheme),
        {f"mentee-{mentee.pk}": "yes", f"mentee-{other_mentee.pk}": "yes"},
    )
    assert response.status_code == 200
    assert "only during phase 1 or allocation" in response.content.decode()
    assert not Willingness.objects.exists()


def test_another_mentor_cannot_see_or_change_my_answers(
    client_for: ClientFor,
    ready_mentor: Participant,
    other_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: True}
    )
    _consented(other_mentor)
    client = client_for(other_mentor.user)
    page = client.get(_own_url(ready_mentor.scheme)).content.decode()
    assert "checked" not in page  # their own page, with nothing answered yet
    assert "Your own clinical supervisor" not in page  # mentee supervises ready_mentor only
    client.post(
        _own_url(ready_mentor.scheme),
        {f"mentee-{mentee.pk}": "no", f"mentee-{other_mentee.pk}": "no"},
    )
    assert willingness.own_choices(ready_mentor) == {mentee.pk: True, other_mentee.pk: True}
    assert willingness.own_choices(other_mentor) == {mentee.pk: False, other_mentee.pk: False}


@pytest.mark.parametrize(
    "who", ["mentee", "unconsented_mentor", "withdrawn_mentor", "lead", "outsider", "elsewhere"]
)
def test_only_an_active_consented_mentor_of_the_scheme_may_open_the_page(
    client_for: ClientFor,
    phase_1: Scheme,
    mentor: Participant,
    mentee: Participant,
    lead: User,
    outsider: User,
    who: str,
) -> None:
    if who == "unconsented_mentor":
        user = mentor.user
    elif who == "withdrawn_mentor":
        _consented(mentor)
        _withdraw(mentor)
        user = mentor.user
    elif who == "mentee":
        user = _consented(mentee).user
    elif who == "elsewhere":
        user = _mentor(_participant(role=ParticipantRole.MENTEE).scheme).user
    else:
        user = {"lead": lead, "outsider": outsider}[who]
    client = client_for(user)
    assert client.get(_own_url(phase_1)).status_code == 404
    assert client.post(_own_url(phase_1), {f"mentee-{mentee.pk}": "yes"}).status_code == 404
    assert not Willingness.objects.exists()


# The staff matrix and willingness.csv -------------------------------------------------


def _matrix_url(scheme: Scheme) -> str:
    return reverse("schemes:willingness", args=[scheme.pk])


def _csv_url(scheme: Scheme) -> str:
    return reverse("schemes:willingness_csv", args=[scheme.pk])


def test_lead_sees_the_matrix_and_the_figures(
    client_for: ClientFor,
    lead: User,
    ready_mentor: Participant,
    other_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    _consented(other_mentor)
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: False}
    )
    response = client_for(lead).get(_matrix_url(ready_mentor.scheme))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("Dr Mentor One", "Dr Mentor Two", "Dr Mentee One", "Dr Mentee Two"):
        assert name in body
    assert '<th scope="col" class="nhsuk-table__header">Dr Mentee One</th>' in body
    assert '<th scope="row" class="nhsuk-table__header">Dr Mentor One</th>' in body
    assert "Yes<br><strong" in body and "Own clinical supervisor" in body
    assert body.count("Own clinical supervisor") == 1
    assert ">No</td>" in body and body.count("Not answered") == 2
    assert "1 of 1 mentor is willing to mentor 1 of 2 mentees" in body
    assert "1 of 2 mentors has not answered yet" in body
    assert _csv_url(ready_mentor.scheme) in body


def test_the_matrix_shows_a_page_of_mentors_and_the_figures_count_them_all(
    client_for: ClientFor,
    lead: User,
    phase_1: Scheme,
    paper: tuple[list[Participant], list[Participant]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each row has a cell per mentee: the table would grow with mentors × mentees."""
    monkeypatch.setattr(willingness_views, "MATRIX_ROWS_PER_PAGE", 4)
    client = client_for(lead)
    first = client.get(_matrix_url(phase_1)).content.decode()
    second = client.get(_matrix_url(phase_1) + "?page=2").content.decode()
    for body in (first, second):
        assert all(line in body for line in PAPER_FIGURES)  # all six mentors counted
        assert "nhsuk-pagination" in body
    assert first.count('<th scope="row"') == 4 and "Mentors 1 to 4 of 6" in first
    assert second.count('<th scope="row"') == 2 and "Mentors 5 to 6 of 6" in second


def test_facilitator_sees_the_matrix_without_the_download(
    client_for: ClientFor, facilitator: User, phase_1: Scheme, mentor: Participant
) -> None:
    response = client_for(facilitator).get(_matrix_url(phase_1))
    assert response.status_code == 200
    assert _csv_url(phase_1) not in response.content.decode()


def test_matrix_leaves_out_withdrawn_people(
    client_for: ClientFor,
    lead: User,
    ready_mentor: Participant,
    other_mentor: Participant,
    mentee: Participant,
) -> None:
    _withdraw(other_mentor)
    body = client_for(lead).get(_matrix_url(ready_mentor.scheme)).content.decode()
    assert "Dr Mentor One" in body and "Dr Mentor Two" not in body


@pytest.mark.parametrize(
    ("persona", "status"),
    [("mentor", 403), ("mentee", 403), ("other_lead", 404), ("outsider", 404)],
)
def test_matrix_is_refused_to_participants_and_hidden_from_outsiders(
    client_for: ClientFor,
    request: pytest.FixtureRequest,
    phase_1: Scheme,
    persona: str,
    status: int,
) -> None:
    found = request.getfixturevalue(persona)
    user = found.user if isinstance(found, Participant) else found
    assert client_for(user).get(_matrix_url(phase_1)).status_code == status


@pytest.mark.parametrize("persona", ["lead", "researcher"])
def test_willingness_csv_is_pseudonymised_and_audited(
    client_for: ClientFor,
    request: pytest.FixtureRequest,
    phase_1: Scheme,
    paper: tuple[list[Participant], list[Participant]],
    persona: str,
) -> None:
    user = request.getfixturevalue(persona)
    mentors, mentees = paper
    mentors[0].supervisor = mentees[0]
    mentors[0].save(update_fields=["supervisor"])
    response = client_for(user).get(_csv_url(phase_1))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="willingness.csv"'
    content = response.content.decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == ["mentor_id", "mentee_id", "willing", "own_supervisor"]
    assert len(rows) == 1 + 30
    assert sum(1 for r in rows[1:] if r[2] == "yes") == 5 + 5 + 5 + 3 + 3 + 4
    assert sum(1 for r in rows[1:] if r[3] == "yes") == 1
    assert {r[2] for r in rows[1:]} | {r[3] for r in rows[1:]} == {"yes", "no"}
    assert len({r[0] for r in rows[1:]}) == 6 and len({r[1] for r in rows[1:]}) == 5
    for person in [*mentors, *mentees]:
        assert person.user.full_name not in content
        assert person.user.email not in content
        assert person.user.email.split("@")[0] not in content
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, scheme_id=phase_1.pk)
    assert event.actor == user and "willingness.csv" in event.summary


def test_willingness_csv_leaves_out_people_not_taking_part(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    scheme = ready_mentor.scheme
    unconsented = _not_consented(scheme, ParticipantRole.MENTEE)
    willingness.willingness_set(
        mentor=ready_mentor,
        choices={mentee.pk: True, other_mentee.pk: False, unconsented.pk: True},
    )

    def rows() -> set[tuple[str, str]]:
        found = willingness.willingness_rows(scheme, lambda person: str(person.pk))
        return {(mentor_id, mentee_id) for mentor_id, mentee_id, _w, _s in found}

    mentor_id = str(ready_mentor.pk)
    # The answer about someone who has not consented is kept but not exported.
    assert Willingness.objects.filter(mentor=ready_mentor, mentee=unconsented).exists()
    assert rows() == {(mentor_id, str(mentee.pk)), (mentor_id, str(other_mentee.pk))}
    consent_withdraw(participant=other_mentee)
    assert rows() == {(mentor_id, str(mentee.pk))}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("facilitator", 403),
        ("mentor", 403),
        ("mentee", 403),
        ("other_lead", 404),
        ("outsider", 404),
    ],
)
def test_willingness_csv_is_refused_to_everyone_else(
    client_for: ClientFor,
    request: pytest.FixtureRequest,
    phase_1: Scheme,
    persona: str,
    status: int,
) -> None:
    found = request.getfixturevalue(persona)
    user = found.user if isinstance(found, Participant) else found
    assert client_for(user).get(_csv_url(phase_1)).status_code == status
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


# Query counts ----------------------------------------------------------------------------


def _grow(scheme: Scheme, mentors: int, mentees: int) -> None:
    """Grow the scheme to this many mentors and mentees, every mentor taking part having
    answered about every mentee taking part."""
    while Participant.objects.filter(scheme=scheme, role=ParticipantRole.MENTEE).count() < mentees:
        _mentee(scheme)
    while Participant.objects.filter(scheme=scheme, role=ParticipantRole.MENTOR).count() < mentors:
        _mentor(scheme)
    active = Participant.objects.filter(taking_part(), scheme=scheme)
    everyone = list(active.mentees())
    for mentor in active.mentors():
        willingness.willingness_set(
            mentor=mentor, choices={m.pk: (m.pk + mentor.pk) % 2 == 0 for m in everyone}
        )
    # A mentor supervised by a mentee, at both sizes.
    first = active.mentors().order_by("pk").first()
    assert first is not None
    first.supervisor = everyone[0]
    first.save(update_fields=["supervisor"])


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_of_the_mentor_page_and_the_matrix_are_the_same_at_6_and_60_mentors(
    client_for: ClientFor, lead: User, phase_1: Scheme
) -> None:
    _grow(phase_1, mentors=6, mentees=5)
    # A withdrawn mentor and mentee, whose answers stay stored, at both sizes.
    gone = Participant.objects.filter(scheme=phase_1).order_by("-pk")
    _withdraw(gone.filter(role=ParticipantRole.MENTOR)[0])
    _withdraw(gone.filter(role=ParticipantRole.MENTEE)[0])
    # And a mentor and a mentee who have not consented yet, at both sizes.
    _not_consented(phase_1, ParticipantRole.MENTOR)
    _not_consented(phase_1, ParticipantRole.MENTEE)
    one = Participant.objects.filter(scheme=phase_1, role=ParticipantRole.MENTOR).first()
    assert one is not None
    mentor_client, lead_client = client_for(one.user), client_for(lead)
    small = (
        _queries(mentor_client, _own_url(phase_1)),
        _queries(lead_client, _matrix_url(phase_1)),
        _queries(lead_client, _csv_url(phase_1)),
    )
    _grow(phase_1, mentors=60, mentees=25)
    large = (
        _queries(mentor_client, _own_url(phase_1)),
        _queries(lead_client, _matrix_url(phase_1)),
        _queries(lead_client, _csv_url(phase_1)),
    )
    assert small == large
    assert "Not answered" not in lead_client.get(_matrix_url(phase_1)).content.decode()


# Only people taking part: not consented yet, or consent withdrawn ------------------------


def test_a_mentee_who_has_not_consented_is_not_asked_about_nor_required(
    client_for: ClientFor,
    ready_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    scheme = ready_mentor.scheme
    _not_consented(scheme, ParticipantRole.MENTEE, "Dr Not Yet Consented")
    client = client_for(ready_mentor.user)
    page = client.get(_own_url(scheme)).content.decode()
    assert "Would you be willing to mentor Dr Mentee Two?" in page
    assert "Dr Not Yet Consented" not in page
    response = client.post(
        _own_url(scheme), {f"mentee-{mentee.pk}": "yes", f"mentee-{other_mentee.pk}": "no"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("tasks")
    assert willingness.own_choices(ready_mentor) == {mentee.pk: True, other_mentee.pk: False}
    # The service does not require them either, and the mentor has answered everyone.
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: False, other_mentee.pk: False}
    )
    assert _answered_both_ways(scheme) == 1


def test_a_mentee_who_consents_later_becomes_a_new_question(
    client_for: ClientFor,
    ready_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
) -> None:
    scheme = ready_mentor.scheme
    late = _not_consented(scheme, ParticipantRole.MENTEE, "Dr Late Consent")
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: True}
    )
    client = client_for(ready_mentor.user)
    assert _answered_both_ways(scheme) == 1

    _consented(late)

    assert _answered_both_ways(scheme) == 0
    page = client.get(_own_url(scheme)).content.decode()
    assert "Would you be willing to mentor Dr Late Consent?" in page
    assert f'name="mentee-{late.pk}" type="radio" value="yes" checked' not in page
    assert f'name="mentee-{mentee.pk}" type="radio" value="yes" checked' in page
    with pytest.raises(WillingnessError, match="1 is not answered"):
        willingness.willingness_set(
            mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: True}
        )
    client.post(
        _own_url(scheme),
        {f"mentee-{m.pk}": "yes" for m in (mentee, other_mentee, late)},
    )
    assert willingness.own_choices(ready_mentor)[late.pk] is True
    assert _answered_both_ways(scheme) == 1


def test_your_tasks_reopens_the_willingness_task_when_a_mentee_consents(
    ready_mentor: Participant, mentee: Participant, other_mentee: Participant
) -> None:
    late = _not_consented(ready_mentor.scheme, ParticipantRole.MENTEE)
    willingness.willingness_set(
        mentor=ready_mentor, choices={mentee.pk: True, other_mentee.pk: True}
    )

    def status() -> str:
        found = Participant.objects.with_consent().select_related("scheme").get(pk=ready_mentor.pk)
        rows = presenters.mentor_rows([found])[ready_mentor.pk]
        return next(r.status for r in rows if "willing to mentor" in r.title)

    assert status() == "completed"
    _consented(late)
    assert status() == "Not started"


def test_the_figures_leave_out_mentors_and_mentees_who_have_not_consented(
    client_for: ClientFor,
    lead: User,
    phase_1: Scheme,
    paper: tuple[list[Participant], list[Participant]],
) -> None:
    _not_consented(phase_1, ParticipantRole.MENTOR)  # cannot answer: not "not answered yet"
    _not_consented(phase_1, ParticipantRole.MENTEE)  # not asked about
    assert willingness.summary(phase_1) == PAPER_FIGURES
    assert _answered_both_ways(phase_1) == 6
    result = willingness.matrix(phase_1)
    assert len(result.rows) == 6 and len(result.mentees) == 5
    # Moving on: nobody has willingness left to give; five documents are missing, not six.
    assert moves.unfinished_willingness(phase_1) == []
    [documents] = moves.unfinished_documents(phase_1)
    assert documents.text.startswith("5 of 5 mentees have no approved feedback document")
    dashboard = client_for(lead).get(reverse("schemes:detail", args=[phase_1.pk]))
    body = dashboard.content.decode()
    assert "<strong>0</strong> of 5 mentees have notes" in body
    assert "<strong>0</strong> of 5 documents approved" in body


def test_a_mentee_who_withdraws_consent_in_phase_1_drops_out_as_a_withdrawn_one_does(
    client_for: ClientFor,
    phase_1: Scheme,
    paper: tuple[list[Participant], list[Participant]],
) -> None:
    mentors, mentees = paper
    consent_withdraw(participant=mentees[4])  # only the "all" mentors were willing
    assert mentees[4] not in willingness.matrix(phase_1).mentees
    assert willingness.summary(phase_1) == [
        "4 of 6 mentors are willing to mentor all 4 mentees",
        "2 are willing to mentor 3 of 4",
    ]
    assert _answered_both_ways(phase_1) == 6
    page = client_for(mentors[3].user).get(_own_url(phase_1)).content.decode()
    assert mentees[4].user.full_name not in page
    # Not required; what was said about them is kept.
    willingness.willingness_set(
        mentor=mentors[3], choices={m.pk: i < 3 for i, m in enumerate(mentees[:4])}
    )
    assert Willingness.objects.filter(mentee=mentees[4]).count() == 6
    # A mentor who withdraws their consent is no longer counted either.
    consent_withdraw(participant=mentors[0])
    assert willingness.summary(phase_1) == [
        "3 of 5 mentors are willing to mentor all 4 mentees",
        "2 are willing to mentor 3 of 4",
    ]
    assert moves.unfinished_willingness(phase_1) == []

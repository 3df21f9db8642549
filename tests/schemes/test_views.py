from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.core.models import User
from revmentor.feedback import willingness
from revmentor.schemes import presenters, selectors, services, views
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme
from tests.factories import ConsentFactory, ParticipantFactory

ClientFor = Callable[[User | None], Client]


def test_lead_creates_a_scheme_and_becomes_its_lead(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    response = client_for(lead).post(
        reverse("schemes:create"),
        {
            "organisation": scheme.organisation.pk,
            "name": "Cardiology RM",
            "specialty": "Cardiology",
        },
    )
    created = Scheme.objects.get(name="Cardiology RM")
    assert response["Location"] == reverse("schemes:detail", args=[created.pk])
    assert created.memberships.get().user == lead


def test_a_participant_on_the_schemes_page_is_sent_to_their_tasks(
    client_for: ClientFor, mentee: Participant
) -> None:
    page = client_for(mentee.user).get(reverse("schemes:list")).content.decode()
    assert "You do not run any schemes." in page
    assert f'<a href="{reverse("tasks")}">your tasks</a>' in page
    assert "Create a scheme" not in page


def test_create_scheme_form_says_what_is_missing(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    response = client_for(lead).post(
        reverse("schemes:create"), {"organisation": scheme.organisation.pk}
    )
    body = response.content.decode()
    assert "Enter a name for the scheme" in body and "There is a problem" in body


def test_dashboard_shows_the_pipeline_with_counts(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentor: Participant,
    other_mentor: Participant,
) -> None:
    ConsentFactory(participant=mentor)
    services.participant_invite(actor=lead, participant=other_mentor)
    body = client_for(lead).get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert (
        "Recruitment and consent" in body and "Random allocation within stated preferences" in body
    )
    assert "<strong>2</strong> mentors" in body
    assert "<strong>1</strong> mentees" in body
    assert "<strong>1</strong> invited" in body
    assert "<strong>1</strong> consented" in body


def test_the_dashboard_counts_those_who_withdrew_their_consent(
    scheme: Scheme, mentor: Participant, other_mentor: Participant
) -> None:
    for person in (mentor, other_mentor):
        ConsentFactory(participant=person)
    assert ("Withdrew their consent", 0) not in presenters.recruitment_counts(scheme)
    services.consent_withdraw(participant=mentor)
    counts = dict(presenters.recruitment_counts(scheme))
    assert (counts["Consented"], counts["Withdrew their consent"], counts["Withdrawn"]) == (1, 1, 0)
    # Consent given again: counted as consented once more.
    services.consent_give(participant=mentor, take_part=True, research_use=True)
    counts = dict(presenters.recruitment_counts(scheme))
    assert (counts["Consented"], "Withdrew their consent" in counts) == (2, False)


def test_facilitator_sees_the_dashboard_without_management_buttons(
    client_for: ClientFor, facilitator: User, scheme: Scheme, mentor: Participant
) -> None:
    body = client_for(facilitator).get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "Move on to" not in body
    body = (
        client_for(facilitator)
        .get(reverse("schemes:participants", args=[scheme.pk]))
        .content.decode()
    )
    assert "Add a participant" not in body and "Dr Mentor One" in body


def test_lead_moves_the_scheme_to_phase_1(
    client_for: ClientFor, lead: User, scheme: Scheme, mentor: Participant
) -> None:
    client_for(lead).post(
        reverse("schemes:advance", args=[scheme.pk]),
        {"to": "phase_1", "seen": ["not-invited"], "confirm": "on"},
    )
    scheme.refresh_from_db()
    assert scheme.phase == Phase.PHASE_1


def test_a_stale_advance_button_changes_nothing(
    client_for: ClientFor, lead: User, scheme: Scheme, mentor: Participant
) -> None:
    client_for(lead).post(reverse("schemes:advance", args=[scheme.pk]), {"to": "allocation"})
    scheme.refresh_from_db()
    assert scheme.phase == Phase.SETUP


def test_after_set_up_the_details_page_shows_the_domains_and_keeps_them_whatever_is_posted(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    scheme.phase = Phase.PHASE_1
    scheme.save(update_fields=["phase"])
    domains = scheme.domains
    url = reverse("schemes:edit", args=[scheme.pk])
    page = client_for(lead).get(url).content.decode()
    assert "Domains cannot be changed after phase 1 starts." in page
    assert 'name="domains"' not in page
    posted = {
        "name": "Renamed",
        "specialty": scheme.specialty,
        "information_sheet": scheme.information_sheet,
        "information_sheet_version": scheme.information_sheet_version,
    }
    for sent in ({}, {"domains": "Something else"}):
        assert client_for(lead).post(url, posted | sent).status_code == 302
        scheme.refresh_from_db()
        assert (scheme.name, scheme.domains) == ("Renamed", domains)


def test_lead_adds_a_participant(client_for: ClientFor, lead: User, scheme: Scheme) -> None:
    response = client_for(lead).post(
        reverse("schemes:participant_add", args=[scheme.pk]),
        {
            "full_name": "Dr New",
            "email": "new@nhs.net",
            "role": "mentor",
            "age": "33",
            "previous_mentoring": "no",
        },
    )
    assert response.status_code == 302
    added = Participant.objects.get(user__email="new@nhs.net")
    assert (added.role, added.age, added.previous_mentoring) == ("mentor", 33, False)


def test_adding_a_participant_reports_each_bad_field(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    response = client_for(lead).post(
        reverse("schemes:participant_add", args=[scheme.pk]), {"email": "nope", "age": "9"}
    )
    body = response.content.decode()
    for message in (
        "Enter their full name",
        "Enter an email address in the correct format, like name@nhs.net",
        "Select whether they are a mentor or a mentee",
        "Age must be 16 or more",
    ):
        assert message in body
    assert not Participant.objects.exists()


def test_lead_sets_supervisors_on_one_page(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentor: Participant,
    other_mentor: Participant,
    other_mentee: Participant,
) -> None:
    client_for(lead).post(
        reverse("schemes:supervisors", args=[scheme.pk]),
        {f"supervisor-{mentor.pk}": "", f"supervisor-{other_mentor.pk}": str(other_mentee.pk)},
    )
    mentor.refresh_from_db()
    other_mentor.refresh_from_db()
    assert mentor.supervisor is None and other_mentor.supervisor == other_mentee
    # No supervisor reads "Not set", in the list and in the choices, never "None".
    listed = client_for(lead).get(reverse("schemes:participants", args=[scheme.pk]))
    choices = client_for(lead).get(reverse("schemes:supervisors", args=[scheme.pk]))
    for page in (listed.content.decode(), choices.content.decode()):
        assert "Not set" in page and ">None<" not in page


def test_supervisors_come_a_page_of_mentors_at_a_time_and_saving_keeps_the_rest(
    client_for: ClientFor, lead: User, scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each mentor's list offers every mentee: the page would grow with mentors × mentees."""
    monkeypatch.setattr(views, "SUPERVISORS_PER_PAGE", 2)
    mentees = [ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE) for _ in range(3)]
    mentors = [
        ParticipantFactory(scheme=scheme, user__full_name=f"Dr Mentor {n}", supervisor=mentees[0])
        for n in range(1, 6)
    ]
    client = client_for(lead)
    url = reverse("schemes:supervisors", args=[scheme.pk])
    first = client.get(url).content.decode()
    assert first.count("<select") == 2 and "Mentors 1 to 2 of 5" in first
    assert "nhsuk-pagination" in first and "Dr Mentor 3" not in first
    last = client.get(url + "?page=3").content.decode()
    assert last.count("<select") == 1 and "Dr Mentor 5" in last

    # Page 2 sent: mentors 3 and 4 change; nobody else's supervisor is touched.
    sent = {
        f"supervisor-{mentors[2].pk}": str(mentees[1].pk),
        f"supervisor-{mentors[3].pk}": "",
    }
    response = client.post(url + "?page=2", sent)
    assert response.status_code == 302 and response["Location"] == url + "?page=3"
    stored = {
        p.pk: p.supervisor_id for p in Participant.objects.filter(pk__in=[m.pk for m in mentors])
    }
    assert stored == {
        mentors[0].pk: mentees[0].pk,
        mentors[1].pk: mentees[0].pk,
        mentors[2].pk: mentees[1].pk,
        mentors[3].pk: None,
        mentors[4].pk: mentees[0].pk,
    }
    # The last page goes back to the participants.
    response = client.post(url + "?page=3", {f"supervisor-{mentors[4].pk}": str(mentees[2].pk)})
    assert response["Location"] == reverse("schemes:participants", args=[scheme.pk])


def test_lead_withdraws_a_participant_with_a_reason(
    client_for: ClientFor, lead: User, scheme: Scheme, mentor: Participant
) -> None:
    client_for(lead).post(
        reverse("schemes:participant_withdraw", args=[scheme.pk, mentor.pk]),
        {"reason": "Maternity leave"},
    )
    mentor.refresh_from_db()
    assert mentor.status == "withdrawn" and mentor.withdrawn_reason == "Maternity leave"


def test_only_the_leads_see_why_someone_was_withdrawn(
    client_for: ClientFor, lead: User, facilitator: User, scheme: Scheme, mentor: Participant
) -> None:
    services.participant_withdraw(actor=lead, participant=mentor, reason="Maternity leave")
    url = reverse("schemes:participants", args=[scheme.pk])
    assert "Maternity leave" in client_for(lead).get(url).content.decode()
    seen = client_for(facilitator).get(url).content.decode()
    assert mentor.user.full_name in seen and "Maternity leave" not in seen


def test_the_participants_list_says_who_withdrew_their_consent(
    client_for: ClientFor, lead: User, scheme: Scheme, mentor: Participant
) -> None:
    Participant.objects.filter(pk=mentor.pk).update(invited_at=timezone.now())
    ConsentFactory(participant=mentor)
    services.consent_withdraw(participant=mentor)
    rows = presenters.participant_rows(list(selectors.participants_of(scheme)))
    [row] = [r for r in rows if r.participant.pk == mentor.pk]
    assert (row.consent_label, row.consent_colour) == ("Consent withdrawn", "orange")
    body = client_for(lead).get(reverse("schemes:participants", args=[scheme.pk]))
    assert "Consent withdrawn" in body.content.decode()


def _participants_page_queries(client: Client, scheme: Scheme) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("schemes:participants", args=[scheme.pk]))
    assert response.status_code == 200
    return len(queries)


def test_participants_page_query_count_does_not_grow_with_the_cohort(
    client_for: ClientFor, lead: User, scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PARTICIPANTS_PER_PAGE", 10)  # the large cohort: five pages
    client = client_for(lead)
    mentee = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR, supervisor=mentee)
    small = _participants_page_queries(client, scheme)
    for _ in range(20):
        mentee = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
        ConsentFactory(participant=ParticipantFactory(scheme=scheme, supervisor=mentee))
    large = _participants_page_queries(client, scheme)
    assert small == large


def test_participants_come_a_page_at_a_time_and_are_found_by_name_or_email(
    client_for: ClientFor, lead: User, scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A regional scheme holds thousands: the page would be a megabyte without pages."""
    monkeypatch.setattr(views, "PARTICIPANTS_PER_PAGE", 4)
    for n in range(1, 6):
        ParticipantFactory(scheme=scheme, user__full_name=f"Dr Mentor {n}")
    for n in range(1, 4):
        ParticipantFactory(
            scheme=scheme,
            role=ParticipantRole.MENTEE,
            user__full_name=f"Dr Consultant {n}",
            user__email=f"consultant{n}@trust.nhs.uk",
        )
    client = client_for(lead)
    url = reverse("schemes:participants", args=[scheme.pk])

    first = client.get(url).content.decode()
    assert "5 mentors and 3 mentees." in first and "1 to 4 of 8 people." in first
    assert [f"Dr Mentor {n}" in first for n in range(1, 6)] == [True] * 4 + [False]
    assert "Mentees</caption>" not in first and "nhsuk-pagination" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "5 to 8 of 8 people." in second and "5 mentors and 3 mentees." in second
    assert "Dr Mentor 5" in second and "Mentors</caption>" in second
    assert all(f"Dr Consultant {n}" in second for n in range(1, 4))

    found = client.get(url, {"q": "  CONSULTANT2@TRUST "}).content.decode()
    assert "1 person whose name or email address holds “CONSULTANT2@TRUST”." in found
    assert "Dr Consultant 2" in found and "Dr Consultant 1" not in found
    assert "Mentors</caption>" not in found and "Show everyone" in found
    by_name = client.get(url, {"q": "mentor"}).content.decode()
    assert "1 to 4 of 5 people whose" in by_name and "Dr Consultant" not in by_name
    assert 'href="?q=mentor&amp;page=2"' in by_name  # the next page keeps the search
    nobody = client.get(url, {"q": "Smith"}).content.decode()
    assert "Nobody's name or email address holds “Smith”." in nobody
    assert "<table" not in nobody
    too_long = client.get(url, {"q": "x" * 255}).content.decode()
    assert "Enter 254 characters or fewer" in too_long and "1 to 4 of 8 people." in too_long


def test_invite_everyone_counts_only_those_it_would_invite(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    ParticipantFactory(scheme=scheme)  # to invite
    ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)  # to invite
    ParticipantFactory(scheme=scheme, imported=True)  # imported: no email to send to
    ParticipantFactory(scheme=scheme, status="withdrawn", withdrawn_on="2026-01-05")
    ParticipantFactory(scheme=scheme, invited_at="2026-01-05T09:00Z")
    page = client_for(lead).get(reverse("schemes:participants", args=[scheme.pk]))
    assert "Invite everyone not yet invited (2)" in page.content.decode()
    assert services.participants_invite_pending(actor=lead, scheme=scheme) == 2


def test_an_empty_scheme_says_who_to_add_and_offers_no_search(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    page = client_for(lead).get(reverse("schemes:participants", args=[scheme.pk]))
    body = page.content.decode()
    assert "Nobody has been added yet." in body and 'name="q"' not in body


def test_dashboard_query_count_does_not_grow_with_the_cohort(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    client = client_for(lead)
    url = reverse("schemes:detail", args=[scheme.pk])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(30):
        ConsentFactory(participant=ParticipantFactory(scheme=scheme))
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small) == len(large)


def test_dashboard_counts_willingness_without_building_the_matrix(
    client_for: ClientFor, lead: User, scheme: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The matrix grows with mentors × mentees; the scheme's page is opened all the time."""
    scheme.phase = Phase.PHASE_1
    scheme.save(update_fields=["phase"])
    mentee = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    mentor = ConsentFactory(participant=ParticipantFactory(scheme=scheme)).participant
    willingness.willingness_set(mentor=mentor, choices={mentee.pk: True})

    def no_matrix(scheme: Scheme) -> None:
        raise AssertionError("the scheme's page must not build the willingness matrix")

    monkeypatch.setattr(willingness, "matrix", no_matrix)
    page = client_for(lead).get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "mentors have said whom they would mentor" in page


def test_lead_adds_a_researcher_to_the_team(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    response = client_for(lead).post(
        reverse("schemes:team", args=[scheme.pk]),
        {"full_name": "Rosa Research", "email": "rosa@nhs.net", "role": "researcher"},
    )
    assert response.status_code == 302
    rosa = User.objects.get(email="rosa@nhs.net")
    assert rosa.has_perm("schemes.view_scheme", scheme)
    assert not rosa.has_perm("schemes.manage_scheme", scheme)


def test_facilitator_sees_the_team_but_cannot_add_to_it(
    client_for: ClientFor, facilitator: User, scheme: Scheme
) -> None:
    client = client_for(facilitator)
    assert (
        "Add someone to the team"
        not in client.get(reverse("schemes:team", args=[scheme.pk])).content.decode()
    )
    response = client.post(
        reverse("schemes:team", args=[scheme.pk]),
        {"full_name": "X", "email": "x@nhs.net", "role": "lead"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="x@nhs.net").exists()


def _analysis_scheme(scheme: Scheme, mentors: int) -> list[Participant]:
    """``scheme`` in analysis: ``mentors`` consented mentors, each paired with a
    consented mentee in the published allocation; the questionnaires before and after
    the group interview and before the session opened, the one after it never opened;
    the first mentor submitted before the group interview."""
    from revmentor.questionnaires.models import Stage
    from tests.meetings.conftest import person, publish
    from tests.questionnaires.conftest import submit_whole

    people = [
        (person(scheme, ParticipantRole.MENTOR), person(scheme, ParticipantRole.MENTEE))
        for _ in range(mentors)
    ]
    publish(scheme, people)
    Stage.objects.filter(
        scheme=scheme, timepoint__in=["pre_phase1", "post_phase1", "pre_session"]
    ).update(opened_at=timezone.now())
    submit_whole(people[0][0], Stage.objects.get(scheme=scheme, timepoint="pre_phase1"))
    scheme.phase = Phase.ANALYSIS
    scheme.save(update_fields=["phase"])
    return [mentor for mentor, _mentee in people]


def test_a_step_whose_phase_has_passed_is_done_only_when_everything_expected_was_done(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    from revmentor.questionnaires.models import Stage
    from tests.questionnaires.conftest import submit_whole

    mentors = _analysis_scheme(scheme, 2)
    steps = {s.number: s for s in presenters.pipeline(Scheme.objects.get(pk=scheme.pk))}
    shown = {n: (s.status_label, s.tag_colour) for n, s in steps.items()}
    assert shown == {
        1: ("Done", "green"),  # counts no one: recruitment closes with its phase
        2: ("Not done", "orange"),  # 1 of 2 mentors submitted
        3: ("Not done", "orange"),  # 0 of 2 documents approved
        4: ("Not done", "orange"),  # 0 of 2 mentors submitted
        5: ("Done", "green"),  # published
        6: ("Not done", "orange"),  # 0 of 2 mentors, 0 of 2 mentees submitted
        7: ("Not done", "orange"),  # 0 of 2 sessions held
        8: ("Not done", "orange"),  # never opened
        9: ("In progress", "blue"),
    }
    assert ("of 2 mentors submitted", 1) in steps[2].counts
    assert ("of 2 mentors submitted", 0) in steps[4].counts
    assert steps[8].counts == [] and steps[8].note.startswith("Not open yet.")
    body = client_for(lead).get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "Done" not in body.split("4. Mentor questionnaire after phase 1")[1].split("<li")[0]

    submit_whole(mentors[1], Stage.objects.get(scheme=scheme, timepoint="pre_phase1"))
    steps = {s.number: s for s in presenters.pipeline(Scheme.objects.get(pk=scheme.pk))}
    assert steps[2].status_label == "Done"  # 2 of 2


def test_dashboard_query_count_does_not_grow_with_the_pairs(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    from revmentor.schemes.services import consent_withdraw
    from tests.factories import MembershipFactory, SchemeFactory

    bigger = SchemeFactory()
    MembershipFactory(scheme=bigger, user=lead)
    counts = []
    for each, n in ((scheme, 2), (bigger, 10)):
        mentors = _analysis_scheme(each, n)
        consent_withdraw(participant=mentors[1])
        client = client_for(lead)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(reverse("schemes:detail", args=[each.pk])).content.decode()
        assert "<strong>1</strong> ended because someone stopped taking part" in body
        counts.append(len(queries))
    assert counts[0] == counts[1]

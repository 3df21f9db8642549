from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.core.models import User
from revmentor.questionnaires import selectors, services
from revmentor.questionnaires.models import Answer, Response, Stage
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Consent, Participant, ParticipantRole, Scheme
from revmentor.schemes.presenters import pipeline
from tests.factories import ConsentFactory, ParticipantFactory
from tests.questionnaires.conftest import FULL_MENTOR_PRE, answer_whole, submit_whole

ClientFor = Callable[[User | None], Client]


def _page(stage: Stage, number: int) -> str:
    return reverse("questionnaire_page", args=[stage.scheme_id, stage.timepoint, number])


def test_your_tasks_lists_the_open_questionnaire_with_its_due_date(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    body = client_for(consented_mentor.user).get(reverse("tasks")).content.decode()
    assert "Before the group interview" in body
    assert "Not started" in body and "Questionnaire, due " in body


def test_your_tasks_says_when_a_questionnaire_is_overdue(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    open_stage.opened_at = timezone.now() - timedelta(days=open_stage.due_days + 3)
    open_stage.save()
    due = timezone.localdate(open_stage.opened_at) + timedelta(days=open_stage.due_days)
    body = client_for(consented_mentor.user).get(reverse("tasks")).content.decode()
    assert f"Questionnaire, overdue: was due {due.day} {due:%B %Y}" in body
    assert "nhsuk-tag--red" in body


def test_continue_without_answers_shows_an_error_summary_linking_to_each_field(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    body = (
        client_for(consented_mentor.user)
        .post(_page(open_stage, 1), {"continue": "1"})
        .content.decode()
    )
    assert "There is a problem" in body
    # The title says so first (the NHS service manual's pattern), on this page only.
    assert re.search(r"<title>\s*Error: Understanding and concerns – ", body)
    assert 'href="#q-understanding"' in body and 'id="q-understanding"' in body
    assert "Select how well you understand reverse mentoring" in body


def test_a_page_without_errors_has_no_error_in_its_title(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    body = client_for(consented_mentor.user).get(_page(open_stage, 1)).content.decode()
    assert re.search(r"<title>\s*Understanding and concerns – ", body)
    assert "Error: " not in body.split("</title>")[0]


def test_a_whole_questionnaire_is_answered_checked_and_submitted(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    client = client_for(consented_mentor.user)
    for number in range(1, 5):
        response = client.post(_page(open_stage, number), {**FULL_MENTOR_PRE, "continue": "1"})
        assert response.status_code == 302, response.content.decode()[:2000]
    check = reverse("questionnaire_check", args=[open_stage.scheme_id, "pre_phase1"])
    assert response["Location"] == check
    assert "The hierarchy" in client.get(check).content.decode()
    done = client.post(check)
    assert done["Location"] == reverse(
        "questionnaire_submitted", args=[open_stage.scheme_id, "pre_phase1"]
    )
    confirmation = client.get(done["Location"]).content.decode()
    assert "Questionnaire submitted" in confirmation
    assert "Researchers see them without your name." in confirmation
    # Told what their consent allows: without research use, researchers do not see them.
    Consent.objects.filter(participant=consented_mentor).update(research_use=False)
    confirmation = client.get(done["Location"]).content.decode()
    assert "Researchers see them without your name." not in confirmation
    assert "You chose not to let your answers be used for research" in confirmation
    # A second submit (double click, back button) changes nothing and says so.
    again = client.post(check)
    assert again.status_code == 200
    assert "You have already submitted this questionnaire" in again.content.decode()
    assert Response.objects.get().status == "submitted"
    assert Answer.objects.count() == len(FULL_MENTOR_PRE)


def test_the_front_page_says_how_answers_are_used_as_the_consent_says(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    start = reverse("questionnaire", args=[open_stage.scheme_id, open_stage.timepoint])
    client = client_for(consented_mentor.user)
    body = client.get(start).content.decode()
    assert "As you agreed, your answers are used for research" in body
    # The definition itself no longer says so to everyone, whatever they agreed.
    assert "used for research with your name" not in body
    Consent.objects.filter(participant=consented_mentor).update(research_use=False)
    body = client.get(start).content.decode()
    assert "You chose not to let your answers be used for research" in body
    assert "As you agreed" not in body


def test_a_change_link_of_check_your_answers_comes_back_to_it(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    client = client_for(consented_mentor.user)
    for number in range(1, 5):
        client.post(_page(open_stage, number), {**FULL_MENTOR_PRE, "continue": "1"})
    check = reverse("questionnaire_check", args=[open_stage.scheme_id, "pre_phase1"])
    change = f"{_page(open_stage, 2)}?from=check"
    assert f'href="{change}#' in client.get(check).content.decode()
    page = client.get(change).content.decode()
    assert f'href="{check}"' in page and "Back to check your answers" in page
    saved = client.post(change, {**FULL_MENTOR_PRE, "continue": "1"})
    assert saved["Location"] == check
    # Without it, Continue goes on to the next page as before.
    assert client.post(_page(open_stage, 2), {**FULL_MENTOR_PRE, "continue": "1"})[
        "Location"
    ] == _page(open_stage, 3)


def test_submitting_with_gaps_links_to_the_first_question_still_to_answer(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    client = client_for(consented_mentor.user)
    answered = {k: v for k, v in FULL_MENTOR_PRE.items() if not k.startswith("confidence.")}
    for number in range(1, 5):
        client.post(_page(open_stage, number), {**answered, "save_draft": "1"})
    check = reverse("questionnaire_check", args=[open_stage.scheme_id, "pre_phase1"])
    body = client.post(check).content.decode()
    assert "Answer every question before you submit (7 to go)." in body
    pages = [
        n for n in range(1, 5) if "confidence." in client.get(_page(open_stage, n)).content.decode()
    ]
    gap = f'{_page(open_stage, pages[0])}?from=check#q-confidence-technology"'
    assert f'href="{gap}' in body
    assert Response.objects.get().status == "draft"


def test_save_as_draft_then_resume_where_you_left_off(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    client = client_for(consented_mentor.user)
    response = client.post(_page(open_stage, 1), {"understanding": "4", "save_draft": "1"})
    assert response["Location"] == reverse("tasks")
    assert "In progress" in client.get(reverse("tasks")).content.decode()
    page = client.get(_page(open_stage, 1)).content.decode()
    assert 'value="4" checked' in page


def test_save_as_draft_with_nothing_answered_saves_nothing_and_says_so(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    client = client_for(consented_mentor.user)
    response = client.post(_page(open_stage, 1), {"save_draft": "1"}, follow=True)
    body = response.content.decode()
    assert "Nothing was saved: you have not answered any questions yet" in body
    assert "Your answers have been saved" not in body
    assert not Response.objects.exists()
    assert "In progress" not in client.get(reverse("tasks")).content.decode()


def test_another_mentor_cannot_see_my_answers(
    client_for: ClientFor,
    open_stage: Stage,
    consented_mentor: Participant,
    other_mentor: Participant,
) -> None:
    services.response_save_page(
        participant=consented_mentor,
        stage=open_stage,
        section=0,
        answers={"understanding": "4", "concerns": "yes", "concerns_text": "Secret worry"},
        complete=True,
    )
    ConsentFactory(participant=other_mentor)
    client = client_for(other_mentor.user)
    for number in (1, 2):
        assert "Secret worry" not in client.get(_page(open_stage, number)).content.decode()
    check = reverse("questionnaire_check", args=[open_stage.scheme_id, "pre_phase1"])
    assert "Secret worry" not in client.get(check).content.decode()


def test_lead_sees_completion_and_can_open_the_next_stage(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    open_stage: Stage,
    consented_mentor: Participant,
) -> None:
    client = client_for(lead)
    body = client.get(reverse("schemes:questionnaires", args=[scheme.pk])).content.decode()
    assert "0 of 1" in body
    stage = Stage.objects.get(scheme=scheme, timepoint="post_phase1")
    response = client.post(reverse("schemes:stage_open", args=[scheme.pk, stage.pk]))
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.opened_at is None  # the scheme is still in set-up: phase 1 has not started


def test_answers_of_someone_who_has_left_are_counted_apart_not_as_one_of_those_to_answer(
    client_for: ClientFor, lead: User, scheme: Scheme, open_stage: Stage
) -> None:
    stayer, leaver = (
        ConsentFactory(
            participant=ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR)
        ).participant
        for _ in range(2)
    )
    for person in (stayer, leaver):
        submit_whole(person, open_stage)
    scheme_services.participant_withdraw(actor=lead, participant=leaver, reason="Moved trust")

    (row,) = [c for c in selectors.completion(scheme) if c.instrument.stage_id == open_stage.pk]
    assert (row.submitted, row.eligible, row.submitted_by_leavers) == (1, 1, 1)
    body = client_for(lead).get(reverse("schemes:questionnaires", args=[scheme.pk]))
    text = " ".join(body.content.decode().split())
    assert '1 of 1<br><span class="nhsuk-body-s">and 1 from someone who has left</span>' in text
    assert "2 of 1" not in text
    steps = {stage.number: stage for stage in pipeline(Scheme.objects.get(pk=scheme.pk))}
    assert ("of 1 mentor submitted", 1) in steps[2].counts


def test_a_stage_is_offered_for_opening_only_once_its_phase_has_started(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    url = reverse("schemes:questionnaires", args=[scheme.pk])
    body = client_for(lead).get(url).content.decode()
    assert "Open “After the group interview” questionnaires" not in body
    assert "You can open these once the scheme is in phase 1: group assessment." in body

    scheme.phase = "phase_1"
    scheme.save()
    body = client_for(lead).get(url).content.decode()
    assert "Open “After the group interview” questionnaires" in body
    assert "emails everyone who should answer them" in body
    assert "Open “Before the session” questionnaires" not in body
    assert "These open when you move the scheme on to phase 2: one-to-one feedback." in body
    assert "You can open these once the scheme is in phase 2: one-to-one feedback." in body


def test_lead_switches_a_questionnaire_off_and_it_leaves_your_tasks(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    open_stage: Stage,
    consented_mentor: Participant,
) -> None:
    instrument = open_stage.instruments.get()
    client_for(lead).post(
        reverse("schemes:instrument_toggle", args=[scheme.pk, instrument.pk]), {"enabled": "0"}
    )
    body = client_for(consented_mentor.user).get(reverse("tasks")).content.decode()
    assert "Before the group interview" not in body


def _tasks_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("tasks")).status_code == 200
    return len(queries)


def _submit_queries(participant: Participant, stage: Stage) -> int:
    answer_whole(participant, stage)
    with CaptureQueriesContext(connection) as queries:
        services.response_submit(participant=participant, stage=stage)
    return len(queries)


def test_query_counts_of_your_tasks_and_submit_are_the_same_at_10_and_500_participants(
    client_for: ClientFor, scheme: Scheme, open_stage: Stage
) -> None:
    def grow_to(size: int) -> list[Participant]:
        while Participant.objects.filter(scheme=scheme).count() < size:
            ConsentFactory(
                participant=ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR)
            )
        return list(Participant.objects.filter(scheme=scheme).order_by("pk"))

    small = grow_to(10)
    at_10 = (_tasks_queries(client_for(small[0].user)), _submit_queries(small[1], open_stage))
    large = grow_to(500)
    at_500 = (_tasks_queries(client_for(large[0].user)), _submit_queries(large[2], open_stage))
    assert at_10 == at_500


def test_lead_sets_reminder_days_for_stages_not_yet_open(
    client_for: ClientFor, lead: User, scheme: Scheme, open_stage: Stage
) -> None:
    response = client_for(lead).post(
        reverse("schemes:questionnaire_reminders", args=[scheme.pk]),
        {"reminder_days": "7, 3, 3", "due_days": "10"},
    )
    assert response.status_code == 302
    days = dict(Stage.objects.filter(scheme=scheme).values_list("timepoint", "reminder_days"))
    assert days["post_phase1"] == [3, 7]
    assert days["pre_phase1"] == [3]  # already open: its reminders are queued


def test_bad_reminder_days_say_what_to_enter(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    response = client_for(lead).post(
        reverse("schemes:questionnaire_reminders", args=[scheme.pk]),
        {"reminder_days": "soon", "due_days": "7"},
    )
    assert "Enter whole numbers of days from 1 to 90" in response.content.decode()


def test_the_dashboard_shows_a_questionnaire_step_not_started_until_it_is_opened(
    client_for: ClientFor, lead: User, scheme: Scheme, open_stage: Stage
) -> None:
    scheme.phase = "phase_1"
    scheme.save()
    url = reverse("schemes:detail", args=[scheme.pk])
    steps = {stage.number: stage for stage in pipeline(scheme)}
    assert (steps[2].status, steps[2].note) == ("current", "")
    assert steps[4].status == "upcoming"
    questionnaires = reverse("schemes:questionnaires", args=[scheme.pk])
    assert steps[4].note == (
        f'Not open yet. Open it on the <a href="{questionnaires}">Questionnaires page</a>'
        " after the group interview."
    )
    assert steps[4].note in client_for(lead).get(url).content.decode()

    services.stage_open(actor=lead, stage=Stage.objects.get(scheme=scheme, timepoint="post_phase1"))
    steps = {stage.number: stage for stage in pipeline(Scheme.objects.get(pk=scheme.pk))}
    assert (steps[4].status, steps[4].note) == ("current", "")
    assert ("of 0 mentors submitted", 0) in steps[4].counts


def test_a_questionnaire_step_never_opened_is_not_done_when_its_phase_has_passed(
    client_for: ClientFor, lead: User, scheme: Scheme, open_stage: Stage
) -> None:
    scheme.phase = "allocation"
    scheme.save()
    steps = {stage.number: stage for stage in pipeline(scheme)}
    assert (steps[2].status, steps[2].status_label) == ("done", "Done")  # it was opened
    assert (steps[4].status, steps[4].status_label, steps[4].tag_colour) == (
        "missed",
        "Not done",
        "orange",
    )
    body = client_for(lead).get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "app-pipeline__stage--missed" in body and "Not done" in body

    services.stage_open(actor=lead, stage=Stage.objects.get(scheme=scheme, timepoint="post_phase1"))
    steps = {stage.number: stage for stage in pipeline(Scheme.objects.get(pk=scheme.pk))}
    assert steps[4].status == "done"


def test_several_messages_share_one_banner_of_their_kind(
    client_for: ClientFor, open_stage: Stage, consented_mentor: Participant
) -> None:
    """Two banners of one kind would be two landmarks with the same name."""
    client = client_for(consented_mentor.user)
    client.post(_page(open_stage, 1), {"save_draft": "1"})  # a message, not yet shown
    body = client.post(_page(open_stage, 1), {"understanding": "9", "save_draft": "1"})
    html = body.content.decode()
    assert html.count('class="nhsuk-notification-banner"') == 1
    assert html.count('aria-labelledby="notification-banner-title-important"') == 1
    assert "Nothing was saved: you have not answered any questions yet" in html
    assert "The answers that were complete have been saved" in html


def test_a_closed_schemes_step_never_opened_says_so_not_how_to_open_it(
    scheme: Scheme, open_stage: Stage
) -> None:
    scheme.phase = "closed"
    scheme.save()
    steps = {stage.number: stage for stage in pipeline(scheme)}
    assert (steps[4].status, steps[4].note) == ("missed", "Never opened: the scheme is closed.")
    assert steps[2].note == ""  # it was opened: its counts say what happened

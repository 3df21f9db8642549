"""The questionnaire before the session closes once the session has been held.

A "before" answer given after the session would corrupt the study's pre/post
comparison. So once a person's session is logged as held (``Meeting.held`` of their
published pair), the questionnaire before it is closed to them unless they had
submitted it: its pages say so and change nothing (a draft is kept as it was), Your
tasks shows it as closed, no reminder is sent, and the "of N" counts still count them.
A response submitted before stays submitted and viewable; the questionnaire after the
session is theirs as before; someone whose session is not held still answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from revmentor.allocation.models import Pair
from revmentor.core.models import AuditEvent, User
from revmentor.meetings.services import meeting_log
from revmentor.questionnaires import presenters, selectors, services, tasks
from revmentor.questionnaires.models import Answer, Response, Stage
from revmentor.questionnaires.services import SessionHeld
from revmentor.schemes.models import Participant, ParticipantRole, Scheme
from tests.questionnaires.conftest import FULL_MENTOR_PRE
from tests.questionnaires.test_query_counts import MAX_QUERIES
from tests.questionnaires.test_session_stages import Cohort, make_cohort, publish_pairs

ClientFor = Callable[[User | None], Client]

BEFORE = "pre_session"
AFTER = "post_session"
# The mentors' questionnaire before the session: two pages.
MENTOR_BEFORE = {
    "understanding": "2",
    "concerns": "yes",
    "concerns_text": "Whether the consultant will listen",
    **{k: v for k, v in FULL_MENTOR_PRE.items() if k.startswith("confidence.")},
}


@pytest.fixture
def cohort(scheme: Scheme) -> Cohort:
    """Three mentors and three mentees in phase 2; two pairs published, the questionnaires
    before and after the session open."""
    made = make_cohort(scheme, 3)
    publish_pairs(made)
    Stage.objects.filter(scheme=scheme, timepoint__in=[BEFORE, AFTER]).update(
        opened_at=timezone.now()
    )
    return made


def _stage(scheme: Scheme, timepoint: str = BEFORE) -> Stage:
    return Stage.objects.select_related("scheme").get(scheme=scheme, timepoint=timepoint)


def _url(scheme: Scheme, page: str = "", timepoint: str = BEFORE) -> str:
    return reverse("questionnaire", args=[scheme.pk, timepoint]) + page


def _log(person: Participant, *, held: bool = True) -> None:
    """Log the session of ``person``'s pair as its people do (held: 45 minutes)."""
    mentor = person.role == ParticipantRole.MENTOR
    pair = Pair.objects.get(mentor=person) if mentor else Pair.objects.get(mentee=person)
    meeting_log(participant=person, pair=pair, held=held, duration_minutes=45 if held else None)


def _save_draft(person: Participant, timepoint: str = BEFORE) -> Response:
    """The first page answered and saved as a draft, through the service."""
    stage = _stage(person.scheme, timepoint)
    services.response_save_page(
        participant=person,
        stage=stage,
        section=0,
        answers={k: MENTOR_BEFORE[k] for k in ("understanding", "concerns", "concerns_text")},
        complete=False,
    )
    return Response.objects.get(participant=person, stage=stage)


def _submit(person: Participant) -> Response:
    """Both pages of the mentors' questionnaire before the session answered, then submitted."""
    stage = _stage(person.scheme)
    for section in range(2):
        services.response_save_page(
            participant=person, stage=stage, section=section, answers=MENTOR_BEFORE, complete=True
        )
    return services.response_submit(participant=person, stage=stage)


def _snapshot(response: Response) -> tuple[Any, ...]:
    """Everything a write could change: the response's row and its answers."""
    response.refresh_from_db()
    answers = sorted(Answer.objects.filter(response=response).values_list("name", "value"))
    return (response.status, response.submitted_at, response.updated_at, answers)


def _counts(scheme: Scheme) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(submitted, drafts, eligible) by time point and role."""
    return {
        (c.instrument.stage.timepoint, c.instrument.role): (c.submitted, c.drafts, c.eligible)
        for c in selectors.completion(scheme)
    }


def _tasks(person: Participant) -> list[selectors.QuestionnaireTask]:
    people = list(Participant.objects.with_consent().filter(pk=person.pk))
    return selectors.tasks_for(people).get(person.pk, [])


@pytest.mark.parametrize("page", ["", "1/", "2/", "check/", "submitted/"])
def test_a_draft_before_the_session_is_closed_once_the_session_is_held(
    client_for: ClientFor, cohort: Cohort, page: str
) -> None:
    mentor = cohort.paired_mentor
    draft = _save_draft(mentor)
    _log(mentor)
    kept = _snapshot(draft)
    shown = client_for(mentor.user).get(_url(cohort.scheme, page))
    assert shown.status_code == 403
    html = shown.content.decode()
    assert "This questionnaire is closed" in html
    assert "asked about the time before your one-to-one session" in html
    assert "Your session has now been held" in html
    assert reverse("own_meeting", args=[cohort.scheme.pk]) in html
    assert _snapshot(draft) == kept


@pytest.mark.parametrize(
    ("page", "form"),
    [
        ("1/", {**MENTOR_BEFORE, "understanding": "5", "continue": "1"}),
        ("1/", {"understanding": "4", "save_draft": "1"}),
        ("2/", {**MENTOR_BEFORE, "continue": "1"}),
        ("check/", {}),
    ],
)
def test_posting_a_closed_questionnaire_changes_nothing(
    client_for: ClientFor, cohort: Cohort, page: str, form: dict[str, str]
) -> None:
    mentor, mentee = cohort.paired_mentor, cohort.paired_mentee
    draft = _save_draft(mentor)
    # Every page of it answered: a submit would have gone through before.
    services.response_save_page(
        participant=mentor,
        stage=_stage(cohort.scheme),
        section=1,
        answers=MENTOR_BEFORE,
        complete=True,
    )
    _log(mentee)  # either person of the pair may log it
    client = client_for(mentor.user)  # signing in is audited: before the count
    kept, audited = _snapshot(draft), AuditEvent.objects.count()
    posted = client.post(_url(cohort.scheme, page), form)
    assert posted.status_code == 403
    assert "This questionnaire is closed" in posted.content.decode()
    assert _snapshot(draft) == kept
    assert AuditEvent.objects.count() == audited
    # Someone who had not started it gets no response at all.
    posted = client_for(mentee.user).post(_url(cohort.scheme, page), form)
    assert posted.status_code == 403
    assert not Response.objects.filter(participant=mentee).exists()


def test_the_services_refuse_to_save_or_submit_it_once_the_session_is_held(
    cohort: Cohort,
) -> None:
    mentor = cohort.paired_mentor
    draft = _save_draft(mentor)
    _log(mentor)
    kept = _snapshot(draft)
    stage = _stage(cohort.scheme)
    with pytest.raises(SessionHeld, match="Your session has been held, so it is closed"):
        services.response_save_page(
            participant=mentor, stage=stage, section=1, answers=MENTOR_BEFORE, complete=True
        )
    with pytest.raises(SessionHeld):
        services.response_submit(participant=mentor, stage=stage)
    assert _snapshot(draft) == kept


def test_a_response_submitted_before_the_session_stays_submitted_and_viewable(
    client_for: ClientFor, cohort: Cohort
) -> None:
    mentor = cohort.paired_mentor
    submitted = _submit(mentor)
    counts = _counts(cohort.scheme)
    _log(mentor)
    kept = _snapshot(submitted)
    client = client_for(mentor.user)
    shown = client.get(_url(cohort.scheme, "submitted/"))
    assert shown.status_code == 200
    assert "Whether the consultant will listen" in shown.content.decode()
    assert client.get(_url(cohort.scheme))["Location"] == _url(cohort.scheme, "submitted/")
    again = client.post(_url(cohort.scheme, "check/"))
    assert "You have already submitted this questionnaire" in again.content.decode()
    assert _snapshot(submitted) == kept
    assert _counts(cohort.scheme) == counts
    assert counts[(BEFORE, ParticipantRole.MENTOR)] == (1, 0, 2)
    # In Your tasks it is done, not closed.
    task = next(t for t in _tasks(mentor) if t.stage.timepoint == BEFORE)
    assert (task.status, task.closed) == ("submitted", False)
    # Their partner, whose session it was too, had not submitted theirs: it is closed.
    partner = client_for(cohort.paired_mentee.user)
    assert partner.get(_url(cohort.scheme, "submitted/")).status_code == 403


def test_your_tasks_shows_it_as_closed_with_nothing_to_do(
    client_for: ClientFor, cohort: Cohort
) -> None:
    mentor, mentee = cohort.paired_mentor, cohort.paired_mentee
    _save_draft(mentor)
    # Long overdue: a closed questionnaire is not overdue.
    Stage.objects.filter(scheme=cohort.scheme).update(opened_at=timezone.now() - timedelta(days=30))
    _log(mentor)
    for person, status in ((mentor, "draft"), (mentee, "not_started")):
        found = {t.stage.timepoint: t for t in _tasks(person)}
        assert (found[BEFORE].status, found[BEFORE].closed) == (status, True)
        assert not found[BEFORE].is_overdue
        assert not found[AFTER].closed
        html = client_for(person.user).get(reverse("tasks")).content.decode()
        assert "Before your one-to-one session" in html
        assert "Closed" in html and presenters.CLOSED_HINT in html
        assert f'href="{_url(cohort.scheme)}"' not in html  # it links nowhere
        assert f'href="{_url(cohort.scheme, timepoint=AFTER)}"' in html
    # The other pair's session is not held: theirs is open as before.
    other = cohort.mentors[1]
    task = next(t for t in _tasks(other) if t.stage.timepoint == BEFORE)
    assert (task.status, task.closed) == ("not_started", False)
    html = client_for(other.user).get(reverse("tasks")).content.decode()
    assert f'href="{_url(cohort.scheme)}"' in html and "Closed" not in html


def test_nobody_whose_session_was_held_is_reminded_of_it(lead: User, cohort: Cohort) -> None:
    Stage.objects.filter(scheme=cohort.scheme, timepoint=BEFORE).update(opened_at=None)
    stage = _stage(cohort.scheme)
    services.stage_open(actor=lead, stage=stage)
    assert len(mail.outbox) == 4  # both pairs told it is ready
    _save_draft(cohort.paired_mentor)
    _log(cohort.paired_mentor)
    mail.outbox.clear()
    assert tasks.send_stage_reminders.call(stage.pk) == 2
    reminded = sorted(m.to[0] for m in mail.outbox)
    assert reminded == sorted(p.user.email for p in (cohort.mentors[1], cohort.mentees[1]))
    outstanding = [p for p, _version in selectors.outstanding(stage)]
    assert cohort.paired_mentor not in outstanding and cohort.paired_mentee not in outstanding
    # The questionnaire after the session: both people of the held pair are still asked.
    after = _stage(cohort.scheme, AFTER)
    assert {cohort.paired_mentor, cohort.paired_mentee} <= {
        p for p, _version in selectors.outstanding(after)
    }


def test_the_of_n_counts_keep_them_and_a_closed_draft_is_never_submitted(
    client_for: ClientFor, cohort: Cohort
) -> None:
    mentor = cohort.paired_mentor
    _submit(cohort.mentors[1])
    _save_draft(mentor)
    services.response_save_page(
        participant=mentor,
        stage=_stage(cohort.scheme),
        section=1,
        answers=MENTOR_BEFORE,
        complete=True,
    )
    _log(mentor)
    _log(cohort.mentors[1])
    counts = _counts(cohort.scheme)
    assert counts[(BEFORE, ParticipantRole.MENTOR)] == (1, 1, 2)  # "1 of 2", a draft
    assert counts[(BEFORE, ParticipantRole.MENTEE)] == (0, 0, 2)
    assert client_for(mentor.user).post(_url(cohort.scheme, "check/")).status_code == 403
    assert _counts(cohort.scheme) == counts


def test_the_questionnaire_after_the_session_stays_open_when_the_one_before_closes(
    client_for: ClientFor, cohort: Cohort
) -> None:
    mentor = cohort.paired_mentor
    _log(mentor)
    client = client_for(mentor.user)
    assert client.get(_url(cohort.scheme)).status_code == 403
    assert client.get(_url(cohort.scheme, timepoint=AFTER)).status_code == 200
    assert client.get(_url(cohort.scheme, "1/", AFTER)).status_code == 200
    saved = client.post(_url(cohort.scheme, "1/", AFTER), {"understanding": "4", "save_draft": "1"})
    assert saved.status_code == 302
    after = Response.objects.get(participant=mentor, stage__timepoint=AFTER)
    assert dict(after.answers.values_list("name", "value")) == {"understanding": "4"}


def test_someone_whose_session_is_not_held_still_answers_it(
    client_for: ClientFor, cohort: Cohort
) -> None:
    held, waiting = cohort.paired_mentor, cohort.mentors[1]
    _log(held)
    assert client_for(held.user).get(_url(cohort.scheme)).status_code == 403
    # The other pair's session is not logged yet: the whole questionnaire, submitted.
    client = client_for(waiting.user)
    assert client.get(_url(cohort.scheme)).status_code == 200
    for number in (1, 2):
        page = _url(cohort.scheme, f"{number}/")
        assert client.post(page, {**MENTOR_BEFORE, "continue": "1"}).status_code == 302
    assert client.post(_url(cohort.scheme, "check/"))["Location"] == _url(
        cohort.scheme, "submitted/"
    )
    assert Response.objects.get(participant=waiting, stage__timepoint=BEFORE).is_submitted


def test_a_session_logged_as_not_held_or_corrected_leaves_it_open(
    client_for: ClientFor, cohort: Cohort
) -> None:
    mentor = cohort.paired_mentor
    client = client_for(mentor.user)
    _save_draft(mentor)
    _log(mentor, held=False)  # did not take place
    assert client.get(_url(cohort.scheme, "1/")).status_code == 200
    _log(mentor)
    assert client.get(_url(cohort.scheme, "1/")).status_code == 403
    _log(mentor, held=False)  # logged as held by mistake, then corrected
    assert client.get(_url(cohort.scheme, "1/")).status_code == 200
    saved = client.post(_url(cohort.scheme, "1/"), {"understanding": "3", "save_draft": "1"})
    assert saved.status_code == 302


def test_the_closed_pages_and_the_open_ones_run_no_more_queries(
    client_for: ClientFor, cohort: Cohort, django_assert_max_num_queries: Any
) -> None:
    held, waiting = cohort.paired_mentor, cohort.mentors[1]
    _save_draft(held)
    _log(held)
    closed = client_for(held.user)
    for page, limit in (("", "start"), ("1/", "page"), ("check/", "check")):
        with django_assert_max_num_queries(MAX_QUERIES[limit]):
            assert closed.get(_url(cohort.scheme, page)).status_code == 403
    with django_assert_max_num_queries(MAX_QUERIES["save"]):
        assert closed.post(_url(cohort.scheme, "1/"), MENTOR_BEFORE).status_code == 403
    client = client_for(waiting.user)
    with django_assert_max_num_queries(MAX_QUERIES["start"]):
        assert client.get(_url(cohort.scheme)).status_code == 200
    for number in (1, 2):
        page = _url(cohort.scheme, f"{number}/")
        with django_assert_max_num_queries(MAX_QUERIES["page"]):
            assert client.get(page).status_code == 200
        with django_assert_max_num_queries(MAX_QUERIES["save"]):
            assert client.post(page, {**MENTOR_BEFORE, "continue": "1"}).status_code == 302
    with django_assert_max_num_queries(MAX_QUERIES["submit"]):
        assert client.post(_url(cohort.scheme, "check/")).status_code == 302


def test_your_tasks_runs_the_same_queries_once_a_session_is_held(
    cohort: Cohort, django_assert_num_queries: Any
) -> None:
    _log(cohort.paired_mentor)
    people = list(Participant.objects.with_consent().filter(pk=cohort.paired_mentor.pk))
    with django_assert_num_queries(3):
        rows = presenters.questionnaire_rows(people)[cohort.paired_mentor.pk]
    before = [r for r in rows if r.title == "Before your one-to-one session"]
    assert [(r.status, r.href) for r in before] == [("Closed", "")]


def test_the_lead_cannot_reopen_it_once_the_session_is_held(cohort: Cohort, lead: User) -> None:
    mentor = cohort.paired_mentor
    submitted = _submit(mentor)
    services.response_reopen(actor=lead, response=submitted)  # before the session: yes
    submitted = services.response_submit(participant=mentor, stage=_stage(cohort.scheme))
    _log(mentor)
    kept = _snapshot(submitted)
    with pytest.raises(services.QuestionnaireError, match="cannot be reopened"):
        services.response_reopen(actor=lead, response=submitted)
    assert _snapshot(submitted) == kept
    assert kept[0] == Response.Status.SUBMITTED

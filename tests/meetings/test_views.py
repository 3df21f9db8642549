"""Session pages: only the two people of a pair reach theirs; staff see every pair."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import time, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.allocation.models import Pair
from revmentor.core.models import User
from revmentor.meetings import services
from revmentor.meetings.forms import ProposeForm
from revmentor.meetings.models import Meeting
from revmentor.schemes.models import Participant, ParticipantRole, Scheme
from revmentor.schemes.services import consent_withdraw
from tests.factories import ConsentFactory, MembershipFactory
from tests.forms import date_input
from tests.meetings.conftest import local, person, publish, scheme_in_phase_2

ClientFor = Callable[[User | None], Client]
NOW = local(2027, 3, 1, 10, 0)
SESSION = local(2027, 3, 15, 14, 30)

PERSONAS = [
    "anonymous",
    "site_admin",
    "lead",
    "facilitator",
    "researcher",
    "other_lead",
    "mentor",
    "mentee",
    "other_mentor",
    "outsider",
]
PAIR_ONLY = [302, 404, 404, 404, 404, 404, 200, 200, 404, 404]
FACILITATE = [302, 200, 200, 200, 403, 404, 403, 403, 403, 404]
RESEARCH = [302, 200, 200, 403, 200, 404, 403, 403, 403, 404]
MATRIX = {
    "own_meeting": PAIR_ONLY,
    "own_meeting_ics": PAIR_ONLY,
    "schemes:meetings": FACILITATE,
    "schemes:sessions_csv": RESEARCH,
}


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _url(name: str, pair: Pair) -> str:
    scheme_pk = pair.allocation.scheme_id
    if name == "own_meeting_ics":
        return reverse(name, args=[scheme_pk, pair.pk])
    return reverse(name, args=[scheme_pk])


@pytest.mark.parametrize(
    ("name", "persona", "expected"),
    [(n, p, s[i]) for n, s in MATRIX.items() for i, p in enumerate(PERSONAS)],
)
def test_access(
    request: pytest.FixtureRequest,
    client_for: ClientFor,
    pair: Pair,
    other_mentor: Participant,
    name: str,
    persona: str,
    expected: int,
) -> None:
    # other_mentor takes part in the scheme but is in no pair. The time is confirmed, as
    # the calendar file is served only then.
    services.meeting_propose(
        participant=pair.mentor, pair=pair, starts_at=SESSION, place="Seminar room 2"
    )
    services.meeting_confirm(participant=pair.mentee, pair=pair)
    user = None
    if persona != "anonymous":
        value = request.getfixturevalue(persona)
        user = value.user if isinstance(value, Participant) else value
    response = client_for(user).get(_url(name, pair))
    assert response.status_code == expected, f"{name} as {persona}"


def test_a_participant_cannot_reach_another_pairs_invite_or_post_to_it(
    client_for: ClientFor, pair: Pair, phase_2: Scheme, other_mentor: Participant
) -> None:
    other_mentee = person(phase_2, ParticipantRole.MENTEE)
    ConsentFactory(participant=other_mentor)
    theirs = Pair.objects.create(
        allocation=pair.allocation, mentor=other_mentor, mentee=other_mentee
    )
    services.meeting_propose(
        participant=other_mentor, pair=theirs, starts_at=SESSION, place="Room 9"
    )
    services.meeting_confirm(participant=other_mentee, pair=theirs)  # their invite exists
    client = client_for(pair.mentor.user)
    assert client.get(reverse("own_meeting_ics", args=[phase_2.pk, theirs.pk])).status_code == 404
    response = client.post(
        reverse("own_meeting", args=[phase_2.pk]), {"pair": theirs.pk, "action": "cancel"}
    )
    assert response.status_code == 404
    assert Meeting.objects.get(pair=theirs).starts_at == SESSION


def test_a_withdrawn_participant_no_longer_reaches_the_page(
    client_for: ClientFor, pair: Pair, mentee: Participant
) -> None:
    mentee.status = "withdrawn"
    mentee.withdrawn_on = NOW.date()
    mentee.save()
    response = client_for(mentee.user).get(reverse("own_meeting", args=[pair.allocation.scheme_id]))
    assert response.status_code == 404


def test_the_pair_arranges_and_logs_a_45_minute_session_through_the_page(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant, lead: User
) -> None:
    url = reverse("own_meeting", args=[pair.allocation.scheme_id])
    prefix = f"pair{pair.pk}"
    page = client_for(mentor.user).get(url).content.decode()
    assert f"Your session with {mentee.user.full_name}" in page
    assert "Where — a room or a video link" in page

    proposed = client_for(mentee.user).post(
        url,
        {
            "pair": pair.pk,
            "action": "propose",
            **date_input(f"{prefix}-date", "15 3 2027"),
            f"{prefix}-time": "14:30",
            f"{prefix}-place": "Seminar room 2",
        },
    )
    assert proposed.status_code == 302
    page = client_for(mentor.user).get(url).content.decode()
    assert "Confirm this time" in page and "15 March 2027 at 14:30" in page

    confirm = _button(page, "Confirm this time")
    assert client_for(mentor.user).post(url, confirm).status_code == 302
    page = client_for(mentee.user).get(url).content.decode()
    assert reverse("own_meeting_ics", args=[pair.allocation.scheme_id, pair.pk]) in page

    with time_machine.travel(SESSION + timedelta(hours=2), tick=False):  # afterwards
        logged = client_for(mentor.user).post(
            url,
            {
                "pair": pair.pk,
                "action": "log",
                f"{prefix}-held": "yes",
                f"{prefix}-duration_minutes": "45",
            },
        )
    assert logged.status_code == 302
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.held, meeting.duration_minutes, meeting.logged_by) == (True, 45, mentor)
    staff = client_for(lead).get(reverse("schemes:meetings", args=[pair.allocation.scheme_id]))
    assert "Held, 45 minutes" in staff.content.decode()


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"held": "yes", "duration_minutes": ""}, "Enter how long the session lasted, in minutes"),
        ({"held": "yes", "duration_minutes": "601"}, "600 minutes or fewer"),
        ({"duration_minutes": "30"}, "Select yes if the session took place"),
    ],
)
def test_the_log_form_says_what_to_fix(
    client_for: ClientFor, pair: Pair, mentor: Participant, posted: dict[str, str], message: str
) -> None:
    data = {"pair": str(pair.pk), "action": "log"} | {
        f"pair{pair.pk}-{k}": v for k, v in posted.items()
    }
    response = client_for(mentor.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]), data
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Meeting.objects.filter(held__isnull=False).exists()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:30", time(14, 30)),
        ("14.30", time(14, 30)),
        ("1430", time(14, 30)),
        ("09:05", time(9, 5)),
        ("2:30pm", time(14, 30)),
        ("2.30 PM", time(14, 30)),
        ("2pm", time(14, 0)),
        ("12 am", time(0, 0)),
        ("12:15pm", time(12, 15)),
        ("25:00", None),
        ("13pm", None),
        ("half two", None),
    ],
)
def test_the_start_time_is_the_24_hour_clock_or_am_and_pm(
    typed: str, expected: time | None
) -> None:
    form = ProposeForm(
        {**date_input("date", "15 3 2027"), "time": typed, "place": "Seminar room 2"}
    )
    if expected is None:
        assert form.errors == {"time": ["Enter the start time like 14:30 or 2:30pm"]}
    else:
        assert form.is_valid(), form.errors
        assert form.cleaned_data["time"] == expected


def test_the_propose_form_refuses_long_text_and_past_times(
    client_for: ClientFor, pair: Pair, mentor: Participant
) -> None:
    url = reverse("own_meeting", args=[pair.allocation.scheme_id])
    prefix = f"pair{pair.pk}"
    base = {
        "pair": pair.pk,
        "action": "propose",
        **date_input(f"{prefix}-date", "15 3 2027"),
        f"{prefix}-time": "14:30",
    }
    long = client_for(mentor.user).post(url, base | {f"{prefix}-place": "We will discuss " * 20})
    assert "200 characters or fewer" in long.content.decode()
    past = client_for(mentor.user).post(
        url, base | date_input(f"{prefix}-date", "1 2 2027") | {f"{prefix}-place": "Room 2"}
    )
    assert "must be in the future" in past.content.decode()
    assert "Room 2" in past.content.decode()  # what they typed is kept
    assert not Meeting.objects.filter(starts_at__isnull=False).exists()


def test_the_staff_list_shows_each_status_and_how_many_are_outstanding(
    client_for: ClientFor, facilitator: User, phase_2: Scheme
) -> None:
    pairs = _pairs(phase_2, 4)
    services.meeting_propose(
        participant=pairs[1].mentor, pair=pairs[1], starts_at=SESSION, place="Room 1"
    )
    services.meeting_confirm(participant=pairs[1].mentee, pair=pairs[1])
    services.meeting_log(participant=pairs[2].mentor, pair=pairs[2], held=True, duration_minutes=50)
    services.meeting_log(
        participant=pairs[3].mentee, pair=pairs[3], held=False, duration_minutes=None
    )
    page = client_for(facilitator).get(reverse("schemes:meetings", args=[phase_2.pk]))
    text = page.content.decode()
    for label in (
        "Not arranged",
        "Arranged for 15 March 2027 at 14:30",
        "Held, 50 minutes",
        "Did not take place",
    ):
        assert label in text
    assert "2 of 4 sessions still outstanding" in text


def _pairs(scheme: Scheme, n: int) -> list[Pair]:
    people = [
        (
            person(scheme, ParticipantRole.MENTOR),
            person(scheme, ParticipantRole.MENTEE),
        )
        for _ in range(n)
    ]
    return publish(scheme, people)


def _arrange_some(pairs: list[Pair]) -> None:
    for i, pair in enumerate(pairs):
        if i % 3 == 0:
            services.meeting_propose(
                participant=pair.mentor, pair=pair, starts_at=SESSION, place="Room 1"
            )
        elif i % 3 == 1:
            services.meeting_log(participant=pair.mentor, pair=pair, held=True, duration_minutes=30)


def test_the_staff_list_makes_the_same_number_of_queries_for_3_or_12_pairs(
    client_for: ClientFor, lead: User, phase_2: Scheme
) -> None:
    bigger = scheme_in_phase_2()
    MembershipFactory(scheme=bigger, user=lead)
    counts = []
    for scheme, n in ((phase_2, 3), (bigger, 12)):
        _arrange_some(_pairs(scheme, n))
        client = client_for(lead)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("schemes:meetings", args=[scheme.pk]))
        assert response.status_code == 200
        assert response.content.decode().count('<tr class="nhsuk-table__row">') == n + 1
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_refused_action_is_explained_on_the_page(
    client_for: ClientFor, pair: Pair, mentor: Participant
) -> None:
    meeting = services.meeting_propose(
        participant=mentor, pair=pair, starts_at=SESSION, place="Room 2"
    )
    response = client_for(mentor.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]),
        {"pair": pair.pk, "action": "confirm", f"pair{pair.pk}-sequence": meeting.sequence},
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "You proposed this time" in response.content.decode()
    assert Meeting.objects.get(pair=pair).confirmed_at is None


# Logging the session: one answer for the pair, shown to each person with who gave it.


class _Forms(HTMLParser):
    """The forms of a page: each a dict of its fields' names and values as a browser would
    post them (checked radios only), with the text of its buttons under ``"buttons"``."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = {"buttons": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") != "radio" or "checked" in a:
                self._form[str(a["name"])] = a.get("value") or ""
        elif tag == "button":
            self._button = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        self._button = self._button and tag != "button"

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._button and data.strip():
            self._form["buttons"].append(data.strip())


def _button(html: str, text: str) -> dict[str, Any]:
    """What the page's form with the button ``text`` posts, as a browser would."""
    parser = _Forms()
    parser.feed(html)
    (form,) = [form for form in parser.forms if text in form["buttons"]]
    return {k: v for k, v in form.items() if k != "buttons"}


def _log_forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return [form for form in parser.forms if form.get("action") == "log"]


def _page(client_for: ClientFor, who: Participant, pair: Pair) -> str:
    response = client_for(who.user).get(reverse("own_meeting", args=[pair.allocation.scheme_id]))
    assert response.status_code == 200
    return response.content.decode()


def _post_log(
    client_for: ClientFor, who: Participant, pair: Pair, form: dict[str, Any], **typed: str
) -> HttpResponse:
    """Post a log form as the page gave it, with the boxes in ``typed`` filled in, and
    follow a redirect (to the page with its banner)."""
    prefix = f"pair{pair.pk}"
    data = {k: v for k, v in form.items() if k != "buttons"}
    data |= {f"{prefix}-{name}": value for name, value in typed.items()}
    url = reverse("own_meeting", args=[pair.allocation.scheme_id])
    return client_for(who.user).post(url, data, follow=True)


def _saved(response: HttpResponse) -> str:
    """The page after a save that was accepted (redirected back, with the banner)."""
    assert [status for _url, status in response.redirect_chain] == [302]  # type: ignore[attr-defined]
    return response.content.decode()


def test_the_partner_is_asked_to_check_what_was_logged_not_to_change_what_they_told(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=45)
    theirs = _page(client_for, mentee, pair)
    assert "Check what your partner logged" in theirs
    assert "Dr Mentor One logged that it took place, 45 minutes, on 1 March 2027." in theirs
    assert "Change what you told us" not in theirs
    mine = _page(client_for, mentor, pair)
    assert "Change what you told us" in mine
    assert "You logged that it took place, 45 minutes, on 1 March 2027." in mine
    assert "Check what your partner logged" not in mine


def test_the_log_form_is_filled_in_with_the_stored_answer_and_its_version(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    prefix = f"pair{pair.pk}"
    (empty,) = _log_forms(_page(client_for, mentor, pair))
    assert f"{prefix}-held" not in empty and empty[f"{prefix}-version"] == "0"
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=45)
    (mine,) = _log_forms(_page(client_for, mentor, pair))
    assert (mine[f"{prefix}-held"], mine[f"{prefix}-duration_minutes"]) == ("yes", "45")
    assert (mine[f"{prefix}-version"], mine["buttons"]) == ("1", ["Save"])
    confirm, correct = _log_forms(_page(client_for, mentee, pair))
    assert confirm["buttons"] == ["Confirm it is right"]
    assert correct["buttons"] == ["Save"]
    for form in (confirm, correct):
        assert (form[f"{prefix}-held"], form[f"{prefix}-duration_minutes"]) == ("yes", "45")
        assert form[f"{prefix}-version"] == "1"


def test_the_partner_confirms_what_was_logged_with_one_button(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=45)
    confirm, _correct = _log_forms(_page(client_for, mentee, pair))
    page = _saved(_post_log(client_for, mentee, pair, confirm))
    assert "Thank you for checking. We have recorded that you agree with Dr Mentor One" in page
    assert "You confirmed it on 1 March 2027." in page
    assert [f["buttons"] for f in _log_forms(page)] == [["Save"]]
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.duration_minutes, meeting.logged_by, meeting.agreed_by) == (45, mentor, mentee)
    assert "Dr Mentee One confirmed it on 1 March 2027." in _page(client_for, mentor, pair)


def test_a_correction_is_stored_and_shown_on_both_pages(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=45)
    _confirm, correct = _log_forms(_page(client_for, mentee, pair))
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        page = _saved(_post_log(client_for, mentee, pair, correct, duration_minutes="60"))
    assert "We have recorded your change and will show it to Dr Mentor One" in page
    assert "Changed from 45 to 60 minutes by you on 2 March 2027." in page
    theirs = _page(client_for, mentor, pair)
    assert "Check what your partner logged" in theirs
    assert "Dr Mentee One logged that it took place, 60 minutes, on 2 March 2027." in theirs
    assert "Changed from 45 to 60 minutes by Dr Mentee One on 2 March 2027." in theirs
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.duration_minutes, meeting.logged_by, meeting.previous_minutes) == (
        60,
        mentee,
        45,
    )


def test_a_save_from_a_page_opened_before_the_partner_logged_changes_nothing(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    # Both open the page before anything is logged; the mentor saves first.
    (theirs,) = _log_forms(_page(client_for, mentor, pair))
    (mine,) = _log_forms(_page(client_for, mentee, pair))
    _saved(_post_log(client_for, mentor, pair, theirs, held="yes", duration_minutes="45"))
    response = _post_log(client_for, mentee, pair, mine, held="yes", duration_minutes="60")
    assert (response.status_code, response.redirect_chain) == (200, [])  # type: ignore[attr-defined]
    page = response.content.decode()
    assert "There is a problem" in page
    assert (
        "Your partner logged this session while you were on this page: Dr Mentor One says it "
        "took place, 45 minutes. Check it and save again if it is wrong"
    ) in page
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.duration_minutes, meeting.logged_by, meeting.log_version) == (45, mentor, 1)
    # The page now shows the mentor's answer; saving a correction from it is accepted.
    _confirm, correct = _log_forms(page)
    assert (correct[f"pair{pair.pk}-duration_minutes"], correct[f"pair{pair.pk}-version"]) == (
        "45",
        "1",
    )
    _saved(_post_log(client_for, mentee, pair, correct, duration_minutes="60"))
    assert Meeting.objects.get(pair=pair).duration_minutes == 60


def test_a_log_form_without_its_version_cannot_overwrite_a_logged_answer(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=45)
    response = client_for(mentee.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]),
        {
            "pair": pair.pk,
            "action": "log",
            f"pair{pair.pk}-held": "yes",
            f"pair{pair.pk}-duration_minutes": "60",
        },
    )
    assert response.status_code == 200
    assert "Your partner logged this session while you were on this page" in (
        response.content.decode()
    )
    assert Meeting.objects.get(pair=pair).duration_minutes == 45


def test_someone_who_withdrew_consent_has_no_session_page_and_their_partner_is_told_they_left(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    consent_withdraw(participant=mentee)
    url = reverse("own_meeting", args=[pair.allocation.scheme_id])
    prefix = f"pair{pair.pk}"
    proposal = {
        "pair": pair.pk,
        "action": "propose",
        **date_input(f"{prefix}-date", "15 3 2027"),
        f"{prefix}-time": "14:30",
        f"{prefix}-place": "Seminar room 2",
    }
    # The page is gone for them: it held the time, the place and their partner's address
    assert client_for(mentee.user).get(url).status_code == 404
    assert client_for(mentee.user).post(url, proposal).status_code == 404
    response = client_for(mentor.user).post(url, proposal)
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "Dr Mentee One is no longer taking part in the scheme, so the session cannot go ahead."
        in body
    )
    assert "consent" not in body
    assert not Meeting.objects.exists()


def test_the_session_page_makes_the_same_number_of_queries_for_1_or_3_pairs(
    client_for: ClientFor, phase_2: Scheme, mentee: Participant
) -> None:
    """Each pair logged, corrected and confirmed: no query a pair."""
    ConsentFactory(participant=mentee)
    bigger = scheme_in_phase_2()
    counts = []
    for scheme, one, n in (
        (phase_2, mentee, 1),
        (bigger, person(bigger, ParticipantRole.MENTEE), 3),
    ):
        mentors = [person(scheme, ParticipantRole.MENTOR) for _ in range(n)]
        for pair in publish(scheme, [(m, one) for m in mentors]):
            services.meeting_log(participant=pair.mentor, pair=pair, held=True, duration_minutes=45)
            services.meeting_log(participant=one, pair=pair, held=True, duration_minutes=50)
            services.meeting_log(participant=pair.mentor, pair=pair, held=True, duration_minutes=50)
        client = client_for(one.user)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("own_meeting", args=[scheme.pk])).content.decode()
        assert page.count("Changed from 45 to 50 minutes by you on 1 March 2027.") == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_partner_of_someone_who_left_is_told_the_session_will_not_go_ahead_on_the_page(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    consent_withdraw(participant=mentee)
    page = client_for(mentor.user).get(reverse("own_meeting", args=[pair.allocation.scheme_id]))
    body = page.content.decode()
    assert (
        "Dr Mentee One is no longer taking part in the scheme, so the session will not go ahead."
        in body
    )
    for gone in ("Propose a", "Confirm this time", "Save", mentee.user.email, ".ics", "consent"):
        assert gone not in body


# What the page shows of the time and the invite, and a log refused before the time.


def _summary_row(page: str, key: str) -> str:
    """The text of the summary list's ``key`` row on the page."""
    head = f'<dt class="nhsuk-summary-list__key">\n      {key}\n    </dt>'
    row = page.split(head, 1)[1].split("</dd>", 1)[0]
    return " ".join(row.split(">", 1)[1].split())


def test_logging_before_the_arranged_time_is_refused_with_the_error_at_the_field(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    services.meeting_confirm(participant=mentee, pair=pair)
    (form,) = _log_forms(_page(client_for, mentee, pair))
    response = _post_log(client_for, mentee, pair, form, held="no")
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    message = (
        "You can log the session from 15 March 2027 at 14:30, when it is due to start. "
        "If it is not going to take place then, cancel the time instead: we will tell "
        "Dr Mentor One"
    )
    assert "There is a problem" in page
    assert f'<a href="#id_pair{pair.pk}-held"> {message} </a>' in page  # summary → field
    assert f'id="id_pair{pair.pk}-held"' in page  # the first radio, "Yes"
    assert f'<span class="nhsuk-u-visually-hidden">Error: </span>{message}' in page
    assert Meeting.objects.get(pair=pair).held is None


def test_the_invite_is_offered_only_once_the_time_is_confirmed(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    invite = reverse("own_meeting_ics", args=[pair.allocation.scheme_id, pair.pk])
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    for who in (mentor, mentee):
        page = _page(client_for, who, pair)
        assert _summary_row(page, "When") == "15 March 2027 at 14:30"
        assert invite not in page
    services.meeting_confirm(participant=mentee, pair=pair)
    for who in (mentor, mentee):
        assert invite in _page(client_for, who, pair)


def test_a_session_logged_at_its_time_shows_when_it_was_held(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    services.meeting_confirm(participant=mentee, pair=pair)
    with time_machine.travel(SESSION + timedelta(hours=2), tick=False):
        services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=45)
        page = _page(client_for, mentee, pair)
    assert _summary_row(page, "When") == "15 March 2027 at 14:30"
    assert _summary_row(page, "Where") == "Room 2"


def test_a_session_logged_without_a_time_says_so_not_that_it_is_still_to_arrange(
    client_for: ClientFor, pair: Pair, mentor: Participant
) -> None:
    services.meeting_log(participant=mentor, pair=pair, held=True, duration_minutes=45)
    page = _page(client_for, mentor, pair)
    assert _summary_row(page, "When") == "Not recorded: the session was logged without a time"
    assert _summary_row(page, "Where") == "Not recorded"
    assert "Not arranged yet" not in page


def test_the_staff_list_says_a_session_will_not_go_ahead_once_someone_stopped_taking_part(
    client_for: ClientFor, lead: User, phase_2: Scheme
) -> None:
    pairs = _pairs(phase_2, 4)
    services.meeting_log(participant=pairs[2].mentor, pair=pairs[2], held=True, duration_minutes=50)
    consent_withdraw(participant=pairs[0].mentee)
    consent_withdraw(participant=pairs[2].mentee)  # after the session: it stays held
    page = client_for(lead).get(reverse("schemes:meetings", args=[phase_2.pk]))
    text = " ".join(page.content.decode().split())
    # The session that will not go ahead is not among the sessions to hold
    assert (
        "2 of 3 sessions still outstanding. 1 will not go ahead because someone stopped "
        "taking part." in text
    )
    assert text.count("Will not go ahead") == 1 and "Held, 50 minutes" in text
    name = pairs[0].mentee.user.full_name
    assert f"Ended: {name} stopped taking part on 1 March 2027." in text
    # The pair whose session was held before the mentee stopped has not ended
    assert text.count("Ended:") == 1


def test_the_sessions_page_and_the_dashboard_count_the_same_sessions_to_hold(
    client_for: ClientFor, lead: User, phase_2: Scheme
) -> None:
    """Of 5 pairs: one held, then the mentee stopped (still held, not ended); one logged
    as not taking place, then the mentor stopped (logged, not ended); one whose mentee
    stopped before anything was logged (ended); two not arranged. 4 sessions to hold."""
    pairs = _pairs(phase_2, 5)
    services.meeting_log(participant=pairs[0].mentor, pair=pairs[0], held=True, duration_minutes=40)
    services.meeting_log(
        participant=pairs[1].mentee, pair=pairs[1], held=False, duration_minutes=None
    )
    consent_withdraw(participant=pairs[0].mentee)
    consent_withdraw(participant=pairs[1].mentor)
    consent_withdraw(participant=pairs[2].mentee)
    client = client_for(lead)

    sessions = client.get(reverse("schemes:meetings", args=[phase_2.pk])).content.decode()
    dashboard = client.get(reverse("schemes:detail", args=[phase_2.pk])).content.decode()

    sessions = " ".join(sessions.split())
    assert (
        "2 of 4 sessions still outstanding. 1 will not go ahead because someone stopped "
        "taking part." in sessions
    )
    assert sessions.count("Will not go ahead") == 1 and sessions.count("Ended:") == 1
    assert "Held, 40 minutes" in sessions and "Did not take place" in sessions
    step = " ".join(dashboard.split("7. One-to-one feedback sessions")[1].split("<li")[0].split())
    assert "<strong>1</strong> of 4 sessions held" in step
    assert "<strong>1</strong> will not go ahead because someone stopped taking part" in step


def test_the_sessions_page_says_session_for_one_session_to_hold(
    client_for: ClientFor, lead: User, phase_2: Scheme
) -> None:
    pairs = _pairs(phase_2, 2)
    consent_withdraw(participant=pairs[0].mentor)
    page = client_for(lead).get(reverse("schemes:meetings", args=[phase_2.pk])).content.decode()
    assert "1 of 1 session still outstanding." in " ".join(page.split())


def test_the_staff_list_with_ended_pairs_makes_the_same_number_of_queries_for_3_or_12(
    client_for: ClientFor, lead: User, phase_2: Scheme
) -> None:
    bigger = scheme_in_phase_2()
    MembershipFactory(scheme=bigger, user=lead)
    counts = []
    for scheme, n in ((phase_2, 3), (bigger, 12)):
        pairs = _pairs(scheme, n)
        for pair in pairs[::3]:
            consent_withdraw(participant=pair.mentor)
        client = client_for(lead)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("schemes:meetings", args=[scheme.pk])).content.decode()
        assert page.count("Will not go ahead") == len(pairs[::3])
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_cancelling_a_confirmed_time_on_the_page_says_both_are_emailed(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    services.meeting_confirm(participant=mentee, pair=pair)
    mail.outbox.clear()
    response = client_for(mentee.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]),
        _button(_page(client_for, mentee, pair), "Cancel this time"),
        follow=True,
    )
    assert (
        "The session time has been cancelled. We have told the other person and emailed you "
        "both a file to remove it from your calendar" in response.content.decode()
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentor.user.email, mentee.user.email])
    assert all(m.attachments for m in mail.outbox)


# Confirm and Cancel act on the time the page showed, not on one changed since.

LATER = local(2027, 3, 16, 8, 0)


@pytest.mark.parametrize("button", ["Confirm this time", "Cancel this time"])
def test_a_time_changed_since_the_page_was_shown_is_not_confirmed_or_cancelled(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant, button: str
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    old_page = _page(client_for, mentee, pair)
    assert _summary_row(old_page, "When") == "15 March 2027 at 14:30"
    services.meeting_propose(participant=mentor, pair=pair, starts_at=LATER, place="Car park")
    mail.outbox.clear()

    response = client_for(mentee.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]),
        _button(old_page, button),
        follow=True,
    )

    assert (response.status_code, response.redirect_chain) == (200, [])  # type: ignore[attr-defined]
    page = " ".join(response.content.decode().split())
    doing = "confirm" if button.startswith("Confirm") else "cancel"
    assert "There is a problem" in page
    assert (
        "The time has changed since you opened the page: it is now 16 March 2027 at 08:00, "
        f"Car park. Check it before you {doing} it"
    ) in page
    assert _summary_row(response.content.decode(), "When") == "16 March 2027 at 08:00"
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.starts_at, meeting.place, meeting.confirmed_at) == (LATER, "Car park", None)
    assert mail.outbox == []  # no invite, no cancellation
    # The page shown afresh confirms the new time.
    _saved(
        client_for(mentee.user).post(
            reverse("own_meeting", args=[pair.allocation.scheme_id]),
            _button(response.content.decode(), "Confirm this time"),
            follow=True,
        )
    )
    assert Meeting.objects.get(pair=pair).confirmed_by == mentee


def test_a_confirm_without_the_time_it_showed_is_refused(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    response = client_for(mentee.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]),
        {"pair": pair.pk, "action": "confirm"},
    )
    assert "The time has changed since you opened the page" in response.content.decode()
    assert Meeting.objects.get(pair=pair).confirmed_at is None


def test_withdrawing_a_time_only_proposed_on_the_page_says_the_other_person_is_told(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    mail.outbox.clear()
    response = client_for(mentor.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]),
        _button(_page(client_for, mentor, pair), "Cancel this time"),
        follow=True,
    )
    assert "The session time has been cancelled. We have told the other person" in (
        _saved(response)
    )
    assert [m.to for m in mail.outbox] == [[mentee.user.email]]


def test_turning_down_a_time_only_proposed_on_the_page_says_the_proposer_is_told(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    mail.outbox.clear()
    response = client_for(mentee.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]),
        _button(_page(client_for, mentee, pair), "Cancel this time"),
        follow=True,
    )
    assert "The session time has been cancelled. We have told the other person" in (
        _saved(response)
    )
    (told,) = mail.outbox
    assert told.to == [mentor.user.email]
    assert "has turned down the time you proposed" in " ".join(told.body.split())
    assert Meeting.objects.get(pair=pair).starts_at is None


@pytest.mark.parametrize("confirmed", [False, True])
def test_during_analysis_a_time_still_to_come_is_cancelled_on_the_page_then_logged(
    client_for: ClientFor,
    pair: Pair,
    mentor: Participant,
    mentee: Participant,
    confirmed: bool,
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    if confirmed:
        services.meeting_confirm(participant=mentee, pair=pair)
    Scheme.objects.filter(pk=pair.allocation.scheme_id).update(phase="analysis")
    page = _page(client_for, mentee, pair)
    text = " ".join(page.split())
    # No new time, nor a confirmation, in analysis: only Cancel, with why.
    assert "Propose this time" not in page and "Confirm this time" not in page
    assert "Waiting for" not in page
    assert (
        "Times can no longer be arranged or confirmed. You can log the session once this "
        "time has come. If you have already met, or it is not going to take place then, "
        "cancel this time first: we will tell Dr Mentor One."
    ) in text
    mail.outbox.clear()

    response = client_for(mentee.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]),
        _button(page, "Cancel this time"),
        follow=True,
    )

    assert "The session time has been cancelled. We have told the other person" in (
        _saved(response)
    )
    assert mentor.user.email in [m.to[0] for m in mail.outbox]
    assert "Cancel this time" not in response.content.decode()
    (form,) = _log_forms(response.content.decode())
    _saved(_post_log(client_for, mentee, pair, form, held="yes", duration_minutes="40"))
    meeting = Meeting.objects.get(pair=pair)
    assert (meeting.starts_at, meeting.held, meeting.duration_minutes) == (None, True, 40)


def test_during_analysis_a_time_that_has_passed_is_offered_to_cancel_without_the_hint(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    Scheme.objects.filter(pk=pair.allocation.scheme_id).update(phase="analysis")
    with time_machine.travel(SESSION + timedelta(hours=2), tick=False):
        page = _page(client_for, mentee, pair)
    assert "Cancel this time" in page  # as in phase 2: whatever its time
    assert "Times can no longer be arranged" not in page  # it can be logged already
    assert len(_log_forms(page)) == 1


def test_logging_before_a_time_only_proposed_is_refused_at_the_field(
    client_for: ClientFor, pair: Pair, mentor: Participant, mentee: Participant
) -> None:
    services.meeting_propose(participant=mentor, pair=pair, starts_at=SESSION, place="Room 2")
    (form,) = _log_forms(_page(client_for, mentee, pair))
    response = _post_log(client_for, mentee, pair, form, held="no")
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    message = (
        "You can log the session from 15 March 2027 at 14:30, the time proposed for it. "
        "If you met earlier, or it is not going to take place then, cancel the proposed "
        "time first"
    )
    assert f'<a href="#id_pair{pair.pk}-held"> {message} </a>' in page
    assert Meeting.objects.get(pair=pair).held is None


# A time the clocks skip or repeat is refused, not guessed.


@pytest.mark.parametrize(
    ("day", "typed", "message"),
    [
        (
            "28 3 2027",
            "01:30",
            "That time does not exist on 28 March 2027 because the clocks go forward: "
            "enter another time",
        ),
        (
            "28 3 2027",
            "1am",
            "That time does not exist on 28 March 2027 because the clocks go forward: "
            "enter another time",
        ),
        (
            "31 10 2027",
            "01:30",
            "That time happens twice on 31 October 2027 because the clocks go back, so it "
            "is not clear which you mean: enter another time",
        ),
        ("28 3 2027", "00:59", None),
        ("28 3 2027", "02:00", None),
        ("31 10 2027", "02:00", None),
        ("31 10 2027", "00:59", None),
    ],
)
def test_a_time_the_clocks_skip_or_repeat_is_refused(
    day: str, typed: str, message: str | None
) -> None:
    form = ProposeForm({**date_input("date", day), "time": typed, "place": "Seminar room 2"})
    if message is None:
        assert form.is_valid(), form.errors
        assert timezone.localtime(form.starts_at()).strftime("%H:%M") == form.data["time"]
    else:
        assert form.errors == {"time": [message]}


def test_a_time_that_does_not_exist_is_not_saved_an_hour_later(
    client_for: ClientFor, pair: Pair, mentor: Participant
) -> None:
    prefix = f"pair{pair.pk}"
    response = client_for(mentor.user).post(
        reverse("own_meeting", args=[pair.allocation.scheme_id]),
        {
            "pair": pair.pk,
            "action": "propose",
            **date_input(f"{prefix}-date", "28 3 2027"),
            f"{prefix}-time": "01:30",
            f"{prefix}-place": "Room 2",
        },
    )
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    message = (
        "That time does not exist on 28 March 2027 because the clocks go forward: "
        "enter another time"
    )
    assert f'<a href="#id_{prefix}-time"> {message} </a>' in page
    assert not Meeting.objects.filter(starts_at__isnull=False).exists()

"""The sign-in's time left: noted at sign-in, shown on every page, asked for, extended.

What the pages say must agree with when Django actually ends the session; these tests
hold the two together with the clock moved on.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from revmentor.core.backends import ACCOUNT_BACKEND
from revmentor.core.models import User
from revmentor.core.session_time import SAVED_AT
from revmentor.questionnaires.models import Stage
from revmentor.schemes.models import Participant
from tests.core.test_signed_out import sent_signed_out
from tests.factories import ConsentFactory

AGE = 8 * 3600
pytestmark = pytest.mark.usefixtures("eight_hours")


@pytest.fixture
def eight_hours(settings: Any) -> None:
    """The production settings' sessions, in the database (the tests' backend)."""
    settings.SESSION_COOKIE_AGE = AGE
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


def seconds_left_on(page: str) -> int:
    found = re.search(r'data-session-left="(\d+)"', page)
    assert found, "the page has no timeout warning"
    return int(found.group(1))


def signed_in_by_code(user: User) -> Client:
    """Signed in as a participant is: an emailed code (CSRF checked)."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("account_request_login_code")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(
        reverse("account_request_login_code"),
        {"csrfmiddlewaretoken": token, "email": user.email},
    )
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4})", str(mail.outbox[-1].body)).group(1)  # type: ignore[union-attr]
    page = client.get(reverse("account_confirm_login_code")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(reverse("account_confirm_login_code"), {"csrfmiddlewaretoken": token, "code": code})
    assert client.session.get(SAVED_AT), "signing in notes when the session's time starts"
    return client


def token_of(client: Client) -> str:
    page = client.get(reverse("tasks")).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def expire_date(client: Client) -> Any:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_every_page_says_how_long_is_left_and_agrees_with_when_the_session_ends(
    mentor: Participant,
) -> None:
    client = signed_in_by_code(mentor.user)
    assert AGE - 5 <= seconds_left_on(client.get(reverse("tasks")).content.decode()) <= AGE
    ends = expire_date(client)

    # Three hours later the page and the status say five hours, and asking changed nothing.
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        left = seconds_left_on(client.get(reverse("tasks")).content.decode())
        status = client.get(reverse("session_status"), HTTP_ACCEPT="application/json").json()
    assert 5 * 3600 - 10 <= left <= 5 * 3600
    assert status["signed_in"] is True and abs(status["seconds_left"] - left) <= 5
    assert expire_date(client) == ends
    # What the page says is when Django ends it: a minute before, signed in; a minute
    # after, not.
    saved_at = client.session[SAVED_AT]
    assert abs(ends.timestamp() - (saved_at + AGE)) < 5
    with time_machine.travel(ends - timedelta(minutes=1)):
        assert client.get(reverse("tasks")).status_code == 200
    with time_machine.travel(ends + timedelta(minutes=1)):
        assert client.get(reverse("tasks")).status_code == 302
        answer = client.get(reverse("session_status"), HTTP_ACCEPT="application/json").json()
        assert answer == {"signed_in": False, "seconds_left": None}


def test_staying_signed_in_starts_the_time_again(mentor: Participant) -> None:
    client = signed_in_by_code(mentor.user)
    token = token_of(client)
    ends = expire_date(client)
    with time_machine.travel(timezone.now() + timedelta(hours=7, minutes=56)):
        answer = client.post(
            reverse("session_extend"),
            {"csrfmiddlewaretoken": token},
            HTTP_ACCEPT="application/json",
        ).json()
        assert answer["signed_in"] is True and AGE - 5 <= answer["seconds_left"] <= AGE
    assert expire_date(client) >= ends + timedelta(hours=7, minutes=55)
    # Still signed in past the first eight hours.
    with time_machine.travel(timezone.now() + timedelta(hours=9)):
        assert client.get(reverse("tasks")).status_code == 200


def test_a_request_that_changes_the_session_starts_its_time_again_and_says_so(
    mentor: Participant, open_stage: Stage
) -> None:
    # A form sent signed out is kept in the session; given back once the person has
    # signed in again, it leaves the session: a change, which Django saves, and the
    # session's eight hours start again then.
    ConsentFactory(participant=mentor)
    url = reverse("questionnaire_page", args=[open_stage.scheme_id, open_stage.timepoint, 1])
    client, _sent = sent_signed_out(mentor.user, url, {"concerns_text": "Kept"})
    client.force_login(mentor.user, backend=ACCOUNT_BACKEND)
    later = timezone.now() + timedelta(hours=3)
    with time_machine.travel(later):
        page = client.get(url).content.decode()
    assert "Kept" in page
    ends = expire_date(client)
    assert abs(ends - (later + timedelta(seconds=AGE))) < timedelta(seconds=5)
    # What the pages say is that end, not three hours earlier.
    assert abs(client.session[SAVED_AT] + AGE - ends.timestamp()) < 5
    with time_machine.travel(later):
        left = seconds_left_on(client.get(reverse("tasks")).content.decode())
    assert AGE - 10 <= left <= AGE


def test_staying_signed_in_needs_a_post_with_its_csrf_token_and_a_session(
    mentor: Participant,
) -> None:
    client = signed_in_by_code(mentor.user)
    assert client.get(reverse("session_extend")).status_code == 405
    assert client.post(reverse("session_extend")).status_code == 403  # no CSRF token
    token = token_of(client)
    client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    signed_out = client.post(
        reverse("session_extend"), {"csrfmiddlewaretoken": token}, HTTP_ACCEPT="application/json"
    )
    assert signed_out.status_code == 401 and signed_out.json()["signed_out"] is True


def test_no_warning_for_the_signed_out_and_none_where_the_time_is_not_known(
    mentor: Participant,
) -> None:
    anonymous = Client()
    assert "data-session-timeout" not in anonymous.get(reverse("about")).content.decode()
    assert anonymous.get(reverse("session_status")).json() == {
        "signed_in": False,
        "seconds_left": None,
    }
    # A session from before the time was noted: no warning rather than a wrong one.
    client = signed_in_by_code(mentor.user)
    session = client.session
    del session[SAVED_AT]
    session.save()
    assert "data-session-timeout" not in client.get(reverse("tasks")).content.decode()


@override_settings(REVMENTOR_REQUIRE_MFA=True)
def test_a_lead_setting_up_two_step_verification_is_warned_too(lead: User) -> None:
    client = Client()
    client.post(reverse("account_login"), {"login": lead.email, "password": "a-long-test-password"})
    answer = client.get(reverse("session_status"), HTTP_ACCEPT="application/json")
    assert answer.status_code == 200 and answer.json()["signed_in"] is True


def test_the_django_admin_warns_a_site_admin_as_every_other_page_does(site_admin: User) -> None:
    client = Client()
    client.post(
        reverse("account_login"), {"login": site_admin.email, "password": "a-long-test-password"}
    )
    page = client.get(reverse("admin:core_auditevent_changelist")).content.decode()
    assert AGE - 5 <= seconds_left_on(page) <= AGE
    assert "revmentor/session.js" in page and "You will be signed out soon" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "Stay signed in needs the page's CSRF token"
    # A session from before the time was noted: no warning rather than a wrong one
    session = client.session
    del session[SAVED_AT]
    session.save()
    page = client.get(reverse("admin:core_auditevent_changelist")).content.decode()
    assert "Select audit event to view" in page and "data-session-timeout" not in page

"""Signing in: invitation links, codes by email, passwords, and throttling."""

from __future__ import annotations

import re

from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from revmentor.core.models import AuditEvent, User
from revmentor.schemes import services
from revmentor.schemes.models import Participant


def _link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/sign-in/link/\?\S+)", body)
    assert match, body
    return match.group(1)


def _sign_ins(user: User) -> list[str]:
    """The summaries of the user's sign-in events, oldest first."""
    events = AuditEvent.objects.filter(actor=user, action=AuditEvent.Action.SIGN_IN)
    return list(events.order_by("pk").values_list("summary", flat=True))


def test_invitation_link_signs_in_once_and_lands_on_tasks(lead: User, mentor: Participant) -> None:
    services.participant_invite(actor=lead, participant=mentor)
    path = _link_path(mail.outbox[0].body)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and mentor.user.email in page.content.decode()
    # Opening the link (as an email scanner would) does not sign in or use it up.
    assert "_auth_user_id" not in client.session
    token = re.search(r"token=([^&]+)", path).group(1)  # type: ignore[union-attr]
    response = client.post(reverse("sign_in_link"), {"token": token, "next": reverse("tasks")})
    assert response["Location"] == reverse("tasks")
    assert client.get(reverse("tasks")).status_code == 200
    # Recorded once, as a link sign-in.
    assert _sign_ins(mentor.user) == ["Signed in with an invitation link"]
    # Used once: the same link no longer works.
    again = Client().post(reverse("sign_in_link"), {"token": token})
    assert again.status_code == 400
    assert "has been used already, has expired" in again.content.decode()
    assert reverse("account_request_login_code") in again.content.decode()
    # Opened again by the person already signed in with it: told so, not sent for a code.
    reopened = client.get(path).content.decode()
    assert "You are already signed in." in reopened
    assert reverse("account_request_login_code") not in reopened


def test_a_bad_link_says_how_to_get_a_code(db: object) -> None:
    response = Client().get(reverse("sign_in_link") + "?token=nonsense")
    assert response.status_code == 400
    assert reverse("account_request_login_code") in response.content.decode()


def test_link_does_not_redirect_off_site(lead: User, mentor: Participant) -> None:
    services.participant_invite(actor=lead, participant=mentor)
    token = re.search(r"token=([^&\s]+)", mail.outbox[0].body).group(1)  # type: ignore[union-attr]
    response = Client().post(
        reverse("sign_in_link"), {"token": token, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_participant_signs_in_with_a_code_from_email(mentor: Participant) -> None:
    client = Client()
    response = client.post(reverse("account_request_login_code"), {"email": mentor.user.email})
    assert response.status_code == 302
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert code, mail.outbox[-1].body
    empty = client.post(reverse("account_confirm_login_code"), {"code": ""}).content.decode()
    assert "Enter the code from the email" in empty
    wrong = client.post(reverse("account_confirm_login_code"), {"code": "AAAA-AAAA"})
    assert "The code is not right. Check the email and enter the code again" in (
        wrong.content.decode()
    )
    response = client.post(reverse("account_confirm_login_code"), {"code": code.group(1)})
    assert response.status_code == 302
    assert client.get(reverse("tasks")).status_code == 200
    assert _sign_ins(mentor.user) == ["Signed in"]


def test_staff_sign_in_with_a_password(lead: User) -> None:
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": lead.email, "password": "a-long-test-password"}
    )
    assert response.status_code == 302
    assert client.get(reverse("schemes:list")).status_code == 200
    assert _sign_ins(lead) == ["Signed in"]


def test_repeated_password_failures_are_throttled(lead: User) -> None:
    cache.clear()
    client = Client()
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": lead.email, "password": "wrong"})
        assert response.status_code == 200
    # After five failures even the right password is refused for a while.
    response = client.post(
        reverse("account_login"), {"login": lead.email, "password": "a-long-test-password"}
    )
    assert response.status_code == 200
    assert "Too many attempts to sign in. Wait 5 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()


def test_nobody_can_sign_themselves_up(db: object) -> None:
    response = Client().post(
        reverse("account_signup"), {"email": "new@nhs.net", "password1": "x" * 20}
    )
    assert not User.objects.filter(email="new@nhs.net").exists()
    assert response.status_code in (200, 403)

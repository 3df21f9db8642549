"""Two-step verification: leads and site admins must set up an authenticator app.

The rule is on in production (and base settings) and off in the test settings, so each
test here turns it on. Codes come from an RFC 6238 implementation of the test's own, as
an authenticator app on a phone would compute them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from sesame.utils import get_query_string

from revmentor.core.models import AuditEvent, User
from revmentor.schemes.models import Participant

NOW = datetime(2026, 3, 4, 9, 0, 10, tzinfo=UTC)
PASSWORD = "a-long-test-password"


def totp(secret: str, at: datetime) -> str:
    """The 6-digit code an authenticator app shows for ``secret`` at ``at`` (RFC 6238)."""
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(at.timestamp()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@pytest.fixture(autouse=True)
def mfa_on(settings: Any) -> Iterator[None]:
    settings.REVMENTOR_REQUIRE_MFA = True
    cache.clear()  # rate limits and used codes live in the cache
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def _set_up_app(client: Client) -> str:
    """Set up an authenticator app through the pages; return its secret."""
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    found = re.search(r"<code>([A-Z2-7]{16,})</code>", page.content.decode())
    assert found, page.content.decode()
    secret = found.group(1)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret, NOW)})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    return secret


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_code_helper_matches_rfc_6238() -> None:
    # RFC 6238, appendix B: SHA-1, secret "12345678901234567890", T = 59 s -> 94287082.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, datetime.fromtimestamp(59, tz=UTC)) == "287082"


def test_lead_without_an_authenticator_is_sent_to_set_one_up(
    client_for: Callable[[User | None], Client], lead: User, scheme: Any
) -> None:
    client = client_for(lead)
    for name, args in [("schemes:list", []), ("tasks", []), ("schemes:detail", [scheme.pk])]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("mfa_activate_totp"), name
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    assert "You lead a scheme or look after this site" in page
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code
    # Signing out and the about page stay open.
    assert client.get(reverse("about")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert not _signed_in(client)


def test_site_admin_without_an_authenticator_is_sent_to_set_one_up(
    client_for: Callable[[User | None], Client], site_admin: User
) -> None:
    client = client_for(site_admin)
    for path in [reverse("schemes:list"), reverse("admin:index")]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == reverse(
            "mfa_activate_totp"
        ), path


def test_lead_gets_in_after_setting_up_the_app(
    client_for: Callable[[User | None], Client],
    lead: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(lead)
    # A wrong code sets nothing up.
    client.get(reverse("mfa_activate_totp"))
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200 and "The code is not right" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=lead).exists()

    with django_capture_on_commit_callbacks(execute=True):  # allauth signals on commit
        _set_up_app(client)

    # Straight after, the recovery codes show without asking again who they are.
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200
    assert len(re.findall(r"<li>([0-9a-f]{8})</li>", codes.content.decode())) == 10
    assert client.get(reverse("schemes:list")).status_code == 200
    assert Authenticator.objects.filter(user=lead, type=Authenticator.Type.TOTP).exists()
    # In the audit trail, as the lead, with no secret in it.
    added = AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="mfa.Authenticator"
    )
    assert sorted(e.summary for e in added) == [
        "Two-step verification: authenticator app set up",
        "Two-step verification: recovery codes set up",
    ]
    assert {e.actor for e in added} == {lead}


def test_a_mentor_is_not_asked_to_set_up_an_app(
    client_for: Callable[[User | None], Client], mentor: Participant
) -> None:
    assert client_for(mentor.user).get(reverse("tasks")).status_code == 200
    # Nor when signing in with a code by email.
    client = Client()
    client.post(reverse("account_request_login_code"), {"email": mentor.user.email})
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert code
    response = client.post(reverse("account_confirm_login_code"), {"code": code.group(1)})
    assert response.status_code == 302 and response["Location"] != reverse("mfa_authenticate")
    assert client.get(reverse("tasks")).status_code == 200


def test_facilitator_and_researcher_are_not_asked(
    client_for: Callable[[User | None], Client], facilitator: User, researcher: User
) -> None:
    for user in (facilitator, researcher):
        assert client_for(user).get(reverse("schemes:list")).status_code == 200


def test_sign_in_with_a_password_asks_for_the_code(
    client_for: Callable[[User | None], Client], lead: User
) -> None:
    secret = _set_up_app(client_for(lead))
    client = Client()
    response = client.post(reverse("account_login"), {"login": lead.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Enter the code from your authenticator app" in page
    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200 and not _signed_in(client)

    later = NOW + timedelta(seconds=45)  # the next code the app shows
    with time_machine.travel(later, tick=False):
        response = client.post(reverse("mfa_authenticate"), {"code": totp(secret, later)})
    assert response.status_code == 302 and _signed_in(client)
    assert client.get(reverse("schemes:list")).status_code == 200


def test_a_recovery_code_works_once_instead_of_the_app(
    client_for: Callable[[User | None], Client], lead: User
) -> None:
    setup = client_for(lead)
    _set_up_app(setup)
    recovery = re.findall(
        r"<li>([0-9a-f]{8})</li>", setup.get(reverse("mfa_view_recovery_codes")).content.decode()
    )[0]
    for attempt in range(2):
        client = Client()
        client.post(reverse("account_login"), {"login": lead.email, "password": PASSWORD})
        client.post(reverse("mfa_authenticate"), {"code": recovery})
        assert _signed_in(client) is (attempt == 0)


def test_sign_in_by_email_code_also_asks_for_the_app_code(
    client_for: Callable[[User | None], Client], lead: User
) -> None:
    secret = _set_up_app(client_for(lead))
    client = Client()
    client.post(reverse("account_request_login_code"), {"email": lead.email})
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert code
    response = client.post(reverse("account_confirm_login_code"), {"code": code.group(1)})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    client.post(reverse("mfa_authenticate"), {"code": totp(secret, NOW)})
    assert _signed_in(client)


def test_invitation_link_asks_for_the_app_code(
    client_for: Callable[[User | None], Client], lead: User
) -> None:
    secret = _set_up_app(client_for(lead))
    client = Client()
    token = get_query_string(lead).split("=", 1)[1]
    response = client.post(reverse("sign_in_link"), {"token": token, "next": reverse("tasks")})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(actor=lead, action=AuditEvent.Action.SIGN_IN).exists()
    response = client.post(reverse("mfa_authenticate"), {"code": totp(secret, NOW)})
    assert response["Location"] == reverse("tasks") and _signed_in(client)


def test_the_admin_sign_in_page_sends_people_to_ours(db: Any) -> None:
    response = Client().get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_wrong_app_codes_are_throttled(
    client_for: Callable[[User | None], Client], lead: User
) -> None:
    secret = _set_up_app(client_for(lead))
    client = Client()
    client.post(reverse("account_login"), {"login": lead.email, "password": PASSWORD})
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    # After five wrong codes even the right one is refused for a while.
    response = client.post(reverse("mfa_authenticate"), {"code": totp(secret, NOW)})
    assert "Too many attempts to sign in. Wait 5 minutes" in response.content.decode()
    assert not _signed_in(client)


def test_a_lead_cannot_turn_off_their_app(
    client_for: Callable[[User | None], Client], lead: User
) -> None:
    client = client_for(lead)
    _set_up_app(client)
    page = client.get(reverse("mfa_deactivate_totp")).content.decode()
    assert "your account must keep two-step verification" in page
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=lead, type=Authenticator.Type.TOTP).exists()


def test_a_mentor_who_chose_an_app_can_turn_it_off(
    client_for: Callable[[User | None], Client], mentor: Participant
) -> None:
    client = client_for(mentor.user)
    _set_up_app(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=mentor.user).exists()
    removed = AuditEvent.objects.filter(action=AuditEvent.Action.DELETE).order_by("pk")
    assert [e.summary for e in removed] == [
        "Two-step verification: authenticator app removed",
        "Two-step verification: recovery codes removed",
    ]
    assert all(e.actor == mentor.user and e.ip_address == "127.0.0.1" for e in removed)


def test_changing_it_later_asks_who_they_are_again(
    client_for: Callable[[User | None], Client], lead: User
) -> None:
    client = client_for(lead)
    _set_up_app(client)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        response = client.get(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_check_deploy_warns_when_the_rule_is_off(settings: Any, capsys: Any) -> None:
    settings.REVMENTOR_REQUIRE_MFA = False
    call_command("check", "--deploy", "--tag", "security")
    captured = capsys.readouterr()
    assert "revmentor.W001" in captured.out + captured.err

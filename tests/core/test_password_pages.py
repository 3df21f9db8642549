"""Staff who forget or change their password, on the site's own NHS.UK pages."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core import mail
from django.test import Client
from django.urls import reverse

from revmentor.core.models import User

NEW_PASSWORD = "a-new-and-longer-test-password"


def _h1(response: object) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.DOTALL)  # type: ignore[attr-defined]
    assert found, "no heading"
    return found.group(1).strip()


def test_a_lead_resets_a_forgotten_password_from_the_sign_in_page(lead: User) -> None:
    client = Client()
    sign_in = client.get(reverse("account_login")).content.decode()
    assert reverse("account_reset_password") in sign_in
    assert _h1(client.get(reverse("account_reset_password"))) == "Reset your password"

    # An address that is not an email is refused on the page, and nothing is sent
    refused = client.post(reverse("account_reset_password"), {"email": "not an email"})
    assert refused.status_code == 200 and "There is a problem" in refused.content.decode()
    assert "Enter an email address in the correct format, like name@example.com" in (
        refused.content.decode()
    )
    assert mail.outbox == []

    sent = client.post(reverse("account_reset_password"), {"email": lead.email.upper()})
    assert sent["Location"] == reverse("account_reset_password_done")
    assert _h1(client.get(sent["Location"])) == "Check your email"
    [email] = mail.outbox
    assert email.to == [lead.email] and email.subject == "revmentor: Reset your password"
    link = re.search(r"https?://[^/\s]+(/\S+)", email.body)
    assert link, email.body

    # The link leads to the form for a new password, which checks the two agree
    opened = client.get(link.group(1), follow=True)
    form_url = opened.redirect_chain[-1][0] if opened.redirect_chain else link.group(1)
    assert _h1(opened) == "Choose a new password"
    mismatch = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert "There is a problem" in mismatch.content.decode()
    empty = client.post(form_url, {"password1": "", "password2": ""}).content.decode()
    assert "Enter a new password" in empty and "Enter the new password again" in empty
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    assert _h1(client.get(done["Location"])) == "Your password has been changed"

    # The new password signs in, the old one no longer does, and the link is used up
    assert Client().login(email=lead.email, password=NEW_PASSWORD)
    assert not Client().login(email=lead.email, password="a-long-test-password")
    again = Client().get(link.group(1), follow=True)
    assert _h1(again) == "This link cannot be used"
    assert reverse("account_reset_password") in again.content.decode()


def test_a_signed_in_lead_changes_their_password(
    client_for: Callable[[User | None], Client], lead: User
) -> None:
    client = client_for(lead)
    url = reverse("account_change_password")
    assert _h1(client.get(url)) == "Change your password"
    wrong = client.post(
        url,
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert "There is a problem" in wrong.content.decode()
    assert "Enter your current password" in wrong.content.decode()
    assert Client().login(email=lead.email, password="a-long-test-password")
    changed = client.post(
        url,
        {
            "oldpassword": "a-long-test-password",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert Client().login(email=lead.email, password=NEW_PASSWORD)


def test_the_sign_in_page_says_what_to_enter_and_what_was_wrong(lead: User) -> None:
    url = reverse("account_login")
    first = Client().get(url).content.decode()
    assert "Forgot your password?" not in first  # allauth's hint: the page has its own link
    empty = Client().post(url, {"login": "", "password": ""}).content.decode()
    assert "Enter your email address" in empty and "Enter your password" in empty
    assert "This field is required" not in empty and "Forgot your password?" not in empty
    wrong = Client().post(url, {"login": lead.email, "password": "not-it"}).content.decode()
    assert "The email address or password is not right" in wrong


def test_pages_not_offered_say_so_in_plain_words(db: object) -> None:
    client = Client()
    assert _h1(client.get(reverse("account_signup"))) == "You cannot create an account here"
    assert _h1(client.get(reverse("account_inactive"))) == "This account cannot sign in"
    bad_key = client.get(reverse("account_confirm_email", args=["no-such-key"]))
    assert _h1(bad_key) == "This link cannot be used"


def test_an_address_with_no_account_is_told_who_makes_accounts(db: object) -> None:
    sent = Client().post(reverse("account_reset_password"), {"email": "nobody@example.nhs.uk"})
    assert sent["Location"] == reverse("account_reset_password_done")  # as for an account
    [email] = mail.outbox
    assert email.to == ["nobody@example.nhs.uk"]
    assert email.subject == "revmentor: No account for this email address"
    assert "programme lead who invites you" in email.body
    assert "sign up" not in email.body.lower() and reverse("account_signup") not in email.body

"""django-allauth pages revmentor does not offer."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from revmentor.core.models import User
from revmentor.schemes.models import Participant


def test_nobody_can_add_or_change_their_own_email_address(
    client_for: Callable[[User | None], Client], mentor: Participant
) -> None:
    # Otherwise a participant could claim an address they do not own, and a lead who
    # later added that address to a scheme would give its role to them.
    client = client_for(mentor.user)
    email = mentor.user.email
    claimed = "future.lead@example.nhs.uk"
    assert client.get(reverse("account_email")).status_code == 404
    assert (
        client.post(reverse("account_email"), {"action_add": "", "email": claimed}).status_code
        == 404
    )
    assert (
        client.post(reverse("account_email"), {"action_primary": "", "email": claimed}).status_code
        == 404
    )
    mentor.user.refresh_from_db()
    assert mentor.user.email == email
    assert not EmailAddress.objects.filter(email=claimed).exists()

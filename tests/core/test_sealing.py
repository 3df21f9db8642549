"""Authenticator secrets sealed in the database (core/sealing.py), end to end.

Setting up an app through the pages stores its secret and the recovery-code seed sealed,
never in the clear, and both still work; secrets stored before sealing still work and
the migration seals them; a changed secret key opens old seals through the fallbacks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from revmentor.core import sealing
from revmentor.core.models import User

# mfa_on: the two-step rule on, at NOW, the cache cleared (autouse here too, as imported).
from tests.core.test_mfa import NOW, PASSWORD, _set_up_app, mfa_on, totp  # noqa: F401

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_a_seal_hides_the_text_and_opens_to_it() -> None:
    sealed = sealing.seal(SECRET)
    assert sealed.startswith(sealing.PREFIX) and SECRET not in sealed
    assert sealing.seal(SECRET) != sealed  # a fresh token each time
    assert sealing.unseal(sealed) == SECRET
    assert sealing.unseal(SECRET) == SECRET  # stored before sealing: read as it is
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(sealing.CannotOpen):
        sealing.unseal(tampered)


def test_a_changed_key_opens_old_seals_only_through_the_fallbacks(settings: Any) -> None:
    settings.SECRET_KEY = "the-first-key-" + "a" * 50
    sealed = sealing.seal(SECRET)
    settings.SECRET_KEY = "the-second-key-" + "b" * 50
    with pytest.raises(sealing.CannotOpen, match="DJANGO_SECRET_KEY_FALLBACKS"):
        sealing.unseal(sealed)
    settings.SECRET_KEY_FALLBACKS = ["the-first-key-" + "a" * 50]
    assert sealing.unseal(sealed) == SECRET
    resealed = sealing.seal(SECRET)
    settings.SECRET_KEY_FALLBACKS = []
    assert sealing.unseal(resealed) == SECRET  # new seals use the current key


def test_setting_up_an_app_stores_sealed_secrets_that_still_work(
    client_for: Callable[[User | None], Client], lead: User
) -> None:
    client = client_for(lead)
    secret = _set_up_app(client)
    app = Authenticator.objects.get(user=lead, type=Authenticator.Type.TOTP)
    codes = Authenticator.objects.get(user=lead, type=Authenticator.Type.RECOVERY_CODES)
    stored = {**app.data, **codes.data}
    assert sealing.is_sealed(stored["secret"]) and sealing.is_sealed(stored["seed"])
    assert secret not in str(stored)
    assert sealing.unseal(stored["secret"]) == secret
    # Both still work: the app's code at sign-in, and a recovery code shown on the page.
    shown = re.findall(
        r"<li>([0-9a-f]{8})</li>", client.get(reverse("mfa_view_recovery_codes")).content.decode()
    )
    assert len(shown) == 10
    lead.set_password(PASSWORD)
    lead.save()
    for code in (totp(secret, NOW), shown[0]):
        fresh = Client()
        fresh.post(reverse("account_login"), {"login": lead.email, "password": PASSWORD})
        done = fresh.post(reverse("mfa_authenticate"), {"code": code})
        assert done.status_code == 302 and done["Location"] != reverse("mfa_authenticate"), code
        cache.clear()  # each code once; rate limits aside


def _migrate_core_to(name: str) -> None:
    MigrationExecutor(connection).migrate([("core", name)])


@pytest.mark.django_db(transaction=True)  # SQLite cannot migrate inside a transaction
def test_the_migration_seals_what_was_stored_in_the_clear_and_reverses(
    lead: User, mentor: Any
) -> None:
    _migrate_core_to("0001_initial")  # as before sealing existed
    try:
        app = Authenticator.objects.create(
            user=lead, type=Authenticator.Type.TOTP, data={"secret": SECRET}
        )
        clear_codes = {"seed": "ab" * 40, "used_mask": 3, "migrated_codes": ["1234", "8765"]}
        codes = Authenticator.objects.create(
            user=mentor.user, type=Authenticator.Type.RECOVERY_CODES, data=dict(clear_codes)
        )

        _migrate_core_to("0002_seal_authenticator_secrets")
        app.refresh_from_db()
        codes.refresh_from_db()
        assert sealing.is_sealed(app.data["secret"])
        assert sealing.unseal(app.data["secret"]) == SECRET
        assert sealing.is_sealed(codes.data["seed"])
        assert sealing.unseal(codes.data["seed"]) == "ab" * 40
        assert [sealing.unseal(c) for c in codes.data["migrated_codes"]] == ["1234", "8765"]
        assert codes.data["used_mask"] == 3

        _migrate_core_to("0001_initial")
        app.refresh_from_db()
        codes.refresh_from_db()
        assert app.data == {"secret": SECRET}
        assert codes.data == clear_codes
    finally:
        _migrate_core_to("0002_seal_authenticator_secrets")

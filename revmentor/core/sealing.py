"""Authenticator secrets sealed with a key kept out of the database.

django-allauth stores the secret of each authenticator app (TOTP) and the seed of each
set of recovery codes in the database, in the clear unless its MFA adapter encrypts them
(``MFAAdapter.encrypt`` / ``decrypt``, ``core.adapters``). Anyone holding a copy of the
database (a backup, a dump) could then make a lead's codes. Here each is sealed with
Fernet (AES-128-CBC with an HMAC-SHA256 tag) under a key derived by HKDF from
``DJANGO_SECRET_KEY``, which lives in the environment, not the database.

A sealed value starts with :data:`PREFIX`. One stored before sealing existed is read as
it is (the migration ``core.0002`` seals those). Keys listed in
``DJANGO_SECRET_KEY_FALLBACKS`` still open what they sealed, so the secret key can be
changed without locking anyone out; new seals always use the current key.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "sealed1:"
_PURPOSE = b"revmentor: authenticator secrets"


class CannotOpen(ImproperlyConfigured):
    """A sealed secret that none of this installation's secret keys opens."""


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _box() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(text: str) -> str:
    """``text`` sealed under the current secret key (a new random token every time)."""
    return PREFIX + _box().encrypt(text.encode()).decode("ascii")


def unseal(value: str) -> str:
    """The text sealed in ``value``; a value stored before sealing is returned as it is.

    Raises :class:`CannotOpen` when no secret key of this installation opens it (a
    database restored from another installation, whose key is not among the fallbacks).
    """
    if not is_sealed(value):
        return value
    try:
        return _box().decrypt(value[len(PREFIX) :].encode("ascii")).decode()
    except InvalidToken:
        raise CannotOpen(
            "An authenticator secret cannot be opened with this installation's "
            "DJANGO_SECRET_KEY. If the database came from another installation, add "
            "that installation's key to DJANGO_SECRET_KEY_FALLBACKS (docs/deploy.md)."
        ) from None


def _rewrite(data: dict[str, Any], change: Callable[[str], str]) -> bool:
    """Apply ``change`` to each secret in an authenticator's ``data``; whether any changed.

    The secrets: an app's ``secret``, a recovery-code ``seed``, and recovery codes carried
    over from elsewhere (``migrated_codes``).
    """
    changed = False
    for key in ("secret", "seed"):
        if isinstance(data.get(key), str):
            new = change(data[key])
            changed |= new != data[key]
            data[key] = new
    codes = data.get("migrated_codes")
    if isinstance(codes, list):
        new_codes = [change(code) for code in codes]
        changed |= new_codes != codes
        data["migrated_codes"] = new_codes
    return changed


def _seal_or_check(value: str) -> str:
    if is_sealed(value):
        unseal(value)  # raises CannotOpen if no key of ours opens it
        return value
    return seal(value)


def _rewrite_stored(authenticator_model: Any, change: Callable[[str], str]) -> int:
    changed = 0
    for authenticator in authenticator_model.objects.order_by("pk").iterator():
        if _rewrite(authenticator.data, change):
            authenticator.save(update_fields=["data"])
            changed += 1
    return changed


def seal_stored(authenticator_model: Any) -> int:
    """Seal every stored secret not yet sealed; check every sealed one opens.

    ``authenticator_model`` is allauth's ``Authenticator`` (or the migration's historical
    version of it). Returns how many authenticators were changed. Raises
    :class:`CannotOpen` when a sealed secret does not open with this installation's keys.
    """
    return _rewrite_stored(authenticator_model, _seal_or_check)


def open_stored(authenticator_model: Any) -> int:
    """Open every sealed secret again (the migration's reverse); how many changed."""
    return _rewrite_stored(authenticator_model, unseal)

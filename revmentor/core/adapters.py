"""How django-allauth behaves here: nobody signs themselves up; two-step verification."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.utils import timezone

from revmentor.core import sealing

EXPIRED_LINK = "This link has expired or has been used. Ask for a new one"


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are made by invitation only (a lead adds people to a scheme). The errors
    people meet when signing in say what to do, in plain words."""

    # Messages, not passwords: bandit's B105 reads "password" in a key as a secret.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "The email address or password is not right",  # nosec B105
        "enter_current_password": "Enter your current password",  # nosec B105
        "incorrect_code": "The code is not right. Check the email and enter the code again",
        "incorrect_password": "The password is not right",  # nosec B105
        "invalid_or_expired_key": EXPIRED_LINK,
        "invalid_password_reset": EXPIRED_LINK,
        "too_many_login_attempts": "Too many attempts to sign in. Wait 5 minutes and try again",
        "rate_limited": "Too many attempts. Wait a few minutes and try again",
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Ask again who someone is before they change two-step verification, except just
        after they first set it up.

        A lead sent to set up an authenticator straight after signing in (perhaps by
        email code, with no password to re-enter) is not asked to prove themselves again
        before the code from their new app, nor to see their recovery codes in the few
        minutes after. Removing or replacing either later asks again.
        """
        required = super().is_reauthentication_required(app=app, **kwargs)
        if not required or app != "allauth.mfa":
            return required
        user = getattr(context.request, "user", None)
        if user is None or not user.is_authenticated:
            return True
        authenticators = Authenticator.objects.filter(user=user)
        if not authenticators.exists():
            return False
        recent = timezone.now() - timedelta(seconds=account_settings.REAUTHENTICATION_TIMEOUT)
        just_set_up = authenticators.filter(
            type=Authenticator.Type.TOTP, created_at__gte=recent
        ).exists()
        return not just_set_up


class MFAAdapter(DefaultMFAAdapter):
    """Secrets sealed in the database; leads and site admins keep the app they must use."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": (
            "The code is not right. Enter the 6-digit code your authenticator app shows now, "
            "or one of your recovery codes"
        ),
    }

    def encrypt(self, text: str) -> str:
        """Seal an authenticator app's secret or a recovery-code seed (``core.sealing``)."""
        return sealing.seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        return sealing.unseal(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        from revmentor.core.mfa import mfa_required

        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        return not mfa_required(authenticator.user)

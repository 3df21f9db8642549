"""django-allauth's sign-in, password and two-step forms, saying what to enter.

Each is allauth's own form (``ACCOUNT_FORMS``, ``MFA_FORMS``) with error messages in
the words of the NHS.UK service manual ("Enter your email address"), not Django's
"This field is required."; and the password box on the sign-in page without allauth's
"Forgot your password?" link as its hint, which the page puts under the form instead.
The errors allauth raises itself (a wrong password or code) are worded in the adapters.
"""

from __future__ import annotations

from typing import Any, ClassVar

from allauth.account import forms as account
from allauth.mfa.base import forms as mfa
from allauth.mfa.totp import forms as totp
from django import forms

EMAIL = {
    "required": "Enter your email address",
    "invalid": "Enter an email address in the correct format, like name@example.com",
    "max_length": "Enter an email address of 320 characters or fewer",
}
PASSWORD = {"required": "Enter your password"}
NEW_PASSWORD = {"required": "Enter a new password"}
AGAIN = {"required": "Enter the new password again"}
EMAILED_CODE = {"required": "Enter the code from the email"}
APP_CODE = {"required": "Enter the code from your authenticator app"}


class PlainWords(forms.Form):
    """Sets ``MESSAGES`` (field name → error code → message) on the form's fields."""

    MESSAGES: ClassVar[dict[str, dict[str, str]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, messages in self.MESSAGES.items():
            if name in self.fields:
                self.fields[name].error_messages.update(messages)


class LoginForm(PlainWords, account.LoginForm):
    MESSAGES: ClassVar = {"login": EMAIL, "password": PASSWORD}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""


class RequestLoginCodeForm(PlainWords, account.RequestLoginCodeForm):
    MESSAGES: ClassVar = {"email": EMAIL}


class ConfirmLoginCodeForm(PlainWords, account.ConfirmLoginCodeForm):
    MESSAGES: ClassVar = {"code": EMAILED_CODE}


class ResetPasswordForm(PlainWords, account.ResetPasswordForm):
    MESSAGES: ClassVar = {"email": EMAIL}


class ResetPasswordKeyForm(PlainWords, account.ResetPasswordKeyForm):
    MESSAGES: ClassVar = {"password1": NEW_PASSWORD, "password2": AGAIN}


class ChangePasswordForm(PlainWords, account.ChangePasswordForm):
    MESSAGES: ClassVar = {
        "oldpassword": {"required": "Enter your current password"},
        "password1": NEW_PASSWORD,
        "password2": AGAIN,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].help_text = ""


class ReauthenticateForm(PlainWords, account.ReauthenticateForm):
    MESSAGES: ClassVar = {"password": PASSWORD}


class AuthenticateForm(PlainWords, mfa.AuthenticateForm):
    MESSAGES: ClassVar = {"code": APP_CODE}


class MFAReauthenticateForm(PlainWords, mfa.ReauthenticateForm):
    MESSAGES: ClassVar = {"code": APP_CODE}


class ActivateTOTPForm(PlainWords, totp.ActivateTOTPForm):
    MESSAGES: ClassVar = {"code": APP_CODE}

"""Forms shared by every room: the audit trail's filters; the stand-in for allauth's
security-key form."""

from __future__ import annotations

from typing import Any

from django import forms

from revmentor.core.models import AuditEvent
from revmentor.core.selectors import AuditFilters


class AuditFilterForm(forms.Form):
    """Narrow the audit trail by action and by who did it. Both are optional."""

    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Any action")]
        + [(value, str(label).capitalize()) for value, label in AuditEvent.Action.choices],
        error_messages={"invalid_choice": "Select an action from the list"},
    )
    actor = forms.CharField(
        label="Who did it",
        help_text="All or part of their email address",
        required=False,
        max_length=254,
    )

    def filters(self) -> AuditFilters:
        """The filters to apply: none at all if the form has errors."""
        if not self.is_valid():
            return AuditFilters()
        return AuditFilters(
            action=self.cleaned_data["action"],
            actor_email=self.cleaned_data["actor"].strip(),
        )


class NoSecurityKeyForm(forms.Form):
    """Takes the place of allauth's security-key (WebAuthn) sign-in form (``MFA_FORMS``).

    We offer no security keys (``MFA_SUPPORTED_TYPES``), yet allauth's code page reads a
    POST without a code as one and parses its ``credential`` as JSON, which deeply nested
    brackets turn into a RecursionError. This form refuses such a POST without reading it.
    """

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        raise forms.ValidationError("Enter the code from your authenticator app")

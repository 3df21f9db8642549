"""Forms for running an allocation."""

from __future__ import annotations

from typing import Any

from django import forms

from revmentor.allocation.models import Allocation
from revmentor.allocation.services import ReasonNeeded


class RunForm(forms.Form):
    """Run an allocation. ``needs_reason``: a draft is there to replace, so the reason is
    required (the service checks again, under its lock)."""

    own_supervisor = forms.ChoiceField(
        choices=Allocation.Rule.choices,
        initial=Allocation.Rule.ALLOW,
        widget=forms.RadioSelect,
        label="Pairing a mentor with their own clinical supervisor",
        error_messages={
            "required": "Select whether a mentor may be paired with their own supervisor",
            "invalid_choice": "Select whether a mentor may be paired with their own supervisor",
        },
    )
    capacity = forms.IntegerField(
        min_value=1,
        max_value=5,
        initial=1,
        label="How many mentors each mentee can meet",
        error_messages={
            "required": "Enter how many mentors each mentee can meet",
            "invalid": "Enter a whole number, like 1",
            "min_value": "Enter 1 or more",
            "max_value": "Enter 5 or fewer",
        },
    )
    reason = forms.CharField(
        max_length=300,
        required=False,
        label="Why are you running it again?",
        help_text="Needed when you replace a draft; kept with the record.",
        error_messages={"max_length": "The reason must be 300 characters or fewer"},
    )

    def __init__(self, *args: Any, needs_reason: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_reason = needs_reason

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"]
        if self.needs_reason and not reason:
            raise forms.ValidationError(ReasonNeeded.message, code="required")
        return reason

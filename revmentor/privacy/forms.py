"""The erasure confirmation form."""

from __future__ import annotations

from django import forms


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that this cannot be undone",
        error_messages={"required": "Confirm that you understand this cannot be undone"},
    )
